"""Reads of complaints and incidents: the scope's queues, one row with its history, the home cards,
and the one public read — what a complainant sees with the tracking code.

Queues and rows are read through the scoped managers (the district, its city and province read
complaints; operators read only their own institution's incidents, never a complaint).
``public_complaint_lookup`` is the named cross-tenant read: evaluated with scopes disabled, it
answers only status, deadline, outcome and the public reply — never a note, never the contact.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import district_staff
from core.db.counts import count_many
from core.errors import NotFound
from core.tenancy import scopes_disabled
from registry.models import Institution
from registry.selectors.public import PUBLIC_STATES

from ..models import BlacklistReview, Complaint, ComplaintStatus, Incident
from ..workflow import COMPLAINT_HANDLERS, OPEN_COMPLAINT_STATES, OPEN_INCIDENT_STATES

# --- the public side ---------------------------------------------------------------------------------


def public_complaint_lookup(*, code: str) -> dict | None:
    """What the complainant may read of the complaint with tracking code ``code`` (parsed), or None."""
    with scopes_disabled():
        row = (Complaint.objects.filter(tracking_code=code)
               .values("tracking_code", "institution_name", "status", "received_at", "due_at", "outcome",
                       "public_reply", "replied_at", "closed_at", "followup_inspection_id").first())
    if row is None:
        return None
    arranged = row.pop("followup_inspection_id") is not None
    complaint = Complaint(**row)
    return {
        "code": complaint.tracking_code_display,
        "institution_name": row["institution_name"],
        "status": row["status"],
        "status_label": complaint.get_status_display(),
        "received_at": row["received_at"],
        "due_at": row["due_at"],
        "overdue": row["status"] != ComplaintStatus.CLOSED and row["due_at"] < timezone.now(),
        "outcome": row["outcome"] or None,
        "outcome_label": complaint.get_outcome_display() if row["outcome"] else None,
        "public_reply": row["public_reply"] or None,
        "replied_at": row["replied_at"],
        "closed_at": row["closed_at"],
        "followup_inspection_arranged": arranged,
    }


def complaint_target(*, institution_id: int | None) -> dict | None:
    """The institution a complaint form is about: a filed (or suspended) one's id and name, or None."""
    if not institution_id:
        return None
    with scopes_disabled():
        row = (Institution.objects.filter(pk=institution_id, status__in=PUBLIC_STATES)
               .values("id", "name").first())
    return row


def public_complaint_section(institution_id: int) -> dict | None:
    """The portal institution page's section (``core.public``): where to complain about it."""
    return {"link": reverse("portal:complaint_new") + f"?institution={institution_id}",
            "track": reverse("portal:complaint_track")}


# --- the district's queue -------------------------------------------------------------------------------


def complaint_queue(*, status: str | None = None, overdue: bool | None = None) -> QuerySet[Complaint]:
    """The scope's complaints, open ones first by deadline; ``overdue``: open and past the deadline."""
    qs = Complaint.objects.select_related("assignee")
    if status:
        qs = qs.filter(status=status)
    if overdue is not None:
        late = {"status__in": OPEN_COMPLAINT_STATES, "due_at__lt": timezone.now()}
        qs = qs.filter(**late) if overdue else qs.exclude(**late)
    return qs.order_by("closed_at", "due_at", "id")


def complaint_get(*, complaint_id: int) -> Complaint:
    complaint = (Complaint.objects.select_related("assignee", "district").filter(pk=complaint_id).first())
    if complaint is None:
        raise NotFound("投诉不存在或不在您的管辖范围内。")
    return complaint


def complaint_history(*, complaint: Complaint) -> list:
    """Receipt, assignments, notes, replies, links, close and reopen, oldest first (internal)."""
    return list(complaint.events.select_related("actor").order_by("created_at", "id"))


def complaint_assignees(*, complaint: Complaint) -> list:
    """Who may be assigned the complaint: its district's reviewers, inspectors and admin."""
    return district_staff(complaint.district_id, COMPLAINT_HANDLERS)


def is_overdue(complaint: Complaint) -> bool:
    return complaint.status in OPEN_COMPLAINT_STATES and complaint.due_at < timezone.now()


# --- incidents -----------------------------------------------------------------------------------------


def incident_list(*, status: str | None = None, kind: str | None = None) -> QuerySet[Incident]:
    """The scope's incidents (an operator: their institution's), open ones first, newest first."""
    qs = Incident.objects.all()
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("closed_at", "-reported_at", "-id")


def incident_get(*, incident_id: int) -> Incident:
    incident = Incident.objects.select_related("reported_by").filter(pk=incident_id).first()
    if incident is None:
        raise NotFound("事件不存在或不在您的管辖范围内。")
    return incident


def incident_history(*, incident: Incident) -> list:
    """The report, follow-up entries, moves and the blacklist review, oldest first."""
    return list(incident.events.select_related("actor").order_by("created_at", "id"))


# --- home cards ----------------------------------------------------------------------------------------


def complaint_count_querysets() -> dict:
    """Open and overdue complaints in the scope (the home cards)."""
    open_ = Complaint.objects.filter(status__in=OPEN_COMPLAINT_STATES)
    return {"open": open_, "overdue": open_.filter(due_at__lt=timezone.now())}


def incident_count_querysets() -> dict:
    """Open incidents and pending blacklist reviews in the scope (the home cards)."""
    open_ = Incident.objects.filter(status__in=OPEN_INCIDENT_STATES)
    return {"open": open_, "review": open_.filter(blacklist_review=BlacklistReview.PENDING)}


def complaint_counts() -> dict[str, int]:
    """Open and overdue complaints in the scope (one statement, ``core.db.counts``)."""
    return count_many(**complaint_count_querysets())


def incident_counts() -> dict[str, int]:
    """Open incidents and pending blacklist reviews in the scope (one statement, ``core.db.counts``)."""
    return count_many(**incident_count_querysets())
