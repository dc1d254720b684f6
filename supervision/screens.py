"""The blacklist at registry's doors (``core.screening``, registered in ``apps.py``).

- ``registry.staff`` (a person onto a roster): a listed person is refused with 400
  ``blacklisted`` on ``id_number`` — a message that says neither who listed them nor why — and
  the attempt is recorded as a hit for both districts.
- ``registry.filing`` (a filing submitted or accepted): every listed person on its roster and a
  listed institution is recorded as a hit; the filing checklist's ``blacklist`` item
  (``selectors.blacklist.blacklist_hits_for_filing``) refuses the move with ``checks_failed``.
- ``registry.institution`` (a registration pushed, an institution claimed): accepted, and a listed
  organisation is recorded as a hit, which flags it to its district.

Registry runs the first two before the write's own transaction, so a refused attempt stays on
record.
"""

from __future__ import annotations

from core import crypto
from core.errors import DomainError
from core.validators import mask_id_number
from registry.workflow import FilingAction

from .models import HitSource, MatchedAs
from .selectors.blacklist import Subject, filing_matches, national_matches
from .services.hits import hits_record

BLACKLISTED = "blacklisted"
BLACKLISTED_MESSAGE = ("该人员不符合托育从业条件，不能登记为本机构工作人员。"
                       "如有疑问，请联系机构所在地卫生健康部门。")


def screen_staff(*, actor, institution, id_number: str, name: str, staff=None) -> DomainError | None:
    matches = national_matches(id_hashes=[crypto.blind_index(id_number)])
    if not matches:
        return None
    subject = Subject(institution, name, mask_id_number(id_number), staff=staff)
    hits_record(actor=actor, source=HitSource.STAFF_CHANGE if staff is not None else HitSource.STAFF_ADD,
                found=[(m, subject) for m in matches])
    return DomainError(BLACKLISTED, BLACKLISTED_MESSAGE,
                       fields={"id_number": [(BLACKLISTED, "该人员不符合托育从业条件。")]})


def screen_filing(*, actor, filing, action: str) -> None:
    found = filing_matches(filing=filing)
    if found:
        source = HitSource.FILING_ACCEPT if action == FilingAction.ACCEPT else HitSource.FILING_SUBMIT
        hits_record(actor=actor, source=source, found=found, filing=filing)


def screen_institution(*, actor, institution, action: str, registration=None, claim=None) -> None:
    found = [(m, Subject(institution)) for m in national_matches(usccs=[institution.uscc])
             if m.matched_as == MatchedAs.ORGANISATION]
    if found:
        source = HitSource.CLAIM if action == "claim" else HitSource.REGISTRATION_PUSH
        hits_record(actor=actor, source=source, found=found, registration=registration, claim=claim)
