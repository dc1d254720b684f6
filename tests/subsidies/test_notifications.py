"""Who is told of subsidy moves: the operator when a claim is returned, approved or paid and when a
certification is accepted, returned, revoked, about to expire or expired; the district when a claim
is submitted and when a child is flagged as claimed twice. Nothing is sent for a rolled-back move."""

from __future__ import annotations

import datetime as dt

import pytest
from django_scopes import scopes_disabled

from notifications.models import Notification
from subsidies.models import Certification, SubsidyClaim
from subsidies.services import certifications as cert_services
from subsidies.services import claims as services
from subsidies.services import payouts
from tests.factories import make_enrolment

pytestmark = pytest.mark.django_db
D = dt.date
MARCH = D(2026, 3, 1)
FEES = {"toddler": 200_000, "older_toddler": 180_000}


def kinds(user) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("id").values_list("kind", flat=True))


def test_claim_moves_tell_the_district_then_the_operator(institution, operator, district_reviewer, district_admin,
                                                         budgets, django_capture_on_commit_callbacks):
    with scopes_disabled():
        make_enrolment(institution, name="童", born=D(2024, 1, 10), class_type="older_toddler",
                       enrolled_on=D(2026, 2, 1))
        claim = services.operating_claim_create(actor=operator, institution_id=institution.pk, period=MARCH)
        with django_capture_on_commit_callbacks(execute=True):
            services.claim_submit(actor=operator, claim_id=claim.pk)
        assert kinds(district_reviewer) == ["subsidy_claim_submitted"] and kinds(operator) == []
        note = Notification.objects.get(user=district_reviewer)
        assert note.link == f"/subsidies/claims/{claim.pk}/" and "300.00" in note.body
        with django_capture_on_commit_callbacks(execute=True):
            services.claim_return(actor=district_reviewer, claim_id=claim.pk, reasons=["缺少考勤表"])
        assert kinds(operator) == ["subsidy_claim_returned"]
        assert "缺少考勤表" in Notification.objects.get(user=operator).body
        with django_capture_on_commit_callbacks(execute=True):
            services.claim_submit(actor=operator, claim_id=claim.pk)
            services.claim_approve(actor=district_reviewer, claim_id=claim.pk)
        batch = payouts.payout_batch_create(actor=district_admin, district=None, claim_ids=[claim.pk])
        with django_capture_on_commit_callbacks(execute=True):
            payouts.payout_batch_pay(actor=district_admin, batch_id=batch.pk, bank_reference="BOC0001")
        assert kinds(operator) == ["subsidy_claim_returned", "subsidy_claim_approved", "subsidy_claim_paid"]
        assert "BOC0001" in Notification.objects.filter(user=operator).latest("id").body
        assert SubsidyClaim.objects.get(pk=claim.pk).status == "paid"


def test_a_refused_approval_tells_nobody(institution, operator, district_reviewer,
                                         django_capture_on_commit_callbacks):
    """No budget set: the approval is refused (409) and rolled back, so no one hears of it."""
    with scopes_disabled():
        make_enrolment(institution, name="童", born=D(2024, 1, 10), class_type="older_toddler",
                       enrolled_on=D(2026, 2, 1))
        claim = services.operating_claim_create(actor=operator, institution_id=institution.pk, period=MARCH)
        services.claim_submit(actor=operator, claim_id=claim.pk)
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception):  # noqa: B017
            services.claim_approve(actor=district_reviewer, claim_id=claim.pk)
        assert kinds(operator) == []


def test_certification_steps_tell_the_operator(institution, operator, district_reviewer,
                                               django_capture_on_commit_callbacks):
    with scopes_disabled():
        Certification.objects.all().delete()
        with django_capture_on_commit_callbacks(execute=True):
            cert = cert_services.certification_apply(actor=operator, institution_id=institution.pk,
                                                     fees=FEES)
            cert_services.certification_return(actor=district_reviewer, certification_id=cert.pk,
                                               reasons=["收费公示材料不全"])
            cert_services.certification_resubmit(actor=operator, certification_id=cert.pk, fees=FEES)
            cert_services.certification_accept(actor=district_reviewer, certification_id=cert.pk,
                                               period_start=D(2026, 1, 1), period_end=D(2027, 12, 31))
            cert_services.certification_revoke(actor=district_reviewer, certification_id=cert.pk, cause="penalty",
                                               reason="受到行政处罚")
        assert kinds(operator) == ["certification_returned", "certification_accepted", "certification_revoked"]
        assert "收费公示材料不全" in Notification.objects.filter(user=operator).order_by("id").first().body


def test_expiry_sweep_reminds_before_and_tells_at_the_end(institution, operator, django_capture_on_commit_callbacks):
    today = D(2026, 6, 1)
    with scopes_disabled():
        cert = Certification.objects.get(institution=institution)
        Certification.objects.filter(pk=cert.pk).update(period_end=today + dt.timedelta(days=30))
        with django_capture_on_commit_callbacks(execute=True):
            assert cert_services.certification_expiry_sweep(today)["expiring_notified"] == 1
            assert cert_services.certification_expiry_sweep(today + dt.timedelta(days=1))["expiring_notified"] == 0
            assert cert_services.certification_expiry_sweep(today + dt.timedelta(days=31))["expired"] == 1
        notes = list(Notification.objects.filter(user=operator).order_by("id").values_list("kind", "title"))
        assert notes == [("certification_expiring", "普惠认定即将到期"), ("certification_expiring", "普惠认定已到期")]


def test_a_duplicate_child_tells_both_districts(institution, budgets, district_reviewer, make_account, regions,
                                                policy, django_capture_on_commit_callbacks):
    from tests.factories import make_certification, make_filed_institution

    gongshu = make_account("gs_sub_reviewer", "district_reviewer", "330105")
    with scopes_disabled():
        other = make_filed_institution(region_id="330105001", name="拱墅区托育园")
        make_certification(other)
        for inst in (institution, other):
            make_enrolment(inst, name="同一人", born=D(2024, 1, 10), class_type="older_toddler",
                           enrolled_on=D(2026, 2, 1), seq=5)
        services.operating_claim_create(actor=None, institution_id=institution.pk, period=MARCH)
        with django_capture_on_commit_callbacks(execute=True):
            second = services.operating_claim_create(actor=None, institution_id=other.pk, period=MARCH)
    with scopes_disabled():
        assert second.district_id == "330105"
        assert kinds(district_reviewer) == ["subsidy_duplicate_child"]
        assert kinds(gongshu) == ["subsidy_duplicate_child"]
        body = Notification.objects.get(user=district_reviewer)
        assert "同一人" not in body.title + body.body  # counts only: no child named
