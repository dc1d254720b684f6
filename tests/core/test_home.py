"""Home page per role: real figures of the actor's own scope, bounded queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from registry.models import FilingStatus, InstitutionStatus
from tests.factories import FilingFactory, InstitutionFactory

pytestmark = pytest.mark.django_db


def stat(body: str, key: str) -> str:
    marker = f'data-testid="stat-{key}">'
    return body.split(marker, 1)[1].split("<", 1)[0]


def test_reviewer_home_counts_only_the_district(login, reviewer, django_assert_max_num_queries):
    with scopes_disabled():
        InstitutionFactory(status=InstitutionStatus.FILED, total_slots=30)
        waiting = InstitutionFactory(status=InstitutionStatus.FILING)
        now = timezone.now()
        FilingFactory(institution=waiting, status=FilingStatus.SUBMITTED, due_at=now + dt.timedelta(days=2),
                      notice_due_at=now + dt.timedelta(days=14))
        late = InstitutionFactory(status=InstitutionStatus.FILING)
        FilingFactory(institution=late, status=FilingStatus.RESUBMITTED, due_at=now - dt.timedelta(days=3),
                      notice_due_at=now + dt.timedelta(days=9))
        very_late = InstitutionFactory(status=InstitutionStatus.FILING)
        FilingFactory(institution=very_late, status=FilingStatus.SUBMITTED, due_at=now - dt.timedelta(days=20),
                      notice_due_at=now - dt.timedelta(days=6))
        InstitutionFactory(status=InstitutionStatus.FILED, total_slots=99, region_id="330105001")
    client = login(reviewer)
    # The registry's figures and the cards supervision adds (core.dashboard.register_home_stats): the
    # blacklist's open hits, inspections' and rectification's aggregates, enforcement's two (closures in
    # progress, grades by letter), complaints' and incidents' counts. Fixed: independent of data size.
    # The scope's totals are the sums of the per-region rollup (no second pass over the institutions).
    with django_assert_max_num_queries(21):
        body = client.get("/").content.decode()
    assert "西湖区" in body
    assert (stat(body, "filed"), stat(body, "slots"), stat(body, "unfiled"), stat(body, "pending")) == ("1", "30", "3", "3")
    assert (stat(body, "overdue"), stat(body, "notice_overdue")) == ("2", "1")


def test_operator_home_shows_own_institution(login, make_account, regions, django_assert_max_num_queries):
    with scopes_disabled():
        mine = InstitutionFactory(name="我的托育园")
        InstitutionFactory(name="别人的托育园")
    operator = make_account("op_home", "operator", mine.uscc)
    client = login(operator)
    # The registry's figures and the cards other apps add: rectification, incidents, penalties and closure
    # (one aggregate each). Fixed: independent of data size.
    with django_assert_max_num_queries(16):
        body = client.get("/").content.decode()
    assert "我的托育园" in body and "别人的托育园" not in body
    assert stat(body, "status") == "已登记未备案"


def test_user_without_role_is_sent_to_claim(login, django_user_model, regions):
    user = django_user_model.objects.create_user("newbie", password="Passw0rd!2026")
    body = login(user).get("/").content.decode()
    assert "尚未分配角色" in body and 'href="/registry/claim/"' in body
