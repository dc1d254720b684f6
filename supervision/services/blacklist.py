"""Blacklist entries: listed, corrected and ended by the district admin, always with a reason.

Every change is pghistory history (the row) and an entry event (``BlacklistEntryEvent``: who, what,
why, which fields); the end is the one status move (``supervision.workflow.ENTRY``). Listing or
correcting a person or organisation checks the rosters and institutions of the whole country for
that entry at once (the nightly sweep does it for every entry).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pghistory
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import crypto
from core.errors import DomainError, FieldError, NotFound, PermissionDenied
from core.events import record_event
from core.inputs import check_parsed, raise_if_any
from core.permissions import acting_assignments, require_role
from core.roles import Role

from ..inputs import FIELDS_BY_KIND, KIND, REQUIRED_BY_KIND
from ..models import BlacklistEntry, EntryKind, EntryStatus
from ..workflow import BLACKLIST_WRITERS, ENTRY, EntryAction
from .common import require_reason
from .sweeps import blacklist_sweep

# Input keys stored in the entry's ID number columns (a person's own; an organisation's legal
# representative's): compared and written through the blind index, never in clear.
_ID_KEYS = ("id_number", "legal_representative_id_number")
_UNIQUE = ("blacklist_entry_person_uniq", "blacklist_entry_org_uniq")  # models.BlacklistEntry constraints
# What decides whom an entry matches: a change of one re-checks the country at once.
_MATCH_KEYS = {"id_number", "legal_representative_id_number", "uscc", "banned_until"}


def _labels(kind: str) -> dict[str, str]:
    labels = {f.name: str(f.verbose_name) for f in BlacklistEntry._meta.fields}
    labels["id_number"] = "身份证号"
    labels["legal_representative_id_number"] = "法定代表人身份证号"
    if kind == EntryKind.ORGANISATION:
        labels["name"] = "机构名称"
    return labels


def _listing_district(actor):
    """The district an admin lists in: the region of the assignment they act through."""
    for assignment in acting_assignments(actor):
        if assignment.role == Role.DISTRICT_ADMIN and assignment.region_id:
            return assignment.region
    raise PermissionDenied("只有区县管理员可以录入从业禁止名单。")


def _check(kind: str, data: dict[str, Any], *, partial: bool) -> None:
    """The typed values of ``kind``'s fields, and the rule that a ban still runs (today at least)."""
    errors = check_parsed(FIELDS_BY_KIND[kind], data, required=() if partial else REQUIRED_BY_KIND[kind])
    until = data.get("banned_until")
    if "banned_until" not in errors and isinstance(until, dt.date) and until < timezone.localdate():
        errors["banned_until"] = [FieldError("banned_until_past", "禁止期限不能早于今天（已届满的无需列入；提前解除请使用“解除”）。")]
    raise_if_any(errors)


def _differs(entry: BlacklistEntry, key: str, value) -> bool:
    if key in _ID_KEYS:
        return crypto.blind_index(value) != entry.id_number_hash
    return getattr(entry, key) != value


def _apply(entry: BlacklistEntry, data: dict[str, Any]) -> list[str]:
    """Write the typed values on the entry; returns the model fields set."""
    fields = []
    for key, value in data.items():
        if key in _ID_KEYS:
            fields += crypto.set_id_number(entry, value)
        else:
            setattr(entry, key, value)
            fields.append(key)
    return fields


def _duplicate() -> DomainError:
    return DomainError("entry_duplicate", "本辖区已有该人员（机构）生效中的从业禁止名单，请更正原名单，不要重复录入。",
                       status_code=409)


def _ensure_not_listed(entry: BlacklistEntry) -> None:
    same = BlacklistEntry.objects.filter(district_id=entry.district_id, kind=entry.kind, status=EntryStatus.ACTIVE)
    same = (same.filter(id_number_hash=entry.id_number_hash) if entry.kind == EntryKind.PERSON
            else same.filter(uscc=entry.uscc))
    if entry.pk:
        same = same.exclude(pk=entry.pk)
    if same.exists():
        raise _duplicate()


def _save(entry: BlacklistEntry, **kwargs) -> None:
    """Save; a listing that raced past ``_ensure_not_listed`` meets the unique constraints."""
    try:
        with transaction.atomic():
            entry.save(**kwargs)
    except IntegrityError as exc:
        if any(name in str(exc) for name in _UNIQUE):
            raise _duplicate() from exc
        raise


@transaction.atomic
def entry_create(*, actor, data: dict[str, Any]) -> BlacklistEntry:
    """List a person (``{"kind": "person", "id_number", "name", "reason", "basis", "decision_number"?,
    "banned_until"}``) or an organisation (``{"kind": "organisation", "uscc", "name",
    "legal_representative"?, "legal_representative_id_number"?, ...}``) in the admin's district;
    ``banned_until`` None: for life. Typed values (``supervision.inputs``)."""
    district = _listing_district(actor)
    raise_if_any(check_parsed(KIND, {k: v for k, v in data.items() if k == "kind"}, required=("kind",)))
    kind = data["kind"]
    values = {k: v for k, v in data.items() if k != "kind"}
    _check(kind, values, partial=False)
    entry = BlacklistEntry(kind=kind, created_by=actor)
    entry.set_region(district)
    require_role(actor, BLACKLIST_WRITERS, entry)
    _apply(entry, values)
    entry.change_reason = "列入"
    _ensure_not_listed(entry)
    _save(entry)
    basis = f"依据：{entry.basis}" + (f"（{entry.decision_number}）" if entry.decision_number else "")
    record_event(entry, actor=actor, action=EntryAction.CREATE, from_status="", reason=basis)
    blacklist_sweep(entry_ids=[entry.pk])
    return entry


def _locked_entry(entry_id: int) -> BlacklistEntry:
    entry = BlacklistEntry.objects.locked().filter(pk=entry_id).first()
    if entry is None:
        raise NotFound("名单不存在或不在您的管辖范围内。")
    return entry


@transaction.atomic
def entry_correct(*, actor, entry_id: int, data: dict[str, Any], expected_version: int | None = None) -> BlacklistEntry:
    """Correct an entry in force: any of its kind's fields (typed values), with ``correction_reason``
    (required). The kind never changes (list the other kind and end this one)."""
    entry = _locked_entry(entry_id)
    require_role(actor, BLACKLIST_WRITERS, entry)
    ENTRY.check_version(entry, expected_version)
    if entry.status != EntryStatus.ACTIVE:
        raise DomainError("entry_ended", "已解除的名单不能更正。", status_code=409)
    values = {k: v for k, v in data.items() if k != "correction_reason"}
    _check(entry.kind, values, partial=True)
    reason = require_reason(data.get("correction_reason"), field="correction_reason", what="更正名单")
    changed = {k: v for k, v in values.items() if _differs(entry, k, v)}
    if not changed:
        raise DomainError("no_changes", "提交的内容与名单现有内容相同，没有需要更正的内容。")
    fields = _apply(entry, changed)
    entry.change_reason = reason
    entry.version += 1
    _ensure_not_listed(entry)
    with pghistory.context(reason=reason):
        _save(entry, update_fields=[*fields, "change_reason", "version", "updated_at"])
    labels = _labels(entry.kind)
    record_event(entry, actor=actor, action=EntryAction.CORRECT, from_status=entry.status, reason=reason,
                 items=[f"更正{labels.get(k, k)}" for k in changed])
    if _MATCH_KEYS & set(changed):
        blacklist_sweep(entry_ids=[entry.pk])
    return entry


@transaction.atomic
def entry_end(*, actor, entry_id: int, reason: str, expected_version: int | None = None) -> BlacklistEntry:
    """End an entry early (active → ended), with a reason: it matches no more. Its hits stay."""
    entry = _locked_entry(entry_id)
    t = ENTRY.ensure_transition(entry, EntryAction.END, actor, expected_version=expected_version)
    reason = require_reason(reason, what="解除名单")
    entry.ended_at, entry.ended_by, entry.change_reason = timezone.now(), actor, reason
    with pghistory.context(reason=reason):
        ENTRY.apply(entry, t, actor=actor, update_fields=["ended_at", "ended_by", "change_reason"], reason=reason)
    return entry


__all__ = ["entry_correct", "entry_create", "entry_end"]
