"""Read-only roles (city viewer, auditor) see no action anywhere: every page they can open is
walked and must offer no form that changes something and no button or link that reads like one.
Also: the city dashboard lists every district of the city, zeros included; the institution list
has a district column and a district filter above district level."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from registry.models import ClaimStatus, FilingStatus, Institution, InstitutionClaim, InstitutionStatus
from tests.factories import (
    FilingDocumentFactory,
    FilingFactory,
    InstitutionFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Forms a read-only user may still post: leave, change the active role, mark their own messages read.
ALLOWED_POSTS = (r"^/accounts/logout/$", r"^/switch-role/$", r"^/notifications/\d+/read/$", r"^/admin/logout/$")
ACTION_WORDS = ("审核", "通过", "退回", "确认", "驳回", "暂停", "恢复", "删除", "保存", "重新生成", "上传", "提交",
                "撤回", "增加", "添加", "新建", "完整号码", "编辑", "修改")


class _Controls(HTMLParser):
    """Forms that post and can be submitted (a button or submit input inside), and the text of every
    button, submit input and button-styled link."""

    def __init__(self):
        super().__init__()
        self.posts: list[str] = []
        self.controls: list[str] = []
        self._form: dict | None = None
        self._stack: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            method = (a.get("method") or "get").lower()
            self._form = {"action": a.get("action") or "", "post": method == "post", "submit": False}
        elif tag == "input" and a.get("type") in ("submit", "button", "image"):
            self.controls.append(a.get("value") or "")
            self._submits()
        elif tag == "button" or (tag == "a" and "btn" in (a.get("class") or "").split()):
            self._stack.append([])
            if tag == "button" and a.get("type", "submit") == "submit":
                self._submits()

    def _submits(self):
        if self._form is not None:
            self._form["submit"] = True

    def handle_data(self, data):
        for parts in self._stack:
            parts.append(data)

    def handle_endtag(self, tag):
        if tag in ("button", "a") and self._stack:
            self.controls.append("".join(self._stack.pop()).strip())
        elif tag == "form" and self._form is not None:
            if self._form["post"] and self._form["submit"]:
                self.posts.append(self._form["action"])
            self._form = None


def actions_on(html: str, path: str) -> list[str]:
    parser = _Controls()
    parser.feed(html)
    found = [f"POST form → {action or path}" for action in parser.posts
             if not any(re.match(p, action or path) for p in ALLOWED_POSTS)]
    found += [f"control “{text}”" for text in parser.controls if any(word in text for word in ACTION_WORDS)]
    return found


@pytest.fixture
def district(regions, reviewer):
    """A district with something to act on everywhere: a filing waiting, an accepted one whose
    receipt failed, a filed institution with staff, a pending claim, a message."""
    now = timezone.now()
    with scopes_disabled():
        waiting = FilingFactory(institution=InstitutionFactory(name="西湖区待审托育园", status=InstitutionStatus.FILING),
                                status=FilingStatus.SUBMITTED, submitted_at=now, due_at=now + dt.timedelta(days=5),
                                notice_due_at=now + dt.timedelta(days=15))
        FilingDocumentFactory(filing=waiting)
        filed = InstitutionFactory(name="西湖区已备案托育园", status=InstitutionStatus.FILED)
        accepted = FilingFactory(institution=filed, status=FilingStatus.ACCEPTED, receipt_no="330106-2026-00003",
                                 receipt_status="failed", decided_at=now)
        Institution.objects.filter(pk=filed.pk).update(current_filing=accepted, receipt_no=accepted.receipt_no)
        StaffFactory(institution=filed, name="张保育")
        claimant = UserFactory(username="claimant_ro")
        claim = InstitutionClaim(institution=waiting.institution, user=claimant, status=ClaimStatus.PENDING)
        claim.set_region(waiting.institution.region)
        claim.save()
    return {"waiting": waiting, "accepted": accepted, "filed": filed, "claim": claim}


def walk(client, user, paths):
    from core.sweeps import Notice
    from notifications.services import notify_each

    notify_each([Notice(user, "filing_accepted", "一条消息", "", "/")])
    client.force_login(user)
    problems = {}
    for path in paths:
        response = client.get(path, follow=True)
        assert response.status_code == 200, (path, response.status_code)
        found = actions_on(response.content.decode(), response.request["PATH_INFO"])
        if found:
            problems[path] = found
    return problems


def test_a_city_viewer_sees_no_action_on_any_page(client, make_account, district):
    viewer = make_account("hz_city_viewer", "city_viewer", "330100")
    paths = ["/", reverse("registry:review_queue"),
             reverse("registry:review_detail", args=[district["waiting"].pk]),
             reverse("registry:review_detail", args=[district["accepted"].pk]),
             reverse("registry:filing_detail", args=[district["accepted"].pk]),
             reverse("registry:filing_receipt_state", args=[district["accepted"].pk]),
             reverse("registry:institution_list"),
             reverse("registry:institution_detail", args=[district["filed"].pk]),
             reverse("registry:institution_detail", args=[district["waiting"].institution_id]),
             reverse("registry:staff_conflicts"), reverse("notifications:list")]
    assert walk(client, viewer, paths) == {}
    # The queue still lists the filing, to be read: 查看, not 审核.
    queue = client.get(reverse("registry:review_queue")).content.decode()
    assert "西湖区待审托育园" in queue and ">查看</a>" in queue and ">审核</a>" not in queue
    assert client.get(reverse("registry:claim_list")).status_code == 403


def test_a_reviewer_does_get_the_actions_the_walk_looks_for(client, reviewer, district):
    """The walk is not blind: the same pages offer the reviewer its actions."""
    client.force_login(reviewer)
    queue = client.get(reverse("registry:review_queue")).content.decode()
    assert actions_on(queue, "/registry/review/")
    review = client.get(reverse("registry:review_detail", args=[district["waiting"].pk])).content.decode()
    assert any("通过" in a for a in actions_on(review, "/registry/review/"))
    receipt = client.get(reverse("registry:review_detail", args=[district["accepted"].pk])).content.decode()
    assert any("重新生成" in a for a in actions_on(receipt, "/registry/review/"))
    detail = client.get(reverse("registry:institution_detail", args=[district["filed"].pk])).content.decode()
    assert any("暂停" in a for a in actions_on(detail, "/registry/institutions/"))


def test_an_auditor_sees_no_action_on_any_page(client, make_account, district):
    auditor = make_account("auditor_hz", "auditor", "330100")
    pages = ["/", "/admin/", "/admin/registry/filing/", f"/admin/registry/filing/{district['waiting'].pk}/change/",
             "/admin/registry/institution/", f"/admin/registry/institution/{district['filed'].pk}/change/",
             "/admin/registry/institutionclaim/", f"/admin/registry/institutionclaim/{district['claim'].pk}/change/",
             "/admin/registry/staff/", reverse("notifications:list")]
    assert walk(client, auditor, pages) == {}
    # And the registry pages are not theirs at all.
    for path in (reverse("registry:review_queue"), reverse("registry:institution_list")):
        assert client.get(path).status_code == 403


# --- the city dashboard and the institution list ---------------------------------------------------------

def test_city_dashboard_lists_every_district_zeros_included(client, make_account, regions):
    with scopes_disabled():
        InstitutionFactory(status=InstitutionStatus.FILED, total_slots=40, region_id="330106001")
        InstitutionFactory(status=InstitutionStatus.REGISTERED, region_id="330106002")
        InstitutionFactory(status=InstitutionStatus.FILED, total_slots=99, region_id="330203001")  # Ningbo
    client.force_login(make_account("hz_city_viewer", "city_viewer", "330100"))
    body = client.get("/").content.decode()
    rows = re.findall(r'data-testid="region-row" data-code="(\d+)"><td>([^<]+)</td><td>(\d+)</td><td>(\d+)</td>'
                      r'<td>(\d+)</td>', body)
    assert rows == [("330105", "拱墅区", "0", "0", "0"), ("330106", "西湖区", "1", "40", "1")]
    assert "各区县机构数" in body


def test_province_dashboard_rolls_up_by_city_and_dongguans_townships_are_districts(client, make_account, regions):
    from core.tenancy import TenantScope
    from registry.selectors.dashboard import scope_dashboard

    with scopes_disabled():
        InstitutionFactory(status=InstitutionStatus.FILED, total_slots=12, region_id="441900003")
    from core.tenancy import tenant_scope

    with tenant_scope(TenantScope.for_region(regions["440000"])):
        province = scope_dashboard(scope=TenantScope.for_region(regions["440000"]))
    assert province["by_region_label"] == "市"
    assert [(r["name"], r["filed"], r["slots"]) for r in province["by_region"]] == [("东莞市", 1, 12)]
    with tenant_scope(TenantScope.for_region(regions["441900"])):
        city = scope_dashboard(scope=TenantScope.for_region(regions["441900"]))
    assert [(r["code"], r["filed"]) for r in city["by_region"]] == [("441900003", 1)]


def test_institution_list_has_a_district_column_and_a_district_filter_for_the_city(client, make_account, reviewer,
                                                                                   regions):
    with scopes_disabled():
        InstitutionFactory(name="西湖区甲托育园", region_id="330106001")
        InstitutionFactory(name="拱墅区乙托育园", region_id="330105001")
    client.force_login(make_account("hz_city_viewer", "city_viewer", "330100"))
    page = client.get(reverse("registry:institution_list")).content.decode()
    table = page.split('data-testid="institutions"', 1)[1]
    assert re.search(r"西湖区甲托育园.*?data-testid=\"district\">西湖区<", table, re.S)
    assert re.search(r"拱墅区乙托育园.*?data-testid=\"district\">拱墅区<", table, re.S)
    assert 'name="district"' in page and '<option value="330105">拱墅区</option>' in page
    filtered = client.get(reverse("registry:institution_list"), {"district": "330105"}).content.decode()
    table = filtered.split('data-testid="institutions"', 1)[1]
    assert "拱墅区乙托育园" in table and "西湖区甲托育园" not in table
    # A district reviewer has one district: the column stays, the district filter does not.
    client.force_login(reviewer)
    own = client.get(reverse("registry:institution_list")).content.decode()
    assert 'name="district"' not in own and 'data-testid="district">西湖区<' in own
