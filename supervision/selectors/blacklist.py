"""Blacklist reads: the scope's entries and hits, and the one national match.

Entries and hits are read through their scoped managers: the listing district, its city and its
province see an entry; each district sees its own row of a hit (``supervision.models``). Matching
is national: ``national_matches`` is the one named cross-tenant read, evaluated with scopes
disabled, and it answers only *which* entry matched *what* — never an entry's name, reason, basis
or listing details, which stay with the listing district.

Never ``select_related`` a hit's ``entry`` or ``institution``: under a district's scope the row
security of the joined table would drop the hit whose entry (or institution) is in another
district. The names a hit shows are copied onto it; ``with_entries`` loads the entries of the
listing district's rows separately.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from core.db.counts import count_many
from core.errors import NotFound
from core.tenancy import scopes_disabled
from registry.models import FilingKind, StaffRole
from registry.selectors.filings import filing_roster

from ..models import BlacklistEntry, BlacklistHit, EntryKind, MatchedAs, in_force_q

# --- the scope's entries and hits --------------------------------------------------------------------


def entry_list() -> QuerySet[BlacklistEntry]:
    """The entries listed in the scope (newest first)."""
    return BlacklistEntry.objects.select_related("district").order_by("-created_at", "-id")


def entry_get(*, entry_id: int) -> BlacklistEntry:
    entry = BlacklistEntry.objects.select_related("district", "created_by", "ended_by").filter(pk=entry_id).first()
    if entry is None:
        raise NotFound("名单不存在或不在您的管辖范围内。")
    return entry


def entry_history(*, entry: BlacklistEntry) -> list:
    """The entry's listing, corrections and end, oldest first, with who and why."""
    return list(entry.events.select_related("actor").order_by("created_at", "id"))


def hit_list(*, status: str | None = None) -> QuerySet[BlacklistHit]:
    """The scope's rows of hits (newest first); each district has its own row of a hit."""
    qs = BlacklistHit.objects.select_related("institution_district", "district").order_by("-created_at", "-id")
    return qs.filter(status=status) if status else qs


def hit_get(*, hit_id: int) -> BlacklistHit:
    hit = BlacklistHit.objects.select_related("institution_district", "district").filter(pk=hit_id).first()
    if hit is None:
        raise NotFound("命中记录不存在或不在您的管辖范围内。")
    return hit


def with_entries(hits: Iterable[BlacklistHit]) -> list[BlacklistHit]:
    """The hits, each with ``entry_shown``: its entry for the listing district's rows (read in the
    caller's scope, one query), None for the institution district's rows."""
    hits = list(hits)
    ids = {h.entry_id for h in hits if h.shows_entry and h.entry_id}
    entries = {e.pk: e for e in BlacklistEntry.objects.filter(pk__in=ids)} if ids else {}
    for h in hits:
        h.entry_shown = entries.get(h.entry_id) if h.shows_entry else None
    return hits


def open_hits() -> QuerySet:
    """Open hit rows in the scope (the home card counts them)."""
    return BlacklistHit.objects.filter(status="open")


def open_hit_count() -> int:
    """Open hit rows in the scope."""
    return count_many(hits=open_hits())["hits"]


# --- the national match ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Match:
    """An entry in force that matched: which entry, as what, on which key (an ID number's blind
    index, or a credit code), and the district that listed it (where its hit row goes)."""

    entry_id: int
    matched_as: str  # MatchedAs
    key: str
    listing_district_id: str


def national_matches(*, id_hashes: Iterable[str] = (), usccs: Iterable[str] = (),
                     today: dt.date | None = None) -> list[Match]:
    """Every entry in force (``models.in_force_q``), listed anywhere in the country, whose person —
    or organisation's legal representative — has one of ``id_hashes``, or whose organisation has
    one of ``usccs``. Deliberately cross-tenant: a person listed in Chongqing cannot be put on a
    roster in Hangzhou. Evaluated inside ``scopes_disabled`` (a list, never a lazy queryset)."""
    hashes = {h for h in id_hashes if h}
    codes = {c for c in usccs if c}
    if not hashes and not codes:
        return []
    condition = Q()
    if hashes:
        condition |= Q(id_number_hash__in=hashes)
    if codes:
        condition |= Q(kind=EntryKind.ORGANISATION, uscc__in=codes)
    with scopes_disabled():
        rows = list(BlacklistEntry.objects.filter(in_force_q(today)).filter(condition).order_by("pk")
                    .values_list("pk", "kind", "id_number_hash", "uscc", "district_id"))
    out: list[Match] = []
    for pk, kind, id_hash, uscc, district_id in rows:
        if id_hash and id_hash in hashes:
            as_ = MatchedAs.PERSON if kind == EntryKind.PERSON else MatchedAs.LEGAL_REPRESENTATIVE
            out.append(Match(pk, as_, id_hash, district_id))
        if kind == EntryKind.ORGANISATION and uscc in codes:
            out.append(Match(pk, MatchedAs.ORGANISATION, uscc, district_id))
    return out


@dataclass(frozen=True)
class Subject:
    """Who or what matched, where: the institution, and the person (a roster row, or the person
    an operator tried to add) when a person matched."""

    institution: Any
    person_name: str = ""
    id_number_masked: str = ""
    staff: Any = None
    role: str = ""


def filing_matches(*, filing, today: dt.date | None = None, roster=None) -> list[tuple[Match, Subject]]:
    """A filing's listed persons — the staff on duty on the day it takes effect, as its checklist
    counts them — and its institution, if listed. A termination puts nobody on a roster: none.
    ``roster``: ``filing_roster(filing=filing, today=today)``, when the caller has read it already."""
    if filing.kind == FilingKind.TERMINATION:
        return []
    institution = filing.institution
    if roster is None:
        roster = filing_roster(filing=filing, today=today or timezone.localdate())
    roster = list(roster)
    by_hash = {s.id_number_hash: s for s in roster}
    found = []
    for m in national_matches(id_hashes=by_hash, usccs=[institution.uscc], today=today):
        if m.matched_as == MatchedAs.ORGANISATION:
            found.append((m, Subject(institution)))
        else:
            s = by_hash[m.key]
            found.append((m, Subject(institution, s.name, s.id_number_masked, staff=s, role=s.role)))
    return found


def blacklist_hits_for_filing(*, filing, today: dt.date | None = None, roster=None) -> list[str]:
    """The filing checklist's ``blacklist`` item (``core.checklists``, ``"registry.filing"``): who
    on the filing is listed, as the operator knows them — the person's name and post, or the
    institution itself — and never who listed them or why. Empty: the item passes. ``today`` and
    ``roster``: the checklist's day and the roster on duty that day, as the checklist read it."""
    roles = dict(StaffRole.choices)
    labels: list[str] = []
    for m, subject in filing_matches(filing=filing, today=today, roster=roster):
        label = ("本机构（举办单位）" if m.matched_as == MatchedAs.ORGANISATION
                 else f"{subject.person_name}（{roles.get(subject.role, subject.role)}）")
        if label not in labels:
            labels.append(label)
    return labels


__all__ = ["Match", "Subject", "blacklist_hits_for_filing", "entry_get", "entry_history", "entry_list",
           "filing_matches", "hit_get", "hit_list", "national_matches", "open_hit_count", "open_hits", "with_entries"]

