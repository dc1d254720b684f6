from django.urls import path

from .views import filings, institutions, operator, review, staff

app_name = "registry"
urlpatterns = [
    # Operator: sign-up, claim, home.
    path("signup/", operator.signup, name="operator_signup"),
    path("claim/", operator.claim, name="claim"),
    path("claim/regions/", operator.claim_region_options, name="claim_regions"),
    path("claims/<int:claim_id>/evidence/", operator.claim_evidence, name="claim_evidence"),
    path("my/contact/", operator.contact_update, name="contact_update"),
    path("", operator.operator_home, name="operator_home"),
    # Operator: staff roster.
    path("my/staff/", staff.staff_list_view, name="staff_list"),
    path("my/staff/add/", staff.staff_add, name="staff_add"),
    path("my/staff/<int:staff_id>/edit/", staff.staff_edit, name="staff_edit"),
    path("my/staff/<int:staff_id>/end/", staff.staff_end_view, name="staff_end"),
    # Filings: the operator's form in steps, submit, withdraw; status and history for everyone in scope.
    path("filings/new/<slug:kind>/", filings.filing_new, name="filing_new"),
    path("filings/<int:filing_id>/", filings.filing_detail, name="filing_detail"),
    path("filings/<int:filing_id>/edit/<slug:step>/", filings.filing_step, name="filing_step"),
    path("filings/<int:filing_id>/submit/", filings.filing_submit_view, name="filing_submit"),
    path("filings/<int:filing_id>/withdraw/", filings.filing_withdraw_view, name="filing_withdraw"),
    path("filings/<int:filing_id>/receipt.pdf", filings.filing_pdf, {"which": "receipt"}, name="filing_receipt"),
    path("filings/<int:filing_id>/notice.pdf", filings.filing_pdf, {"which": "notice"}, name="filing_notice"),
    path("filings/<int:filing_id>/receipt-state/", filings.filing_receipt_state, name="filing_receipt_state"),
    path("filings/<int:filing_id>/rejection.pdf", filings.filing_pdf, {"which": "rejection"},
         name="filing_rejection"),
    path("documents/<int:document_id>/", filings.document_file, name="document_file"),
    path("documents/<int:document_id>/delete/", filings.document_delete_view, name="document_delete"),
    # Review.
    path("review/", review.queue, name="review_queue"),
    path("review/<int:filing_id>/", review.review_detail, name="review_detail"),
    path("review/<int:filing_id>/accept/", review.review_accept, name="review_accept"),
    path("review/<int:filing_id>/return/", review.review_return, name="review_return"),
    path("review/<int:filing_id>/rerender/", review.review_rerender, name="review_rerender"),
    path("review/<int:filing_id>/reject/", review.review_reject, name="review_reject"),
    # Commission.
    path("institutions/", institutions.institution_list_view, name="institution_list"),
    path("institutions/<int:institution_id>/", institutions.institution_detail, name="institution_detail"),
    path("institutions/<int:institution_id>/suspend/", institutions.institution_suspend_view,
         name="institution_suspend"),
    path("institutions/<int:institution_id>/resume/", institutions.institution_resume_view,
         name="institution_resume"),
    path("staff/<int:staff_id>/reveal/", staff.staff_reveal, name="staff_reveal"),
    path("claims/", institutions.claim_list_view, name="claim_list"),
    path("claims/<int:claim_id>/confirm/", institutions.claim_confirm_view, name="claim_confirm"),
    path("claims/<int:claim_id>/reject/", institutions.claim_reject_view, name="claim_reject"),
    path("staff-conflicts/", institutions.staff_conflicts, name="staff_conflicts"),
]
