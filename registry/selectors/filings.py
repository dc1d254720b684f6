"""Filing reads: scoped lists, the review queue by deadline, history, change diff, and the one
named cross-tenant read used by the public receipt verification page."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from core.deadlines import calendar_warning
from core.errors import NotFound
from core.tenancy import scopes_disabled
from regions.models import Region

from .. import rules
from ..models import (
    Filing,
    FilingEvent,
    FilingKind,
    FilingStatus,
    InstitutionKind,
    InstitutionStatus,
    PremisesType,
    QualificationType,
    ReceiptStatus,
    ServiceType,
    Staff,
    StaffRole,
)
from ..workflow import EDITABLE_STATES, REVIEW_QUEUE_STATES

# What a list row never shows: the roster snapshot (a whole roster per filing), the check results,
# the form's long texts and the decision's reasons. Lists leave them in the database instead of
# sending and decoding them for every row of the page (the detail pages load the whole filing).
LIST_DEFERRED = ("staff_snapshot", "check_results", "changes", "fees", "return_reasons", "rejection_reasons",
                 "placement_plan", "staff_settlement_plan", "rejection_basis")


def filing_list(*, actor=None) -> QuerySet[Filing]:
    """Every filing the active scope covers, newest first (list columns only: ``LIST_DEFERRED``)."""
    return (Filing.objects.select_related("institution", "region").defer(*LIST_DEFERRED)
            .order_by("-created_at", "-id"))


def filing_get(*, filing_id: int) -> Filing:
    filing = (Filing.objects.select_related("institution", "region", "district", "decided_by", "created_by")
              .filter(pk=filing_id).first())
    if filing is None:
        raise NotFound("备案不存在或不在您的管辖范围内。")
    return filing


def review_queue(*, filters: dict | None = None) -> QuerySet[Filing]:
    """Submitted and resubmitted filings, earliest deadline first.

    filters: ``status`` (submitted/resubmitted), ``township`` (region code), ``kind``
    (institution kind), ``filing_kind`` (initial/change/termination), ``overdue`` ("1": past the
    receipt deadline ``due_at`` or the notice deadline ``notice_due_at``).
    """
    filters = filters or {}
    qs = (Filing.objects.filter(status__in=REVIEW_QUEUE_STATES).select_related("institution", "region")
          .defer(*LIST_DEFERRED))
    if filters.get("status") in REVIEW_QUEUE_STATES:
        qs = qs.filter(status=filters["status"])
    if filters.get("township"):
        qs = qs.filter(region_id=filters["township"])
    if filters.get("kind"):
        qs = qs.filter(institution_kind=filters["kind"])
    if filters.get("filing_kind") in FilingKind.values:
        qs = qs.filter(kind=filters["filing_kind"])
    if str(filters.get("overdue", "")) == "1":
        qs = qs.filter(overdue_q(timezone.now()))
    return qs.order_by("due_at", "id")


# The review queue page's columns (``registry.templatetags.review_queue`` writes its rows from them), read
# as plain rows: a 25-row page of model instances (filings and their regions) cost twice the CPU of the
# same columns as dicts, and the page only prints them.
QUEUE_PAGE_COLUMNS = ("id", "name", "kind", "institution_kind", "status", "submitted_at", "due_at", "notice_due_at",
                      "region__name")


# The API filing list's columns (``FilingListSerializer``, its receipt state and the keyset order):
# a page read ~45 columns of each filing and ~30 of its institution for these.
API_LIST_FIELDS = ("id", "institution", "institution__name", "institution__uscc", "institution__status", "kind",
                   "status", "version", "name", "institution_kind", "region", "total_slots", "submitted_at", "due_at",
                   "decided_at", "receipt_no", "receipt_status", "receipt_pdf", "notice_pdf", "rejection_pdf",
                   "created_at", "updated_at")


def filing_api_list_rows(qs: QuerySet[Filing]) -> QuerySet[Filing]:
    """``filing_list(...)`` narrowed to the API list's columns (the filters' WHERE and the order unchanged).
    A workflow model's status stays in: django-fsm reads it as each row loads."""
    return qs.select_related(None).select_related("institution").only(*API_LIST_FIELDS)


def review_queue_page_rows(qs: QuerySet[Filing]) -> QuerySet[dict]:
    """``review_queue(...)`` as the queue page's rows: a dict of ``QUEUE_PAGE_COLUMNS`` per filing (the
    filters' WHERE and the order unchanged). ``with_deadlines`` adds each row's deadline flags."""
    return qs.select_related(None).values(*QUEUE_PAGE_COLUMNS)


def with_deadlines(rows, now: dt.datetime | None = None) -> None:
    """Give each queue row (``review_queue_page_rows``) ``deadlines`` (``filing_deadlines``' flags) and
    ``is_overdue`` (either deadline passed)."""
    now = now or timezone.now()
    for row in rows:
        deadlines = row["deadlines"] = deadline_flags(row["status"], row["due_at"], row["notice_due_at"], now)
        row["is_overdue"] = deadlines["review_overdue"] or deadlines["notice_overdue"]


def overdue_q(now: dt.datetime) -> Q:
    """Open filings past either deadline: the receipt (``due_at``) or the notice (``notice_due_at``)."""
    return Q(status__in=REVIEW_QUEUE_STATES) & (Q(due_at__lt=now) | Q(notice_due_at__lt=now))


def filing_deadlines(filing: Filing, now: dt.datetime | None = None) -> dict:
    """Both statutory deadlines of a filing and whether each has passed while it waits for a decision.

    A return with itemised reasons is the non-compliance notice, so only submitted and resubmitted
    filings can be overdue.
    """
    return deadline_flags(filing.status, filing.due_at, filing.notice_due_at, now or timezone.now())


def deadline_flags(status: str, due_at, notice_due_at, now: dt.datetime) -> dict:
    """``filing_deadlines`` from a filing's status and its two deadlines."""
    waiting = status in REVIEW_QUEUE_STATES
    return {
        "due_at": due_at,
        "notice_due_at": notice_due_at,
        "review_overdue": waiting and due_at is not None and due_at < now,
        "notice_overdue": waiting and notice_due_at is not None and notice_due_at < now,
    }


def filing_calendar_warning(filing: Filing) -> str | None:
    """While a filing waits for a decision: the warning that its deadlines were counted through a year
    without an official calendar (provisional, Monday–Friday), or None."""
    if filing.status not in REVIEW_QUEUE_STATES:
        return None
    return calendar_warning(filing.submitted_at, filing.due_at, filing.notice_due_at)


def receipt_state(filing: Filing) -> str:
    """What the pages and the API say of the PDFs a decision issues — an accepted filing's receipt
    and notice, a rejected filing's 不予备案告知书: ``none`` (no decision with documents: not
    decided, withdrawn, or a termination), ``pending`` (rendering after the decision), ``ready``
    (stored), ``failed`` (the task gave up, or a decision without stored documents)."""
    if filing.status == FilingStatus.REJECTED:
        stored = bool(filing.rejection_pdf)
    elif filing.receipt_no:
        stored = bool(filing.receipt_pdf and filing.notice_pdf)
    else:
        return ReceiptStatus.NONE
    if filing.receipt_status == ReceiptStatus.PENDING:
        return ReceiptStatus.PENDING
    if filing.receipt_status == ReceiptStatus.READY and stored:
        return ReceiptStatus.READY
    return ReceiptStatus.FAILED


def pending_termination(*, filing: Filing, today: dt.date | None = None) -> dt.date | None:
    """The date an accepted termination filing still has to take effect (None once it has)."""
    today = today or timezone.localdate()
    if (filing.kind == FilingKind.TERMINATION and filing.status == FilingStatus.ACCEPTED
            and filing.termination_date and filing.termination_date > today
            and filing.institution.status != InstitutionStatus.TERMINATED):
        return filing.termination_date
    return None


def pending_termination_date(*, institution_id: int) -> dt.date | None:
    """The date an accepted termination takes effect while the institution is still in service."""
    return (Filing.objects.filter(institution_id=institution_id, kind=FilingKind.TERMINATION,
                                  status=FilingStatus.ACCEPTED, termination_date__isnull=False)
            .exclude(institution__status=InstitutionStatus.TERMINATED)
            .order_by("-termination_date").values_list("termination_date", flat=True).first())


def _iso_date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def staff_snapshot_rows(*, filing: Filing, today: dt.date | None = None) -> list[dict]:
    """The roster as submitted, for display: the masked ID only, never the stored blind-index hash;
    each person's certificates (expired ones marked, as of today) and criminal-record check.
    ``criminal_record_checked`` is None for snapshots taken before it was recorded."""
    today = today or timezone.localdate()
    roles, types = dict(StaffRole.choices), dict(QualificationType.choices)
    rows = []
    for row in filing.staff_snapshot or []:
        certificates = []
        for q in row.get("qualifications") or []:
            expires = _iso_date(q.get("expires_on"))
            certificates.append({"type": q.get("type", ""), "label": types.get(q.get("type"), q.get("type", "")),
                                 "number": q.get("number", ""), "expires_on": expires,
                                 "expired": expires is not None and expires < today})
        rows.append({"name": row.get("name", ""), "role": row.get("role", ""),
                     "role_label": roles.get(row.get("role"), row.get("role", "")),
                     "id_number_masked": row.get("id_number_masked", ""), "education": row.get("education", ""),
                     "years_experience": row.get("years_experience"),
                     "health_certificate_date": _iso_date(row.get("health_certificate_date")),
                     "criminal_record_checked": row.get("criminal_record_checked"),
                     "criminal_record_checked_on": _iso_date(row.get("criminal_record_checked_on")),
                     "qualifications": certificates})
    return rows


def filing_effective_day(filing: Filing, today: dt.date | None = None) -> dt.date:
    """The day a filing takes effect: its checks count, and its snapshot records, the staff on
    duty that day (``Staff.objects.on_duty``).

    An initial or change filing takes effect when it is accepted, so while it is prepared,
    submitted and reviewed that day is today. A termination takes effect on its termination date
    when that is still ahead (the institution serves until then, and the staff to be settled are
    those still on duty that day); at once, i.e. today, when the date is today, past or not given
    (as ``registry.services.filings.termination_takes_effect`` decides on accept).
    """
    today = today or timezone.localdate()
    if filing.kind == FilingKind.TERMINATION and filing.termination_date and filing.termination_date > today:
        return filing.termination_date
    return today


def filing_roster(*, filing: Filing, today: dt.date | None = None) -> QuerySet[Staff]:
    """The institution's staff on duty on the day the filing takes effect, certificates prefetched."""
    return (Staff.objects.filter(institution_id=filing.institution_id).on_duty(filing_effective_day(filing, today))
            .with_qualifications().order_by("role", "name", "id"))


def roster_changes_since_snapshot(*, filing: Filing, today: dt.date | None = None, roster=None) -> list[str]:
    """How the institution's live roster differs from the one submitted: people who left, joined,
    or changed role or health certificate since (matched by the ID blind index). Empty: unchanged.
    ``roster``: ``filing_roster`` for the same day, if the caller has already read it."""
    if not filing.submitted_at:
        return []
    roles = dict(StaffRole.choices)
    if roster is None:
        roster = filing_roster(filing=filing, today=today)
    live = {s.id_number_hash: s for s in roster}
    submitted = {row.get("id_number_hash"): row for row in filing.staff_snapshot or []}
    lines = []
    for key, row in submitted.items():
        person = live.get(key)
        was = roles.get(row.get("role"), row.get("role"))
        if person is None:
            lines.append(f"{row.get('name')}（{was}）已不在在职名册中")
            continue
        if person.role != row.get("role"):
            lines.append(f"{person.name}的岗位由{was}改为{person.get_role_display()}")
        certificate = person.health_certificate_date.isoformat() if person.health_certificate_date else None
        if certificate != row.get("health_certificate_date"):
            lines.append(f"{person.name}的健康合格证明日期变更为{certificate or '未填写'}")
    lines += [f"{p.name}（{p.get_role_display()}）为提交后新增的在职人员"
              for key, p in live.items() if key not in submitted]
    return lines


def filing_history(*, filing: Filing) -> list[FilingEvent]:
    return list(FilingEvent.objects.filter(filing_id=filing.pk).select_related("actor").order_by("created_at", "id"))


def _display(field: str, value, regions: dict[str, str]):
    if field == "service_types":
        labels = dict(ServiceType.choices)
        return "、".join(str(labels.get(v, v)) for v in value or []) or "—"
    if field == "classes":
        return "；".join(value or []) or "—"
    if field == "premises_type":
        return str(dict(PremisesType.choices).get(value, value or "—"))
    if field == "region":
        return regions.get(value, value or "—")
    return "—" if value in (None, "") else str(value)


def filing_diff(*, filing: Filing) -> list[dict]:
    """``{"field","label","old","new"}`` per changed item of a change filing (stored on submit,
    computed live while the filing is a draft)."""
    if filing.kind != FilingKind.CHANGE:
        return []
    changes = filing.changes if filing.status not in EDITABLE_STATES else compute_changes(filing)
    regions = {}
    if "region" in changes:
        regions = {r.code: str(r) for r in Region.objects.filter(code__in=[c for c in changes["region"] if c])}
    return [{"field": name, "label": rules.CHANGE_LABELS.get(name, name), "old": _display(name, old, regions),
             "new": _display(name, new, regions)}
            for name, (old, new) in changes.items()]


def _class_summary(classes) -> list[str]:
    return [f"{rules.CLASS_LABELS.get(c.class_type, c.class_type)}"
            + (f"「{c.name}」" if c.name else "")
            + f" {c.planned_children}人/保育人员{c.carers}名" for c in classes]


def _json_value(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def compute_changes(filing: Filing) -> dict[str, list]:
    """{field: [old, new]} of a change filing against the institution's current facts (its
    township included) and the lease and classes of the filing in force (JSON values: dates as
    ISO strings, the township as its code)."""
    institution = filing.institution
    current = {f: getattr(institution, f) for f in rules.DIFF_FIELDS}
    proposed = {f: getattr(filing, f) for f in rules.DIFF_FIELDS}
    changes = rules.diff(current, proposed)
    if filing.region_id != institution.region_id:
        changes["region"] = [institution.region_id, filing.region_id]
    point = [rules.location_text(institution.latitude, institution.longitude),
             rules.location_text(filing.latitude, filing.longitude)]
    if point[0] != point[1]:
        changes["location"] = point
    in_force = institution.current_filing if institution.current_filing_id else None
    if in_force is not None:
        lease = rules.diff({f: _json_value(getattr(in_force, f)) for f in rules.LEASE_FIELDS},
                           {f: _json_value(getattr(filing, f)) for f in rules.LEASE_FIELDS}, fields=rules.LEASE_FIELDS)
        changes.update(lease)
    old_classes = _class_summary(in_force.classes.all()) if in_force is not None else []
    new_classes = _class_summary(filing.classes.all())
    if sorted(old_classes) != sorted(new_classes):
        changes["classes"] = [old_classes, new_classes]
    return changes


def filing_document_needs(*, filing: Filing, documents=None) -> list[rules.DocumentNeed]:
    """Every material the filing requires in the 办法's order: uploaded, carried over from the filing
    in force, asked for again because of the changed items (``rules.CHANGE_DOCUMENTS``), or missing.
    ``documents``: the filing's document rows when the caller already holds them."""
    if filing.kind == FilingKind.TERMINATION:
        return []  # a termination files its plans, not the setting materials
    rows = list(filing.documents.all()) if documents is None else documents
    present = {d.doc_type for d in rows}
    fresh = {d.doc_type for d in rows if d.carried_from_id is None}
    facts = rules.FilingFacts(
        kind=filing.kind, institution_kind=filing.institution_kind, today=timezone.localdate(),
        documents=frozenset(present), carried_documents=frozenset(present - fresh), meals_served=filing.meals_served,
        changes=(compute_changes(filing) if filing.status in EDITABLE_STATES else filing.changes)
        if filing.kind == FilingKind.CHANGE else {})
    return rules.document_needs(facts)


def public_receipt_lookup(*, receipt_no: str) -> dict | None:
    """Cross-tenant, public: what a receipt's QR code proves, and nothing the public registry of filed
    institutions would not show. No personal data.

    Status: ``valid`` (the institution's current filing), ``superseded`` (a later change filing
    replaced it), ``suspended``, ``terminating`` (an accepted termination not yet in effect),
    ``terminated``. Only a receipt that is the institution's current one shows the filed facts
    (address, slots, date): a superseded or terminated receipt shows that it was real, the
    institution's current name and code and the commission, never the facts of an old filing.
    A home daycare point is a private home: only its district and township are shown.
    """
    with scopes_disabled():
        filing = (Filing.objects.filter(receipt_no=receipt_no, status=FilingStatus.ACCEPTED)
                  .select_related("institution", "district", "region").first())
        if filing is None:
            return None
        institution = filing.institution
        ends_on = pending_termination_date(institution_id=institution.pk)
    if institution.status == InstitutionStatus.TERMINATED:
        status, label = "terminated", "已终止"
    elif institution.current_filing_id != filing.pk:
        status, label = "superseded", "已变更（以最新回执为准）"
    elif institution.status == InstitutionStatus.SUSPENDED:
        status, label = "suspended", "暂停服务"
    elif ends_on is not None:
        status, label = "terminating", f"有效（将于 {ends_on:%Y年%m月%d日} 终止）"
    else:
        status, label = "valid", "有效"
    result = {
        "receipt_no": filing.receipt_no,
        "name": institution.name,
        "uscc": institution.uscc,
        "status": status,
        "status_label": label,
        "ends_on": ends_on,
        "commission": f"{filing.district.name}卫生健康局",
        "current": status in ("valid", "suspended", "terminating"),
    }
    if result["current"]:
        is_home = filing.institution_kind == InstitutionKind.HOME_DAYCARE
        if is_home:
            address = filing.district.name + (filing.region.name if filing.region_id != filing.district_id else "")
        else:
            address = filing.address
        result.update({
            "name": filing.name,
            "address": address,
            "is_home_daycare": is_home,
            "kind": filing.get_kind_display(),
            "filed_on": timezone.localtime(filing.decided_at).date() if filing.decided_at else None,
            "total_slots": filing.total_slots,
        })
    return result
