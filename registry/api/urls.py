"""/api/v1/ routes of the registry: institutions, staff, registrations, claims, filings, documents."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("institutions", views.InstitutionViewSet, basename="api-institution")
router.register("claims", views.ClaimViewSet, basename="api-claim")
router.register("filings", views.FilingViewSet, basename="api-filing")

urlpatterns = [
    path("registrations/", views.RegistrationView.as_view(), name="api-registrations"),
    path("staff-conflicts/", views.StaffConflictListView.as_view(), name="api-staff-conflicts"),
    path("institutions/<int:institution_id>/staff/", views.StaffListView.as_view(), name="api-staff-list"),
    path("institutions/<int:institution_id>/staff/<int:staff_id>/", views.StaffDetailView.as_view(),
         name="api-staff-detail"),
    path("institutions/<int:institution_id>/staff/<int:staff_id>/reveal/", views.StaffRevealView.as_view(),
         name="api-staff-reveal"),
    path("institutions/<int:institution_id>/staff/<int:staff_id>/end/", views.StaffEndView.as_view(),
         name="api-staff-end"),
    path("filings/<int:pk>/documents/", views.DocumentListView.as_view(), name="api-filing-documents"),
    path("filings/<int:pk>/documents/<int:document_id>/", views.DocumentDetailView.as_view(),
         name="api-filing-document"),
    path("filings/<int:pk>/receipt.pdf", views.ReceiptPdfView.as_view(), name="api-filing-receipt"),
    path("filings/<int:pk>/notice.pdf", views.NoticePdfView.as_view(), name="api-filing-notice"),
    path("filings/<int:pk>/rejection.pdf", views.RejectionPdfView.as_view(), name="api-filing-rejection"),
    *router.urls,
]
