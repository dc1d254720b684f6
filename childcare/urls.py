from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.admin_site import admin_site

# Malformed requests, refusals, unknown paths and unhandled errors: the API error shape under /api/,
# a Chinese page elsewhere.
handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"

urlpatterns = [
    path("", include("core.urls")),
    path("", include("portal.urls")),
    path("accounts/", include("accounts.urls")),
    path("registry/", include("registry.urls")),
    path("supervision/", include("supervision.urls")),
    path("indicators/", include("indicators.urls")),
    path("subsidies/", include("subsidies.urls")),
    path("notifications/", include("notifications.urls")),
    path("admin/", admin_site.urls),
    path("api/v1/", include("childcare.api_urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

# MEDIA_ROOT (uploaded documents, receipts, notices) is never served as files, in any mode: they
# are read only through the views that check the reader's scope and role.
