"""Blacklist hits: recorded for both districts at every attempt, told to both at once, closed as a
false match only by the listing district, with a reason.

A hit is a *pair* of rows (``supervision.models``): the listing district's (the entry in full) and
the institution district's (only that a match exists), one row when the two are the same
district. Recording writes into another district on purpose, so it runs with scopes disabled:
these functions are the only writes that cross districts.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import reviewers_of
from core.errors import NotFound, PermissionDenied
from core.tenancy import scopes_disabled
from notifications.models import NotificationType
from notifications.services import notify_on_commit
from regions.models import Region

from ..models import BlacklistEntry, BlacklistHit, HitSide, HitSource, HitStatus, MatchedAs
from ..selectors.blacklist import Match, Subject
from ..workflow import HIT, HitAction
from .common import require_reason
from .grades import regrade_on_commit


def institutions_of(rows) -> set[int]:
    return {row.institution_id for row in rows}


def hits_link() -> str:
    return reverse("supervision:hit_list")


def _subject_label(row: BlacklistHit) -> str:
    if row.matched_as == MatchedAs.ORGANISATION:
        return f"机构“{row.institution_name}”"
    return f"人员{row.person_name}（{row.id_number_masked}）"


def _notify(rows: list[BlacklistHit], entries: dict[int, BlacklistEntry]) -> None:
    """Tell each district concerned, once per attempt, after commit: the listing district what was
    met where; the institution's district only that its institution met the national list."""
    by_district: dict[str, list[BlacklistHit]] = {}
    for row in rows:
        by_district.setdefault(row.district_id, []).append(row)
    for district_id, mine in by_district.items():
        first = mine[0]
        source = HitSource(first.source).label
        subjects = "、".join(dict.fromkeys(_subject_label(r) for r in mine))
        if any(r.shows_entry for r in mine):
            listed = "、".join(dict.fromkeys(f"{entries[r.entry_id].get_kind_display()}“{entries[r.entry_id].name}”"
                                             for r in mine if r.shows_entry))
            title = f"从业禁止名单命中：{first.institution_name}"
            body = (f"{first.institution_district.full_name or first.institution_district.name}的“{first.institution_name}”"
                    f"在{source}时命中本辖区列入的{listed}：{subjects}。请核查处理。")
        else:
            title = f"从业禁止名单命中：{first.institution_name}"
            body = f"“{first.institution_name}”在{source}时，{subjects}命中全国从业禁止名单。请核查并依法处理。"
        notify_on_commit(kind=NotificationType.BLACKLIST_HIT, recipients=lambda d=district_id: reviewers_of(d),
                         title=title, body=body, link=hits_link())


@transaction.atomic
def hits_record(*, actor, source: str, found: Iterable[tuple[Match, Subject]], filing=None, registration=None,
                claim=None) -> list[BlacklistHit]:
    """Record one hit per (match, subject) — a row for the listing district and one for the
    institution's (one row when they are the same) — and tell both districts after commit.
    ``actor``: who attempted (None for the sweep). Returns the rows written."""
    found = list(found)
    if not found:
        return []
    institutions = {s.institution.district_id for _, s in found}
    districts = {m.listing_district_id for m, _ in found} | institutions
    with scopes_disabled():
        regions = Region.objects.in_bulk(districts, field_name="code")
        entries = BlacklistEntry.objects.in_bulk({m.entry_id for m, _ in found})
        rows: list[BlacklistHit] = []
        for match, subject in found:
            institution = subject.institution
            common = {
                "pair": uuid.uuid4(), "matched_as": match.matched_as, "source": source, "institution": institution,
                "institution_name": institution.name, "institution_district": regions[institution.district_id],
                "staff": subject.staff, "filing": filing, "registration": registration, "claim": claim,
                "person_name": subject.person_name, "id_number_masked": subject.id_number_masked, "actor": actor,
            }
            same = match.listing_district_id == institution.district_id
            listing = BlacklistHit(seen_by=HitSide.BOTH if same else HitSide.LISTING, entry_id=match.entry_id, **common)
            listing.set_region(regions[match.listing_district_id])
            rows.append(listing)
            if not same:
                there = BlacklistHit(seen_by=HitSide.INSTITUTION, entry=None, **common)
                there.set_region(regions[institution.district_id])
                rows.append(there)
        BlacklistHit.objects.bulk_create(rows)
    _notify(rows, entries)
    regrade_on_commit(institutions_of(rows))
    return rows


@transaction.atomic
def hit_close(*, actor, hit_id: int, reason: str) -> BlacklistHit:
    """Close a hit as a false match (``HIT``: open → closed), with a reason: the listing district's
    admin only (it holds the entry); both rows of the hit close, and the institution's district is told."""
    hit = BlacklistHit.objects.locked().filter(pk=hit_id).first()
    if hit is None:
        raise NotFound("命中记录不存在或不在您的管辖范围内。")
    t = HIT.ensure_transition(hit, HitAction.CLOSE, actor)
    if hit.seen_by == HitSide.INSTITUTION:
        raise PermissionDenied("只有列入名单的区县卫生健康部门可以认定误报；如有疑问请与其联系。",
                               code="hit_listing_side_only")
    require_reason(reason, what="认定误报")
    now = timezone.now()
    hit.close_reason, hit.closed_by, hit.closed_at = reason, actor, now
    fields = ["close_reason", "closed_by", "closed_at"]
    HIT.apply(hit, t, actor=actor, update_fields=fields, reason=reason)
    with scopes_disabled():  # the institution district's row of the same hit
        twin = BlacklistHit.objects.locked().filter(pair=hit.pair).exclude(pk=hit.pk).first()
        if twin is not None and twin.status == HitStatus.OPEN:
            twin.close_reason, twin.closed_by, twin.closed_at = reason, actor, now
            HIT.apply(twin, t, actor=actor, update_fields=fields, reason=reason)
    if twin is not None:
        notify_on_commit(kind=NotificationType.BLACKLIST_HIT_CLOSED,
                         recipients=lambda d=twin.district_id: reviewers_of(d),
                         title=f"从业禁止名单命中已认定为误报：{hit.institution_name}",
                         body=f"列入地卫生健康部门认定“{hit.institution_name}”的这条命中为误报。理由：{reason}",
                         link=hits_link())
    regrade_on_commit([hit.institution_id])  # an open hit weighs on the grade; a false match no more
    return hit


__all__ = ["hit_close", "hits_link", "hits_record"]
