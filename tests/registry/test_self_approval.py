"""Nobody approves their own filing: the path an attacker took with a district admin's token
(claim an institution of the district, confirm the claim, file, accept) is closed at every step.

- commission, administrative and machine accounts cannot claim an institution or become operators;
- nobody confirms their own claim;
- ``require_role`` judges the assignment the request acts through, never the other roles the
  person holds.
"""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Assignment
from accounts.services import assignment_grant
from core.errors import DomainError
from registry.models import ClaimStatus, Filing, FilingStatus, InstitutionClaim
from registry.services.institutions import institution_claim, operator_signup
from tests.factories import InstitutionFactory, make_ready_filing, make_roster, make_uscc

pytestmark = pytest.mark.django_db

@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def xihu(regions):
    with scopes_disabled():
        institution = InstitutionFactory(uscc=make_uscc("330106", seed=77), service_types=["full_day"],
                                         total_slots=10)
        make_roster(institution)
    return institution


def token_client(user, assignment: Assignment | None = None) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}",
                       **({"HTTP_X_ASSIGNMENT": str(assignment.pk)} if assignment else {}))
    return client


def operator_roles(user) -> list[Assignment]:
    return list(Assignment.objects.filter(user=user, role="operator"))


def test_the_district_admin_path_to_self_approval_is_closed_at_the_claim(make_account, xihu):
    """The attack as found: a district admin's token claims an institution of its district."""
    admin = make_account("xh_admin_attacker", "district_admin", "330106")
    client = token_client(admin)
    claim = client.post("/api/v1/claims/", {"uscc": xihu.uscc}, format="json")
    assert claim.status_code == 403, claim.json()
    assert claim.json()["code"] == "operator_role_conflict"
    with scopes_disabled():
        assert not InstitutionClaim.objects.filter(user=admin).exists()
    assert operator_roles(admin) == []
    # Without the operator role, the rest of the path is refused too.
    created = client.post("/api/v1/filings/", {"institution": xihu.pk}, format="json")
    assert created.status_code == 403
    with scopes_disabled():
        assert not Filing.objects.filter(institution=xihu).exists()


@pytest.mark.parametrize("role, scope", [
    ("district_reviewer", "330106"), ("district_inspector", "330106"), ("city_viewer", "330100"),
    ("auditor", "330106"), ("security_admin", "330106"), ("system_admin", "000000"),
    ("registration_authority", "330106"),
])
def test_commission_admin_and_machine_accounts_cannot_claim(make_account, xihu, role, scope):
    user = make_account(f"x_{role}", role, scope)
    response = token_client(user).post("/api/v1/claims/", {"uscc": xihu.uscc}, format="json")
    # The machine account is stopped before it reaches the claim (its token reaches only its pushes).
    assert response.status_code == 403
    assert response.json()["code"] in ("operator_role_conflict", "permission_denied")
    with scopes_disabled():
        assert not InstitutionClaim.objects.filter(user=user).exists()


def _scan():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("授权委托书.pdf", b"%PDF-1.4\n%authorisation letter\n")


def test_a_claim_page_post_by_a_reviewer_is_refused(client, reviewer, xihu, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(reviewer)
    response = client.post("/registry/claim/", {"step": "confirm", "uscc": xihu.uscc,
                                                "evidence_kind": "authorisation_letter", "evidence": _scan()})
    assert response.status_code == 200
    assert "不能再担任" in response.content.decode()
    with scopes_disabled():
        assert not InstitutionClaim.objects.filter(user=reviewer).exists()


def test_nobody_confirms_their_own_claim(make_account, xihu, reviewer, settings, tmp_path):
    """A claimant who is later made a reviewer of the district (by a security admin) cannot
    confirm the claim they made; nor can another reviewer make a reviewer an operator."""
    claimant = operator_signup(username="later_reviewer", password="Passw0rd!2026x", display_name="周审核",
                               phone="13800138001")
    settings.MEDIA_ROOT = tmp_path
    with scopes_disabled():
        claim = institution_claim(actor=claimant, uscc=xihu.uscc, evidence_kind="authorisation_letter",
                                  evidence=_scan())
        assignment_grant(actor=None, user=claimant, role="district_reviewer", scope="330106")
    own = token_client(claimant).post(f"/api/v1/claims/{claim.pk}/confirm/")
    assert own.status_code == 403 and own.json()["code"] == "own_claim", own.json()
    other = token_client(reviewer).post(f"/api/v1/claims/{claim.pk}/confirm/")
    assert other.status_code == 403 and other.json()["code"] == "operator_role_conflict", other.json()
    with scopes_disabled():
        claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING
    assert operator_roles(claimant) == []


def test_a_confirmed_operator_cannot_be_made_commission_staff(make_account, xihu):
    operator = make_account("op_xh_only", "operator", xihu.uscc)
    for role, scope in (("district_reviewer", "330106"), ("district_admin", "330106"), ("auditor", "330106")):
        with pytest.raises(DomainError) as exc, scopes_disabled():
            assignment_grant(actor=None, user=operator, role=role, scope=scope)
        assert exc.value.code == "operator_role_conflict"
    assert [a.role for a in Assignment.objects.filter(user=operator)] == ["operator"]


def test_machine_accounts_hold_only_the_registration_authority_role(make_account, reviewer):
    machine = make_account("ra_only", "registration_authority", "330106")
    with pytest.raises(DomainError) as exc, scopes_disabled():
        assignment_grant(actor=None, user=machine, role="district_reviewer", scope="330106")
    assert exc.value.code == "machine_account_role"
    with pytest.raises(DomainError) as exc, scopes_disabled():
        assignment_grant(actor=None, user=reviewer, role="registration_authority", scope="330106")
    assert exc.value.code == "machine_account_role"


# --- require_role judges the active assignment only --------------------------------------------------

@pytest.fixture
def legacy_dual(make_account, xihu):
    """An account that holds district_admin AND operator of an institution of the same district, as
    accounts could before the rule above (the operator row is written directly: the services refuse)."""
    user = make_account("legacy_dual", "district_admin", "330106")
    Assignment.objects.create(user=user, role="operator", institution=xihu)
    return user


def test_a_dual_account_acting_as_district_admin_cannot_file(legacy_dual, xihu):
    client = token_client(legacy_dual)  # acts through its first assignment: district_admin
    response = client.post("/api/v1/filings/", {"institution": xihu.pk}, format="json")
    assert response.status_code == 403, response.json()


def test_a_dual_account_acting_as_operator_cannot_accept_its_own_filing(legacy_dual, xihu):
    with scopes_disabled():
        filing = make_ready_filing(xihu, status=FilingStatus.SUBMITTED)
    as_operator = token_client(legacy_dual, Assignment.objects.get(user=legacy_dual, role="operator"))
    response = as_operator.post(f"/api/v1/filings/{filing.pk}/accept/", format="json")
    assert response.status_code in (403, 404), response.json()
    with scopes_disabled():
        filing.refresh_from_db()
    assert filing.status == FilingStatus.SUBMITTED and not filing.receipt_no


def test_require_role_judges_the_active_assignment_not_every_role_held(make_account, xihu):
    """An inspector who is also a reviewer in the same district, acting as inspector, cannot accept."""
    user = make_account("insp_rev", "district_inspector", "330106")
    with scopes_disabled():
        reviewer_role = assignment_grant(actor=None, user=user, role="district_reviewer", scope="330106")
        filing = make_ready_filing(xihu, status=FilingStatus.SUBMITTED)
    inspector = Assignment.objects.get(user=user, role="district_inspector")
    refused = token_client(user, inspector).post(f"/api/v1/filings/{filing.pk}/accept/", format="json")
    assert refused.status_code == 403, refused.json()
    # The same person, acting as reviewer, may.
    accepted = token_client(user, reviewer_role).post(f"/api/v1/filings/{filing.pk}/accept/", format="json")
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["receipt_no"]


def test_pages_judge_the_session_assignment_only(client, make_account, xihu):
    user = make_account("insp_rev_page", "district_inspector", "330106")
    with scopes_disabled():
        assignment_grant(actor=None, user=user, role="district_reviewer", scope="330106")
        filing = make_ready_filing(xihu, status=FilingStatus.SUBMITTED)
    client.force_login(user)
    inspector = Assignment.objects.get(user=user, role="district_inspector")
    client.post("/switch-role/", {"assignment": inspector.pk})
    client.post(f"/registry/review/{filing.pk}/accept/", {"version": filing.version})
    with scopes_disabled():
        filing.refresh_from_db()
    assert filing.status == FilingStatus.SUBMITTED

