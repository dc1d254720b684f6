from django.urls import path

from .views import RegionDetailView, RegionListView

urlpatterns = [
    path("regions/", RegionListView.as_view(), name="api-regions"),
    path("regions/<str:code>/", RegionDetailView.as_view(), name="api-region-detail"),
]
