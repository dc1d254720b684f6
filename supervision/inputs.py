"""The blacklist's input fields, each read by one parser (``core.inputs``): the API's serializers and
the pages' forms read with these tables, the services check typed values against them
(``core.inputs.check_parsed``) and add their rules (the ban not already over, a reason for every
change)."""

from __future__ import annotations

from core import inputs

from .models import BlacklistEntry, EntryKind

REASON_MAX_LENGTH = 300


def _text(name: str, label: str, *, required: bool = False) -> inputs.Parser:
    return inputs.text(max_length=BlacklistEntry._meta.get_field(name).max_length, required=required, label=label)


KIND = {"kind": inputs.choice(EntryKind.choices, label="类别")}

# What every listing states, whoever is listed.
_LISTING = {
    "reason": inputs.text(max_length=2000, required=True, label="列入事由"),
    "basis": _text("basis", "依据文书", required=True),
    "decision_number": _text("decision_number", "决定文号"),
    "banned_until": inputs.date(label="禁止期限"),  # empty (null): for life
}

# A person: ``{"kind": "person", "id_number", "name", "reason", "basis", "decision_number"?, "banned_until"}``.
PERSON = {
    "id_number": inputs.id_number(),
    "name": inputs.text(max_length=64, required=True, label="姓名"),
    **_LISTING,
}
PERSON_REQUIRED = ("id_number", "name", "reason", "basis")

# An organisation: its credit code, and its legal representative (matched as a person when their
# ID number is given).
ORGANISATION = {
    "uscc": inputs.uscc(),
    "name": _text("name", "机构名称", required=True),
    "legal_representative": _text("legal_representative", "法定代表人"),
    "legal_representative_id_number": inputs.id_number(required=False),
    **_LISTING,
}
ORGANISATION_REQUIRED = ("uscc", "name", "reason", "basis")

FIELDS_BY_KIND = {EntryKind.PERSON: PERSON, EntryKind.ORGANISATION: ORGANISATION}
REQUIRED_BY_KIND = {EntryKind.PERSON: PERSON_REQUIRED, EntryKind.ORGANISATION: ORGANISATION_REQUIRED}

# Every change states why (a correction, an end, a hit closed as a false match): the parser reads
# the text, the service refuses an empty one with ``reason_required`` (``services.blacklist.require_reason``).
CHANGE_REASON = inputs.text(max_length=REASON_MAX_LENGTH, label="原因")
CORRECTION_REASON = {"correction_reason": CHANGE_REASON}
REASON = {"reason": CHANGE_REASON}


def correction_fields(kind: str) -> dict[str, inputs.Parser]:
    """A correction (PATCH) of an entry of ``kind``: any of its fields, and ``correction_reason``."""
    return {**FIELDS_BY_KIND[kind], **CORRECTION_REASON}


__all__ = ["CORRECTION_REASON", "FIELDS_BY_KIND", "KIND", "ORGANISATION", "PERSON", "REASON", "REQUIRED_BY_KIND",
           "correction_fields"]
