"""Registry API end to end: registration push by token, claims, staff, the filing lifecycle with
documents and receipts, cross-tenant 404s, error shape and bounded query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Assignment, AuthEvent
from registry.models import FilingDocument, FilingStatus, Institution, InstitutionStatus, Registration
from registry.services.institutions import operator_signup
from registry.services.staff import staff_conflicts_sweep
from tests.e2e.data import lease_dates
from tests.factories import InstitutionFactory, make_id_number, make_roster, make_uscc

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ID_X = "11010519491231002X"


def api(user=None, token=False) -> APIClient:
    client = APIClient()
    if user is not None:
        if token:
            client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
        else:
            client.force_authenticate(user=None)
            client.force_login(user)
    return client


def push_body(**overrides):
    body = {"uscc": make_uscc("330106", seed=11), "name": "杭州彩虹托育有限公司", "nature": "enterprise",
            "legal_representative": "陈静", "address": "杭州市西湖区古墩路 8 号", "district": "330106002",
            "registered_on": (timezone.localdate() - dt.timedelta(days=9)).isoformat(),
            "business_scope": "托育服务"}
    body.update(overrides)
    return body


@pytest.fixture
def authority(make_account):
    return make_account("ra_xh", "registration_authority", "330106")


@pytest.fixture
def xihu(regions):
    with scopes_disabled():
        return InstitutionFactory(uscc=make_uscc("330106", seed=21), service_types=["full_day"], total_slots=10)


@pytest.fixture
def gongshu(regions):
    with scopes_disabled():
        return InstitutionFactory(uscc=make_uscc("330105", seed=22), region_id="330105001", name="拱墅托育园")


@pytest.fixture
def op(make_account, xihu):
    return make_account("op_api", "operator", xihu.uscc)


# --- registrations ----------------------------------------------------------------------------------

def test_push_by_token_create_then_update(authority, reviewer):
    client = api(authority, token=True)
    r1 = client.post("/api/v1/registrations/", push_body(), format="json")
    assert r1.status_code == 201, r1.json()
    institution_id = r1.json()["id"]
    r2 = client.post("/api/v1/registrations/", push_body(address="杭州市西湖区古墩路 10 号"), format="json")
    assert r2.status_code == 200 and r2.json()["id"] == institution_id and r2.json()["push_count"] == 2
    detail = api(reviewer).get(f"/api/v1/institutions/{institution_id}/")
    assert detail.status_code == 200
    assert detail.json()["address"] == "杭州市西湖区古墩路 10 号" and detail.json()["status"] == "registered"
    listed = api(reviewer).get("/api/v1/registrations/")
    assert [r["uscc"] for r in listed.json()["results"]] == [push_body()["uscc"]]
    unfiled = api(reviewer).get("/api/v1/institutions/unfiled/").json()["results"]
    assert [(u["id"], u["days_waited"]) for u in unfiled] == [(institution_id, 9)]


def test_push_bad_check_character(authority):
    good = push_body()["uscc"]
    bad = good[:17] + ("1" if good[17] != "1" else "2")
    r = api(authority, token=True).post("/api/v1/registrations/", push_body(uscc=bad), format="json")
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "uscc_checksum"
    assert body["fields"]["uscc"][0]["code"] == "uscc_checksum" and body["message"]
    with scopes_disabled():
        assert not Registration.objects.exists()


@pytest.mark.parametrize(("overrides", "code", "field"), [
    ({"business_scope": "餐饮服务；家政服务"}, "business_scope_missing_childcare", "business_scope"),
    ({"district": "330105001"}, "district_out_of_scope", "district"),
    ({"nature": "foundation"}, "nature_invalid", "nature"),
    ({"registered_on": "09/01/2025"}, "date_invalid", "registered_on"),
])
def test_push_rejections(authority, overrides, code, field):
    r = api(authority, token=True).post("/api/v1/registrations/", push_body(**overrides), format="json")
    assert r.status_code == 400
    assert r.json()["code"] == code and field in r.json()["fields"]


def test_each_field_error_has_its_own_code(authority):
    r = api(authority, token=True).post("/api/v1/registrations/",
                                        push_body(district="999999", business_scope="餐饮服务"), format="json")
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "district_invalid"
    assert [e["code"] for e in body["fields"]["district"]] == ["district_invalid"]
    assert [e["code"] for e in body["fields"]["business_scope"]] == ["business_scope_missing_childcare"]
    assert "托育" in body["fields"]["business_scope"][0]["message"]


def test_registration_filters(authority, reviewer):
    client = api(authority, token=True)
    client.post("/api/v1/registrations/", push_body(), format="json")
    social = client.post("/api/v1/registrations/", push_body(uscc=make_uscc("330106", seed=12), nature="social_organisation",
                                                            name="西湖区婴幼儿照护服务中心"), format="json").json()
    with scopes_disabled():
        Institution.objects.filter(pk=social["id"]).update(status=InstitutionStatus.FILED)
    rv = api(reviewer)

    def names(**params):
        return sorted(r["name"] for r in rv.get("/api/v1/registrations/", params).json()["results"])

    both = ["杭州彩虹托育有限公司", "西湖区婴幼儿照护服务中心"]
    assert names() == both
    assert names(nature="social_organisation") == ["西湖区婴幼儿照护服务中心"]
    assert names(filed="true") == ["西湖区婴幼儿照护服务中心"]
    assert names(filed="false") == ["杭州彩虹托育有限公司"]
    assert names(district="330106") == both and names(district="330105") == []
    today = timezone.localdate()
    assert names(received_from=today.isoformat(), received_to=today.isoformat()) == both
    assert names(received_from=(today + dt.timedelta(days=1)).isoformat()) == []
    assert names(received_to=(today - dt.timedelta(days=1)).isoformat()) == []
    bad = rv.get("/api/v1/registrations/", {"nature": "foundation"})
    assert bad.status_code == 400 and "nature" in bad.json()["fields"]


def test_push_needs_registration_authority(reviewer):
    r = api(reviewer, token=True).post("/api/v1/registrations/", push_body(), format="json")
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"


def test_anonymous_gets_401(regions):
    r = APIClient().get("/api/v1/institutions/")
    assert r.status_code in (401, 403) and r.json()["code"] == "not_authenticated"


# --- institutions, cross tenant -----------------------------------------------------------------------

def test_institution_filters_and_other_district_404(reviewer, other_reviewer, xihu, gongshu):
    client = api(reviewer)
    rows = client.get("/api/v1/institutions/").json()["results"]
    assert [r["id"] for r in rows] == [xihu.pk]
    assert client.get("/api/v1/institutions/", {"q": xihu.uscc}).json()["count"] == 1
    assert client.get("/api/v1/institutions/", {"status": "filed"}).json()["count"] == 0
    assert client.get("/api/v1/institutions/", {"township": "330106002"}).json()["count"] == 0
    assert client.get("/api/v1/institutions/", {"nature": "enterprise"}).json()["count"] == 1
    assert client.get("/api/v1/institutions/", {"nature": "public_institution"}).json()["count"] == 0
    assert client.get(f"/api/v1/institutions/{gongshu.pk}/").status_code == 404
    assert api(other_reviewer).get(f"/api/v1/institutions/{xihu.pk}/").json()["code"] == "not_found"


def test_suspend_and_resume_through_api(reviewer, other_reviewer, op, xihu, django_capture_on_commit_callbacks):
    with scopes_disabled():
        Institution.objects.filter(pk=xihu.pk).update(status=InstitutionStatus.FILED)
    url = f"/api/v1/institutions/{xihu.pk}"
    assert api(other_reviewer).post(f"{url}/suspend/", {"reason": "越权"}, format="json").status_code == 404
    assert api(op).post(f"{url}/suspend/", {"reason": "自己"}, format="json").status_code == 403
    missing = api(reviewer).post(f"{url}/suspend/", {}, format="json")
    assert missing.status_code == 400 and missing.json()["fields"]["reason"][0]["code"] == "reason_required"
    early = api(reviewer).post(f"{url}/resume/", {"reason": "未暂停"}, format="json")
    assert early.status_code == 409 and early.json()["code"] == "invalid_transition"
    with django_capture_on_commit_callbacks(execute=True):
        done = api(reviewer).post(f"{url}/suspend/", {"reason": "消防检查不合格"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "suspended"
    from notifications.models import Notification

    assert Notification.objects.filter(user=op, kind="institution_suspended").exists()
    assert api(reviewer).post(f"{url}/suspend/", {"reason": "再次"}, format="json").status_code == 409
    back = api(reviewer).post(f"{url}/resume/", {"reason": "整改合格"}, format="json")
    assert back.status_code == 200 and back.json()["status"] == "filed"


# --- claims ---------------------------------------------------------------------------------------

def test_claim_flow_through_api(authority, reviewer, other_reviewer, media):
    institution_id = api(authority, token=True).post("/api/v1/registrations/", push_body(), format="json").json()["id"]
    user = operator_signup(username="new_op", password="Str0ng!pass#2026", display_name="陈静", phone="13900139000")
    client = api(user)
    r = client.post("/api/v1/claims/", {"uscc": push_body()["uscc"]}, format="json")
    assert r.status_code == 201, r.json()
    claim_id = r.json()["id"]
    assert r.json()["has_evidence"] is False
    assert [c["id"] for c in client.get("/api/v1/claims/").json()["results"]] == [claim_id]
    assert api(other_reviewer).post(f"/api/v1/claims/{claim_id}/confirm/").status_code == 404
    # No evidence yet: the district cannot confirm.
    early = api(reviewer).post(f"/api/v1/claims/{claim_id}/confirm/")
    assert early.status_code == 409 and early.json()["code"] == "evidence_required"
    bad = client.post(f"/api/v1/claims/{claim_id}/evidence/", {"evidence_kind": "authorisation_letter",
                                                               "evidence": _file("委托书.txt", b"not a scan")},
                      format="multipart")
    assert bad.status_code == 400 and bad.json()["code"] == "document_type_not_allowed"
    assert "evidence" in bad.json()["fields"]
    up = client.post(f"/api/v1/claims/{claim_id}/evidence/", {"evidence_kind": "authorisation_letter",
                                                              "evidence": _file("委托书.pdf", PDF)}, format="multipart")
    assert up.status_code == 201 and up.json()["has_evidence"] is True and up.json()["evidence_name"] == "委托书.pdf"
    seen = api(reviewer).get(f"/api/v1/claims/{claim_id}/evidence/")
    assert seen.status_code == 200 and b"".join(seen.streaming_content).startswith(b"%PDF-")
    assert api(other_reviewer).get(f"/api/v1/claims/{claim_id}/evidence/").status_code == 404
    confirm = api(reviewer).post(f"/api/v1/claims/{claim_id}/confirm/")
    assert confirm.status_code == 200 and confirm.json()["status"] == "confirmed"
    assert api(reviewer).post(f"/api/v1/claims/{claim_id}/confirm/").status_code == 409
    assert Assignment.objects.filter(user=user, role="operator", institution_id=institution_id).exists()
    # The operator now sees the institution.
    assert api(user).get(f"/api/v1/institutions/{institution_id}/").status_code == 200


def test_claimant_reads_only_their_own_claims_without_any_scope(authority, gongshu):
    """A claimant holds no assignment yet: their own claims are a named cross-tenant read, the same
    in the list (with its filter), the detail, and the answer to the claim itself."""
    api(authority, token=True).post("/api/v1/registrations/", push_body(), format="json")
    user = operator_signup(username="new_op", password="Str0ng!pass#2026", display_name="陈静", phone="13900139000")
    stranger = operator_signup(username="other_op", password="Str0ng!pass#2026", display_name="李雷",
                               phone="13900139001")
    client = api(user)
    first = client.post("/api/v1/claims/", {"uscc": push_body()["uscc"]}, format="json").json()
    second = client.post("/api/v1/claims/", {"uscc": gongshu.uscc}, format="json").json()
    assert first["institution_uscc"] == push_body()["uscc"] and second["institution_name"] == "拱墅托育园"
    listed = client.get("/api/v1/claims/").json()
    assert listed["count"] == 2 and [c["id"] for c in listed["results"]] == [second["id"], first["id"]]
    assert client.get("/api/v1/claims/?status=pending").json()["count"] == 2
    assert client.get("/api/v1/claims/?status=rejected").json()["count"] == 0
    bad = client.get("/api/v1/claims/?status=nonsense")
    assert bad.status_code == 400 and "status" in bad.json()["fields"]
    detail = client.get(f"/api/v1/claims/{second['id']}/")
    assert detail.status_code == 200 and detail.json()["institution_uscc"] == gongshu.uscc
    assert api(stranger).get(f"/api/v1/claims/{second['id']}/").status_code == 404
    assert api(stranger).get("/api/v1/claims/").json()["count"] == 0


def test_claim_bad_code_is_field_error(regions):
    user = operator_signup(username="new_op", password="Str0ng!pass#2026", display_name="陈静", phone="13900139000")
    r = api(user).post("/api/v1/claims/", {"uscc": "91330106MA27XXXXXZ"}, format="json")
    assert r.status_code == 400 and r.json()["fields"]["uscc"][0]["code"] == "uscc_charset"


# --- staff ----------------------------------------------------------------------------------------

def staff_body(**overrides):
    body = {"name": "赵敏", "id_number": ID_X, "role": "caregiver", "start_date": "2024-09-01",
            "health_certificate_date": (timezone.localdate() - dt.timedelta(days=10)).isoformat(),
            "qualifications": [{"type": "childcare", "number": "YY-001", "expires_on": "2029-01-01"}]}
    body.update(overrides)
    return body


def test_staff_create_masked_reveal_audited(op, xihu, reviewer, make_account):
    client = api(op)
    bad = client.post(f"/api/v1/institutions/{xihu.pk}/staff/", staff_body(id_number="110105194912310021"),
                      format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "id_number_checksum"
    assert bad.json()["fields"]["id_number"][0]["code"] == "id_number_checksum"
    r = client.post(f"/api/v1/institutions/{xihu.pk}/staff/", staff_body(), format="json")
    assert r.status_code == 201, r.json()
    staff = r.json()
    assert staff["id_number_masked"] == "110105********002X" and "id_number" not in staff
    assert ID_X not in r.content.decode()
    assert client.post(f"/api/v1/institutions/{xihu.pk}/staff/{staff['id']}/reveal/").status_code == 403
    patched = client.patch(f"/api/v1/institutions/{xihu.pk}/staff/{staff['id']}/", {"years_experience": 3},
                           format="json")
    assert patched.status_code == 200 and patched.json()["years_experience"] == 3
    reveal = api(reviewer).post(f"/api/v1/institutions/{xihu.pk}/staff/{staff['id']}/reveal/")
    assert reveal.status_code == 200 and reveal.json() == {"id_number": ID_X}
    assert reveal["Cache-Control"] == "no-store"
    assert AuthEvent.objects.filter(kind="reveal", user=reviewer,
                                    target=f"registry.staff:{staff['id']}:id_number").count() == 1


def test_staff_other_tenant_404(op, xihu, gongshu, make_account, other_reviewer):
    sid = api(op).post(f"/api/v1/institutions/{xihu.pk}/staff/", staff_body(), format="json").json()["id"]
    op_gs = make_account("op_gs", "operator", gongshu.uscc)
    for client in (api(op_gs), api(other_reviewer)):
        assert client.get(f"/api/v1/institutions/{xihu.pk}/staff/").status_code == 404
        assert client.get(f"/api/v1/institutions/{xihu.pk}/staff/{sid}/").status_code == 404
        assert client.post(f"/api/v1/institutions/{xihu.pk}/staff/", staff_body(), format="json").status_code == 404
        assert client.post(f"/api/v1/institutions/{xihu.pk}/staff/{sid}/reveal/").status_code == 404
    # Staff id under the wrong institution in the path is 404 too.
    assert api(op).get(f"/api/v1/institutions/{gongshu.pk}/staff/{sid}/").status_code == 404
    assert not AuthEvent.objects.filter(kind="reveal").exists()


def test_conflict_visible_to_both_districts(op, xihu, gongshu, make_account, reviewer, other_reviewer):
    op_gs = make_account("op_gs", "operator", gongshu.uscc)
    api(op).post(f"/api/v1/institutions/{xihu.pk}/staff/", staff_body(), format="json")
    r = api(op_gs).post(f"/api/v1/institutions/{gongshu.pk}/staff/", staff_body(), format="json")
    assert r.json()["conflicts"][0]["other_institution_name"] == xihu.name
    mine = api(reviewer).get("/api/v1/staff-conflicts/").json()["results"]
    theirs = api(other_reviewer).get("/api/v1/staff-conflicts/").json()["results"]
    assert [c["institution"] for c in mine] == [xihu.pk] and [c["institution"] for c in theirs] == [gongshu.pk]


# --- filings, documents, receipts -------------------------------------------------------------------

def test_filing_lifecycle_through_api(op, xihu, reviewer, media, django_capture_on_commit_callbacks):
    with scopes_disabled():
        make_roster(xihu)
    client = api(op)
    r = client.post("/api/v1/filings/", {"institution": xihu.pk}, format="json")
    assert r.status_code == 201, r.json()
    fid = r.json()["id"]
    assert r.json()["status"] == "draft" and "submit" in r.json()["allowed_actions"]
    assert client.put(f"/api/v1/filings/{fid}/classes/", {"classes": [
        {"class_type": "infant", "planned_children": 10, "carers": 4, "name": "小一班", "min_age_months": 6,
         "max_age_months": 12}]}, format="json").status_code == 200
    assert client.get(f"/api/v1/filings/{fid}/").json()["classes"][0]["max_age_months"] == 12
    lease_start, lease_end = lease_dates()
    form = client.patch(f"/api/v1/filings/{fid}/", {
        "premises_type": "leased", "lease_start": lease_start, "lease_end": lease_end,
        "hygiene_evaluation_passed": True, "fees": {"full_day": 250000}}, format="json")
    assert form.status_code == 200, form.json()
    failing = client.post(f"/api/v1/filings/{fid}/submit/")
    assert failing.status_code == 400 and failing.json()["code"] == "checks_failed"
    for doc_type in ("business_licence", "premises_proof", "staff_certificates", "hygiene_report", "fire_safety"):
        up = client.post(f"/api/v1/filings/{fid}/documents/",
                         {"doc_type": doc_type, "file": _file(f"{doc_type}.pdf", PDF)}, format="multipart")
        assert up.status_code == 201, up.json()
    assert client.post(f"/api/v1/filings/{fid}/commitment/", {"signer": "王园长"}, format="json").status_code == 200
    checks = client.get(f"/api/v1/filings/{fid}/check/").json()
    assert all(c["passed"] for c in checks), checks
    version = client.get(f"/api/v1/filings/{fid}/").json()["version"]
    submitted = client.post(f"/api/v1/filings/{fid}/submit/", {"expected_version": version}, format="json")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    # Documents are frozen once submitted.
    late = client.post(f"/api/v1/filings/{fid}/documents/", {"doc_type": "other", "file": _file("x.pdf", PDF)},
                       format="multipart")
    assert late.status_code == 409
    rev = api(reviewer)
    assert rev.post(f"/api/v1/filings/{fid}/accept/", {"expected_version": 1}, format="json").status_code == 409
    assert rev.get(f"/api/v1/filings/{fid}/receipt.pdf").status_code == 409

    # The reviewer returns it with itemised reasons (the one-time notice) …
    returned = rev.post(f"/api/v1/filings/{fid}/return/", {
        "reasons": ["消防安全检查合格证明不清晰", "场地租赁合同缺少盖章页"],
        "expected_version": submitted.json()["version"]}, format="json")
    assert returned.status_code == 200, returned.json()
    assert returned.json()["status"] == "returned"
    # … the operator reads them, fixes the scans and resubmits …
    seen = client.get(f"/api/v1/filings/{fid}/").json()
    assert seen["return_reasons"] == ["消防安全检查合格证明不清晰", "场地租赁合同缺少盖章页"]
    assert seen["allowed_actions"] == ["resubmit", "withdraw"]
    for doc_type in ("fire_safety", "premises_proof"):
        fixed = client.post(f"/api/v1/filings/{fid}/documents/",
                            {"doc_type": doc_type, "file": _file(f"{doc_type}-v2.pdf", PDF)}, format="multipart")
        assert fixed.status_code == 201, fixed.json()
    stale = client.post(f"/api/v1/filings/{fid}/submit/", {"expected_version": submitted.json()["version"]},
                        format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    # The new scans voided the signature: sign again, then resubmit.
    unsigned = client.post(f"/api/v1/filings/{fid}/submit/", format="json")
    assert unsigned.status_code == 400 and unsigned.json()["code"] == "checks_failed"
    assert client.post(f"/api/v1/filings/{fid}/commitment/", {"signer": "王园长"}, format="json").status_code == 200
    version = client.get(f"/api/v1/filings/{fid}/").json()["version"]
    assert version > seen["version"]
    resubmitted = client.post(f"/api/v1/filings/{fid}/submit/", {"expected_version": version},
                              format="json")
    assert resubmitted.status_code == 200, resubmitted.json()
    assert resubmitted.json()["status"] == "resubmitted" and resubmitted.json()["due_at"]
    # … and the reviewer accepts the resubmission (the pre-return version is stale by now).
    assert rev.post(f"/api/v1/filings/{fid}/accept/", {"expected_version": submitted.json()["version"]},
                    format="json").status_code == 409
    with django_capture_on_commit_callbacks() as callbacks:
        accepted = rev.post(f"/api/v1/filings/{fid}/accept/", {"expected_version": resubmitted.json()["version"]},
                            format="json")
    assert accepted.status_code == 200 and accepted.json()["receipt_no"]
    # The number is issued with the accept; the PDFs are rendered by Celery once it commits.
    assert accepted.json()["receipt_status"] == "pending"
    early = rev.get(f"/api/v1/filings/{fid}/receipt.pdf")
    assert early.status_code == 409 and early.json()["code"] == "receipt_pending"
    for callback in callbacks:  # the commit: the render task runs (eagerly in tests), then the notices
        callback()
    assert rev.get(f"/api/v1/filings/{fid}/").json()["receipt_status"] == "ready"
    pdf = rev.get(f"/api/v1/filings/{fid}/receipt.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    assert client.get(f"/api/v1/filings/{fid}/notice.pdf").status_code == 200
    events = client.get(f"/api/v1/filings/{fid}/events/").json()
    assert [e["action"] for e in events] == ["create", "submit", "return", "resubmit", "accept"]
    assert events[2]["items"] == ["消防安全检查合格证明不清晰", "场地租赁合同缺少盖章页"]
    with scopes_disabled():
        assert Institution.objects.get(pk=xihu.pk).status == InstitutionStatus.FILED


def test_return_with_reasons_and_withdraw(op, xihu, reviewer):
    with scopes_disabled():
        from tests.factories import make_ready_filing

        filing = make_ready_filing(xihu, status=FilingStatus.SUBMITTED)
    r = api(reviewer).post(f"/api/v1/filings/{filing.pk}/return/", {"reasons": ["租赁合同不足三年"]}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "returned"
    assert "租赁合同不足三年" in r.json()["return_reasons"]
    assert api(op).post(f"/api/v1/filings/{filing.pk}/withdraw/").json()["status"] == "withdrawn"
    assert api(op).post(f"/api/v1/filings/{filing.pk}/withdraw/").status_code == 409


def test_filing_detail_shows_commitment_and_masked_roster_snapshot(op, xihu, reviewer):
    with scopes_disabled():
        from registry.models import Staff
        from tests.factories import make_ready_filing

        filing = make_ready_filing(xihu)
        raw_ids = [s.id_number for s in Staff.objects.filter(institution=xihu)]
    client = api(op)
    assert client.post(f"/api/v1/filings/{filing.pk}/commitment/", {"signer": "王园长"}, format="json",
                       REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.post(f"/api/v1/filings/{filing.pk}/submit/").status_code == 200
    response = api(reviewer).get(f"/api/v1/filings/{filing.pk}/")
    body = response.json()
    assert body["commitment_signer"] == "王园长" and body["commitment_ip"] == "10.1.2.3"
    assert body["commitment_accepted_at"]
    snapshot = body["staff_snapshot"]
    assert len(snapshot) == 7 and {p["role"] for p in snapshot} >= {"principal", "caregiver", "security_guard"}
    assert all(set(p) == {"name", "role", "role_label", "id_number_masked", "education", "years_experience",
                          "health_certificate_date", "criminal_record_checked", "criminal_record_checked_on",
                          "qualifications"} for p in snapshot)  # never the blind index
    assert all(p["id_number_masked"][6:14] == "********" for p in snapshot)
    text = response.content.decode()
    assert not any(raw in text for raw in raw_ids)  # never the full ID number
    assert "id_number_hash" not in text


def test_receipt_of_an_accepted_termination_is_404_with_the_error_shape(op, xihu, reviewer):
    with scopes_disabled():
        from tests.factories import make_ready_filing

        filing = make_ready_filing(xihu, kind="termination", status=FilingStatus.ACCEPTED,
                                   termination_date=timezone.localdate(), decided_at=timezone.now())
    for who in (api(reviewer), api(op)):
        for name in ("receipt.pdf", "notice.pdf"):
            r = who.get(f"/api/v1/filings/{filing.pk}/{name}")
            assert r.status_code == 404
            assert r.json()["code"] == "no_receipt" and r.json()["fields"] == {}
            assert "终止备案不出具回执" in r.json()["message"]


def _file(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _draft(op, xihu):
    return api(op).post("/api/v1/filings/", {"institution": xihu.pk}, format="json").json()["id"]


@pytest.mark.parametrize(("name", "content", "code"), [
    ("营业执照.pdf", b"MZ\x90\x00" + b"\x00" * 100, "document_type_not_allowed"),
    ("scan.pdf", b"\x7fELF\x02\x01" + b"\x00" * 100, "document_type_not_allowed"),
    ("notes.pdf", b"just some text, not a scan", "document_type_not_allowed"),
])
def test_bad_uploads_store_nothing(op, xihu, media, name, content, code):
    fid = _draft(op, xihu)
    r = api(op).post(f"/api/v1/filings/{fid}/documents/", {"doc_type": "other", "file": _file(name, content)},
                     format="multipart")
    assert r.status_code == 400 and r.json()["code"] == code and "file" in r.json()["fields"]
    assert [p for p in media.rglob("*") if p.is_file()] == []
    with scopes_disabled():
        assert not FilingDocument.objects.exists()


def test_oversize_upload_stores_nothing(op, xihu, media, settings):
    fid = _draft(op, xihu)
    settings.UPLOAD_MAX_BYTES = 2048
    r = api(op).post(f"/api/v1/filings/{fid}/documents/",
                     {"doc_type": "other", "file": _file("big.pdf", PDF + b"0" * 4096)}, format="multipart")
    assert r.status_code == 400 and r.json()["code"] == "document_too_large"
    assert [p for p in media.rglob("*") if p.is_file()] == []


def test_documents_download_delete_and_other_tenant_404(op, xihu, gongshu, make_account, other_reviewer, reviewer):
    fid = _draft(op, xihu)
    client = api(op)
    doc = client.post(f"/api/v1/filings/{fid}/documents/", {"doc_type": "other", "file": _file("租约.pdf", PDF)},
                      format="multipart").json()
    download = api(reviewer).get(doc["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    op_gs = make_account("op_gs", "operator", gongshu.uscc)
    for stranger in (api(op_gs), api(other_reviewer)):
        assert stranger.get(f"/api/v1/filings/{fid}/").status_code == 404
        assert stranger.get(f"/api/v1/filings/{fid}/documents/").status_code == 404
        assert stranger.get(doc["download_url"]).status_code == 404
        assert stranger.delete(doc["download_url"]).status_code == 404
        assert stranger.post(f"/api/v1/filings/{fid}/submit/").status_code == 404
        assert stranger.get(f"/api/v1/filings/{fid}/receipt.pdf").status_code == 404
    assert api(reviewer).delete(doc["download_url"]).status_code == 403
    assert client.delete(doc["download_url"]).status_code == 204
    assert client.get(f"/api/v1/filings/{fid}/documents/").json() == []


# --- query counts: the same bound with 10 and with 30 rows --------------------------------------------

def _bulk(n, op_user, xihu):
    from tests.factories import FilingDocumentFactory, FilingFactory, StaffFactory

    with scopes_disabled():
        for i in range(n):
            inst = InstitutionFactory(uscc=make_uscc("330106", seed=1000 + i))
            StaffFactory(institution=xihu, id_number=make_id_number(seq=500 + i))
            StaffFactory(institution=inst, id_number=make_id_number(seq=500 + i))  # the same person: 挂靠
            FilingFactory(institution=inst)
            _registration_and_claim(inst, op_user)
        staff_conflicts_sweep()  # n pairs: 2n flags, both sides in this district
        filing = FilingFactory(institution=xihu)
        for _ in range(n):
            FilingDocumentFactory(filing=filing)
    return filing


def _registration_and_claim(inst, user):
    """A pushed registration and a pending claim per institution, so those lists are not empty."""
    from registry.models import InstitutionClaim

    registration = Registration(institution=inst, pushed_by=user, uscc=inst.uscc, name=inst.name, nature=inst.nature,
                                legal_representative="陈静", address=inst.address, registered_on=inst.registered_on)
    registration.set_region(inst.region)
    registration.save()
    claim = InstitutionClaim(institution=inst, user=user)
    claim.set_region(inst.region)
    claim.save()


LIST_URLS = ["/api/v1/institutions/?page_size=100", "/api/v1/filings/?page_size=100",
             "/api/v1/institutions/unfiled/?page_size=100", "/api/v1/staff-conflicts/?page_size=100",
             "/api/v1/registrations/?page_size=100", "/api/v1/claims/?page_size=100"]


@pytest.mark.parametrize("n", [10, 30])
def test_list_query_counts_bounded(n, reviewer, op, xihu, django_assert_max_num_queries):
    filing = _bulk(n, op, xihu)
    client = api(reviewer)
    client.get("/api/v1/institutions/")  # warm the session/assignment caches
    for url in [*LIST_URLS, f"/api/v1/institutions/{xihu.pk}/staff/?page_size=100",
                f"/api/v1/filings/{filing.pk}/documents/"]:
        with django_assert_max_num_queries(12):
            r = client.get(url)
        assert r.status_code == 200, (url, r.content[:300])
    assert client.get("/api/v1/institutions/?page_size=100").json()["count"] == n + 1
    assert client.get("/api/v1/registrations/").json()["count"] == n
    assert client.get("/api/v1/claims/").json()["count"] == n
    assert len(client.get(f"/api/v1/institutions/{xihu.pk}/staff/?page_size=100").json()["results"]) == n
    assert len(client.get("/api/v1/staff-conflicts/?page_size=100").json()["results"]) == 2 * n


def test_filing_and_institution_actions_refuse_a_role_outside_their_duty_before_reading_the_body(
        op, xihu, reviewer, make_account):
    # A caller outside an action's duty gets 403 whatever the body (it learns nothing of the body's rules);
    # the one who may act gets the same malformed body's field errors (400).
    viewer = make_account("hz_api_viewer", "city_viewer", "330100")
    with scopes_disabled():
        from tests.factories import make_ready_filing

        submitted = make_ready_filing(xihu, status=FilingStatus.SUBMITTED)
        draft = make_ready_filing(xihu)
    decisions = [(f"/api/v1/filings/{submitted.pk}/return/", {"reasons": "一条"}, "reasons"),
                 (f"/api/v1/filings/{submitted.pk}/reject/", {"reasons": ["理由"]}, "basis")]
    for path, body, field in decisions:
        for user in (op, viewer):
            r = api(user).post(path, body, format="json")
            assert r.status_code == 403 and r.json()["code"] == "permission_denied", (path, user, r.json())
        r = api(reviewer).post(path, body, format="json")
        assert r.status_code == 400 and field in r.json()["fields"], (path, r.json())
    for user in (reviewer, viewer):
        assert api(user).put(f"/api/v1/filings/{draft.pk}/classes/", {"classes": "x"}, format="json").status_code == 403
        assert api(user).post(f"/api/v1/filings/{draft.pk}/commitment/", {}, format="json").status_code == 403
        assert api(user).post(f"/api/v1/institutions/{xihu.pk}/contact/", {}, format="json").status_code == 403
    r = api(op).put(f"/api/v1/filings/{draft.pk}/classes/", {"classes": "x"}, format="json")
    assert r.status_code == 400 and "classes" in r.json()["fields"]
    r = api(op).post(f"/api/v1/filings/{draft.pk}/commitment/", {}, format="json")
    assert r.status_code == 400 and "signer" in r.json()["fields"]
    for action in ("suspend", "resume"):
        assert api(op).post(f"/api/v1/institutions/{xihu.pk}/{action}/", {}, format="json").status_code == 403
        r = api(reviewer).post(f"/api/v1/institutions/{xihu.pk}/{action}/", {}, format="json")
        assert r.status_code == 400 and "reason" in r.json()["fields"], r.json()
