# ruff: noqa: F811 - pytest fixtures imported from tests/supervision/enforcement.py are arguments by name
"""Penalties: each kind issued by the district admin with its decision number, date and basis; a
suspension suspends the service through registry's service (and concluding it resumes); a ban of a
person lists them on the nationwide blacklist (and withdrawing it ends the listing); every illegal
move refused; what the public page shows (no person's data)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from core.errors import DomainError, InvalidTransition, NotFound, PermissionDenied
from core.public import public_sections
from notifications.models import Notification
from registry.models import InstitutionEvent, InstitutionStatus
from supervision.models import BlacklistEntry, EntryStatus, Penalty, PenaltyEvent, PenaltyStatus
from supervision.services.penalties import penalty_conclude, penalty_issue, penalty_withdraw
from supervision.workflow import PENALTY, PenaltyAction
from tests.factories import make_id_number

from .enforcement import (  # noqa: F401
    acting,
    admin,
    district_reviewer,
    filed,
    gongshu_admin,
    institution,
    operator,
    penalty_data,
)

pytestmark = pytest.mark.django_db
BANNED_ID = make_id_number("330106", seq=77)


def issue(actor, institution, kind="warning", **overrides):
    with acting(actor):
        return penalty_issue(actor=actor, institution_id=institution.pk, data=penalty_data(kind, **overrides))


def test_a_fine_is_issued_with_its_amount_in_fen_and_an_event(admin, institution, operator,
                                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        penalty = issue(admin, institution, "fine", amount_fen=1_234_567)
    with scopes_disabled():
        penalty.refresh_from_db()
        assert (penalty.kind, penalty.amount_fen, penalty.amount_yuan) == ("fine", 1_234_567, "12,345.67")
        assert penalty.status == PenaltyStatus.IN_FORCE and penalty.district_id == "330106"
        (event,) = PenaltyEvent.objects.filter(penalty=penalty)
        assert event.action == "issue" and penalty.decision_number in event.reason
        assert Notification.objects.filter(user=operator, kind="penalty_issued").count() == 1


@pytest.mark.parametrize("kind, overrides, field, code", [
    ("fine", {"amount_fen": None}, "amount_fen", "required"),
    ("warning", {"amount_fen": 100}, "amount_fen", "not_a_fine"),
    ("warning", {"decided_on": timezone.localdate() + dt.timedelta(days=1)}, "decided_on", "date_in_future"),
    ("person_ban", {"person_name": "钱某"}, "id_number", "required"),
    ("warning", {"person_name": "钱某"}, "person_name", "not_a_ban"),
])
def test_what_each_kind_needs_is_a_field_error_and_nothing_is_written(admin, institution, kind, overrides, field,
                                                                      code):
    data = penalty_data(kind, **overrides)
    data = {k: v for k, v in data.items() if v is not None}
    with acting(admin), pytest.raises(DomainError) as exc:
        penalty_issue(actor=admin, institution_id=institution.pk, data=data)
    assert exc.value.fields[field][0].code == code
    with scopes_disabled():
        assert not Penalty.objects.exists()


def test_only_the_district_admin_of_the_institution_issues(admin, district_reviewer, gongshu_admin, institution):
    with acting(district_reviewer), pytest.raises(PermissionDenied):
        penalty_issue(actor=district_reviewer, institution_id=institution.pk, data=penalty_data())
    with acting(gongshu_admin), pytest.raises(NotFound):
        penalty_issue(actor=gongshu_admin, institution_id=institution.pk, data=penalty_data())
    with scopes_disabled():
        assert not Penalty.objects.exists()


def test_a_suspension_suspends_the_service_with_the_decision_as_reason_and_concluding_resumes(admin, institution):
    penalty = issue(admin, institution, "suspension", decision_number="西卫停〔2026〕1号")
    with scopes_disabled():
        institution.refresh_from_db()
        assert institution.status == InstitutionStatus.SUSPENDED
        event = InstitutionEvent.objects.filter(institution=institution).latest("id")
        assert event.action == "suspend" and "西卫停〔2026〕1号" in event.reason
    with acting(admin):
        penalty_conclude(actor=admin, penalty_id=penalty.pk, reason="整改到位，经复查合格")
    with scopes_disabled():
        institution.refresh_from_db()
        assert institution.status == InstitutionStatus.FILED
        assert InstitutionEvent.objects.filter(institution=institution).latest("id").action == "resume"


def test_a_suspension_needs_an_institution_in_service(admin, regions):
    registered = filed()
    with scopes_disabled():
        from registry.models import Institution
        Institution.objects.filter(pk=registered.pk).update(status=InstitutionStatus.REGISTERED)
    with pytest.raises(DomainError) as exc:
        issue(admin, registered, "suspension")
    assert exc.value.code == "not_in_service"


def test_a_ban_lists_the_person_nationwide_and_withdrawing_it_ends_the_listing(admin, institution):
    penalty = issue(admin, institution, "person_ban", person_name="钱某某", id_number=BANNED_ID, banned_until=None)
    with scopes_disabled():
        penalty.refresh_from_db()
        entry = BlacklistEntry.objects.get(pk=penalty.blacklist_entry_id)
        assert (entry.kind, entry.name, entry.id_number_hash, entry.banned_until) == (
            "person", "钱某某", penalty.id_number_hash, None)
        assert entry.decision_number == penalty.decision_number and entry.status == EntryStatus.ACTIVE
        assert penalty.id_number_masked and BANNED_ID not in penalty.id_number_masked
    with acting(admin):
        penalty_withdraw(actor=admin, penalty_id=penalty.pk, reason="行政复议撤销")
    with scopes_disabled():
        entry.refresh_from_db()
        assert entry.status == EntryStatus.ENDED and "行政复议撤销" in entry.change_reason


def test_a_decision_number_is_entered_once(admin, institution):
    issue(admin, institution, decision_number="西卫罚〔2026〕9号")
    with pytest.raises(DomainError) as exc:
        issue(admin, institution, decision_number="西卫罚〔2026〕9号")
    assert exc.value.code == "decision_duplicate"


# --- the table: every (state × action) pair ------------------------------------------------------------

@pytest.mark.parametrize("state", PenaltyStatus.values)
@pytest.mark.parametrize("action", [PenaltyAction.CONCLUDE, PenaltyAction.WITHDRAW])
def test_every_move_of_the_table_and_only_those(admin, institution, state, action):
    penalty = issue(admin, institution)
    if state != PenaltyStatus.IN_FORCE:
        with acting(admin):
            (penalty_conclude if state == PenaltyStatus.CONCLUDED else penalty_withdraw)(
                actor=admin, penalty_id=penalty.pk, reason="先结束")
    service = penalty_conclude if action == PenaltyAction.CONCLUDE else penalty_withdraw
    with acting(admin):
        if PENALTY.allows(action, state):
            service(actor=admin, penalty_id=penalty.pk, reason="依法")
            with scopes_disabled():
                penalty.refresh_from_db()
            assert penalty.status == PENALTY.transition(action).target
        else:
            with pytest.raises(InvalidTransition):
                service(actor=admin, penalty_id=penalty.pk, reason="依法")


def test_an_end_needs_a_reason_and_the_admin(admin, district_reviewer, institution):
    penalty = issue(admin, institution)
    with acting(admin), pytest.raises(DomainError) as exc:
        penalty_conclude(actor=admin, penalty_id=penalty.pk, reason="")
    assert exc.value.code == "reason_required"
    with acting(district_reviewer), pytest.raises(PermissionDenied):
        penalty_withdraw(actor=district_reviewer, penalty_id=penalty.pk, reason="x")


# --- the public page ------------------------------------------------------------------------------

def test_penalties_in_force_are_public_without_a_persons_data(admin, institution):
    issue(admin, institution, "fine", decision_number="西卫罚〔2026〕5号", amount_fen=300_000)
    issue(admin, institution, "person_ban", decision_number="西卫禁〔2026〕6号", person_name="孙某某",
          id_number=BANNED_ID)
    ended = issue(admin, institution, "warning", decision_number="西卫警〔2026〕8号")
    with acting(admin):
        penalty_conclude(actor=admin, penalty_id=ended.pk, reason="已执行")
    (section,) = [s for s in public_sections(institution.pk) if s["key"] == "penalties"]
    rows = section["context"]["penalties"]
    assert {r["decision_number"] for r in rows} == {"西卫罚〔2026〕5号", "西卫禁〔2026〕6号"}
    assert {r["amount"] for r in rows} == {"3,000.00 元", ""}
    text = repr(rows)
    assert "孙某某" not in text and BANNED_ID[-4:] not in text and "人员信息不公开" in text


def test_the_portal_page_shows_the_section(admin, institution, client):
    from registry.models import Institution
    from tests.factories import FilingFactory

    with scopes_disabled():
        filing = FilingFactory(institution=institution, status="accepted")
        Institution.objects.filter(pk=institution.pk).update(current_filing=filing)
    issue(admin, institution, "fine", decision_number="西卫罚〔2026〕15号")
    text = client.get(f"/institutions/{institution.pk}/").content.decode()
    assert "执行中的行政处罚" in text and "西卫罚〔2026〕15号" in text and "5,000.00 元" in text
