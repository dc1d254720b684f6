"""Input fields of penalties and emergency closures, each read by one parser (``core.inputs``): the
API's serializers and the pages' forms read with these tables; the services check the typed values
against them (``core.inputs.check_parsed``) and add the rules (a fine has an amount, a ban names a
person, no decision dated in the future, every end states why)."""

from __future__ import annotations

from core import inputs

from .models import ClosureItemKind, ClosureItemStatus, PenaltyKind

# A fine is at most 100 million yuan (in fen); the Regulations' fines are far below.
MAX_FINE_FEN = 10_000_000_000

PENALTY = {
    "kind": inputs.choice(PenaltyKind.choices, label="处罚种类"),
    "decision_number": inputs.text(max_length=64, required=True, label="决定书文号"),
    "decided_on": inputs.date(required=True, label="决定日期"),
    "legal_basis": inputs.text(max_length=300, required=True, label="法律依据"),
    "facts": inputs.text(max_length=2000, label="违法事实"),
    "amount_fen": inputs.integer(low=1, high=MAX_FINE_FEN, required=False, label="罚款金额（分）"),
    # A ban of a person:
    "person_name": inputs.text(max_length=64, label="被禁止人员姓名"),
    "id_number": inputs.id_number(required=False),
    "banned_until": inputs.date(label="禁止期限至"),
}
PENALTY_REQUIRED = ("kind", "decision_number", "decided_on", "legal_basis")

END_REASON = {"reason": inputs.text(max_length=300, label="原因")}
VERSION = {"expected_version": inputs.integer(low=1, high=2_147_483_647, required=False, label="版本")}

CLOSURE = {
    "reason": inputs.text(max_length=2000, required=True, label="关停原因"),
    "started_on": inputs.date(required=True, label="关停日期"),
    "children_enrolled": inputs.integer(low=0, high=10_000, label="在托婴幼儿人数"),
}
CLOSURE_REQUIRED = ("reason", "started_on", "children_enrolled")

CLOSURE_ITEM = {
    "kind": inputs.choice(ClosureItemKind.choices, label="事项"),
    "status": inputs.choice(ClosureItemStatus.choices, label="进度"),
    "note": inputs.text(max_length=300, label="进展说明"),
    "children_placed": inputs.integer(low=0, high=10_000, required=False, label="已安置人数"),
}
CLOSURE_ITEM_REQUIRED = ("kind", "status")

__all__ = ["CLOSURE", "CLOSURE_ITEM", "CLOSURE_ITEM_REQUIRED", "CLOSURE_REQUIRED", "END_REASON", "MAX_FINE_FEN",
           "PENALTY", "PENALTY_REQUIRED", "VERSION"]
