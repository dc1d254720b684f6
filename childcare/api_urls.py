"""/api/v1/: every app's API routes, in one router."""

from django.urls import include, path

from accounts.api import ObtainTokenView

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("", include("regions.api.urls")),
    path("", include("registry.api.urls")),
]
