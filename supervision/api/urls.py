"""/api/v1/ routes of supervision: the nationwide blacklist and its hits."""

from django.urls import path

from . import views

urlpatterns = [
    path("blacklist/", views.EntryListView.as_view(), name="api-blacklist"),
    path("blacklist/hits/", views.HitListView.as_view(), name="api-blacklist-hits"),
    path("blacklist/hits/<int:hit_id>/", views.HitDetailView.as_view(), name="api-blacklist-hit"),
    path("blacklist/hits/<int:hit_id>/close/", views.HitCloseView.as_view(), name="api-blacklist-hit-close"),
    path("blacklist/<int:entry_id>/", views.EntryDetailView.as_view(), name="api-blacklist-detail"),
    path("blacklist/<int:entry_id>/end/", views.EntryEndView.as_view(), name="api-blacklist-end"),
]
from .enforcement import urlpatterns as enforcement_urlpatterns  # noqa: E402

urlpatterns += enforcement_urlpatterns
