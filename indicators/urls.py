from django.urls import path

from . import views

app_name = "indicators"
urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("trend/", views.trend_view, name="trend"),
    path("drill/", views.drill_view, name="drill"),
]
