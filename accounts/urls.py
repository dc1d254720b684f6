from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .forms import LoginForm

app_name = "accounts"
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html",
                                                authentication_form=LoginForm,
                                                redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change_view, name="password_change"),
    path("otp/", views.otp_setup_view, name="otp_setup"),
    path("otp/verify/", views.otp_verify_view, name="otp_verify"),
    path("otp/disable/", views.otp_disable_view, name="otp_disable"),
]
