from django.urls import path

from .views import pages

app_name = "subsidies"
urlpatterns = [
    path("claims/", pages.claim_list, name="claims"),
    path("claims/<int:subsidy_claim_id>/", pages.claim_detail, name="claim_detail"),
    path("claims/<int:subsidy_claim_id>/submit/", pages.claim_submit, name="claim_submit"),
    path("claims/<int:subsidy_claim_id>/recompute/", pages.claim_recompute, name="claim_recompute"),
    path("claims/<int:subsidy_claim_id>/approve/", pages.claim_approve, name="claim_approve"),
    path("claims/<int:subsidy_claim_id>/return/", pages.claim_return, name="claim_return"),
    path("claims/<int:subsidy_claim_id>/clawback/", pages.claim_clawback, name="claim_clawback"),
    path("claims/<int:subsidy_claim_id>/documents/", pages.claim_document_upload, name="claim_document_upload"),
    path("documents/<int:claim_document_id>/", pages.claim_document_file, name="claim_document_file"),
    path("lines/<int:line_id>/yield/", pages.line_yield, name="line_yield"),
    path("institutions/<int:institution_id>/claims/new/", pages.claim_new, name="claim_new"),
    path("institutions/<int:institution_id>/claims/construction/", pages.construction_new, name="construction_new"),
    path("institutions/<int:institution_id>/enrolments/", pages.enrolments, name="enrolments"),
    path("institutions/<int:institution_id>/enrolments/import/", pages.enrolments_import, name="enrolments_import"),
    path("institutions/<int:institution_id>/certification/", pages.certification, name="certification"),
    path("certifications/<int:certification_id>/accept/", pages.certification_accept, name="certification_accept"),
    path("certifications/<int:certification_id>/return/", pages.certification_return, name="certification_return"),
    path("certifications/<int:certification_id>/revoke/", pages.certification_revoke, name="certification_revoke"),
    path("policies/", pages.policies, name="policies"),
    path("batches/", pages.batch_list, name="batches"),
    path("batches/<int:batch_id>/", pages.batch_detail, name="batch_detail"),
]
