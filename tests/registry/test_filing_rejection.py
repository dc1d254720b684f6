"""The non-compliance decision (不予备案): the reviewer's third outcome. Service, API and pages: the
reasons and the basis are required, the written notice is issued and reads back, the operators are
told, the dashboards count it, and the institution may file again."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from pypdf import PdfReader
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.selectors import scope_of
from core.errors import DomainError, InvalidTransition, NotFound, PermissionDenied
from core.tenancy import tenant_scope
from notifications.models import Notification, NotificationType
from registry.inputs import parse_reject
from registry.models import Filing, FilingStatus, Institution, InstitutionEvent, InstitutionStatus
from registry.selectors.dashboard import scope_dashboard
from registry.selectors.filings import filing_history
from registry.services import filings as svc
from tests.factories import InstitutionFactory, make_ready_filing

pytestmark = pytest.mark.django_db

REASONS = ["婴幼儿生活用房设在四层，不符合设置标准。", "户外活动场地与机动车道之间未设置隔离设施。"]
BASIS = "《托育机构设置标准（试行）》第三章“场地设施”"


def as_(user):
    return tenant_scope(scope_of(user.active_assignments[0]))


def reload(pk) -> Filing:
    with scopes_disabled():
        return Filing.objects.select_related("institution").get(pk=pk)


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def token(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def client_for(client_class, user):
    c = client_class()
    c.force_login(user)
    return c


@pytest.fixture
def submitted(institution, operator):
    """An initial filing submitted through the service (the institution is then 备案中)."""
    with scopes_disabled():
        filing = make_ready_filing(institution)
    with as_(operator):
        svc.filing_submit(actor=operator, filing_id=filing.pk)
    return reload(filing.pk)


# --- service ------------------------------------------------------------------------------------------

def test_reject_issues_the_notice_tells_the_operator_and_the_institution_may_file_again(
        submitted, institution, operator, reviewer, django_capture_on_commit_callbacks):
    with scopes_disabled():
        assert Institution.objects.get(pk=institution.pk).status == InstitutionStatus.FILING
    with as_(reviewer), django_capture_on_commit_callbacks(execute=True):
        # The service takes parsed input: the parser strips each reason and the basis and drops blank items.
        svc.filing_reject(actor=reviewer, filing_id=submitted.pk, expected_version=submitted.version,
                          **parse_reject({"reasons": [f"  {REASONS[0]} ", "", REASONS[1]], "basis": f" {BASIS} "}))
    filing = reload(submitted.pk)
    assert filing.status == FilingStatus.REJECTED and filing.version == submitted.version + 1
    assert filing.rejection_reasons == REASONS and filing.rejection_basis == BASIS
    assert filing.decided_by == reviewer and filing.decided_at is not None
    assert not filing.receipt_no and not filing.receipt_pdf

    # The written notice: to whom, every reason, the basis, the commission and the date.
    with filing.rejection_pdf.open("rb") as fh:
        text = pdf_text(fh.read())
    decided = timezone.localtime(filing.decided_at).strftime("%Y年%m月%d日")
    for expected in ("托育机构不予备案告知书", institution.name, institution.uscc, *REASONS, BASIS,
                     "西湖区卫生健康局", decided, "重新办理备案"):
        assert expected in text.replace("\n", ""), expected

    with scopes_disabled():
        event = filing_history(filing=filing)[-1]
    assert (event.action, event.from_status, event.to_status, event.actor) == ("reject", "submitted", "rejected",
                                                                              reviewer)
    assert event.items == REASONS and BASIS in event.reason
    note = Notification.objects.get(user=operator, kind=NotificationType.FILING_REJECTED)
    assert note.title == f"{institution.name}的备案不予备案"
    assert REASONS[0] in note.body and BASIS in note.body and note.link == f"/registry/filings/{filing.pk}/"

    # The institution is registered again (a move of its own table, with its event) and files anew.
    with scopes_disabled():
        assert Institution.objects.get(pk=institution.pk).status == InstitutionStatus.REGISTERED
        moves = list(InstitutionEvent.objects.filter(institution_id=institution.pk).order_by("id")
                     .values_list("action", "from_status", "to_status", "actor_id"))
    assert moves[-1] == ("reject_filing", "filing", "registered", reviewer.pk)
    with as_(operator):
        again = svc.filing_create(actor=operator, institution_id=institution.pk)
    assert again.status == FilingStatus.DRAFT and again.kind == "initial"


def test_reject_needs_every_reason_and_the_basis(submitted, reviewer):
    with as_(reviewer):
        with pytest.raises(DomainError) as exc:
            svc.filing_reject(actor=reviewer, filing_id=submitted.pk, reasons=[], basis="")
        assert exc.value.code == "reasons_required"
        codes = {name: [e["code"] for e in errs] for name, errs in exc.value.fields_as_dicts().items()}
        assert codes == {"reasons": ["reasons_required"], "basis": ["basis_required"]}
        with pytest.raises(DomainError) as exc:
            svc.filing_reject(actor=reviewer, filing_id=submitted.pk, reasons=REASONS, basis="   ")
        assert exc.value.code == "basis_required"
        with pytest.raises(DomainError) as exc:
            svc.filing_reject(actor=reviewer, filing_id=submitted.pk, reasons=["项"] * 51, basis=BASIS)
        assert exc.value.code == "max_length"
    after = reload(submitted.pk)
    assert (after.status, after.version, after.rejection_reasons) == (FilingStatus.SUBMITTED, submitted.version, [])
    assert not after.rejection_pdf


def test_only_the_districts_reviewers_reject(submitted, operator, other_reviewer, make_account):
    with as_(operator), pytest.raises(PermissionDenied):
        svc.filing_reject(actor=operator, filing_id=submitted.pk, reasons=REASONS, basis=BASIS)
    with as_(other_reviewer), pytest.raises(NotFound):
        svc.filing_reject(actor=other_reviewer, filing_id=submitted.pk, reasons=REASONS, basis=BASIS)
    city = make_account("city_rej", "city_viewer", "330100")
    with as_(city), pytest.raises(PermissionDenied):
        svc.filing_reject(actor=city, filing_id=submitted.pk, reasons=REASONS, basis=BASIS)
    assert reload(submitted.pk).status == FilingStatus.SUBMITTED


def test_a_termination_is_returned_never_rejected(institution, reviewer):
    from registry.workflow import allowed_actions

    with scopes_disabled():
        Institution.objects.filter(pk=institution.pk).update(status=InstitutionStatus.FILED)
        term = make_ready_filing(institution, kind="termination", status=FilingStatus.SUBMITTED,
                                 termination_date=timezone.localdate(), placement_plan="转入北山街道托育中心")
    with as_(reviewer), pytest.raises(InvalidTransition) as exc:
        svc.filing_reject(actor=reviewer, filing_id=term.pk, reasons=REASONS, basis=BASIS)
    assert "终止备案不能执行“不予备案”" in exc.value.message and "退回补正" in exc.value.message
    assert reload(term.pk).status == FilingStatus.SUBMITTED
    assert "reject" not in allowed_actions("submitted", "termination")
    assert "reject" in allowed_actions("submitted", "change") and "reject" in allowed_actions("resubmitted")


def test_rejecting_a_change_leaves_the_filing_in_force(institution, operator, reviewer):
    with scopes_disabled():
        current = make_ready_filing(institution, status=FilingStatus.ACCEPTED, receipt_no="330106-2026-00031")
        Institution.objects.filter(pk=institution.pk).update(status=InstitutionStatus.FILED, current_filing=current,
                                                             receipt_no=current.receipt_no)
        change = make_ready_filing(institution, kind="change", status=FilingStatus.RESUBMITTED, name="西湖区大星星托育园")
    with as_(reviewer):
        svc.filing_reject(actor=reviewer, filing_id=change.pk, reasons=REASONS, basis=BASIS)
    with scopes_disabled():
        inst = Institution.objects.get(pk=institution.pk)
    assert (inst.status, inst.current_filing_id, inst.name) == (InstitutionStatus.FILED, current.pk, "西湖区小星星托育园")
    assert reload(change.pk).status == FilingStatus.REJECTED
    with as_(operator):  # a rejected change is closed: another change may be filed
        assert svc.filing_create(actor=operator, institution_id=institution.pk, kind="change").status == "draft"


def test_dashboards_count_the_rejections_of_the_year(submitted, reviewer, make_account, regions):
    with scopes_disabled():
        other = make_ready_filing(InstitutionFactory(region_id="330105001"), status=FilingStatus.SUBMITTED)
    with as_(reviewer):
        svc.filing_reject(actor=reviewer, filing_id=submitted.pk, reasons=REASONS, basis=BASIS)
    gongshu = make_account("reviewer_gs3", "district_reviewer", "330105")
    with as_(gongshu):
        svc.filing_reject(actor=gongshu, filing_id=other.pk, reasons=REASONS, basis=BASIS)
    city = make_account("city_dash", "city_viewer", "330100")
    with as_(city):
        board = scope_dashboard(scope=scope_of(city.active_assignments[0]))
    stats = {s["key"]: s["value"] for s in board["stats"]}
    assert stats["rejected"] == 2
    assert {row["code"]: row["rejected"] for row in board["by_region"] if row["rejected"]} == {"330105": 1, "330106": 1}
    with as_(reviewer):
        own = scope_dashboard(scope=scope_of(reviewer.active_assignments[0]))
    assert {s["key"]: s["value"] for s in own["stats"]}["rejected"] == 1
    # Last year's decisions are not this year's count.
    with scopes_disabled():
        Filing.objects.filter(pk=other.pk).update(decided_at=timezone.now().replace(year=timezone.now().year - 1))
    with as_(city):
        board = scope_dashboard(scope=scope_of(city.active_assignments[0]))
    assert {s["key"]: s["value"] for s in board["stats"]}["rejected"] == 1


# --- API ----------------------------------------------------------------------------------------------

def test_api_reject_with_reasons_and_basis_then_the_notice(submitted, operator, reviewer,
                                                           django_capture_on_commit_callbacks):
    client = token(reviewer)
    url = f"/api/v1/filings/{submitted.pk}/"
    assert client.get(url).json()["allowed_actions"] == ["accept", "return", "reject"]
    assert client.get(url + "rejection.pdf").status_code == 409  # not_issued before the decision
    bad = client.post(url + "reject/", {"reasons": REASONS}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "basis_required"
    assert bad.json()["fields"]["basis"][0]["code"] == "basis_required"
    empty = client.post(url + "reject/", {"reasons": [], "basis": BASIS}, format="json")
    assert empty.status_code == 400 and empty.json()["code"] == "reasons_required"
    assert token(operator).post(url + "reject/", {"reasons": REASONS, "basis": BASIS},
                                format="json").status_code == 403
    stale = client.post(url + "reject/", {"reasons": REASONS, "basis": BASIS,
                                          "expected_version": submitted.version + 5}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"

    with django_capture_on_commit_callbacks(execute=True):  # the notice is rendered by Celery after the commit
        r = client.post(url + "reject/", {"reasons": REASONS, "basis": BASIS, "expected_version": submitted.version},
                        format="json")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert (body["status"], body["status_label"], body["allowed_actions"]) == ("rejected", "不予备案", [])
    assert body["receipt_status"] == "pending"  # read inside the request: the notice follows the commit
    assert client.get(url).json()["receipt_status"] == "ready"
    assert body["rejection_reasons"] == REASONS and body["rejection_basis"] == BASIS
    again = client.post(url + "reject/", {"reasons": REASONS, "basis": BASIS}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"

    pdf = token(operator).get(url + "rejection.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert REASONS[0] in pdf_text(b"".join(pdf.streaming_content)).replace("\n", "")
    events = token(operator).get(url + "events/").json()
    assert events[-1]["action"] == "reject" and events[-1]["items"] == REASONS
    listed = client.get("/api/v1/filings/", {"status": "rejected"}).json()["results"]
    assert [f["id"] for f in listed] == [submitted.pk]
    # The institution files again through the API.
    created = token(operator).post("/api/v1/filings/", {"institution": submitted.institution_id}, format="json")
    assert created.status_code == 201 and created.json()["status"] == "draft"


def test_api_termination_offers_no_reject(institution, reviewer):
    with scopes_disabled():
        Institution.objects.filter(pk=institution.pk).update(status=InstitutionStatus.FILED)
        term = make_ready_filing(institution, kind="termination", status=FilingStatus.SUBMITTED,
                                 termination_date=timezone.localdate(), placement_plan="转入北山街道托育中心")
    client = token(reviewer)
    assert client.get(f"/api/v1/filings/{term.pk}/").json()["allowed_actions"] == ["accept", "return"]
    r = client.post(f"/api/v1/filings/{term.pk}/reject/", {"reasons": REASONS, "basis": BASIS}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"


# --- pages --------------------------------------------------------------------------------------------

def test_reviewer_rejects_through_a_confirmation_page_and_the_operator_sees_the_notice(
        client, submitted, institution, operator, reviewer, django_capture_on_commit_callbacks):
    rv = client_for(type(client), reviewer)
    page = rv.get(reverse("registry:review_detail", args=[submitted.pk])).content.decode()
    assert 'data-testid="accept"' in page and 'data-testid="return"' in page and 'data-testid="reject"' in page
    assert page.count('id="id_reasons"') == 1 and 'id="reject_reasons"' in page  # two forms, distinct ids

    url = reverse("registry:review_reject", args=[submitted.pk])
    missing = rv.post(url, {"version": submitted.version, "reasons": "\n".join(REASONS), "basis": ""}, follow=True)
    assert any("依据" in str(m) or "必填" in str(m) for m in missing.context["messages"])
    # First post: the confirmation page, nothing decided yet.
    confirm = rv.post(url, {"version": submitted.version, "reasons": "\n".join(REASONS), "basis": BASIS})
    body = confirm.content.decode()
    assert confirm.status_code == 200 and 'data-testid="confirm-reject"' in body
    assert REASONS[0] in body and BASIS in body and "不能撤回" in body
    assert reload(submitted.pk).status == FilingStatus.SUBMITTED
    # The confirmation page's own form decides.
    reasons = re.search(r'<textarea name="reasons"[^>]*>(.*?)</textarea>', body, re.S).group(1)
    with django_capture_on_commit_callbacks(execute=True):  # the notice is rendered by Celery after the commit
        done = rv.post(url, {"version": submitted.version, "confirmed": "1", "reasons": reasons, "basis": BASIS},
                       follow=True)
    assert [str(m) for m in done.context["messages"]] == ["已作出不予备案决定，并向机构出具不予备案告知书。"]
    filing = reload(submitted.pk)
    assert filing.status == FilingStatus.REJECTED and filing.rejection_reasons == REASONS
    review = done.content.decode()
    assert 'data-testid="rejection"' in review and 'data-testid="reject"' not in review

    op = client_for(type(client), operator)
    detail = op.get(reverse("registry:filing_detail", args=[filing.pk])).content.decode()
    assert 'data-testid="rejection"' in detail and REASONS[1] in detail and BASIS in detail
    pdf = op.get(reverse("registry:filing_rejection", args=[filing.pk]))
    data = b"".join(pdf.streaming_content) if pdf.streaming else pdf.content
    assert pdf["Content-Type"] == "application/pdf" and BASIS in pdf_text(data).replace("\n", "")
    assert op.get(reverse("registry:filing_receipt", args=[filing.pk])).status_code == 404
    home = op.get(reverse("registry:operator_home")).content.decode()
    assert 'data-testid="rejected-filing"' in home and "开始备案" in home  # it may file again


def test_review_page_offers_no_reject_to_a_city_viewer_or_on_a_termination(client, submitted, make_account,
                                                                            institution, reviewer):
    city = client_for(type(client), make_account("city_page", "city_viewer", "330100"))
    page = city.get(reverse("registry:review_detail", args=[submitted.pk])).content.decode()
    assert 'data-testid="reject"' not in page
    assert city.post(reverse("registry:review_reject", args=[submitted.pk]),
                     {"reasons": "x", "basis": BASIS, "confirmed": "1"}).status_code == 403
    with scopes_disabled():
        other = InstitutionFactory(status=InstitutionStatus.FILED)
        term = make_ready_filing(other, kind="termination", status=FilingStatus.SUBMITTED,
                                 termination_date=timezone.localdate(), placement_plan="转入北山街道托育中心")
    page = client_for(type(client), reviewer).get(reverse("registry:review_detail", args=[term.pk])).content.decode()
    assert 'data-testid="accept"' in page and 'data-testid="reject"' not in page


def test_commission_home_counts_rejections(client, submitted, reviewer):
    with as_(reviewer):
        svc.filing_reject(actor=reviewer, filing_id=submitted.pk, reasons=REASONS, basis=BASIS)
    home = client_for(type(client), reviewer).get("/").content.decode()
    assert re.search(r'data-testid="stat-rejected">\s*1\s*<', home)
    assert re.search(r'data-testid="rejected-330106">\s*1\s*<', home)
