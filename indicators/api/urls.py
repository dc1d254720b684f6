from django.urls import path

from . import views

urlpatterns = [
    path("indicators/", views.IndicatorView.as_view(), name="api-indicators"),
]
