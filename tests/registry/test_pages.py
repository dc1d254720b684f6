"""Registry pages through the Django client: sign-up → claim → filing in steps → return → resubmit →
accept → receipt; staff roster; reviewer lists; scope and role gates; query counts on list pages."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import Assignment
from registry.models import (
    ClaimStatus,
    Filing,
    FilingStatus,
    Institution,
    InstitutionClaim,
    InstitutionStatus,
    StaffConflictFlag,
)
from tests.conftest import PASSWORD
from tests.e2e.data import REQUIRED_DOCS, lease_dates, make_roster, pdf_bytes, png_bytes
from tests.factories import FilingFactory, InstitutionFactory, StaffFactory, make_id_number, make_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def institution(regions):
    with scopes_disabled():
        return InstitutionFactory(name="西湖区小星星托育园", service_types=["full_day"], total_slots=10)


@pytest.fixture
def operator(make_account, institution):
    return make_account("op_xihu", "operator", institution.uscc)


def evidence(kind="authorisation_letter", name="授权委托书.pdf"):
    """The claim's evidence fields, a fresh upload each call (a file is read once per request)."""
    return {"evidence_kind": kind, "evidence": SimpleUploadedFile(name, pdf_bytes("authorisation letter"))}


def client_for(client_class, user):
    c = client_class()
    c.force_login(user)
    return c


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- sign-up and claim ----------------------------------------------------------------------------

def test_signup_claim_and_confirm_through_pages(client, institution, reviewer, django_user_model):
    assert client.get(reverse("registry:operator_signup")).status_code == 200
    bad = client.post(reverse("registry:operator_signup"), {
        "username": "zhangsan", "display_name": "张三", "phone": "12345", "password": "Abcdefg!234",
        "password2": "Different!234"})
    body = text(bad)
    assert "请输入有效的 11 位手机号码。" in body and "两次输入的密码不一致。" in body
    assert not django_user_model.objects.filter(username="zhangsan").exists()

    response = client.post(reverse("registry:operator_signup"), {
        "username": "zhangsan", "display_name": "张三", "phone": "138 0013 8000", "password": "Abcdefg!234",
        "password2": "Abcdefg!234"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("registry:claim")
    user = django_user_model.objects.get(username="zhangsan")
    assert user.phone_masked == "138****8000"

    bad_check = client.post(reverse("registry:claim"), {"uscc": "91330106MA2KXXXX1X"})  # check character is 8
    assert "统一社会信用代码校验位错误。" in text(bad_check)
    assert 'name="step" value="confirm"' not in text(bad_check)
    # Step 2: the facts known for the code are shown to confirm; nothing is claimed yet.
    lookup = client.post(reverse("registry:claim"), {"step": "lookup", "uscc": institution.uscc.lower()})
    facts = text(lookup)
    assert 'data-testid="claim-facts"' in facts and institution.legal_representative in facts
    assert "杭州市西湖区文三路 1 号" in facts and "北山街道" in facts
    with scopes_disabled():
        assert not InstitutionClaim.objects.filter(user=user).exists()
    # Confirming without evidence is refused on the page, nothing is claimed.
    refused = client.post(reverse("registry:claim"), {"step": "confirm", "uscc": institution.uscc})
    assert 'name="evidence"' in text(refused) and "该字段是必填项。" in text(refused)
    assert 'data-testid="claim-facts"' in text(refused)  # still on the confirm step, facts shown
    with scopes_disabled():
        assert not InstitutionClaim.objects.filter(user=user).exists()
    response = client.post(reverse("registry:claim"), {"step": "confirm", "uscc": institution.uscc, **evidence()},
                           follow=True)
    assert "已提交对“西湖区小星星托育园”的认领申请" in text(response)
    assert institution.legal_representative in text(response)  # in "my claims"

    reviewer_client = client_for(type(client), reviewer)
    listing = reviewer_client.get(reverse("registry:claim_list"))
    assert "西湖区小星星托育园" in text(listing) and "138****8000" in text(listing)
    with scopes_disabled():
        claim = InstitutionClaim.objects.get(user=user)
    reviewer_client.post(reverse("registry:claim_confirm", args=[claim.pk]))
    with scopes_disabled():
        assert InstitutionClaim.objects.get(pk=claim.pk).status == ClaimStatus.CONFIRMED
    assert Assignment.objects.filter(user=user, role="operator", institution=institution).exists()

    home = client.get(reverse("registry:operator_home"))
    assert home.status_code == 200 and "西湖区小星星托育园" in text(home) and "开始备案" in text(home)


def test_claim_reject_needs_a_reason(client, institution, reviewer, django_user_model):
    user = django_user_model.objects.create_user("lisi", password=PASSWORD)
    client.force_login(user)
    client.post(reverse("registry:claim"), {"step": "confirm", "uscc": institution.uscc, **evidence()})
    with scopes_disabled():
        claim = InstitutionClaim.objects.get(user=user)
    rc = client_for(type(client), reviewer)
    response = rc.post(reverse("registry:claim_reject", args=[claim.pk]), {"note": ""}, follow=True)
    assert "请填写驳回原因。" in text(response)
    rc.post(reverse("registry:claim_reject", args=[claim.pk]), {"note": "非该机构人员"})
    mine = client.get(reverse("registry:claim"))
    assert "已驳回" in text(mine) and "非该机构人员" in text(mine)


# --- staff roster -------------------------------------------------------------------------------------

def staff_post(**over):
    data = {"name": "王小丽", "id_number": make_id_number(seq=77), "role": "caregiver", "education": "college",
            "years_experience": 3, "health_certificate_date": (timezone.localdate() - dt.timedelta(days=10)).isoformat(),
            "start_date": (timezone.localdate() - dt.timedelta(days=5)).isoformat(),
            "quals-TOTAL_FORMS": "1", "quals-INITIAL_FORMS": "0",
            "quals-0-type": "childcare", "quals-0-number": "YY-001", "quals-0-expires_on": ""}
    data.update(over)
    return data


def test_staff_add_edit_end_with_chinese_id_errors_and_masked_ids(client, operator):
    client.force_login(operator)
    number = make_id_number(seq=77)
    bad = client.post(reverse("registry:staff_add"), staff_post(id_number=number[:-1] + ("0" if number[-1] != "0" else "1")))
    assert bad.status_code == 200 and "居民身份证号码校验位错误。" in text(bad)
    short = client.post(reverse("registry:staff_add"), staff_post(id_number="1234"))
    assert "居民身份证号码应为 18 位" in text(short)

    response = client.post(reverse("registry:staff_add"), staff_post(), follow=True)
    page = text(response)
    assert "已添加 王小丽。" in page
    assert number not in page and f"{number[:6]}********{number[14:]}" in page

    with scopes_disabled():
        staff = operator.assignments.get().institution.staff.get(name="王小丽")
    edit = client.get(reverse("registry:staff_edit", args=[staff.pk]))
    assert number not in text(edit)
    client.post(reverse("registry:staff_edit", args=[staff.pk]), staff_post(id_number="", years_experience=4))
    staff.refresh_from_db()
    assert staff.years_experience == 4

    yesterday = timezone.localdate() - dt.timedelta(days=1)  # ending today: still on today's roster
    client.post(reverse("registry:staff_end", args=[staff.pk]), {"end_date": yesterday.isoformat()})
    staff.refresh_from_db()
    assert staff.end_date == yesterday
    assert "<td>王小丽</td>" not in text(client.get(reverse("registry:staff_list")))
    assert "<td>王小丽</td>" in text(client.get(reverse("registry:staff_list") + "?all=1"))


def test_staff_of_another_institution_is_404(client, operator, regions):
    with scopes_disabled():
        other = StaffFactory(institution=InstitutionFactory(name="别家托育园"))
    client.force_login(operator)
    assert client.get(reverse("registry:staff_edit", args=[other.pk])).status_code == 404


# --- the filing lifecycle through the pages ---------------------------------------------------------

def fill_steps(c, filing_id: int):
    step = lambda s: reverse("registry:filing_step", args=[filing_id, s])  # noqa: E731
    r = c.post(step("basic"), {"name": "西湖区小星星托育园", "institution_kind": "institution",
                               "address": "杭州市西湖区文三路 1 号", "legal_representative": "李四", "principal_name": "王园长",
                               "contact_phone": "13800138000", "service_types": ["full_day"], "total_slots": 10,
                               "opening_hours": "7:30-17:30"})
    assert r.status_code == 302 and r["Location"] == step("classes"), text(r)
    r = c.post(step("classes"), {"classes-TOTAL_FORMS": 1, "classes-INITIAL_FORMS": 0, "classes-MIN_NUM_FORMS": 0,
                                 "classes-MAX_NUM_FORMS": 50, "classes-0-name": "小一班", "classes-0-class_type": "infant",
                                 "classes-0-planned_children": 10, "classes-0-carers": 4,
                                 "classes-0-min_age_months": 6, "classes-0-max_age_months": 12})
    assert r.status_code == 302, text(r)
    start, end = lease_dates()
    r = c.post(step("premises"), {"building_area": "320.5", "outdoor_area": "80", "premises_type": "leased",
                                  "lease_start": start, "lease_end": end, "hygiene_evaluation_passed": "on",
                                  "fee_full_day": "2500.00"})
    assert r.status_code == 302, text(r)
    for i, doc in enumerate(REQUIRED_DOCS):
        content, name = (png_bytes(), f"{doc}.png") if i == 0 else (pdf_bytes(doc), f"{doc}.pdf")
        r = c.post(step("documents"), {"doc_type": doc, "file": SimpleUploadedFile(name, content)})
        assert r.status_code == 302, text(r)
    r = c.post(step("commitment"), {"signer": "王园长", "agree": "on"})
    assert r.status_code == 302, text(r)


def test_filing_lifecycle_through_pages(client, institution, operator, reviewer, django_capture_on_commit_callbacks):
    with scopes_disabled():
        make_roster(institution)
    op = client_for(type(client), operator)
    rv = client_for(type(client), reviewer)

    r = op.post(reverse("registry:filing_new", args=["initial"]))
    with scopes_disabled():
        filing = Filing.objects.get(institution=institution)
    assert r["Location"] == reverse("registry:filing_step", args=[filing.pk, "basic"])

    # Submitting before the steps are done: refused with the failed items, nothing moves.
    r = op.post(reverse("registry:filing_submit", args=[filing.pk]), follow=True)
    assert "未通过" in text(r) and "check-fail" in text(r)
    filing.refresh_from_db()
    assert filing.status == FilingStatus.DRAFT

    # A bad class size: the API's Chinese message (registry.inputs.CLASS) on the cell, classes unchanged.
    bad = op.post(reverse("registry:filing_step", args=[filing.pk, "classes"]), {
        "classes-TOTAL_FORMS": 1, "classes-INITIAL_FORMS": 0, "classes-MIN_NUM_FORMS": 0, "classes-MAX_NUM_FORMS": 50,
        "classes-0-class_type": "infant", "classes-0-planned_children": 500, "classes-0-carers": 4})
    assert bad.status_code == 200 and "应为 1–100 的整数。" in text(bad)
    with scopes_disabled():
        assert not filing.classes.exists()

    fill_steps(op, filing.pk)
    checklist = op.get(reverse("registry:filing_step", args=[filing.pk, "checklist"]))
    assert "全部通过" in text(checklist), re.findall(r"check-fail.*?</li>", text(checklist), re.S)
    r = op.post(reverse("registry:filing_submit", args=[filing.pk]), {"version": filing.version + 99}, follow=True)
    assert "请刷新" in text(r)  # stale version → conflict message
    r = op.post(reverse("registry:filing_submit", args=[filing.pk]), follow=True)
    assert "备案已提交" in text(r)
    filing.refresh_from_db()
    assert filing.status == FilingStatus.SUBMITTED

    # Reviewer: queue, review page with documents previewed through the scoped view.
    queue = rv.get(reverse("registry:review_queue"))
    assert "西湖区小星星托育园" in text(queue)
    page = rv.get(reverse("registry:review_detail", args=[filing.pk]))
    body = text(page)
    assert 'data-testid="doc-pdf"' in body and 'data-testid="doc-image"' in body
    assert "/media/" not in body
    with scopes_disabled():
        doc = filing.documents.filter(content_type="application/pdf").first()
    served = rv.get(reverse("registry:document_file", args=[doc.pk]))
    assert served["Content-Type"] == "application/pdf" and served["Content-Disposition"].startswith("inline")
    assert b"".join(served.streaming_content).startswith(b"%PDF-")

    version = filing.version
    r = rv.post(reverse("registry:review_return", args=[filing.pk]),
                {"version": version, "reasons": "消防安全检查合格证明不清晰\n\n场地租赁合同缺少盖章页"}, follow=True)
    assert "已退回补正" in text(r)
    filing.refresh_from_db()
    assert filing.status == FilingStatus.RETURNED
    # A second reviewer tab with the old version gets the conflict message, not a second move.
    stale = rv.post(reverse("registry:review_accept", args=[filing.pk]), {"version": version}, follow=True)
    assert any("刷新" in m or "不能执行" in m for m in messages_of(stale)), messages_of(stale)

    # Operator sees the reasons, fixes (re-uploads) and resubmits.
    detail = text(op.get(reverse("registry:filing_detail", args=[filing.pk])))
    assert "消防安全检查合格证明不清晰" in detail and "场地租赁合同缺少盖章页" in detail
    r = op.post(reverse("registry:filing_step", args=[filing.pk, "documents"]),
                {"doc_type": "fire_safety", "file": SimpleUploadedFile("fire2.pdf", pdf_bytes("fire v2"))})
    assert r.status_code == 302
    # The re-upload voided the signature: resubmitting needs the commitment signed again.
    r = op.post(reverse("registry:filing_submit", args=[filing.pk]), follow=True)
    assert "须重新签署" in text(r)
    filing.refresh_from_db()
    assert filing.status == FilingStatus.RETURNED
    op.post(reverse("registry:filing_step", args=[filing.pk, "commitment"]), {"signer": "王园长", "agree": "on"})
    r = op.post(reverse("registry:filing_submit", args=[filing.pk]), follow=True)
    filing.refresh_from_db()
    assert filing.status == FilingStatus.RESUBMITTED, messages_of(r)

    with django_capture_on_commit_callbacks() as committed:
        r = rv.post(reverse("registry:review_accept", args=[filing.pk]), {"version": filing.version}, follow=True)
    filing.refresh_from_db()
    assert filing.status == FilingStatus.ACCEPTED and filing.receipt_no
    assert filing.receipt_no in text(r)
    with scopes_disabled():
        assert Institution.objects.get(pk=institution.pk).status == InstitutionStatus.FILED
    # The number is there at once; the PDFs are rendered by Celery after the commit. Until then both
    # pages say so (and poll), and the download link is not offered.
    assert 'data-state="pending"' in text(r) and "回执生成中" in text(r)
    pending = text(op.get(reverse("registry:filing_detail", args=[filing.pk])))
    assert "回执生成中" in pending and 'data-testid="download-receipt"' not in pending
    early = op.get(reverse("registry:filing_receipt", args=[filing.pk]), follow=True)
    assert "回执生成中，请稍候片刻再下载。" in text(early)
    poll = op.get(reverse("registry:filing_receipt_state", args=[filing.pk]))
    assert 'hx-trigger="every 2s"' in text(poll)
    for callback in committed:  # the commit: the render task runs (eagerly in tests)
        callback()
    ready = text(op.get(reverse("registry:filing_receipt_state", args=[filing.pk])))
    assert 'data-state="ready"' in ready and "hx-trigger" not in ready and 'data-testid="download-receipt"' in ready

    detail = op.get(reverse("registry:filing_detail", args=[filing.pk]))
    assert "补正后重新提交" in text(detail) and "通过备案" in text(detail)  # history
    pdf = op.get(reverse("registry:filing_receipt", args=[filing.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    from pypdf import PdfReader

    data = b"".join(pdf.streaming_content) if pdf.streaming else pdf.content
    assert filing.receipt_no in "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert op.get(reverse("registry:filing_notice", args=[filing.pk])).status_code == 200
    # Editing an accepted filing is refused with the status message.
    r = op.get(reverse("registry:filing_step", args=[filing.pk, "basic"]), follow=True)
    assert "不能修改" in text(r)


def test_documents_and_filings_of_another_district_are_404(client, other_reviewer, institution, operator):
    with scopes_disabled():
        filing = FilingFactory(institution=institution, status=FilingStatus.SUBMITTED)
        from tests.factories import FilingDocumentFactory

        doc = FilingDocumentFactory(filing=filing)
    c = client_for(type(client), other_reviewer)
    assert c.get(reverse("registry:review_detail", args=[filing.pk])).status_code == 404
    assert c.get(reverse("registry:document_file", args=[doc.pk])).status_code == 404
    assert c.post(reverse("registry:review_accept", args=[filing.pk])).status_code in (302, 404)
    filing.refresh_from_db()
    assert filing.status == FilingStatus.SUBMITTED


def test_role_gates(client, operator, reviewer):
    op = client_for(type(client), operator)
    assert op.get(reverse("registry:review_queue")).status_code == 403
    assert op.get(reverse("registry:claim_list")).status_code == 403
    rv = client_for(type(client), reviewer)
    assert rv.get(reverse("registry:staff_add")).status_code == 403
    anon = type(client)()
    assert anon.get(reverse("registry:review_queue")).status_code == 302
    assert anon.get(reverse("registry:operator_signup")).status_code == 200


# --- reviewer lists: order, overdue, filters, query counts ----------------------------------------

def make_queue(n: int):
    now = timezone.now()
    out = []
    with scopes_disabled():
        for i in range(n):
            inst = InstitutionFactory(region_id="330106001" if i % 2 else "330106002",
                                      status=InstitutionStatus.FILING)
            out.append(FilingFactory(institution=inst, status=FilingStatus.SUBMITTED, submitted_at=now,
                                     due_at=now + dt.timedelta(days=i - 2, hours=1)))
    return out


def test_review_queue_sorted_by_deadline_with_overdue_and_filters(client, reviewer, django_assert_max_num_queries):
    filings = make_queue(6)
    c = client_for(type(client), reviewer)
    # the user with their assignments (one query; the menu reuses them), townships, count, page, unread
    # notifications; the session comes from the cache (cached_db) once it is there.
    c.get(reverse("registry:review_queue"))
    with django_assert_max_num_queries(5):
        r = c.get(reverse("registry:review_queue"))
    rows = re.findall(r'<tr class="([^"]*)" data-testid="queue-row">', text(r))
    assert len(rows) == 6 and rows[:2] == ["table-overdue"] * 2 and "table-overdue" not in rows[2:]
    names = [f.name for f in sorted(filings, key=lambda f: f.due_at)]
    positions = [text(r).index(n) for n in names]
    assert positions == sorted(positions)

    overdue = c.get(reverse("registry:review_queue") + "?overdue=1")
    assert len(re.findall('data-testid="queue-row"', text(overdue))) == 2
    township = c.get(reverse("registry:review_queue") + "?township=330106001")
    assert len(re.findall('data-testid="queue-row"', text(township))) == 3

    # Changing a filter in the page (htmx) sends back only the table, already filtered.
    partial = c.get(reverse("registry:review_queue") + "?overdue=1", HTTP_HX_REQUEST="true")
    assert "<html" not in text(partial) and 'data-testid="queue-filter"' not in text(partial)
    assert len(re.findall('data-testid="queue-row"', text(partial))) == 2

    make_queue(20)
    with django_assert_max_num_queries(5):
        c.get(reverse("registry:review_queue"))


def test_city_viewer_queue_spans_the_citys_districts_without_a_township_filter(client, make_account):
    filings = make_queue(2)
    with scopes_disabled():
        other = InstitutionFactory(region_id="330105001", name="拱墅区待审托育园", status=InstitutionStatus.FILING)
        FilingFactory(institution=other, status=FilingStatus.SUBMITTED, submitted_at=timezone.now(),
                      due_at=timezone.now() + dt.timedelta(days=3))
    city = client_for(type(client), make_account("hz_city_viewer", "city_viewer", "330100"))
    page = text(city.get(reverse("registry:review_queue")))
    assert len(re.findall('data-testid="queue-row"', page)) == 3
    assert "拱墅区待审托育园" in page and all(f.name in page for f in filings)
    assert 'name="township"' not in page


def test_list_pages_have_bounded_queries(client, reviewer, operator, institution, django_assert_max_num_queries,
                                         django_user_model):
    with scopes_disabled():
        make_roster(institution)
        for i in range(15):
            other = InstitutionFactory()
            s = StaffFactory(institution=other)
            s2 = StaffFactory(institution=institution)
            StaffConflictFlag(staff=s2, other_staff=s, other_institution_name=other.name, other_district_name="西湖区",
                              region_id=s2.region_id, province_id=s2.province_id, city_id=s2.city_id,
                              district_id=s2.district_id).save()
            u = django_user_model.objects.create_user(f"claimer{i}", password=PASSWORD)
            c = InstitutionClaim(institution=other, user=u)
            c.set_region(other.region)
            c.save()
    rv = client_for(type(client), reviewer)
    for name in ("registry:institution_list", "registry:claim_list", "registry:staff_conflicts"):
        with django_assert_max_num_queries(14):
            r = rv.get(reverse(name))
        assert r.status_code == 200, name
    assert "天" in text(rv.get(reverse("registry:institution_list")))  # days waited shown
    with django_assert_max_num_queries(14):
        r = rv.get(reverse("registry:institution_detail", args=[institution.pk]))
    assert r.status_code == 200
    op = client_for(type(client), operator)
    with django_assert_max_num_queries(14):
        assert op.get(reverse("registry:staff_list")).status_code == 200
    with django_assert_max_num_queries(14):
        assert op.get(reverse("registry:operator_home")).status_code == 200


# --- change filing and termination entry points -------------------------------------------------------

@pytest.fixture
def filed_institution(institution):
    from tests.factories import make_ready_filing

    with scopes_disabled():
        current = make_ready_filing(institution, status=FilingStatus.ACCEPTED, receipt_no="330106-2026-00009")
        Institution.objects.filter(pk=institution.pk).update(status=InstitutionStatus.FILED, current_filing=current,
                                                             receipt_no=current.receipt_no)
        institution.refresh_from_db()
    return institution


def upload_all(c, filing_id: int):
    for doc in REQUIRED_DOCS:
        r = c.post(reverse("registry:filing_step", args=[filing_id, "documents"]),
                   {"doc_type": doc, "file": SimpleUploadedFile(f"{doc}.pdf", pdf_bytes(doc))})
        assert r.status_code == 302, text(r)


def test_change_filing_shows_the_diff_to_the_reviewer(client, filed_institution, operator, reviewer):
    op = client_for(type(client), operator)
    home = text(op.get(reverse("registry:operator_home")))
    assert "变更备案" in home and "终止备案" in home and "开始备案" not in home
    r = op.post(reverse("registry:filing_new", args=["change"]))
    with scopes_disabled():
        filing = Filing.objects.get(institution=filed_institution, kind="change")
    assert r["Location"] == reverse("registry:filing_step", args=[filing.pk, "basic"])
    form = op.get(r["Location"]).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    assert "contact_phone" not in form.fields and "opening_hours" not in form.fields  # not changeable
    data.update(address="杭州市西湖区天目山路 88 号")
    r = op.post(reverse("registry:filing_step", args=[filing.pk, "basic"]), data)
    assert r.status_code == 302, text(r)
    upload_all(op, filing.pk)
    op.post(reverse("registry:filing_step", args=[filing.pk, "commitment"]), {"signer": "王园长", "agree": "on"})
    r = op.post(reverse("registry:filing_submit", args=[filing.pk]), follow=True)
    filing.refresh_from_db()
    assert filing.status == FilingStatus.SUBMITTED, messages_of(r)

    page = text(client_for(type(client), reviewer).get(reverse("registry:review_detail", args=[filing.pk])))
    assert 'data-testid="diff"' in page
    assert "杭州市西湖区文三路 1 号" in page and "杭州市西湖区天目山路 88 号" in page


def test_termination_entry_point_asks_for_date_and_placement_plan(client, filed_institution, operator):
    op = client_for(type(client), operator)
    r = op.post(reverse("registry:filing_new", args=["termination"]), follow=True)
    assert "终止信息" in text(r) and "在托婴幼儿安置方案" in text(r)
    with scopes_disabled():
        filing = Filing.objects.get(institution=filed_institution, kind="termination")
    bad = op.post(reverse("registry:filing_step", args=[filing.pk, "termination"]), {"termination_date": ""})
    # Every missing field named, with the API's messages (registry.inputs.FILING_FORM).
    assert "请填写终止日期。" in text(bad) and "请填写在托婴幼儿安置方案。" in text(bad)
    assert "请填写工作人员安置方案。" in text(bad)
    r = op.post(reverse("registry:filing_step", args=[filing.pk, "termination"]),
                {"termination_date": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
                 "placement_plan": "与附近两家托育机构签订接收协议，逐户通知家长。",
                 "staff_settlement_plan": "保育人员由接收机构录用，其余人员依法解除劳动合同并支付经济补偿。"})
    assert r["Location"] == reverse("registry:filing_step", args=[filing.pk, "documents"])
    filing.refresh_from_db()
    assert filing.placement_plan.startswith("与附近两家托育机构")
    # A second open filing is refused with the service's message.
    r = op.post(reverse("registry:filing_new", args=["change"]), follow=True)
    assert "该机构已有一份未办结的备案" in text(r)


# --- claims: confirm a pushed registration, or give the facts when none was pushed -------------------

def _signed_up(client, django_user_model, username="liuyang"):
    user = django_user_model.objects.create_user(username, password=PASSWORD)
    client.force_login(user)
    return user


def test_claim_page_shows_pushed_registration_facts_to_confirm(client, make_account, django_user_model, regions):
    from accounts.selectors import scope_of
    from core.tenancy import tenant_scope
    from registry.inputs import parse_registration
    from registry.services.institutions import registration_push

    authority = make_account("ra_hz", "registration_authority", "330100")
    code = make_uscc("330106", seed=404)
    with tenant_scope(scope_of(authority.active_assignments[0])):
        registration_push(actor=authority, data=parse_registration({
            "uscc": code, "name": "杭州晨曦婴幼儿照护服务中心", "nature": "social_organisation",
            "legal_representative": "刘洋", "address": "杭州市西湖区古墩路 9 号", "district": "330106002",
            "registered_on": "2025-03-01", "business_scope": "婴幼儿照护服务"}))
    user = _signed_up(client, django_user_model)
    page = text(client.post(reverse("registry:claim"), {"step": "lookup", "uscc": code}))
    assert "以下信息由登记机关推送" in page
    for fact in ("杭州晨曦婴幼儿照护服务中心", "社会服务机构", "刘洋", "杭州市西湖区古墩路 9 号", "西溪街道", "2025-03-01"):
        assert fact in page, fact
    response = client.post(reverse("registry:claim"), {"step": "confirm", "uscc": code,
                                                       **evidence("legal_representative", "法定代表人确认书.pdf")},
                           follow=True)
    assert "已提交对“杭州晨曦婴幼儿照护服务中心”的认领申请" in text(response)
    with scopes_disabled():
        assert InstitutionClaim.objects.get(user=user).institution.uscc == code


def test_claim_page_without_registration_takes_the_facts_with_region_picker(client, reviewer, django_user_model,
                                                                            regions):
    user = _signed_up(client, django_user_model)
    code = make_uscc("330106", seed=405)
    step2 = text(client.post(reverse("registry:claim"), {"step": "lookup", "uscc": code}))
    assert 'data-testid="claim-no-registration"' in step2 and code in step2
    assert 'name="province"' in step2 and ">浙江省<" in step2 and 'name="registered_on"' in step2
    # The picker: each select loads the next one's options (htmx) from the region tree.
    cities = text(client.get(reverse("registry:claim_regions"), {"province": "330000"}))
    assert ">杭州市<" in cities and ">宁波市<" in cities and 'id="id_district" hx-swap-oob' in cities
    districts = text(client.get(reverse("registry:claim_regions"), {"city": "330100"}))
    assert ">西湖区<" in districts and ">拱墅区<" in districts and "北山街道" not in districts
    towns = text(client.get(reverse("registry:claim_regions"), {"district": "330106"}))
    assert ">北山街道<" in towns and ">西溪街道<" in towns

    facts = {"step": "facts", "uscc": code, "name": "杭州晨曦托育有限公司", "nature": "enterprise",
             "legal_representative": "刘洋", "address": "杭州市西湖区文一路 9 号", "province": "330000",
             "city": "330100", "district": "330106", "township": "330106002",
             "registered_on": (timezone.localdate() - dt.timedelta(days=20)).isoformat(), "business_scope": "餐饮服务"}
    bad = client.post(reverse("registry:claim"), {**facts, **evidence()})
    assert "企业的经营范围必须包含“托育服务”，否则不能作为托育机构登记备案。" in text(bad)
    assert 'value="杭州晨曦托育有限公司"' in text(bad)  # what was typed is kept
    mismatched = client.post(reverse("registry:claim"), {**facts, "business_scope": "托育服务", "city": "330200",
                                                         **evidence()})
    assert "district" in mismatched.context["facts_form"].errors  # 西湖区 is not under 宁波市
    with scopes_disabled():
        assert not Institution.objects.filter(uscc=code).exists()

    done = client.post(reverse("registry:claim"), {**facts, "business_scope": "托育服务", **evidence()}, follow=True)
    assert "已提交对“杭州晨曦托育有限公司”的认领申请" in text(done)
    with scopes_disabled():
        claim = InstitutionClaim.objects.select_related("institution").get(user=user)
    assert claim.status == ClaimStatus.PENDING and claim.institution.status == InstitutionStatus.REGISTERED
    assert (claim.institution.region_id, claim.institution.district_id) == ("330106002", "330106")
    listing = text(client_for(type(client), reviewer).get(reverse("registry:claim_list")))
    assert "杭州晨曦托育有限公司" in listing


# --- the commission's institution pages -----------------------------------------------------------------

def test_unfiled_panel_shows_zero_days_and_pages_through_every_row(client, reviewer, regions):
    today = timezone.localdate()
    with scopes_disabled():
        for i in range(54):
            InstitutionFactory(registered_on=today - dt.timedelta(days=60 - i))
        InstitutionFactory(name="今日登记托育园", registered_on=today)
    c = client_for(type(client), reviewer)
    first = text(c.get(reverse("registry:institution_list")))
    assert 'data-testid="unfiled-count">55<' in first
    assert first.count('data-testid="unfiled-row"') == 20 and "wpage=2" in first
    last = text(c.get(reverse("registry:institution_list") + "?wpage=3"))
    assert last.count('data-testid="unfiled-row"') == 15  # rows past the 50th are reachable
    assert re.search(r"今日登记托育园</a></td><td>[^<]*</td><td>[^<]*</td><td>0 天</td>", last)
    assert "— 天" not in last


def _institution_table(page: str) -> str:
    return page.split('data-testid="institutions"', 1)[1]


def test_institution_list_township_filter(client, reviewer, make_account, regions):
    with scopes_disabled():
        InstitutionFactory(name="北山托育园", region_id="330106001", status=InstitutionStatus.FILED)
        InstitutionFactory(name="西溪托育园", region_id="330106002", status=InstitutionStatus.FILED)
    c = client_for(type(client), reviewer)
    page = text(c.get(reverse("registry:institution_list"), {"township": "330106002"}))
    assert 'name="township"' in page
    assert "西溪托育园" in _institution_table(page) and "北山托育园" not in _institution_table(page)
    city = client_for(type(client), make_account("hz_city_viewer", "city_viewer", "330100"))
    assert 'name="township"' not in text(city.get(reverse("registry:institution_list")))


def test_institution_detail_shows_filed_facts_with_masked_phone(client, reviewer, filed_institution):
    from decimal import Decimal

    with scopes_disabled():
        Institution.objects.filter(pk=filed_institution.pk).update(
            kind="home_daycare", latitude=Decimal("30.274150"), longitude=Decimal("120.155150"),
            contact_phone="13912345678", service_types=["full_day", "hourly"], principal_name="王园长",
            registered_on=dt.date(2025, 3, 1))
    page = text(client_for(type(client), reviewer).get(
        reverse("registry:institution_detail", args=[filed_institution.pk])))
    for fact in ("家庭托育点", "北山街道", "30.274150, 120.155150", "王园长", "139****5678", "全日托、计时托",
                 "市场监督管理部门", "2025-03-01", "330106-2026-00009"):
        assert fact in page, fact
    assert "13912345678" not in page
    assert reverse("registry:filing_receipt", args=[filed_institution.current_filing_id]) in page


def test_operator_updates_contact_phone_on_the_home_page(client, operator, reviewer, institution):
    op = client_for(type(client), operator)
    assert 'data-testid="contact-form"' in text(op.get(reverse("registry:operator_home")))
    bad = op.post(reverse("registry:contact_update"), {"contact_phone": "12345"})
    assert bad.status_code == 200
    assert "联系电话应为 11 位手机号码或带区号的固定电话" in text(bad)
    assert bad.context["contact_form"].errors.as_data()["contact_phone"][0].code == "phone_invalid"
    institution.refresh_from_db()
    assert institution.contact_phone == ""
    done = op.post(reverse("registry:contact_update"), {"contact_phone": "0571-87654321"}, follow=True)
    assert "联系电话已更新。" in text(done) and "0571-87654321" in text(done)
    institution.refresh_from_db()
    assert institution.contact_phone == "0571-87654321"
    assert client_for(type(client), reviewer).post(reverse("registry:contact_update"),
                                                   {"contact_phone": "13800138000"}).status_code == 403


def test_reviewer_suspends_and_resumes_from_the_institution_page(client, reviewer, other_reviewer, make_account,
                                                                 filed_institution, operator,
                                                                 django_capture_on_commit_callbacks):
    from notifications.models import Notification

    pk = filed_institution.pk
    suspend, resume = (reverse("registry:institution_suspend", args=[pk]),
                       reverse("registry:institution_resume", args=[pk]))
    rv = client_for(type(client), reviewer)
    assert f'action="{suspend}"' in text(rv.get(reverse("registry:institution_detail", args=[pk])))
    inspector = client_for(type(client), make_account("inspector_xh", "district_inspector", "330106"))
    assert f'action="{suspend}"' not in text(inspector.get(reverse("registry:institution_detail", args=[pk])))
    assert inspector.post(suspend, {"reason": "无权"}).status_code == 403
    assert client_for(type(client), other_reviewer).post(suspend, {"reason": "越权"}).status_code == 404
    assert "请填写原因" in text(rv.post(suspend, {"reason": ""}, follow=True))
    filed_institution.refresh_from_db()
    assert filed_institution.status == InstitutionStatus.FILED

    with django_capture_on_commit_callbacks(execute=True):
        done = text(rv.post(suspend, {"reason": "消防检查发现疏散通道堵塞"}, follow=True))
    assert "“西湖区小星星托育园”已暂停服务" in done and f'action="{resume}"' in done
    filed_institution.refresh_from_db()
    assert filed_institution.status == InstitutionStatus.SUSPENDED
    assert "消防检查发现疏散通道堵塞" in Notification.objects.get(user=operator, kind="institution_suspended").body
    again = text(rv.post(suspend, {"reason": "再次暂停"}, follow=True))
    assert "只有“已备案”的机构可以暂停服务" in again

    assert "已恢复服务" in text(rv.post(resume, {"reason": "整改完成，复查合格"}, follow=True))
    filed_institution.refresh_from_db()
    assert filed_institution.status == InstitutionStatus.FILED


# --- review: both deadlines, filing kind, roster snapshot, commitment, termination -------------------

def _rows(page: str) -> list[str]:
    return re.findall(r'<tr class="[^"]*" data-testid="queue-row">(.*?)</tr>', page, re.S)


def _day(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d")


def test_queue_shows_both_deadlines_each_with_its_overdue_mark_and_filters_by_filing_kind(client, reviewer):
    now = timezone.now()

    def queued(name, kind, due, notice):
        with scopes_disabled():
            inst = InstitutionFactory(name=name, status=InstitutionStatus.FILING)
            return FilingFactory(institution=inst, kind=kind, status=FilingStatus.SUBMITTED,
                                 submitted_at=now - dt.timedelta(days=20), due_at=now + dt.timedelta(days=due),
                                 notice_due_at=now + dt.timedelta(days=notice))

    in_time = queued("西湖区准时托育园", "initial", 2, 12)
    receipt_late = queued("西湖区回执超期托育园", "change", -1, 9)
    both_late = queued("西湖区双超期托育园", "termination", -12, -1)
    c = client_for(type(client), reviewer)
    page = text(c.get(reverse("registry:review_queue")))
    assert "<th>回执期限</th><th>告知期限</th>" in page
    rows = {f.name: next(r for r in _rows(page) if f.name in r) for f in (in_time, receipt_late, both_late)}
    for f in (in_time, receipt_late, both_late):
        assert _day(f.due_at) in rows[f.name] and _day(f.notice_due_at) in rows[f.name]
    assert "overdue" not in rows[in_time.name]
    assert 'data-testid="review-overdue"' in rows[receipt_late.name]
    assert 'data-testid="notice-overdue"' not in rows[receipt_late.name]
    assert 'data-testid="review-overdue"' in rows[both_late.name]
    assert 'data-testid="notice-overdue"' in rows[both_late.name]

    assert 'name="filing_kind"' in page and ">变更备案</option>" in page
    only_changes = text(c.get(reverse("registry:review_queue") + "?filing_kind=change"))
    assert len(_rows(only_changes)) == 1 and receipt_late.name in only_changes
    late = text(c.get(reverse("registry:review_queue") + "?overdue=1", HTTP_HX_REQUEST="true"))
    assert len(_rows(late)) == 2 and in_time.name not in late
    late_terminations = text(c.get(reverse("registry:review_queue") + "?overdue=1&filing_kind=termination"))
    assert len(_rows(late_terminations)) == 1 and both_late.name in late_terminations


def test_review_page_shows_deadlines_roster_as_submitted_commitment_and_roster_changes(
        client, institution, operator, reviewer):
    from registry.models import Staff
    from tests.factories import make_ready_filing

    with scopes_disabled():
        filing = make_ready_filing(institution)
    op = client_for(type(client), operator)
    r = op.post(reverse("registry:filing_step", args=[filing.pk, "commitment"]), {"signer": "李承诺", "agree": "on"},
                REMOTE_ADDR="10.9.8.7")
    assert r.status_code == 302, text(r)
    r = op.post(reverse("registry:filing_submit", args=[filing.pk]), follow=True)
    filing.refresh_from_db()
    assert filing.status == FilingStatus.SUBMITTED, messages_of(r)

    rv = client_for(type(client), reviewer)
    page = text(rv.get(reverse("registry:review_detail", args=[filing.pk])))
    deadlines = re.search(r'data-testid="deadlines">(.*?)</p>', page, re.S).group(1)
    assert "回执期限" in deadlines and "告知期限" in deadlines
    assert timezone.localtime(filing.due_at).strftime("%Y-%m-%d %H:%M") in deadlines
    assert timezone.localtime(filing.notice_due_at).strftime("%Y-%m-%d %H:%M") in deadlines
    assert "overdue" not in deadlines
    table = re.search(r'data-testid="staff-snapshot">(.*?)</table>', page, re.S).group(1)
    assert len(re.findall("<tr[ >]", table)) == len(filing.staff_snapshot) + 1 == 8
    for person in filing.staff_snapshot:
        assert person["name"] in table and person["id_number_masked"] in table
        assert person["id_number_hash"] not in page
    assert "保安人员" in table and _day(timezone.now() - dt.timedelta(days=30)) in table  # certificate date
    commitment = re.search(r'data-testid="commitment">(.*?)</dd>', page, re.S).group(1)
    assert "李承诺" in commitment and "10.9.8.7" in commitment
    assert timezone.localtime(filing.commitment_accepted_at).strftime("%Y-%m-%d %H:%M") in commitment
    assert 'data-testid="roster-changed"' not in page

    # The roster changes after submission: the reviewer is told, the table still shows what was filed.
    with scopes_disabled():
        left = Staff.objects.filter(institution=institution, role="caregiver").order_by("id").first()
        Staff.objects.filter(pk=left.pk).update(end_date=timezone.localdate() - dt.timedelta(days=1))
        StaffFactory(institution=institution, name="赵新来", role="cook")
    page = text(rv.get(reverse("registry:review_detail", args=[filing.pk])))
    warning = re.search(r'data-testid="roster-changed">(.*?)</div>', page, re.S).group(1)
    assert f"{left.name}（保育人员）已不在在职名册中" in warning
    assert "赵新来（炊事人员）为提交后新增的在职人员" in warning
    assert left.name in re.search(r'data-testid="staff-snapshot">(.*?)</table>', page, re.S).group(1)


def test_past_deadlines_are_marked_on_the_review_page(client, institution, reviewer):
    now = timezone.now()
    with scopes_disabled():
        filing = FilingFactory(institution=institution, status=FilingStatus.RESUBMITTED, submitted_at=now,
                               due_at=now - dt.timedelta(hours=1), notice_due_at=now + dt.timedelta(days=5))
    page = text(client_for(type(client), reviewer).get(reverse("registry:review_detail", args=[filing.pk])))
    assert 'data-testid="review-overdue"' in page and 'data-testid="notice-overdue"' not in page


def test_accepting_a_termination_says_when_the_institution_ends(client, filed_institution, operator, reviewer):
    from tests.factories import make_ready_filing

    date = timezone.localdate() + dt.timedelta(days=20)
    with scopes_disabled():
        term = make_ready_filing(filed_institution, kind="termination", status=FilingStatus.SUBMITTED,
                                 termination_date=date, placement_plan="转入北山街道托育中心")
    rv = client_for(type(client), reviewer)
    r = rv.post(reverse("registry:review_accept", args=[term.pk]), {"version": term.version}, follow=True)
    assert messages_of(r) == [f"终止备案已通过，机构将于 {date:%Y年%m月%d日} 终止，届时自动变更为已终止。"]
    assert date.isoformat() in re.search(r'data-testid="pending-termination">(.*?)</div>', text(r), re.S).group(1)
    with scopes_disabled():
        assert Institution.objects.get(pk=filed_institution.pk).status == InstitutionStatus.FILED
    detail = text(client_for(type(client), operator).get(reverse("registry:filing_detail", args=[term.pk])))
    assert 'data-testid="pending-termination"' in detail and date.isoformat() in detail

    with scopes_disabled():
        other = InstitutionFactory(status=InstitutionStatus.FILED)
        now_term = make_ready_filing(other, kind="termination", status=FilingStatus.SUBMITTED,
                                     termination_date=timezone.localdate(), placement_plan="已全部转出")
    r = rv.post(reverse("registry:review_accept", args=[now_term.pk]), {"version": now_term.version}, follow=True)
    assert messages_of(r) == ["终止备案已办结，机构已终止。"]
    assert "回执编号" not in " ".join(messages_of(r))
    with scopes_disabled():
        assert Institution.objects.get(pk=other.pk).status == InstitutionStatus.TERMINATED
