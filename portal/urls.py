from django.urls import path

from . import views

app_name = "portal"
urlpatterns: list = [
    path("verify/<str:receipt_no>/", views.verify_receipt, name="verify_receipt"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution"),
]
