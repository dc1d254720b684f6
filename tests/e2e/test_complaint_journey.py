"""Complaint journey in a real browser: a parent files a complaint from the portal's institution page
(no account) and notes the tracking code; the district's reviewer assigns it to themself and replies
and closes it; the parent, back with the code, sees the reply and the outcome — never the note."""

from __future__ import annotations

import re

from django.utils import timezone
from django_scopes import scopes_disabled

from registry.models import FilingStatus, Institution, InstitutionStatus
from supervision.models import Complaint, ComplaintStatus
from tests.conftest import PASSWORD
from tests.factories import FilingFactory, InstitutionFactory


def test_a_parent_complains_and_reads_the_districts_reply(new_page, shot, browser_login, reviewer, regions):
    with scopes_disabled():
        institution = InstitutionFactory(name="西湖区小鹿托育园", status=InstitutionStatus.FILED)
        filing = FilingFactory(institution=institution, status=FilingStatus.ACCEPTED, receipt_no="330106-2026-00077",
                               decided_at=timezone.now(), name=institution.name)
        Institution.objects.filter(pk=institution.pk).update(current_filing=filing, receipt_no="330106-2026-00077")

    parent = new_page()
    parent.goto(f"/institutions/{institution.pk}/")
    parent.get_by_test_id("complain").click()
    assert parent.get_by_test_id("complaint-target").inner_text() == "西湖区小鹿托育园"
    parent.get_by_label("投诉内容").fill("接孩子时发现午睡室窗户敞开、没有老师看护，已经连续两天如此。")
    parent.get_by_label("联系人（选填）").fill("孙丽华")
    parent.get_by_label("联系电话（选填）").fill("139 1234 5678")
    shot(parent, "complaint-form")
    parent.get_by_test_id("complaint-submit").click()
    code = parent.get_by_test_id("tracking-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    shot(parent, "complaint-received")

    district = new_page()
    browser_login(district, reviewer.username, PASSWORD)
    district.goto("/supervision/complaints/")
    district.get_by_role("link", name=code).click()
    assert "139****5678" in district.get_by_test_id("complaint").inner_text()
    district.get_by_test_id("assign-form").get_by_label("承办人").select_option(str(reviewer.pk))
    district.get_by_test_id("assign-form").get_by_role("button").click()
    district.get_by_test_id("note-form").get_by_label("内部备注（投诉人看不到）").fill("需调取午睡室监控核实。")
    district.get_by_test_id("note-form").get_by_role("button").click()
    close = district.get_by_test_id("close-form")
    close.get_by_label("核查结论").select_option("substantiated")
    close.get_by_label("答复（已答复的可留空）").fill("经调取监控核实，情况属实，已责令该园整改午睡巡视制度。")
    close.get_by_role("button", name="办结").click()
    assert district.get_by_test_id("complaint-status").inner_text() == "已办结"
    shot(district, "district-closed")
    with scopes_disabled():
        assert Complaint.objects.get().status == ComplaintStatus.CLOSED

    parent.goto("/complaints/track/")
    parent.get_by_label("查询码").fill(code.lower())
    parent.get_by_test_id("track-submit").click()
    assert parent.get_by_test_id("track-status").inner_text().startswith("已办结")
    assert parent.get_by_test_id("track-outcome").inner_text() == "属实"
    assert "已责令该园整改午睡巡视制度" in parent.get_by_test_id("track-reply").inner_text()
    body = parent.content()
    assert "调取午睡室监控核实" not in body and "孙丽华" not in body and "5678" not in body
    shot(parent, "parent-reads-reply")
