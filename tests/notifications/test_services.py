"""Notifications: typed, told to the people the accounts selectors name, linked with reverse, and sent
only after commit (a rolled-back transaction sends nothing)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import resolve
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.selectors import (
    operators_by_institution,
    operators_of,
    reviewers_by_district,
    reviewers_of,
    scope_of,
)
from core.sweeps import Notice, run_sweep
from core.tenancy import TenantScope, tenant_scope
from notifications.models import Notification, NotificationType
from notifications.services import notify_each, notify_on_commit
from registry.models import Filing
from registry.services import filings as svc
from registry.services.institutions import (
    claim_reject,
    institution_claim,
    institution_resume,
    institution_suspend,
)
from tests.factories import InstitutionFactory, make_ready_filing


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def as_(user):
    return tenant_scope(scope_of(user.active_assignments[0]))


def with_email(user):
    user.email = f"{user.username}@example.gov.cn"
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def institution(regions):
    with scopes_disabled():
        return InstitutionFactory()


@pytest.fixture
def operator(make_account, institution):
    return with_email(make_account("op_notify", "operator", institution.uscc))


@pytest.mark.django_db
def test_recipients_come_from_the_accounts_selectors(institution, operator, reviewer, other_reviewer, make_account):
    admin = make_account("admin_xh", "district_admin", "330106")
    make_account("inspector_xh", "district_inspector", "330106")  # inspects, does not review: not told
    assert operators_of(institution.pk) == [operator]
    assert reviewers_of("330106") == [reviewer, admin]
    assert reviewers_by_district(["330106", "330105", "110101"]) == {
        "330106": [reviewer, admin], "330105": [other_reviewer], "110101": []}
    operator.is_active = False
    operator.save(update_fields=["is_active"])
    assert operators_by_institution([institution.pk]) == {institution.pk: []}


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_when_the_transaction_rolls_back(institution, operator, reviewer):
    with_email(reviewer)
    with scopes_disabled():
        filing = make_ready_filing(institution)

    with pytest.raises(RuntimeError), transaction.atomic():  # the submit, then a failure later in the request
        with as_(operator):
            svc.filing_submit(actor=operator, filing_id=filing.pk)
        notify_each([Notice(reviewer, NotificationType.FILING_REVIEW_OVERDUE, "标题", "", "")])
        raise RuntimeError("later step failed")
    assert not Notification.objects.exists() and mail.outbox == []

    with as_(operator):  # the same, committed: told once, by email too
        svc.filing_submit(actor=operator, filing_id=filing.pk)
    [note] = Notification.objects.all()
    assert (note.user, note.kind) == (reviewer, NotificationType.FILING_SUBMITTED)
    assert [m.to for m in mail.outbox] == [[reviewer.email]]


@pytest.mark.django_db(transaction=True)
def test_recipients_are_looked_up_after_commit(institution, operator, make_account):
    def later():
        with transaction.atomic():
            notify_on_commit(kind=NotificationType.CLAIM_SUBMITTED, recipients=lambda: reviewers_of("330106"),
                             title="机构认领待确认")
            # Granted in the same transaction, after the call: still told, the lookup waits for commit.
            return make_account("reviewer_late", "district_reviewer", "330106")

    late = later()
    assert list(Notification.objects.values_list("user", flat=True)) == [late.pk]


@pytest.mark.django_db
def test_only_known_types_are_sent(reviewer):
    with pytest.raises(ValueError, match="unknown notification type"):
        notify_on_commit(kind="something_happened", recipients=[], title="x")
    with pytest.raises(ValueError, match="unknown notification type"):
        notify_each([Notice(reviewer, "leak", "x", "", "")])


@pytest.mark.django_db
def test_the_database_refuses_a_free_text_type(reviewer):
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(user=reviewer, kind="free_text", title="x")


@pytest.mark.django_db
def test_every_link_resolves_to_the_page_it_names(institution, operator, reviewer, make_account,
                                                  django_capture_on_commit_callbacks):
    """Every notification the registry sends in a lifecycle links to a real page (reverse, no fallback)."""
    with scopes_disabled():
        filing = make_ready_filing(institution)
        other = InstitutionFactory()
    claimant = make_account("claimant", "operator", other.uscc)
    with django_capture_on_commit_callbacks(execute=True):
        with as_(operator):
            svc.filing_submit(actor=operator, filing_id=filing.pk)
        with as_(reviewer):
            svc.filing_return(actor=reviewer, filing_id=filing.pk, reasons=["消防证明模糊"])
        with as_(operator):
            svc.filing_submit(actor=operator, filing_id=filing.pk)
    with scopes_disabled():  # past both deadlines: the sweep tells the reviewers
        Filing.objects.filter(pk=filing.pk).update(due_at=timezone.now() - dt.timedelta(days=1),
                                                   notice_due_at=timezone.now() - dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        run_sweep("registry.filing_deadlines")
        with as_(reviewer):
            svc.filing_accept(actor=reviewer, filing_id=filing.pk)
            institution_suspend(actor=reviewer, institution_id=institution.pk, reason="疏散通道堵塞")
            institution_resume(actor=reviewer, institution_id=institution.pk, reason="整改完成")
        with tenant_scope(TenantScope.nothing()):
            claim = institution_claim(actor=claimant, uscc=institution.uscc)
        with as_(reviewer):
            claim_reject(actor=reviewer, claim_id=claim.pk, note="授权书不符")

    views = {}
    for note in Notification.objects.order_by("id"):
        assert note.link.startswith("/") and not urlsplit(note.link).netloc, note.link
        views.setdefault(note.kind, set()).add(resolve(note.link).view_name)
    assert views == {
        "filing_submitted": {"registry:review_detail"}, "filing_resubmitted": {"registry:review_detail"},
        "filing_returned": {"registry:filing_detail"}, "filing_accepted": {"registry:filing_detail"},
        "filing_review_overdue": {"registry:review_detail"}, "filing_notice_overdue": {"registry:review_detail"},
        "institution_suspended": {"registry:operator_home"}, "institution_resumed": {"registry:operator_home"},
        "claim_submitted": {"registry:claim_list"}, "claim_rejected": {"registry:claim"},
    }
