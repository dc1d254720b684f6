"""/api/v1/: every app's API routes, in one router."""

from django.urls import include, path

from accounts.api import ObtainTokenView, RevokeTokenView
from portal.api import PublicInstitutionSearchView

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("auth/logout/", RevokeTokenView.as_view(), name="api-logout"),
    path("public/institutions/", PublicInstitutionSearchView.as_view(), name="api-public-institutions"),
    path("", include("regions.api.urls")),
    path("", include("registry.api.urls")),
    path("", include("supervision.api.urls")),
    path("", include("indicators.api.urls")),
    path("", include("subsidies.api.urls")),
]
