"""The checklist rules added in issue 8, through the service: a filing that breaks one is refused on
submit with ``checks_failed``, and the refusal names the item (the class, the person, the lease, the
missing service type) so the operator knows what to fix. The pure rules are in test_rules.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.selectors import scope_of
from core.errors import DomainError
from core.tenancy import tenant_scope
from registry.models import Filing, FilingStatus, Registration, Staff, StaffRole
from registry.services import filings as svc
from tests.factories import InstitutionFactory, StaffFactory, add_qualification, make_ready_filing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def institution(regions):
    with scopes_disabled():
        return InstitutionFactory(service_types=["full_day"], total_slots=10)


@pytest.fixture
def operator(make_account, institution):
    return make_account("op_rules", "operator", institution.uscc)


def refused(operator, filing) -> DomainError:
    """Submit ``filing`` as the operator; it must be refused and stay a draft."""
    with tenant_scope(scope_of(operator.active_assignments[0])), pytest.raises(DomainError) as exc:
        svc.filing_submit(actor=operator, filing_id=filing.pk)
    with scopes_disabled():
        assert Filing.objects.get(pk=filing.pk).status == FilingStatus.DRAFT
    assert exc.value.code == "checks_failed"
    return exc.value


def failed_codes(error: DomainError) -> set[str]:
    return {c["code"] for c in error.checks}


def submits(operator, filing) -> None:
    with tenant_scope(scope_of(operator.active_assignments[0])):
        svc.filing_submit(actor=operator, filing_id=filing.pk)
    with scopes_disabled():
        assert Filing.objects.get(pk=filing.pk).status == FilingStatus.SUBMITTED


def test_the_ready_filing_passes_every_new_rule(institution, operator):
    with scopes_disabled():
        filing = make_ready_filing(institution, premises_type="leased",
                                   lease_start=timezone.localdate() - dt.timedelta(days=400),
                                   lease_end=timezone.localdate() + dt.timedelta(days=365 * 3 + 10))
        codes = {c["code"]: c["passed"] for c in svc.filing_run_checks(filing=filing)}
    for code in ("class_age_range", "age_limits", "lease_term", "caregiver_qualifications",
                 "health_staff_qualifications", "criminal_record_checks"):
        assert codes[code] is True, code
    submits(operator, filing)


def test_a_class_taking_children_under_six_months_is_refused_by_name(institution, operator):
    with scopes_disabled():
        filing = make_ready_filing(institution)
        filing.classes.update(min_age_months=3)
    error = refused(operator, filing)
    assert failed_codes(error) == {"age_limits", "class_age_range"}
    assert any("收托不满 6 个月的婴幼儿：乳儿班「小一班」（3 个月起）" in line for line in error.fields["checks"])


def test_a_class_outside_its_type_is_refused(institution, operator):
    with scopes_disabled():
        filing = make_ready_filing(institution)
        filing.classes.update(min_age_months=6, max_age_months=18)  # an infant class up to 18 months
    error = refused(operator, filing)
    assert failed_codes(error) == {"class_age_range"}
    assert any("乳儿班「小一班」填报 6–18 个月，超出班型月龄范围" in line for line in error.fields["checks"])


def test_a_class_without_an_age_range_is_refused(institution, operator):
    with scopes_disabled():
        filing = make_ready_filing(institution)
        filing.classes.update(max_age_months=None)
    error = refused(operator, filing)
    assert failed_codes(error) == {"age_limits"}
    assert any("未填写收托月龄范围：乳儿班「小一班」" in line for line in error.fields["checks"])


def test_a_lease_that_once_ran_three_years_but_ends_soon_is_refused(institution, operator):
    today = timezone.localdate()
    with scopes_disabled():
        # A five-year contract signed four years ago: one year left on the filing's effective date.
        filing = make_ready_filing(institution, premises_type="leased", lease_start=today - dt.timedelta(days=4 * 365),
                                   lease_end=today + dt.timedelta(days=365))
    error = refused(operator, filing)
    assert failed_codes(error) == {"lease_term"}
    assert any("剩余租期" in line and "不足 3 年" in line for line in error.fields["checks"])


def test_an_unqualified_carer_is_refused_by_name(institution, operator):
    with scopes_disabled():
        filing = make_ready_filing(institution)
        StaffFactory(institution=institution, role=StaffRole.CAREGIVER, name="刘无证")
    error = refused(operator, filing)
    assert failed_codes(error) == {"caregiver_qualifications"}
    assert any("保育人员资格证书" in line and "刘无证" in line for line in error.fields["checks"])


def test_a_region_may_recognise_more_carer_certificates(institution, operator):
    from regions.models import PolicyParameter

    with scopes_disabled():
        filing = make_ready_filing(institution)
        add_qualification(StaffFactory(institution=institution, role=StaffRole.CAREGIVER, name="马教师"), "teacher")
        PolicyParameter.objects.create(region_id="330100", key="staff.caregiver_qualifications",
                                       value=["childcare", "teacher"], note="杭州市：幼儿园教师资格证可作保育人员资格")
    submits(operator, filing)


def test_health_staff_without_a_health_care_qualification_are_refused_by_name(institution, operator):
    with scopes_disabled():
        filing = make_ready_filing(institution)
        health = Staff.objects.get(institution=institution, role=StaffRole.HEALTH_PART_TIME)
        health.qualifications.all().delete()
        name = health.name
    error = refused(operator, filing)
    assert failed_codes(error) == {"health_staff_qualifications"}
    assert any("保健人员资格证书" in line and name in line for line in error.fields["checks"])


def test_staff_without_a_recent_criminal_record_check_are_refused_by_name(institution, operator):
    from regions.models import PolicyParameter

    today = timezone.localdate()
    with scopes_disabled():
        filing = make_ready_filing(institution)
        StaffFactory(institution=institution, role=StaffRole.COOK, name="褚没查", criminal_record_checked=False,
                     criminal_record_checked_on=None)
        StaffFactory(institution=institution, role=StaffRole.COOK, name="钱半年",
                     criminal_record_checked_on=today - dt.timedelta(days=200))
    error = refused(operator, filing)
    assert failed_codes(error) == {"criminal_record_checks"}
    [line] = [line for line in error.fields["checks"] if line.startswith("无犯罪记录证明")]
    assert "1 名未提供：褚没查" in line and "钱半年" not in line  # 200 days is within the national 12 months
    with scopes_disabled():
        Staff.objects.filter(name="褚没查").update(criminal_record_checked=True, criminal_record_checked_on=today)
        PolicyParameter.objects.create(region_id="330106", key="staff.criminal_record_valid_months", value=6)
    error = refused(operator, filing)
    [line] = [line for line in error.fields["checks"] if line.startswith("无犯罪记录证明（6 个月内）")]
    assert "开具已超过 6 个月：钱半年" in line


def _registration(institution, scope: str) -> Registration:
    from tests.factories import UserFactory

    registration = Registration(uscc=institution.uscc, name=institution.name, nature="enterprise",
                                legal_representative="张三", address=institution.address,
                                registered_on=dt.date(2025, 1, 1), business_scope=scope, institution=institution,
                                pushed_by=UserFactory(username="amr_api"))
    registration.set_region(institution.region)
    registration.save()
    return registration


def test_an_enterprise_filing_a_service_type_its_registration_does_not_name_is_refused(institution, operator):
    with scopes_disabled():
        filing = make_ready_filing(institution, service_types=["full_day", "hourly"])
        _registration(institution, "托育服务（全日托、半日托）")
    error = refused(operator, filing)
    assert failed_codes(error) == {"business_scope"}
    assert any("经营范围未包含：计时托" in line for line in error.fields["checks"])
    with scopes_disabled():
        Registration.objects.filter(institution=institution).update(business_scope="托育服务（全日托、计时托）")
    submits(operator, filing)


def test_a_registration_naming_no_service_type_is_not_compared(institution, operator):
    with scopes_disabled():
        filing = make_ready_filing(institution, service_types=["full_day", "hourly"])
        _registration(institution, "托育服务（不含婴幼儿托育以外的教育培训）")
        assert "business_scope" not in {c["code"] for c in svc.filing_run_checks(filing=filing)}
    submits(operator, filing)


def test_the_rules_vocabulary_matches_the_models():
    """registry.rules is pure (no ORM) and so repeats a few labels: they must say what the models say."""
    from registry import rules
    from registry.models import ClassType, DocumentType, QualificationType, ServiceType

    assert {k: str(v) for k, v in ServiceType.choices} == rules.SERVICE_LABELS
    assert {k: str(v) for k, v in QualificationType.choices} == rules.QUALIFICATION_LABELS
    assert {k: str(v) for k, v in DocumentType.choices if k in rules.DOC_LABELS} == rules.DOC_LABELS
    assert {k: str(v).split("（")[0] for k, v in ClassType.choices} == rules.CLASS_LABELS
    # The bands in the class type labels are the bands the checks use.
    for class_type, (low, under) in rules.CLASS_AGE_BANDS.items():
        assert f"{low}–{under}个月" in ClassType(class_type).label
