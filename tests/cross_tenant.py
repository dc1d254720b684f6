"""Cross-tenant harness: every URL pattern, every role of district 330106, objects of 330105.

- ``iter_routes()`` walks the whole URLconf (pages, API, admin) and describes each pattern.
- ``OBJECT_FACTORIES`` maps a URL kwarg name to a function ``(world, route) -> value`` that
  returns the value identifying an object in ANOTHER district (330105). A route with a kwarg
  missing from this registry FAILS the test: a new route must register its kwarg here.
- ``OtherDistrict`` builds that other district's world once per test: an institution with its
  registration, claim, staff, qualification, filing, class, document, workflow events and
  conflict flag, a blacklist entry and its hit (with their events), a complaint and an incident (with
  their events), plus another user's notification; ``populate()`` builds all of it (and a filed
  institution with a filing waiting in the review queue) for the probe of list pages.
- ``list_routes()`` is every non-public route that names no object (pages, API lists, admin
  changelists): GET as another district's user, none may show the world's ``secrets``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_scopes import scopes_disabled

# ----------------------------------------------------------------------------- URL walking


@dataclass
class Route:
    parts: list  # pattern objects from the root to the leaf
    name: str  # "namespace:name" ("" parts for unnamed)
    callback: Callable
    kwargs: list[tuple[str, str]] = field(default_factory=list)  # (name, converter)

    @property
    def template(self) -> str:
        return "".join(str(p) for p in self.parts)

    @property
    def is_api(self) -> bool:
        return self.template.startswith("api/")

    @property
    def is_admin(self) -> bool:
        return self.name.startswith("admin:") or self.template.startswith("admin/")

    @property
    def admin_app(self) -> str | None:
        bits = self.template.split("/")
        return bits[1] if self.is_admin and len(bits) > 2 else None

    @property
    def namespace(self) -> str:
        return self.name.rsplit(":", 1)[0] if ":" in self.name else ""

    def __str__(self) -> str:
        return f"{self.template} ({self.name or 'unnamed'})"


_ROUTE_KW = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>\w+)>")
_REGEX_KW = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^)]*)\)")


def _kwargs_of(pattern) -> list[tuple[str, str]]:
    text = str(pattern)
    if pattern.__class__.__name__ == "RoutePattern":
        return [(m["name"], m["conv"] or "str") for m in _ROUTE_KW.finditer(text)]
    return [(m["name"], "regex:" + m["body"]) for m in _REGEX_KW.finditer(text)]


def iter_routes() -> list[Route]:
    routes: list[Route] = []

    def walk(patterns, parts, namespaces):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, [*parts, p.pattern], namespaces + ([p.namespace] if p.namespace else []))
            elif isinstance(p, URLPattern):
                all_parts = [*parts, p.pattern]
                kwargs = [kw for part in all_parts for kw in _kwargs_of(part)]
                name = ":".join([*namespaces, p.name]) if p.name else ""
                routes.append(Route(all_parts, name, p.callback, kwargs))

    walk(get_resolver().url_patterns, [], [])
    return routes


def sample_value(converter: str) -> str:
    if converter == "int":
        return "1"
    if converter == "uuid":
        return "00000000-0000-0000-0000-000000000001"
    if converter.startswith("regex:"):
        body = converter[6:]
        if body in ("[0-9]+", r"\d+"):
            return "1"
        if "|" in body or re.fullmatch(r"[\w-]+", body):
            return body.split("|")[0]
        return "x"
    return "x"


def build_path(route: Route, values: dict[str, str] | None = None) -> str:
    values = values or {}
    out = []
    for part in route.parts:
        text = str(part)
        if part.__class__.__name__ == "RoutePattern":
            text = _ROUTE_KW.sub(lambda m: str(values.get(m["name"], sample_value(m["conv"] or "str"))), text)
        else:
            text = _REGEX_KW.sub(lambda m: str(values.get(m["name"], sample_value("regex:" + m["body"]))), text)
            text = text.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "")
        out.append(text)
    return "/" + "".join(out)


# ----------------------------------------------------------------------------- the other district


class OtherDistrict:
    """Objects of district 330105 (拱墅区), created lazily; names are distinctive for leak checks."""

    DISTRICT = "330105"
    NAME = "拱墅越界探测托育园"
    STAFF_NAME = "越界探测员"
    RECEIPT_NO = "330105-2026-LEAK01"
    LISTED_NAME = "拱墅越界列表托育园"  # filed, with a filing in the review queue
    BLACKLISTED_NAME = "拱墅越界列入者"  # a person on 拱墅区's blacklist
    LISTED_RECEIPT_NO = "330105-2026-LEAK02"
    USERNAMES = ("gongshu_operator_x", "gongshu_reviewer_x")

    def __init__(self):
        self._cache: dict[str, object] = {}

    def _once(self, key, build):
        if key not in self._cache:
            with scopes_disabled():
                self._cache[key] = build()
        return self._cache[key]

    @property
    def secrets(self) -> list[str]:
        """Strings that must never appear in a response to another district's user: institution
        names, credit codes, receipt numbers, staff names and user names of what has been built."""
        out = [self.NAME, self.STAFF_NAME, self.institution.uscc, self.RECEIPT_NO]
        if "listed_institution" in self._cache:
            out += [self.LISTED_NAME, self.listed_institution.uscc, self.LISTED_RECEIPT_NO]
        if "user" in self._cache:
            out.append(self.USERNAMES[0])
        if "assignment" in self._cache:
            out.append(self.USERNAMES[1])
        if "blacklist_entry" in self._cache:
            out.append(self.BLACKLISTED_NAME)
        if "inspector" in self._cache:
            out.append(self.INSPECTOR_NAME)
        if "plan" in self._cache:
            out.append(self.PLAN_NAME)
        if "enrolment" in self._cache:
            out.append(self.CHILD_NAME)
        return out

    def populate(self) -> OtherDistrict:
        """Build every object of the world, so that any list of any model could show one."""
        for getter in MODEL_OBJECTS.values():
            getter(self)
        self.submitted_filing  # noqa: B018 (built for its side effect)
        return self

    @property
    def listed_institution(self):
        from registry.models import InstitutionStatus
        from tests.factories import InstitutionFactory

        return self._once("listed_institution", lambda: InstitutionFactory(
            name=self.LISTED_NAME, region_id="330105001", status=InstitutionStatus.FILED,
            receipt_no=self.LISTED_RECEIPT_NO))

    @property
    def submitted_filing(self):
        from registry.models import Filing, FilingStatus

        def build():
            f = Filing(institution=self.listed_institution, name=self.LISTED_NAME, status=FilingStatus.SUBMITTED,
                       submitted_at=timezone.now(), due_at=timezone.now() + dt.timedelta(days=7))
            f.set_region(self.listed_institution.region)
            f.save()
            return f

        return self._once("submitted_filing", build)

    @property
    def user(self):
        from accounts.models import User

        return self._once("user", lambda: User.objects.create_user(username=self.USERNAMES[0],
                                                                   password="Passw0rd!2026"))

    @property
    def institution(self):
        from tests.factories import InstitutionFactory

        return self._once("institution", lambda: InstitutionFactory(
            name=self.NAME, region_id="330105001", receipt_no=self.RECEIPT_NO))

    @property
    def registration(self):
        from registry.models import Registration

        def build():
            i = self.institution
            r = Registration(uscc=i.uscc, name=i.name, nature=i.nature, legal_representative="某某",
                             address=i.address, registered_on=dt.date(2025, 1, 2), institution=i,
                             pushed_by=self.user)
            r.set_region(i.region)
            r.save()
            return r

        return self._once("registration", build)

    @property
    def claim(self):
        from registry.models import InstitutionClaim

        def build():
            c = InstitutionClaim(institution=self.institution, user=self.user)
            c.set_region(self.institution.region)
            c.save()
            return c

        return self._once("claim", build)

    @property
    def staff(self):
        from tests.factories import StaffFactory

        return self._once("staff", lambda: StaffFactory(institution=self.institution, name=self.STAFF_NAME))

    @property
    def qualification(self):
        from registry.models import QualificationType, StaffQualification

        def build():
            q = StaffQualification(staff=self.staff, type=QualificationType.CHILDCARE, number="LEAK-0001")
            q.set_region(self.institution.region)
            q.save()
            return q

        return self._once("qualification", build)

    @property
    def filing(self):
        from registry.models import Filing

        def build():
            f = Filing(institution=self.institution, name=self.NAME, receipt_no=self.RECEIPT_NO)
            f.set_region(self.institution.region)
            f.save()
            return f

        return self._once("filing", build)

    @property
    def filing_class(self):
        from registry.models import ClassType, FilingClass

        def build():
            c = FilingClass(filing=self.filing, class_type=ClassType.TODDLER, planned_children=10, carers=2)
            c.set_region(self.institution.region)
            c.save()
            return c

        return self._once("filing_class", build)

    @property
    def document(self):
        from registry.models import DocumentType, FilingDocument

        def build():
            d = FilingDocument(filing=self.filing, doc_type=DocumentType.BUSINESS_LICENCE,
                               file="filings/leak.pdf", original_name="leak.pdf",
                               content_type="application/pdf", size=10, sha256="0" * 64, uploaded_by=self.user)
            d.set_region(self.institution.region)
            d.save()
            return d

        return self._once("document", build)

    @property
    def filing_event(self):
        from registry.models import FilingEvent

        def build():
            e = FilingEvent(filing=self.filing, action="submit", from_status="draft", to_status="submitted",
                            actor=self.user)
            e.set_region(self.institution.region)
            e.save()
            return e

        return self._once("filing_event", build)

    @property
    def institution_event(self):
        from core.events import record_event

        return self._once("institution_event", lambda: record_event(
            self.institution, actor=self.user, action="suspend", from_status="filed", reason=self.NAME))

    @property
    def claim_event(self):
        from core.events import record_event

        return self._once("claim_event", lambda: record_event(
            self.claim, actor=self.user, action="reject", from_status="pending", reason=self.NAME))

    @property
    def conflict_flag(self):
        from registry.models import StaffConflictFlag
        from tests.factories import StaffFactory

        def build():
            twin = StaffFactory(institution=self.institution, name="另一任职")
            f = StaffConflictFlag(staff=self.staff, other_staff=twin, other_institution_name="别处",
                                  other_district_name="别区")
            f.set_region(self.institution.region)
            f.save()
            return f

        return self._once("conflict_flag", build)

    @property
    def blacklist_entry(self):
        from tests.factories import make_blacklist_entry, make_id_number

        return self._once("blacklist_entry", lambda: make_blacklist_entry(
            district=self.DISTRICT, name=self.BLACKLISTED_NAME, id_number=make_id_number("330105", seq=99),
            reason=self.BLACKLISTED_NAME, basis=self.BLACKLISTED_NAME))

    @property
    def blacklist_hit(self):
        """拱墅区's row of a hit at its own institution (its staff member, listed by itself)."""
        from supervision.models import BlacklistHit, HitSide

        def build():
            h = BlacklistHit(seen_by=HitSide.BOTH, entry=self.blacklist_entry, matched_as="person",
                             source="sweep", institution=self.institution, institution_name=self.NAME,
                             institution_district_id=self.DISTRICT, staff=self.staff, person_name=self.STAFF_NAME)
            h.set_region(self.institution.district)
            h.save()
            return h

        return self._once("blacklist_hit", build)

    @property
    def blacklist_entry_event(self):
        from core.events import record_event

        return self._once("blacklist_entry_event", lambda: record_event(
            self.blacklist_entry, actor=self.user, action="create", from_status="", reason=self.BLACKLISTED_NAME))

    @property
    def blacklist_hit_event(self):
        from core.events import record_event

        return self._once("blacklist_hit_event", lambda: record_event(
            self.blacklist_hit, actor=self.user, action="close", from_status="open", reason=self.NAME))

    # --- inspections and rectification (330105's, with distinctive names) -------------------------

    INSPECTOR_NAME = "拱墅越界检查员"
    PLAN_NAME = "拱墅越界抽查计划"

    @property
    def checklist_template(self):
        from supervision.services.inspections import checklist_ensure

        return self._once("checklist_template", lambda: checklist_ensure(district=self.institution.district))

    @property
    def checklist_item(self):
        return self._once("checklist_item", lambda: self.checklist_template.items.order_by("position").first())

    @property
    def inspector(self):
        from supervision.models import Inspector

        def build():
            i = Inspector(name=self.INSPECTOR_NAME, department="health")
            i.set_region(self.institution.district)
            i.save()
            return i

        return self._once("inspector", build)

    @property
    def inspector_conflict(self):
        from supervision.models import InspectorConflict

        return self._once("inspector_conflict", lambda: InspectorConflict.objects.create(
            inspector=self.inspector, institution=self.institution, note=self.NAME))

    @property
    def plan(self):
        from supervision.models import InspectionPlan

        def build():
            p = InspectionPlan(name=self.PLAN_NAME, period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 12, 31),
                               rates={"A": 5, "B": 10, "C": 30, "D": 100}, inspectors_per_inspection=2, seed=1)
            p.set_region(self.institution.district)
            p.save()
            return p

        return self._once("plan", build)

    @property
    def plan_draw(self):
        from supervision.models import PlanDraw

        return self._once("plan_draw", lambda: PlanDraw.objects.create(plan=self.plan, number=1, seed=1, population=1,
                                                                       reason=self.PLAN_NAME))

    @property
    def plan_event(self):
        from core.events import record_event

        return self._once("plan_event", lambda: record_event(self.plan, actor=self.user, action="create",
                                                             from_status="", reason=self.PLAN_NAME))

    @property
    def inspection(self):
        from supervision.models import Inspection

        return self._once("inspection", lambda: Inspection.objects.create(
            institution=self.institution, plan=self.plan, draw=self.plan_draw, template=self.checklist_template,
            grade="B", conclusion=self.NAME))

    @property
    def inspection_inspector(self):
        from supervision.models import InspectionInspector

        return self._once("inspection_inspector", lambda: InspectionInspector.objects.create(
            inspection=self.inspection, inspector=self.inspector))

    @property
    def inspection_finding(self):
        from supervision.models import InspectionFinding

        return self._once("inspection_finding", lambda: InspectionFinding.objects.create(
            inspection=self.inspection, item=self.checklist_item, result="nonconforming", note=self.NAME))

    @property
    def inspection_photo(self):
        from supervision.models import InspectionPhoto

        return self._once("inspection_photo", lambda: InspectionPhoto.objects.create(
            inspection=self.inspection, file="supervision/leak.png", original_name="leak.png",
            content_type="image/png", size=10, sha256="0" * 64, uploaded_by=self.user))

    @property
    def inspection_event(self):
        from core.events import record_event

        return self._once("inspection_event", lambda: record_event(
            self.inspection, actor=self.user, action="create", from_status="", reason=self.NAME))

    @property
    def rectification_order(self):
        from supervision.models import RectificationOrder

        return self._once("rectification_order", lambda: RectificationOrder.objects.create(
            inspection=self.inspection, institution=self.institution, due_at=timezone.now(),
            due_set_at=timezone.now()))

    @property
    def rectification_item(self):
        from supervision.models import RectificationItem

        return self._once("rectification_item", lambda: RectificationItem.objects.create(
            order=self.rectification_order, finding=self.inspection_finding, code="x", text=self.NAME,
            basis=self.NAME, severity="major", due_at=timezone.now()))

    @property
    def rectification_reply(self):
        from supervision.models import RectificationReply

        return self._once("rectification_reply", lambda: RectificationReply.objects.create(
            order=self.rectification_order, text=self.NAME, submitted_by=self.user))

    @property
    def rectification_evidence(self):
        from supervision.models import RectificationEvidence

        return self._once("rectification_evidence", lambda: RectificationEvidence.objects.create(
            order=self.rectification_order, reply=self.rectification_reply, file="supervision/leak.pdf",
            original_name="leak.pdf", content_type="application/pdf", size=10, sha256="0" * 64,
            uploaded_by=self.user))

    @property
    def rectification_event(self):
        from core.events import record_event

        return self._once("rectification_event", lambda: record_event(
            self.rectification_order, actor=self.user, action="issue", from_status="", reason=self.NAME))
    # --- enforcement (penalties, closures, grades, sweep markers) ---------------------------------

    @property
    def penalty(self):
        from supervision.models import Penalty

        def build():
            p = Penalty(institution=self.institution, kind="fine", decision_number=self.NAME, amount_fen=100,
                        decided_on=timezone.localdate(), legal_basis=self.NAME, facts=self.NAME)
            p.save()
            return p

        return self._once("penalty", build)

    @property
    def penalty_event(self):
        from core.events import record_event

        return self._once("penalty_event", lambda: record_event(
            self.penalty, actor=self.user, action="issue", from_status="", reason=self.NAME))

    @property
    def closure(self):
        from supervision.models import Closure, ClosureItem

        def build():
            c = Closure(institution=self.institution, reason=self.NAME, started_on=timezone.localdate(),
                        children_enrolled=3)
            c.save()
            ClosureItem(closure=c, kind="refunds", note=self.NAME).save()
            return c

        return self._once("closure", build)

    @property
    def closure_item(self):
        return self._once("closure_item", lambda: self.closure.items.get())

    @property
    def closure_event(self):
        from core.events import record_event

        return self._once("closure_event", lambda: record_event(
            self.closure, actor=self.user, action="open", from_status="", reason=self.NAME))

    @property
    def grade(self):
        from supervision.services.grades import grades_recompute

        def build():
            grades_recompute(institution_ids=[self.institution.pk])
            return self.institution.grade

        return self._once("grade", build)

    @property
    def grade_change(self):
        from supervision.models import GradeChange

        return self._once("grade_change", lambda: (self.grade, GradeChange.objects.get(
            institution=self.institution))[1])

    @property
    def sweep_alert(self):
        from supervision.models import SweepAlert

        def build():
            a = SweepAlert(kind="certificate_expired", institution=self.institution, staff=self.staff,
                           subject_date=timezone.localdate())
            a.save()
            return a

        return self._once("sweep_alert", build)

    @property
    def complaint(self):
        """A complaint from the public about 拱墅区's institution (filed or not: built directly)."""
        from supervision.models import Complaint

        def build():
            c = Complaint(tracking_code="LEAKLEAKLEAK", institution=self.institution, institution_name=self.NAME,
                          text=self.NAME, received_at=timezone.now(), due_at=timezone.now() + dt.timedelta(days=20))
            c.set_region(self.institution.region)
            c.save()
            return c

        return self._once("complaint", build)

    @property
    def complaint_event(self):
        from core.events import record_event

        return self._once("complaint_event", lambda: record_event(
            self.complaint, actor=self.user, action="note", from_status="received", reason=self.NAME))

    @property
    def incident(self):
        from supervision.models import Incident

        def build():
            i = Incident(institution=self.institution, institution_name=self.NAME, kind="injury", severity="minor",
                         children_affected=1, occurred_at=timezone.now(), description=self.NAME,
                         reported_by=self.user, reported_at=timezone.now())
            i.save()
            return i

        return self._once("incident", build)

    @property
    def incident_event(self):
        from core.events import record_event

        return self._once("incident_event", lambda: record_event(
            self.incident, actor=self.user, action="follow_up", from_status="reported", reason=self.NAME))
    # --- subsidies (拱墅区's certification, child, claim with its line, batch; 拱墅区's own policy,
    # guided price and budget, which a 西湖区 auditor must not read either)
    CHILD_NAME = "越界探测婴幼儿"

    @property
    def subsidy_policy(self):
        from tests.factories import make_subsidy_policy

        return self._once("subsidy_policy", lambda: make_subsidy_policy(self.DISTRICT, basis=self.NAME))

    @property
    def guided_price(self):
        from tests.factories import make_guided_prices

        return self._once("guided_price", lambda: make_guided_prices(self.DISTRICT, {"toddler": 123_400})[0])

    @property
    def subsidy_budget(self):
        from tests.factories import make_budget

        return self._once("subsidy_budget", lambda: make_budget(self.DISTRICT, 2026, 1_234_500))

    @property
    def certification(self):
        from tests.factories import make_certification

        return self._once("certification", lambda: make_certification(self.institution))

    @property
    def certification_event(self):
        from core.events import record_event

        return self._once("certification_event", lambda: record_event(
            self.certification, actor=self.user, action="apply", from_status="", reason=self.NAME))

    @property
    def enrolment(self):
        from tests.factories import make_enrolment

        return self._once("enrolment", lambda: make_enrolment(self.institution, name=self.CHILD_NAME,
                                                              id_region="330105", seq=77))

    @property
    def subsidy_claim(self):
        from subsidies.models import SubsidyClaim

        def build():
            c = SubsidyClaim(institution=self.institution, kind="operating", period=dt.date(2026, 3, 1),
                             policy=self.subsidy_policy, rate_fen=30_000, units=1, amount_fen=30_000,
                             city_share_fen=15_000, district_share_fen=15_000, budget_year=2026, status="district_ok")
            c.save()
            return c

        return self._once("subsidy_claim", build)

    @property
    def claim_line(self):
        from subsidies.models import ClaimLine

        def build():
            e = self.enrolment
            line = ClaimLine(claim=self.subsidy_claim, enrolment=e, period=dt.date(2026, 3, 1), child_name=e.child_name,
                             id_number_hash=e.id_number_hash, id_number_masked=e.id_number_masked,
                             birth_date=e.birth_date, class_type=e.class_type, enrolled_days=31, eligible_days=31,
                             eligible=True, duplicate=True, counts=False, reason="duplicate_child")
            line.save()
            return line

        return self._once("claim_line", build)

    @property
    def subsidy_claim_event(self):
        from core.events import record_event

        return self._once("subsidy_claim_event", lambda: record_event(
            self.subsidy_claim, actor=self.user, action="create", from_status="", reason=self.NAME))

    @property
    def claim_document(self):
        from subsidies.models import ClaimDocument

        return self._once("claim_document", lambda: ClaimDocument.objects.create(
            claim=self.subsidy_claim, file="subsidy_evidence/leak.pdf", original_name="leak.pdf",
            content_type="application/pdf", size=10, sha256="0" * 64, uploaded_by=self.user))

    @property
    def payout_batch(self):
        from subsidies.models import PayoutBatch

        def build():
            b = PayoutBatch(title=self.NAME, total_fen=0)
            b.set_region(self.institution.district)
            b.save()
            return b

        return self._once("payout_batch", build)

    @property
    def payout_item(self):
        from subsidies.models import PayoutItem

        return self._once("payout_item", lambda: PayoutItem.objects.create(
            claim=self.subsidy_claim, batch=self.payout_batch, kind="payment", amount_fen=30_000,
            city_share_fen=15_000, district_share_fen=15_000))

    @property
    def payout_batch_event(self):
        from core.events import record_event

        return self._once("payout_batch_event", lambda: record_event(
            self.payout_batch, actor=self.user, action="create", from_status="", reason=self.NAME))

    @property
    def receipt_sequence(self):
        from registry.models import ReceiptSequence

        return self._once("receipt_sequence", lambda: ReceiptSequence.objects.create(
            district_id=self.DISTRICT, year=timezone.localdate().year, last_number=1))

    @property
    def district_summary(self):
        from registry.models import DistrictSummary

        def build():
            row = DistrictSummary(region_id=self.DISTRICT, filed=1, refreshed_at=timezone.now())
            row.set_region(row.region)
            row.save()
            return row

        return self._once("district_summary", build)

    @property
    def notification(self):
        from notifications.models import Notification

        return self._once("notification", lambda: Notification.objects.create(
            user=self.user, kind="claim_rejected", title=self.NAME, body=self.NAME))

    @property
    def assignment(self):
        from accounts.services import account_create_or_grant

        return self._once("assignment", lambda: account_create_or_grant(
            actor=None, username=self.USERNAMES[1], password="Passw0rd!2026", role="district_reviewer",
            scope=self.DISTRICT)[1])

    @property
    def auth_event(self):
        from accounts.models import AuthEventKind
        from accounts.services import auth_event_record

        return self._once("auth_event", lambda: auth_event_record(
            kind=AuthEventKind.LOGIN, user=self.assignment.user, district_id=self.DISTRICT))

    # --- national reference data (not tenant data, but registered in the admin site: the policy probe
    # opens one of each; the year 2099 is one no migration or fixture fills)
    @property
    def calendar_day(self):
        from core.models import CalendarDay, CalendarDayKind

        return self._once("calendar_day", lambda: CalendarDay.objects.create(
            date=dt.date(2099, 1, 1), kind=CalendarDayKind.HOLIDAY, name="元旦"))

    @property
    def calendar_year(self):
        from core.models import CalendarYear

        return self._once("calendar_year", lambda: CalendarYear.objects.create(
            year=2099, source="国务院办公厅节假日安排通知（探测）"))  # national: every scope sees it

    @property
    def sweep_run(self):
        from core.models import SweepRun

        return self._once("sweep_run", lambda: SweepRun.objects.create(name="probe_sweep", started_at=timezone.now()))

    @property
    def region(self):
        from regions.models import Region

        return self._once("region", lambda: Region.objects.get(code=self.DISTRICT))

    @property
    def population(self):
        from regions.models import Population

        return self._once("population", lambda: Population.objects.create(
            region=self.region, year=2099, population=123_456, source=self.NAME))

    @property
    def policy_parameter(self):
        from regions.models import PolicyParameter

        return self._once("policy_parameter", lambda: PolicyParameter.objects.create(
            region=self.region, key="probe_parameter", value=1, note=self.NAME))

    # Objects by model label (for `pk`/admin `object_id`). Event models map to an event of the object.
    def object_for(self, model) -> object:
        label = model._meta.label
        from pghistory.models import Event

        if issubclass(model, Event):
            tracked = model.pgh_tracked_model
            source = self.object_for(tracked)
            with scopes_disabled():
                event = model.objects.filter(pgh_obj_id=source.pk).order_by("pgh_id").first()
            assert event is not None, f"no {label} row for the other district's {tracked.__name__}"
            return event
        getter = MODEL_OBJECTS.get(label)
        assert getter is not None, (
            f"tests/cross_tenant.py: no other-district object for model {label}; add it to MODEL_OBJECTS")
        return getter(self)


MODEL_OBJECTS: dict[str, Callable[[OtherDistrict], object]] = {
    "registry.Institution": lambda w: w.institution,
    "registry.Registration": lambda w: w.registration,
    "registry.InstitutionClaim": lambda w: w.claim,
    "registry.Staff": lambda w: w.staff,
    "registry.StaffQualification": lambda w: w.qualification,
    "registry.Filing": lambda w: w.filing,
    "registry.FilingClass": lambda w: w.filing_class,
    "registry.FilingDocument": lambda w: w.document,
    "registry.FilingEvent": lambda w: w.filing_event,
    "registry.InstitutionEvent": lambda w: w.institution_event,
    "registry.ClaimEvent": lambda w: w.claim_event,
    "registry.StaffConflictFlag": lambda w: w.conflict_flag,
    "registry.ReceiptSequence": lambda w: w.receipt_sequence,
    "registry.DistrictSummary": lambda w: w.district_summary,
    "supervision.BlacklistEntry": lambda w: w.blacklist_entry,
    "supervision.BlacklistHit": lambda w: w.blacklist_hit,
    "supervision.BlacklistEntryEvent": lambda w: w.blacklist_entry_event,
    "supervision.BlacklistHitEvent": lambda w: w.blacklist_hit_event,
    "supervision.ChecklistTemplate": lambda w: w.checklist_template,
    "supervision.ChecklistItem": lambda w: w.checklist_item,
    "supervision.Inspector": lambda w: w.inspector,
    "supervision.InspectorConflict": lambda w: w.inspector_conflict,
    "supervision.InspectionPlan": lambda w: w.plan,
    "supervision.PlanDraw": lambda w: w.plan_draw,
    "supervision.PlanEvent": lambda w: w.plan_event,
    "supervision.Inspection": lambda w: w.inspection,
    "supervision.InspectionInspector": lambda w: w.inspection_inspector,
    "supervision.InspectionFinding": lambda w: w.inspection_finding,
    "supervision.InspectionPhoto": lambda w: w.inspection_photo,
    "supervision.InspectionEvent": lambda w: w.inspection_event,
    "supervision.RectificationOrder": lambda w: w.rectification_order,
    "supervision.RectificationItem": lambda w: w.rectification_item,
    "supervision.RectificationReply": lambda w: w.rectification_reply,
    "supervision.RectificationEvidence": lambda w: w.rectification_evidence,
    "supervision.RectificationOrderEvent": lambda w: w.rectification_event,
    "supervision.Penalty": lambda w: w.penalty,
    "supervision.PenaltyEvent": lambda w: w.penalty_event,
    "supervision.Closure": lambda w: w.closure,
    "supervision.ClosureItem": lambda w: w.closure_item,
    "supervision.ClosureEvent": lambda w: w.closure_event,
    "supervision.InstitutionGrade": lambda w: w.grade,
    "supervision.GradeChange": lambda w: w.grade_change,
    "supervision.SweepAlert": lambda w: w.sweep_alert,
    "supervision.Complaint": lambda w: w.complaint,
    "supervision.ComplaintEvent": lambda w: w.complaint_event,
    "supervision.Incident": lambda w: w.incident,
    "supervision.IncidentEvent": lambda w: w.incident_event,
    "subsidies.SubsidyPolicy": lambda w: w.subsidy_policy,
    "subsidies.GuidedPrice": lambda w: w.guided_price,
    "subsidies.SubsidyBudget": lambda w: w.subsidy_budget,
    "subsidies.Certification": lambda w: w.certification,
    "subsidies.CertificationEvent": lambda w: w.certification_event,
    "subsidies.Enrolment": lambda w: w.enrolment,
    "subsidies.SubsidyClaim": lambda w: w.subsidy_claim,
    "subsidies.ClaimLine": lambda w: w.claim_line,
    "subsidies.SubsidyClaimEvent": lambda w: w.subsidy_claim_event,
    "subsidies.ClaimDocument": lambda w: w.claim_document,
    "subsidies.PayoutBatch": lambda w: w.payout_batch,
    "subsidies.PayoutItem": lambda w: w.payout_item,
    "subsidies.PayoutBatchEvent": lambda w: w.payout_batch_event,
    "notifications.Notification": lambda w: w.notification,
    "accounts.User": lambda w: w.assignment.user,
    "accounts.Assignment": lambda w: w.assignment,
    "accounts.AuthEvent": lambda w: w.auth_event,
    "core.CalendarDay": lambda w: w.calendar_day,
    "core.CalendarYear": lambda w: w.calendar_year,
    "core.SweepRun": lambda w: w.sweep_run,
    "regions.Region": lambda w: w.region,
    "regions.Population": lambda w: w.population,
    "regions.PolicyParameter": lambda w: w.policy_parameter,
}

# Which model a route's `pk` names, when the view class does not say (or says something else,
# e.g. /filings/<pk>/documents/ lists documents of filing <pk>): exact route name, then the
# longest route-name prefix ending at "-" (DRF router basenames), then the view class.
PK_ROUTE_MODELS: dict[str, str] = {
    "notifications:read": "notifications.Notification",
}
PK_ROUTE_PREFIXES: dict[str, str] = {
    "api-filing": "registry.Filing",
    "api-institution": "registry.Institution",
    "api-claim": "registry.InstitutionClaim",
}

# Admin models that are not tenant data (public reference data): their change views are not probed.
NON_TENANT_ADMIN_APPS = {"regions": "GB/T 2260 region tree, population and policy parameters are public",
                         "core": "the official holiday calendar and the sweeps' run log are national, no tenant's"}


def _admin_model(route: Route):
    """The model of an admin route (ModelAdmin.get_urls marks its views with ``model_admin``)."""
    model_admin = getattr(route.callback, "model_admin", None)
    if model_admin is not None:
        return model_admin.model
    # Unnamed admin redirects ("<app>/<model>/<object_id>/"): read the model from the path.
    bits = route.template.split("/")
    if len(bits) >= 3 and bits[0] == "admin":
        try:
            return apps.get_model(bits[1], bits[2])
        except (LookupError, ValueError):
            return None
    return None


def _view_model(route: Route):
    """The model behind a view: DRF queryset/serializer, Django CBV `model`, or PK_ROUTE_MODELS."""
    if route.name in PK_ROUTE_MODELS:
        return apps.get_model(PK_ROUTE_MODELS[route.name])
    prefixes = [p for p in PK_ROUTE_PREFIXES if route.name == p or route.name.startswith(p + "-")]
    if prefixes:
        return apps.get_model(PK_ROUTE_PREFIXES[max(prefixes, key=len)])
    cls = getattr(route.callback, "cls", None) or getattr(route.callback, "view_class", None)
    if cls is not None:
        queryset = getattr(cls, "queryset", None)
        if queryset is not None:
            return queryset.model
        model = getattr(cls, "model", None)
        if model is not None:
            return model
        serializer = getattr(cls, "serializer_class", None)
        meta = getattr(serializer, "Meta", None)
        if getattr(meta, "model", None) is not None:
            return meta.model
    return None


def _pk(world: OtherDistrict, route: Route):
    model = _admin_model(route) if route.is_admin else _view_model(route)
    assert model is not None, (
        f"{route}: cannot tell which model its `pk` names; add the route name to PK_ROUTE_MODELS")
    return world.object_for(model).pk


def _content_type_id(world: OtherDistrict, route: Route):
    from django.contrib.contenttypes.models import ContentType

    from registry.models import Institution

    return ContentType.objects.get_for_model(Institution).pk


def _object_id(world: OtherDistrict, route: Route):
    if route.name == "admin:view_on_site":
        return world.institution.pk
    return _pk(world, route)


OBJECT_FACTORIES: dict[str, Callable[[OtherDistrict, Route], object]] = {
    "pk": _pk,
    "object_id": _object_id,
    "content_type_id": _content_type_id,
    "app_label": lambda w, r: "registry",
    "institution_id": lambda w, r: w.institution.pk,
    "filing_id": lambda w, r: w.filing.pk,
    "staff_id": lambda w, r: w.staff.pk,
    "document_id": lambda w, r: w.document.pk,
    "claim_id": lambda w, r: w.claim.pk,
    "class_id": lambda w, r: w.filing_class.pk,
    "qualification_id": lambda w, r: w.qualification.pk,
    "flag_id": lambda w, r: w.conflict_flag.pk,
    # A registry 挂靠 flag, or (on the roster's page) an inspector's declared conflict of interest.
    "conflict_id": lambda w, r: (w.inspector_conflict.pk if r.name == "supervision:conflict_remove"
                                 else w.conflict_flag.pk),
    "registration_id": lambda w, r: w.registration.pk,
    "entry_id": lambda w, r: w.blacklist_entry.pk,
    "hit_id": lambda w, r: w.blacklist_hit.pk,
    "plan_id": lambda w, r: w.plan.pk,
    "template_id": lambda w, r: w.checklist_template.pk,
    "inspector_id": lambda w, r: w.inspector.pk,
    "inspection_id": lambda w, r: w.inspection.pk,
    "order_id": lambda w, r: w.rectification_order.pk,
    "penalty_id": lambda w, r: w.penalty.pk,
    "closure_id": lambda w, r: w.closure.pk,
    "complaint_id": lambda w, r: w.complaint.pk,
    "incident_id": lambda w, r: w.incident.pk,
    "notification_id": lambda w, r: w.notification.pk,
    "certification_id": lambda w, r: w.certification.pk,
    "enrolment_id": lambda w, r: w.enrolment.pk,
    "subsidy_claim_id": lambda w, r: w.subsidy_claim.pk,
    "claim_document_id": lambda w, r: w.claim_document.pk,
    "line_id": lambda w, r: w.claim_line.pk,
    "batch_id": lambda w, r: w.payout_batch.pk,
    "receipt_no": lambda w, r: w.RECEIPT_NO,
    "uscc": lambda w, r: w.institution.uscc,
}
# Kwargs that do not name a tenant object (formats, static paths): fixed harmless values.
NON_OBJECT_KWARGS = {
    "format": "json",
    "path": "x",
    "url": "x",  # the admin's catch-all pattern
    "code": "330105",  # region codes name public reference data (GB/T 2260), not tenant objects
    "kind": "initial",  # FilingKind of a new filing
    "step": "basic",  # a step of the filing form
}


# ----------------------------------------------------------------------------- public routes

# Routes that answer without login, by design (the only ones). Namespaces end with ":".
PUBLIC_ROUTES = {
    "accounts:login": "the login page",
    "accounts:logout": "logging out an anonymous visitor just sends them to the login page",
    "core:healthz": "load balancer health check (reports only ok/failing parts)",
    "api-token": "exchanges credentials for a token",
    "api-schema": "OpenAPI schema (no data)",
    "api-docs": "API documentation (no data)",
    "admin:login": "admin login form",
    "admin:logout": "admin logout",
    "registry:operator_signup": "operators sign up before they have an account",
    "portal:": "public portal: search, map, disclosure, complaint form, receipt verification",
    "api-public-complaints": "complaints from the public, without an account (rate-limited per address)",
    "api-public-complaint": "a complaint followed with its tracking code (public fields only; rate-limited)",
    "api-public-institutions": "the public search API (filed institutions, public facts only)",
}
PUBLIC_PATH_PREFIXES = ("static/", "media/")


def is_public(route: Route) -> bool:
    if route.name in PUBLIC_ROUTES:
        return True
    if any(key.endswith(":") and route.name.startswith(key) for key in PUBLIC_ROUTES):
        return True
    template = route.template.lstrip("^")
    return template.startswith(PUBLIC_PATH_PREFIXES)


def names_an_object(route: Route) -> bool:
    return any(name not in NON_OBJECT_KWARGS and name != "app_label" for name, _ in route.kwargs)


def object_routes() -> list[Route]:
    """Non-public routes with an object in the URL (tenant data only: not the region admin)."""
    return [r for r in iter_routes()
            if not is_public(r) and names_an_object(r) and r.admin_app not in NON_TENANT_ADMIN_APPS]


def list_routes() -> list[Route]:
    """Non-public routes that name no object: pages, API lists, admin index and changelists."""
    return [r for r in iter_routes() if not is_public(r) and not names_an_object(r)]


__all__ = ["NON_OBJECT_KWARGS", "NON_TENANT_ADMIN_APPS", "OBJECT_FACTORIES", "PUBLIC_ROUTES", "OtherDistrict",
           "Route", "build_path", "is_public", "iter_routes", "list_routes", "names_an_object", "object_routes"]
