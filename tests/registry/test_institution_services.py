"""Registration push, operator sign-up, claims and the district's view of unfiled institutions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import Assignment
from accounts.selectors import scope_of
from core.errors import DomainError, InvalidTransition, NotFound, PermissionDenied
from core.tenancy import TenantScope, tenant_scope
from notifications.models import Notification
from regions.models import Region
from registry.inputs import parse_claim_facts, parse_registration
from registry.models import ClaimStatus, Institution, InstitutionClaim, InstitutionStatus, Registration
from registry.selectors.institutions import claim_list, unfiled_institutions
from registry.services.institutions import (
    claim_confirm,
    claim_reject,
    institution_claim,
    institution_resume,
    institution_suspend,
    institution_update_contact,
    operator_signup,
    registration_push,
)
from tests.factories import make_uscc

pytestmark = pytest.mark.django_db


def push_data(**overrides):
    data = {
        "uscc": make_uscc("330106", seed=7),
        "name": "杭州小星星托育有限公司",
        "nature": "enterprise",
        "legal_representative": "王芳",
        "address": "杭州市西湖区文三路 100 号",
        "district": "330106001",
        "registered_on": (timezone.localdate() - dt.timedelta(days=12)).isoformat(),
        "business_scope": "托育服务；婴幼儿照护服务",
    }
    data.update(overrides)
    return data


@pytest.fixture
def authority(make_account):
    return make_account("ra_hz", "registration_authority", "330100")


def push(actor, **overrides):
    """Push as the API does: the body read by ``registry.inputs.REGISTRATION``, then the service."""
    with tenant_scope(scope_of(actor.active_assignments[0])):
        return registration_push(actor=actor, data=parse_registration(push_data(**overrides)))


def facts_of(**overrides):
    return parse_claim_facts({k: v for k, v in push_data(**overrides).items() if k != "uscc"})


def test_push_creates_registration_and_registered_institution(authority, django_capture_on_commit_callbacks,
                                                              reviewer):
    with django_capture_on_commit_callbacks(execute=True):
        registration, created = push(authority)
    assert created
    with scopes_disabled():
        institution = Institution.objects.get(uscc=registration.uscc)
        assert institution.status == InstitutionStatus.REGISTERED
        assert institution.region_id == "330106001" and institution.district_id == "330106"
        assert institution.registration_authority == "市场监督管理部门"
    # The district's reviewers are told a new registration arrived.
    assert Notification.objects.filter(user=reviewer, kind="registration_received").count() == 1


def test_second_push_updates_and_counts(authority):
    registration, _ = push(authority)
    again, created = push(authority, name="杭州小星星托育服务有限公司", address="西湖区文二路 5 号")
    assert not created and again.pk == registration.pk
    with scopes_disabled():
        registration.refresh_from_db()
        assert registration.push_count == 2
        assert registration.institution.name == "杭州小星星托育服务有限公司"
        assert registration.institution.address == "西湖区文二路 5 号"
        # pghistory recorded the update of the registration.
        assert registration.audit_events.filter(pgh_label="update").count() == 1


def test_push_does_not_overwrite_filed_facts(authority):
    registration, _ = push(authority)
    with scopes_disabled():
        Institution.objects.filter(pk=registration.institution_id).update(status=InstitutionStatus.FILED,
                                                                         name="已备案名称")
    push(authority, name="登记新名称", business_scope="托育服务；早期教育")
    with scopes_disabled():
        institution = Institution.objects.get(pk=registration.institution_id)
    assert institution.name == "已备案名称"
    assert institution.business_scope == "托育服务；早期教育"


@pytest.mark.parametrize(("overrides", "field", "code"), [
    ({"uscc": make_uscc("330106", seed=7)[:17] + ("0" if make_uscc("330106", seed=7)[17] != "0" else "1")},
     "uscc", "uscc_checksum"),
    ({"business_scope": "餐饮服务"}, "business_scope", "business_scope_missing_childcare"),
    ({"nature": "company"}, "nature", "nature_invalid"),
    ({"district": "999999"}, "district", "district_invalid"),
    ({"registered_on": "2024-02-30"}, "registered_on", "date_invalid"),
])
def test_push_rejects_bad_input(authority, overrides, field, code):
    with pytest.raises(DomainError) as info:
        push(authority, **overrides)
    assert info.value.code == code
    assert field in info.value.fields
    with scopes_disabled():
        assert not Registration.objects.exists()


def test_social_organisation_needs_no_childcare_word_in_scope(authority):
    _, created = push(authority, nature="social_organisation", business_scope="婴幼儿照护")
    assert created


def test_push_outside_authority_scope(authority):
    with pytest.raises(DomainError) as info:
        push(authority, district="330203001")  # Ningbo, not Hangzhou
    assert info.value.code == "district_out_of_scope"


def test_push_needs_authority_role(reviewer):
    with tenant_scope(scope_of(reviewer.active_assignments[0])), pytest.raises(PermissionDenied):
        registration_push(actor=reviewer, data=parse_registration(push_data()))


def test_unfiled_institutions_with_days_waited(authority, regions):
    push(authority)
    with tenant_scope(TenantScope.for_region(regions["330106"])):
        rows = list(unfiled_institutions())
    assert [(r.name, r.days_waited) for r in rows] == [("杭州小星星托育有限公司", 12)]
    with tenant_scope(TenantScope.for_region(regions["330105"])):
        assert list(unfiled_institutions()) == []


def test_operator_signup_encrypts_phone(regions):
    user = operator_signup(username="op_wang", password="Str0ng!pass#2026", display_name="王芳",
                           phone="+86 138-0013-8000")
    assert user.phone == "13800138000"
    assert user.phone_masked == "138****8000"
    assert "13800138000" not in user.phone_encrypted
    assert user.assignments.count() == 0


def test_operator_signup_validates(regions):
    with pytest.raises(DomainError) as info:
        operator_signup(username="x", password="1", display_name="", phone="12345")
    assert set(info.value.fields) == {"username", "display_name", "phone", "password"}
    # The password rules speak Chinese here too, as on the admin form and create_account.
    assert "密码太短，至少需要 10 个字符。" in info.value.fields["password"]
    assert "密码不能全是数字。" in info.value.fields["password"]


def _operator(regions):
    return operator_signup(username="op_wang", password="Str0ng!pass#2026", display_name="王芳",
                           phone="13800138000")


def evidence_scan(name="授权委托书.pdf", content=b"%PDF-1.4\n%authorisation letter\n"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_claim_confirm_grants_operator(authority, reviewer, regions, django_capture_on_commit_callbacks, settings,
                                       tmp_path):
    settings.MEDIA_ROOT = tmp_path
    registration, _ = push(authority)
    op = _operator(regions)
    with tenant_scope(TenantScope.nothing()):
        claim = institution_claim(actor=op, uscc=registration.uscc)
        # Claiming twice returns the pending claim; the evidence given the second time is attached
        # (a lower-case code is the parser's business:
        # test_input_parsing.test_a_claim_by_a_lower_case_code_finds_the_institution).
        assert institution_claim(actor=op, uscc=registration.uscc, evidence_kind="authorisation_letter",
                                 evidence=evidence_scan()).pk == claim.pk
    with tenant_scope(TenantScope.for_region(regions["330106"])), django_capture_on_commit_callbacks(execute=True):
        assert [c.pk for c in claim_list(status="pending")] == [claim.pk]
        claim_confirm(actor=reviewer, claim_id=claim.pk)
        with pytest.raises(InvalidTransition):
            claim_confirm(actor=reviewer, claim_id=claim.pk)
    assert Assignment.objects.filter(user=op, role="operator", institution_id=registration.institution_id).exists()
    assert Notification.objects.filter(user=op, kind="claim_confirmed").exists()


def test_claim_other_district_cannot_confirm(authority, other_reviewer, regions):
    registration, _ = push(authority)
    op = _operator(regions)
    with tenant_scope(TenantScope.nothing()):
        claim = institution_claim(actor=op, uscc=registration.uscc)
    with tenant_scope(TenantScope.for_region(regions["330105"])), pytest.raises(NotFound):
        claim_confirm(actor=other_reviewer, claim_id=claim.pk)


def test_claim_reject_needs_note(authority, reviewer, regions):
    registration, _ = push(authority)
    op = _operator(regions)
    with tenant_scope(TenantScope.nothing()):
        claim = institution_claim(actor=op, uscc=registration.uscc)
    with tenant_scope(TenantScope.for_region(regions["330106"])):
        with pytest.raises(DomainError) as info:
            claim_reject(actor=reviewer, claim_id=claim.pk, note=" ")
        assert info.value.code == "note_required"
        rejected = claim_reject(actor=reviewer, claim_id=claim.pk, note="申请人并非该机构负责人")
    assert rejected.status == ClaimStatus.REJECTED
    assert not Assignment.objects.filter(user=op, role="operator").exists()


def test_claim_unknown_code_needs_facts(regions):
    op = _operator(regions)
    code = make_uscc("330106", seed=99)
    with tenant_scope(TenantScope.nothing()):
        with pytest.raises(DomainError) as info:
            institution_claim(actor=op, uscc=code)
        assert info.value.code == "institution_not_found"
        claim = institution_claim(actor=op, uscc=code, facts=facts_of())
    with scopes_disabled():
        assert claim.institution.uscc == code
        assert claim.institution.status == InstitutionStatus.REGISTERED
        assert claim.district_id == "330106"


def test_claim_bad_code(regions):
    op = _operator(regions)
    with tenant_scope(TenantScope.nothing()), pytest.raises(DomainError) as info:
        institution_claim(actor=op, uscc="91330106MA27XXXXXZ")  # Z is not in the GB 32100 alphabet
    assert info.value.code == "uscc_charset"
    assert "uscc" in info.value.fields


def test_update_contact(authority, make_account, regions):
    registration, _ = push(authority)
    op = make_account("op_li", "operator", registration.uscc)
    with tenant_scope(TenantScope.for_institutions([registration.institution_id])):
        institution = institution_update_contact(actor=op, institution_id=registration.institution_id,
                                                 data={"contact_phone": "0571-87654321"})
        assert institution.contact_phone == "0571-87654321"
        with pytest.raises(DomainError) as info:
            institution_update_contact(actor=op, institution_id=registration.institution_id,
                                       data={"contact_phone": "12"})
        assert info.value.code == "phone_invalid"


@pytest.mark.django_db(transaction=True)
def test_concurrent_pushes_of_one_code_create_one_registration(authority):
    import threading

    from django.db import connection

    barrier = threading.Barrier(3)
    results, failures = [], []

    def run():
        try:
            barrier.wait()
            results.append(push(authority)[1])
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert sorted(results) == [False, False, True]
    with scopes_disabled():
        assert Registration.objects.get().push_count == 3
        assert Institution.objects.count() == 1


# --- per-field error codes --------------------------------------------------------------------------

def test_each_field_error_keeps_its_own_code(authority):
    with pytest.raises(DomainError) as info:
        push(authority, district="999999", business_scope="餐饮服务")
    fields = info.value.fields
    assert [(e.code, e.message) for e in fields["district"]] == [
        ("district_invalid", "区划代码无效：应为备案机关所在区县（或其下辖乡镇街道）的行政区划代码。")]
    assert [e.code for e in fields["business_scope"]] == ["business_scope_missing_childcare"]
    # Callers that pass plain strings still work: the error's own code is used for them.
    legacy = DomainError("file_bad", "文件有误。", fields={"file": ["第 1 行有误。"]})
    assert legacy.fields_as_dicts() == {"file": [{"code": "file_bad", "message": "第 1 行有误。"}]}
    assert legacy.fields["file"] == ["第 1 行有误。"]


# --- a push may not move an institution out of the authority's scope -------------------------------

def _claim_with_facts(op, code, district):
    with tenant_scope(TenantScope.nothing()):
        return institution_claim(actor=op, uscc=code, facts=facts_of(district=district))


def test_push_refuses_to_move_a_claimed_institution_from_outside_its_scope(authority, regions):
    op = _operator(regions)
    code = make_uscc("330203", seed=5)
    claim = _claim_with_facts(op, code, "330203001")  # created by the claim in Ningbo
    with pytest.raises(DomainError) as info:
        push(authority, uscc=code)  # a Hangzhou authority pushes it into Xihu
    assert info.value.code == "district_out_of_scope"
    assert "宁波市" in info.value.message and info.value.fields["district"][0].code == "district_out_of_scope"
    with scopes_disabled():
        institution = Institution.objects.get(pk=claim.institution_id)
        assert institution.district_id == "330203" and institution.region_id == "330203001"
        assert not Registration.objects.exists()


def test_push_moves_a_claimed_institution_within_its_scope(authority, regions):
    op = _operator(regions)
    code = make_uscc("330105", seed=6)
    claim = _claim_with_facts(op, code, "330105001")  # Gongshu: covered by the Hangzhou authority
    registration, created = push(authority, uscc=code)
    assert created
    with scopes_disabled():
        institution = Institution.objects.get(pk=claim.institution_id)
    assert institution.district_id == "330106" and registration.institution_id == institution.pk


def test_repush_refuses_when_the_unfiled_institution_is_out_of_scope(authority, make_account, regions):
    registration, _ = push(authority)
    with scopes_disabled():  # e.g. moved by another city's push before this authority's scope shrank
        Institution.objects.filter(pk=registration.institution_id).update(
            region_id="330203001", province_id="330000", city_id="330200", district_id="330203")
    with pytest.raises(DomainError) as info:
        push(authority, name="改名")
    assert info.value.code == "district_out_of_scope"
    with scopes_disabled():
        assert Institution.objects.get(pk=registration.institution_id).name == "杭州小星星托育有限公司"


# --- suspend / resume ----------------------------------------------------------------------------------

@pytest.fixture
def filed(authority, make_account, regions):
    registration, _ = push(authority)
    with scopes_disabled():
        Institution.objects.filter(pk=registration.institution_id).update(status=InstitutionStatus.FILED)
    operator = make_account("op_star", "operator", registration.uscc)
    return registration.institution_id, operator


def in_xihu():
    return tenant_scope(TenantScope.for_region(Region.objects.get(code="330106")))


def test_suspend_and_resume_notify_operator_and_are_audited(filed, reviewer, django_capture_on_commit_callbacks):
    institution_id, operator = filed
    with in_xihu(), django_capture_on_commit_callbacks(execute=True):
        suspended = institution_suspend(actor=reviewer, institution_id=institution_id, reason="疏散通道堵塞")
    assert suspended.status == InstitutionStatus.SUSPENDED
    note = Notification.objects.get(user=operator, kind="institution_suspended")
    assert "疏散通道堵塞" in note.body
    with scopes_disabled():
        event = Institution.objects.get(pk=institution_id).audit_events.filter(pgh_label="update").latest("pgh_id")
    assert event.status == InstitutionStatus.SUSPENDED
    assert event.pgh_context.metadata["reason"] == "疏散通道堵塞"
    assert event.pgh_context.metadata["institution_action"] == "institution_suspended"

    with in_xihu(), django_capture_on_commit_callbacks(execute=True):
        resumed = institution_resume(actor=reviewer, institution_id=institution_id, reason="整改完成，复查合格")
    assert resumed.status == InstitutionStatus.FILED
    assert Notification.objects.filter(user=operator, kind="institution_resumed").count() == 1


def test_suspend_resume_refuse_illegal_moves(filed, reviewer, authority):
    institution_id, _ = filed
    with in_xihu():
        with pytest.raises(InvalidTransition) as info:
            institution_resume(actor=reviewer, institution_id=institution_id, reason="无")
        assert "只有“暂停服务”的机构可以恢复服务" in info.value.message
        with pytest.raises(DomainError) as info:
            institution_suspend(actor=reviewer, institution_id=institution_id, reason=" ")
        assert info.value.code == "reason_required" and info.value.fields["reason"][0].code == "reason_required"
        with pytest.raises(DomainError) as info:
            institution_suspend(actor=reviewer, institution_id=institution_id, reason="长" * 301)
        assert info.value.code == "reason_too_long"
        institution_suspend(actor=reviewer, institution_id=institution_id, reason="整改")
        with pytest.raises(InvalidTransition):
            institution_suspend(actor=reviewer, institution_id=institution_id, reason="再次暂停")
    unfiled, _ = push(authority, uscc=make_uscc("330106", seed=8))
    with in_xihu(), pytest.raises(InvalidTransition) as info:
        institution_suspend(actor=reviewer, institution_id=unfiled.institution_id, reason="未备案")
    assert "只有“已备案”的机构可以暂停服务" in info.value.message
    with scopes_disabled():
        assert Institution.objects.get(pk=institution_id).status == InstitutionStatus.SUSPENDED
        assert Institution.objects.get(pk=unfiled.institution_id).status == InstitutionStatus.REGISTERED


def test_suspend_other_district_404_and_roles(filed, other_reviewer, make_account, regions):
    institution_id, operator = filed
    with tenant_scope(TenantScope.for_region(regions["330105"])), pytest.raises(NotFound):
        institution_suspend(actor=other_reviewer, institution_id=institution_id, reason="越权")
    inspector = make_account("inspector_xh", "district_inspector", "330106")
    with in_xihu(), pytest.raises(PermissionDenied):
        institution_suspend(actor=inspector, institution_id=institution_id, reason="无权")
    with tenant_scope(TenantScope.for_institutions([institution_id])), pytest.raises(PermissionDenied):
        institution_suspend(actor=operator, institution_id=institution_id, reason="自己暂停")
    with scopes_disabled():
        assert Institution.objects.get(pk=institution_id).status == InstitutionStatus.FILED


# --- claim evidence ---------------------------------------------------------------------------------------

def test_a_claim_without_evidence_cannot_be_confirmed(authority, reviewer, regions):
    registration, _ = push(authority)
    op = _operator(regions)
    with tenant_scope(TenantScope.nothing()):
        claim = institution_claim(actor=op, uscc=registration.uscc)
    with tenant_scope(TenantScope.for_region(regions["330106"])), pytest.raises(DomainError) as info:
        claim_confirm(actor=reviewer, claim_id=claim.pk)
    assert info.value.code == "evidence_required" and info.value.status_code == 409
    assert not Assignment.objects.filter(user=op, role="operator").exists()


@pytest.mark.parametrize(("name", "content", "code"), [
    ("委托书.exe", b"MZ\x90\x00 program", "document_type_not_allowed"),
    ("委托书.pdf", b"", "document_empty"),
    ("委托书.pdf", b"plain text pretending", "document_type_not_allowed"),
])
def test_claim_evidence_is_judged_like_filing_documents(authority, regions, settings, tmp_path, name, content, code):
    settings.MEDIA_ROOT = tmp_path
    registration, _ = push(authority)
    op = _operator(regions)
    with tenant_scope(TenantScope.nothing()), pytest.raises(DomainError) as info:
        institution_claim(actor=op, uscc=registration.uscc, evidence_kind="authorisation_letter",
                          evidence=evidence_scan(name, content))
    assert info.value.code == code and "evidence" in info.value.fields
    with scopes_disabled():
        assert not InstitutionClaim.objects.exists()
    assert not any(tmp_path.rglob("*.*"))  # nothing stored


def test_claim_evidence_needs_a_kind_and_a_file(authority, regions, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    registration, _ = push(authority)
    op = _operator(regions)
    with tenant_scope(TenantScope.nothing()):
        with pytest.raises(DomainError) as info:
            institution_claim(actor=op, uscc=registration.uscc, evidence_kind="selfie", evidence=evidence_scan())
        assert info.value.code == "evidence_kind_invalid"
        with pytest.raises(DomainError) as info:
            institution_claim(actor=op, uscc=registration.uscc, evidence_kind="legal_representative")
        assert info.value.code == "evidence_required"


def test_claim_evidence_is_stored_under_a_random_name_and_replaced_by_the_claimant_only(
        authority, regions, settings, tmp_path, django_capture_on_commit_callbacks):
    from registry.services.institutions import claim_attach_evidence

    settings.MEDIA_ROOT = tmp_path
    registration, _ = push(authority)
    op = _operator(regions)
    other = operator_signup(username="op_other", password="Str0ng!pass#2026", display_name="李四",
                            phone="13900139000")
    with tenant_scope(TenantScope.nothing()):
        claim = institution_claim(actor=op, uscc=registration.uscc, evidence_kind="legal_representative",
                                  evidence=evidence_scan("../../法定代表人确认书.pdf"))
    assert claim.evidence_name == "法定代表人确认书.pdf" and "确认书" not in claim.evidence_file.name
    assert claim.evidence_file.name.startswith("claims/") and claim.evidence_size > 0 and len(claim.evidence_sha256) == 64
    first = claim.evidence_file.name
    with tenant_scope(TenantScope.nothing()):
        with pytest.raises(NotFound):
            claim_attach_evidence(actor=other, claim_id=claim.pk, evidence_kind="authorisation_letter",
                                  evidence=evidence_scan())
        with django_capture_on_commit_callbacks(execute=True):
            replaced = claim_attach_evidence(actor=op, claim_id=claim.pk, evidence_kind="authorisation_letter",
                                             evidence=evidence_scan("委托书.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20))
    assert replaced.evidence_kind == "authorisation_letter" and replaced.evidence_content_type == "image/png"
    assert not (tmp_path / first).exists() and (tmp_path / replaced.evidence_file.name).exists()
