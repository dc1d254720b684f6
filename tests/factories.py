"""factory_boy factories shared by every test module."""

from __future__ import annotations

import datetime as dt
import random

import factory
from django.utils import timezone

from accounts.models import User
from core.validators import USCC_ALPHABET, id_check_char, uscc_check_char
from registry.models import Institution, InstitutionNature, Staff, StaffRole


def make_uscc(region_code: str = "330106", seed: int | None = None) -> str:
    rnd = random.Random(seed)
    body = "92" + region_code[:6] + "".join(rnd.choice(USCC_ALPHABET[:10] + "MA") for _ in range(9))
    body = body[:17]
    return body + uscc_check_char(body)


def make_id_number(region_code: str = "110105", born: dt.date = dt.date(1990, 5, 17), seq: int = 1) -> str:
    body = f"{region_code[:6]}{born:%Y%m%d}{seq % 1000:03d}"
    return body + id_check_char(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Faker("name", locale="zh_CN")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "Passw0rd!2026")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    uscc = factory.Sequence(lambda n: make_uscc("330106", seed=n))
    name = factory.Sequence(lambda n: f"西湖区第{n}托育园")
    nature = InstitutionNature.ENTERPRISE
    address = "杭州市西湖区文三路 1 号"
    legal_representative = factory.Faker("name", locale="zh_CN")
    principal_name = factory.Faker("name", locale="zh_CN")
    registered_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    region_id = "330106001"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from regions.models import Region

        region = kwargs.pop("region", None) or Region.objects.get(code=kwargs.pop("region_id"))
        kwargs.pop("region_id", None)
        obj = model_class(*args, **kwargs)
        obj.set_region(region)
        obj.save()
        return obj


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Faker("name", locale="zh_CN")
    role = StaffRole.CAREGIVER
    start_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=100))
    health_certificate_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    criminal_record_checked = True
    criminal_record_checked_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=60))
    id_number = factory.Sequence(lambda n: make_id_number(seq=n))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from core import crypto

        number = kwargs.pop("id_number")
        obj = model_class(*args, **kwargs)
        crypto.set_id_number(obj, number)
        obj.save()
        return obj


# --- filings ---------------------------------------------------------------------------------------------

class _SavedFactory(factory.django.DjangoModelFactory):
    """Saves the row itself rather than through the scoped default manager (which needs a scope);
    the row takes its tenant ids from its parent (``TenantModel.tenant_parent``)."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        obj = model_class(*args, **kwargs)
        obj.save()
        return obj


class FilingFactory(_SavedFactory):
    """A filing of an institution; pass ``status=`` to start in any state (set once, before saving)."""

    class Meta:
        model = "registry.Filing"

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.LazyAttribute(lambda o: o.institution.name)
    address = factory.LazyAttribute(lambda o: o.institution.address)
    principal_name = factory.LazyAttribute(lambda o: o.institution.principal_name)
    service_types = factory.LazyFunction(lambda: ["full_day"])
    total_slots = 10
    premises_type = "owned"
    hygiene_evaluation_passed = True


# The age range each class type takes by default (设置标准): [from, under) months.
CLASS_AGES = {"infant": (6, 12), "toddler": (12, 24), "older_toddler": (24, 36), "mixed": (18, 36)}


class FilingClassFactory(_SavedFactory):
    class Meta:
        model = "registry.FilingClass"

    filing = factory.SubFactory(FilingFactory)
    class_type = "infant"
    planned_children = 10
    carers = 4
    min_age_months = factory.LazyAttribute(lambda o: CLASS_AGES[o.class_type][0])
    max_age_months = factory.LazyAttribute(lambda o: CLASS_AGES[o.class_type][1])


def _scan_file():
    from django.core.files.base import ContentFile

    return ContentFile(b"%PDF-1.4\n%test\n", name="scan.pdf")


class FilingDocumentFactory(_SavedFactory):
    class Meta:
        model = "registry.FilingDocument"

    filing = factory.SubFactory(FilingFactory)
    doc_type = "business_licence"
    file = factory.LazyFunction(lambda: _scan_file())
    original_name = "scan.pdf"
    content_type = "application/pdf"
    size = 15
    sha256 = "0" * 64


REQUIRED_DOCS = ("business_licence", "premises_proof", "staff_certificates", "hygiene_report", "fire_safety")


def add_qualification(staff, type_: str, number: str = "", *, days_valid: int = 700):
    """A certificate of ``type_`` valid for ``days_valid`` more days (call with scopes disabled)."""
    from registry.models import StaffQualification

    qualification = StaffQualification(staff=staff, type=type_, number=number or f"{type_[:2].upper()}-{staff.pk}",
                                       expires_on=timezone.localdate() + dt.timedelta(days=days_valid))
    qualification.save()
    return qualification


def make_roster(institution):
    """A roster that meets the staff standards for one infant class of 10: qualified carers and health
    staff, a licensed guard, everyone with a recent criminal-record check (call with scopes disabled)."""
    StaffFactory(institution=institution, role=StaffRole.PRINCIPAL, education="bachelor", years_experience=5)
    for _ in range(4):
        add_qualification(StaffFactory(institution=institution, role=StaffRole.CAREGIVER), "childcare")
    add_qualification(StaffFactory(institution=institution, role=StaffRole.HEALTH_PART_TIME), "health")
    add_qualification(StaffFactory(institution=institution, role=StaffRole.SECURITY_GUARD), "security", "BA-0001")


def add_documents(filing, *, meals_served=False):
    for doc in (*REQUIRED_DOCS, *(["food_licence"] if meals_served else [])):
        FilingDocumentFactory(filing=filing, doc_type=doc)


def make_ready_filing(institution=None, *, kind="initial", status="draft", meals_served=False, **filing_kwargs):
    """A filing that passes every check: complete roster, one infant class of 10 with 4 carers,
    all documents, hygiene passed, commitment signed. Call with scopes disabled.

    An initial filing under review finds its institution "filing", as the submission left it
    (registry.workflow.INSTITUTION: only an institution under filing is made filed by an accept)."""
    institution = institution or InstitutionFactory()
    if kind == "initial" and status in ("submitted", "returned", "resubmitted") and institution.status == "registered":
        Institution.objects.filter(pk=institution.pk).update(status="filing")
        institution.refresh_from_db(fields=["status"])
    if not institution.staff.exists():
        make_roster(institution)
    if kind == "termination":
        filing_kwargs.setdefault("staff_settlement_plan", "全部工作人员已协商解除劳动合同并足额支付经济补偿。")
    filing = FilingFactory(institution=institution, kind=kind, status=status, meals_served=meals_served,
                           commitment_signer="王园长", commitment_accepted_at=timezone.now(), **filing_kwargs)
    if kind != "termination":
        FilingClassFactory(filing=filing, class_type="infant", planned_children=10, carers=4, name="小一班")
        add_documents(filing, meals_served=meals_served)
    return filing


# --- supervision ----------------------------------------------------------------------------------------

def make_blacklist_entry(*, district: str = "441900003", kind: str = "person", name: str = "赵某某",
                         id_number: str = "", uscc: str = "", banned_until=None, status: str = "active",
                         reason: str = "虐待被看护婴幼儿", basis: str = "东莞市卫生健康局行政处罚决定书",
                         decision_number: str = "东卫罚〔2026〕7号", **kwargs):
    """An entry written straight to the table (no service: nothing is matched until a sweep or a door
    runs). Call with scopes disabled."""
    from core import crypto
    from regions.models import Region
    from supervision.models import BlacklistEntry

    entry = BlacklistEntry(kind=kind, name=name, uscc=uscc, banned_until=banned_until, reason=reason, basis=basis,
                           decision_number=decision_number, **kwargs)
    if id_number:
        crypto.set_id_number(entry, id_number)
    entry.set_region(Region.objects.get(code=district))
    entry.save()
    if status != "active":
        type(entry).objects.filter(pk=entry.pk).update(status=status)
        entry.refresh_from_db()
    return entry


# --- subsidies ---------------------------------------------------------------------------------------------

def make_filed_institution(*, region_id: str = "330106001", classes: dict | None = None, **kwargs):
    """A filed institution whose current (accepted) filing has ``classes`` ({class type: slots})."""
    from registry.models import FilingStatus, InstitutionStatus

    classes = classes or {"toddler": 10, "older_toddler": 10}
    total = sum(classes.values())
    institution = InstitutionFactory(region_id=region_id, status=InstitutionStatus.FILED, total_slots=total,
                                     **kwargs)
    filing = FilingFactory(institution=institution, status=FilingStatus.ACCEPTED, total_slots=total)
    for class_type, slots in classes.items():
        FilingClassFactory(filing=filing, class_type=class_type, planned_children=slots)
    institution.current_filing = filing
    institution.save(update_fields=["current_filing"])
    return institution


def make_subsidy_policy(region_id: str = "330100", **overrides):
    """A city's policy v1 from 2020: construction 500 yuan per slot (400–600), operating 300 yuan per
    child-month, 15 days, city 50 % / district 50 %."""
    from subsidies.models import SubsidyPolicy

    values = {"version": 1, "valid_from": dt.date(2020, 1, 1), "construction_rate_min_fen": 40_000,
              "construction_rate_max_fen": 60_000, "construction_rate_fen": 50_000, "operating_rate_fen": 30_000,
              "min_eligible_days": 15, "province_share_bp": 0, "city_share_bp": 5_000, "district_share_bp": 5_000,
              **overrides}
    return SubsidyPolicy.objects.create(region_id=region_id, **values)


def make_guided_prices(region_id: str = "330100", prices: dict | None = None, band_bp: int = 12_000):
    from subsidies.models import GuidedPrice

    prices = prices or {"infant": 250_000, "toddler": 200_000, "older_toddler": 180_000, "mixed": 180_000}
    return [GuidedPrice.objects.create(region_id=region_id, class_type=t, price_fen=p, band_bp=band_bp,
                                       valid_from=dt.date(2020, 1, 1)) for t, p in prices.items()]


def make_budget(region_id: str, year: int, amount_fen: int, committed_fen: int = 0):
    from subsidies.models import SubsidyBudget

    return SubsidyBudget.objects.create(region_id=region_id, year=year, amount_fen=amount_fen,
                                        committed_fen=committed_fen)


def make_certification(institution, *, fees: dict | None = None, start: dt.date = dt.date(2025, 1, 1),
                       end: dt.date = dt.date(2027, 12, 31), status: str = "certified"):
    from subsidies.models import Certification

    c = Certification(institution=institution, status=status, fees=fees or {"toddler": 200_000,
                                                                          "older_toddler": 180_000},
                      period_start=start if status != "submitted" else None,
                      period_end=end if status != "submitted" else None, review_on=end)
    c.save()
    return c


def make_enrolment(institution, *, name: str = "小明", born: dt.date = dt.date(2024, 6, 15), class_type: str = "toddler",
                   enrolled_on: dt.date = dt.date(2025, 9, 1), left_on: dt.date | None = None, seq: int = 1,
                   id_region: str = "330106"):
    from core import crypto
    from subsidies.models import Enrolment

    e = Enrolment(institution=institution, child_name=name, birth_date=born, class_type=class_type,
                  enrolled_on=enrolled_on, left_on=left_on)
    crypto.set_id_number(e, make_id_number(id_region, born=born, seq=seq))
    e.save()
    return e
