"""/api/v1/ routes of subsidies: certifications, enrolments, claims, payout batches, budgets."""

from django.urls import path

from . import views

urlpatterns = [
    path("institutions/<int:institution_id>/certifications/", views.InstitutionCertificationsView.as_view(),
         name="api-subsidy-certifications"),
    path("certifications/<int:certification_id>/", views.CertificationDetailView.as_view(),
         name="api-certification"),
    path("certifications/<int:certification_id>/resubmit/", views.CertificationResubmitView.as_view(),
         name="api-certification-resubmit"),
    path("certifications/<int:certification_id>/return/", views.CertificationReturnView.as_view(),
         name="api-certification-return"),
    path("certifications/<int:certification_id>/accept/", views.CertificationAcceptView.as_view(),
         name="api-certification-accept"),
    path("certifications/<int:certification_id>/revoke/", views.CertificationRevokeView.as_view(),
         name="api-certification-revoke"),
    path("institutions/<int:institution_id>/enrolments/", views.EnrolmentListView.as_view(), name="api-enrolments"),
    path("institutions/<int:institution_id>/enrolments/import/", views.EnrolmentImportView.as_view(),
         name="api-enrolments-import"),
    path("enrolments/<int:enrolment_id>/reveal/", views.EnrolmentRevealView.as_view(), name="api-enrolment-reveal"),
    path("subsidy-claims/", views.ClaimListView.as_view(), name="api-subsidy-claims"),
    path("subsidy-claims/<int:subsidy_claim_id>/", views.ClaimDetailView.as_view(), name="api-subsidy-claim"),
    path("subsidy-claims/<int:subsidy_claim_id>/submit/", views.ClaimSubmitView.as_view(),
         name="api-subsidy-claim-submit"),
    path("subsidy-claims/<int:subsidy_claim_id>/approve/", views.ClaimApproveView.as_view(),
         name="api-subsidy-claim-approve"),
    path("subsidy-claims/<int:subsidy_claim_id>/return/", views.ClaimReturnView.as_view(),
         name="api-subsidy-claim-return"),
    path("subsidy-claims/<int:subsidy_claim_id>/recompute/", views.ClaimRecomputeView.as_view(),
         name="api-subsidy-claim-recompute"),
    path("subsidy-claims/<int:subsidy_claim_id>/clawback/", views.ClaimClawbackView.as_view(),
         name="api-subsidy-claim-clawback"),
    path("subsidy-claim-lines/<int:line_id>/yield/", views.LineYieldView.as_view(), name="api-subsidy-line-yield"),
    path("payout-batches/", views.BatchListView.as_view(), name="api-payout-batches"),
    path("payout-batches/<int:batch_id>/", views.BatchDetailView.as_view(), name="api-payout-batch"),
    path("payout-batches/<int:batch_id>/pay/", views.BatchPayView.as_view(), name="api-payout-batch-pay"),
    path("payout-batches/<int:batch_id>/export.xlsx", views.BatchExportView.as_view(),
         name="api-payout-batch-export"),
    path("subsidy-budgets/", views.BudgetListView.as_view(), name="api-subsidy-budgets"),
]
