"""The auditor's admin reads the audit trail in Chinese: who (name and role), which institution, what
changed field by field, searchable by person and filterable by date; the 历史 button on an object
shows its real change history (pghistory events), not Django's empty admin log.

Every change here is made the way users make it (a reviewer's page POST), so what is under test is
the whole path: the request context recorded with the event, and the pages that read it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import Assignment, User
from core.middleware import SESSION_ASSIGNMENT_KEY
from registry.models import Filing, FilingEvent, Institution, InstitutionHistory, StaffHistory
from tests.conftest import PASSWORD
from tests.factories import InstitutionFactory, make_ready_filing

pytestmark = pytest.mark.django_db

# What the pages used to show instead of words.
INTERNALS = ("PGH", "Pgh", "pgh_id", "pgh_label", "pgh_obj_id", "USER ID", "User id", "object (", "full_day",
             "half_day", "The event label", "Model name", "insert", "update", "delete")


def page_text(response) -> str:
    """The visible text of the page's content area."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def page_text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def assert_no_internals(response):
    text = page_text(response)
    shown = [word for word in INTERNALS if re.search(rf"(?<![A-Za-z_]){re.escape(word)}(?![A-Za-z_])", text)]
    assert not shown, f"internals on the page: {shown}"


@pytest.fixture
def institution(regions):
    with scopes_disabled():
        return InstitutionFactory(name="西湖小太阳托育园", status="filed", service_types=["full_day", "half_day"])


@pytest.fixture
def acting_reviewer(reviewer):
    User.objects.filter(pk=reviewer.pk).update(display_name="王审核")
    reviewer.refresh_from_db()
    return reviewer


@pytest.fixture
def suspended(client, acting_reviewer, institution):
    """The reviewer suspends the institution through the page (a real request: context recorded)."""
    client.force_login(acting_reviewer)
    response = client.post(f"/registry/institutions/{institution.pk}/suspend/", {"reason": "消防通道堵塞，停业整改"})
    assert response.status_code == 302
    client.logout()
    with scopes_disabled():
        return InstitutionHistory.objects.filter(pgh_obj_id=institution.pk, pgh_label="update").latest("pgh_id")


@pytest.fixture
def auditor(make_account):
    return make_account("auditor_xh", "auditor", "330106")


def test_event_list_is_in_chinese_with_actor_name_role_and_institution(client, auditor, suspended, institution):
    client.force_login(auditor)
    response = client.get("/admin/registry/institutionhistory/")
    assert response.status_code == 200
    text = page_text(response)
    head = page_text_of("<" + response.content.decode().split('id="result_list"')[1].split(">", 1)[1]
                        .split("</thead>")[0])
    assert head.split() == ["时间", "操作", "对象", "机构", "操作人", "变更内容", "来源IP"]
    assert "修改（暂停服务）" in text and "新增" in text
    assert "王审核（reviewer_xh） · 区县备案审核员" in text
    assert "托育机构「西湖小太阳托育园」" in text and "状态" in text  # the changed field, named
    assert_no_internals(response)


def test_event_page_shows_the_field_by_field_diff(client, auditor, suspended):
    client.force_login(auditor)
    response = client.get(f"/admin/registry/institutionhistory/{suspended.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    diff = html.split('data-testid="diff"')[1].split("</table>")[0]
    assert re.search(r"状态</th><td><del>已备案</del></td><td><strong>暂停服务</strong>", diff)
    assert "机构名称" not in diff  # only what changed
    text = page_text(response)
    assert "托育机构「西湖小太阳托育园」的修改（记录" in text
    assert "王审核（reviewer_xh） · 区县备案审核员" in text and "消防通道堵塞，停业整改" in text
    assert "POST /registry/institutions/" in text
    assert "全日托、半日托" in text  # the full snapshot, in words
    assert_no_internals(response)


def test_history_button_lists_the_real_change_history(client, auditor, suspended, institution):
    client.force_login(auditor)
    change_page = client.get(f"/admin/registry/institution/{institution.pk}/change/")
    assert f'/admin/registry/institution/{institution.pk}/history/' in change_page.content.decode()
    assert "全日托、半日托" in page_text(change_page) and "full_day" not in change_page.content.decode()

    response = client.get(f"/admin/registry/institution/{institution.pk}/history/")
    assert response.status_code == 200
    text = page_text(response)
    assert "此对象没有修改历史" not in text and "没有变更记录" not in text
    assert "王审核（reviewer_xh） · 区县备案审核员" in text and "修改（暂停服务）" in text
    assert "原因：消防通道堵塞，停业整改" in text
    assert re.search(r"状态</td><td><del>已备案</del></td><td><strong>暂停服务</strong>", response.content.decode())
    assert "新建记录" in text  # the insert, from before the suspension
    assert f"/admin/registry/institutionhistory/{suspended.pk}/change/" in response.content.decode()
    assert "从业人员（变更历史）" in text  # links to the changes of its staff, filings, registration…
    assert_no_internals(response)


def test_search_by_actor_and_filter_by_date(client, auditor, suspended, institution):
    client.force_login(auditor)
    url = "/admin/registry/institutionhistory/"
    by_name = client.get(url, {"q": "王审核"})
    assert [e.pk for e in by_name.context["cl"].result_list] == [suspended.pk]
    by_username = client.get(url, {"q": "reviewer_xh"})
    assert [e.pk for e in by_username.context["cl"].result_list] == [suspended.pk]
    by_name_of_institution = client.get(url, {"q": "小太阳"})
    assert len(by_name_of_institution.context["cl"].result_list) == 2

    today = timezone.localdate()
    in_range = client.get(url, {"pgh_created_at__date__gte": today.isoformat(),
                                "pgh_created_at__date__lte": today.isoformat()})
    assert len(in_range.context["cl"].result_list) == 2
    assert 'data-testid="date-range"' in in_range.content.decode()
    before = client.get(url, {"pgh_created_at__date__lte": (today - dt.timedelta(days=1)).isoformat()})
    assert list(before.context["cl"].result_list) == []
    updates = client.get(url, {"pgh_label": "update"})
    assert [e.pk for e in updates.context["cl"].result_list] == [suspended.pk]
    assert client.get(url, {"pgh_created_at__date__gte": "不是日期"}).status_code == 200


def test_filing_events_read_in_words(client, auditor, regions, make_account):
    operator_user = None
    with scopes_disabled():
        filing = make_ready_filing()
        operator_user = make_account("op_x", "operator", filing.institution.uscc)
        User.objects.filter(pk=operator_user.pk).update(display_name="李园长")
        FilingEvent.objects.create(filing=filing, region=filing.region, province=filing.province, city=filing.city,
                                   district=filing.district, action="submit", from_status="draft",
                                   to_status="submitted", actor=operator_user, reason="首次提交")
        event = FilingEvent.objects.get(filing=filing)
    client.force_login(auditor)
    listing = client.get("/admin/registry/filingevent/")
    text = page_text(listing)
    assert "提交" in text and "草稿 → 已提交待审核" in text and "李园长（op_x） · 机构举办者/负责人" in text
    assert filing.institution.name in text
    assert_no_internals(listing)
    detail = client.get(f"/admin/registry/filingevent/{event.pk}/change/")
    assert detail.status_code == 200
    assert "备案流转记录" in page_text(detail) and "FilingEvent" not in detail.content.decode()
    assert "李园长（op_x） · 机构举办者/负责人" in page_text(detail)
    history = client.get(f"/admin/registry/filingevent/{event.pk}/history/")
    assert "本身就是审计记录" in page_text(history)


def test_the_role_recorded_is_the_one_the_person_acted_through(client, acting_reviewer, institution, auditor):
    from accounts.services import account_create_or_grant

    with scopes_disabled():
        account_create_or_grant(actor=None, username=acting_reviewer.username, password=PASSWORD,
                                role="district_admin", scope="330106")
        admin_role = Assignment.objects.get(user=acting_reviewer, role="district_admin")
    acting_reviewer.refresh_from_db()  # the grant re-hashed the password: log in with the current row
    client.force_login(acting_reviewer)
    session = client.session
    session[SESSION_ASSIGNMENT_KEY] = admin_role.pk
    session.save()
    response = client.post(f"/registry/institutions/{institution.pk}/suspend/", {"reason": "复查"}, follow=True)
    assert "已暂停服务" in response.content.decode(), page_text(response)[:3000]
    with scopes_disabled():
        event = InstitutionHistory.objects.filter(pgh_obj_id=institution.pk, pgh_label="update").latest("pgh_id")
    assert event.pgh_context.metadata["role"] == "district_admin"
    client.force_login(auditor)
    assert "王审核（reviewer_xh） · 区县管理员" in page_text(client.get(f"/admin/registry/institutionhistory/{event.pk}/change/"))


def test_events_without_a_recorded_role_say_so(client, auditor, acting_reviewer, institution):
    import pghistory

    with scopes_disabled(), pghistory.context(user=acting_reviewer.pk, url="/old/", ip="10.1.1.1", method="POST"):
        Institution.objects.filter(pk=institution.pk).update(name="旧记录托育园")
    client.force_login(auditor)
    text = page_text(client.get("/admin/registry/institutionhistory/"))
    assert "王审核（reviewer_xh） · 角色未记录（现有角色：区县备案审核员）" in text
    assert "系统（后台任务或管理命令，无请求上下文）" in text  # the factory's insert


def test_staff_history_names_the_institution_and_hides_personal_columns(client, auditor, institution):
    from tests.factories import StaffFactory

    with scopes_disabled():
        staff = StaffFactory(institution=institution, name="张保育")
        event = StaffHistory.objects.filter(pgh_obj_id=staff.pk).first()
    client.force_login(auditor)
    listing = client.get("/admin/registry/staffhistory/")
    assert "从业人员「张保育」" in page_text(listing) and "西湖小太阳托育园" in page_text(listing)
    detail = client.get(f"/admin/registry/staffhistory/{event.pk}/change/")
    html = detail.content.decode()
    assert staff.id_number_hash not in html and staff.id_number_encrypted not in html
    assert staff.id_number_masked in html
    related = client.get(f"/admin/registry/staffhistory/?institution_id={institution.pk}")
    assert [e.pk for e in related.context["cl"].result_list] == [event.pk]


def test_filing_json_columns_read_in_words_and_never_show_the_id_number_hash(client, auditor, institution):
    with scopes_disabled():
        filing = make_ready_filing(institution)
        snapshot = [{"name": "张保育", "role": "caregiver", "id_number_masked": "330106********1234",
                     "id_number_hash": "f" * 64, "education": "college", "years_experience": 3}]
        Filing.objects.filter(pk=filing.pk).update(
            staff_snapshot=snapshot, fees={"full_day": 250000},
            check_results=[{"code": "hygiene", "label": "卫生评价结论", "passed": True, "reason": "卫生评价结论为合格"}])
        event = filing.audit_events.order_by("-pgh_id").first()
    client.force_login(auditor)
    for url in (f"/admin/registry/filing/{filing.pk}/change/", f"/admin/registry/filinghistory/{event.pk}/change/"):
        response = client.get(url)
        html, text = response.content.decode(), page_text(response)
        assert "f" * 64 not in html and "id_number_hash" not in html
        assert "张保育（保育人员，330106********1234，大专，从业 3 年）" in text
        assert "全日托 2500.00 元" in text and "【通过】卫生评价结论：卫生评价结论为合格" in text
        assert_no_internals(response)


def test_event_list_queries_do_not_grow_with_the_page(client, auditor, acting_reviewer, institution,
                                                        django_assert_max_num_queries):
    import pghistory

    with scopes_disabled():
        for i in range(30):
            with pghistory.context(user=acting_reviewer.pk, role="district_reviewer", ip="10.0.0.1", url="/x/",
                                   method="POST"):
                Institution.objects.filter(pk=institution.pk).update(name=f"改名{i}托育园", total_slots=i)
    client.force_login(auditor)
    with django_assert_max_num_queries(13):
        response = client.get("/admin/registry/institutionhistory/")
    assert response.status_code == 200 and "机构名称、托位数" in page_text(response)
    with django_assert_max_num_queries(14):
        assert client.get(f"/admin/registry/institution/{institution.pk}/history/").status_code == 200


def test_other_districts_events_stay_out_of_reach(client, auditor, regions):
    with scopes_disabled():
        other = InstitutionFactory(name="拱墅彩虹托育园", region_id="330105001")
        event = InstitutionHistory.objects.filter(pgh_obj_id=other.pk).first()
    client.force_login(auditor)
    assert client.get(f"/admin/registry/institutionhistory/{event.pk}/change/").status_code == 404
    assert client.get(f"/admin/registry/institution/{other.pk}/history/").status_code == 404
    assert "拱墅彩虹托育园" not in client.get("/admin/registry/institutionhistory/", {"q": "彩虹"}).content.decode()
