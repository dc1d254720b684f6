"""Input fields of complaints and incidents, each read by one parser (``core.inputs``): the API's
serializers and the pages' forms read with these tables, the services check typed values against
them (``core.inputs.check_parsed``) and add their rules (a filed institution, a text long enough,
an incident not in the future, an assignee of the district)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from core import inputs

from .models import ComplaintOutcome, IncidentKind, IncidentSeverity

TEXT_MIN_LENGTH = 10
TEXT_MAX_LENGTH = 2000
REPLY_MAX_LENGTH = 2000
ID_MAX = 2**63 - 1

# The tracking code: 12 characters of an alphabet with no look-alikes (no 0/O, 1/I/L, U), printed in
# groups of four; 30^12 ≈ 5 × 10^17 codes, and lookups are rate-limited per client address.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
_CODE_RE = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")


def tracking_code(*, required: bool = True) -> inputs.Parser:
    """A tracking code as typed (case, spaces and dashes ignored) → its 12 characters; ``code_invalid``."""
    def parse(value) -> str:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise ValidationError("请填写查询码。", code=inputs.REQUIRED)
            return ""
        if not isinstance(value, str):
            raise ValidationError("查询码应为 12 位字母和数字。", code="code_invalid")
        code = re.sub(r"[\s\-]", "", value).upper()
        if not _CODE_RE.fullmatch(code):
            raise ValidationError("查询码应为 12 位字母和数字（如 ABCD-EFGH-JKMN），请核对后重试。", code="code_invalid")
        return code

    parse.required = required  # type: ignore[attr-defined]
    return parse


VERSION = {"expected_version": inputs.integer(low=1, high=2_147_483_647, required=False, label="版本")}

# A complaint from the public: ``{"institution", "text", "contact_name"?, "contact_phone"?}``.
PUBLIC_COMPLAINT = {
    "institution": inputs.integer(low=1, high=ID_MAX, label="被投诉机构"),
    "text": inputs.text(max_length=TEXT_MAX_LENGTH, required=True, label="投诉内容"),
    "contact_name": inputs.text(max_length=64, label="联系人"),
    "contact_phone": inputs.phone(max_length=32, label="联系电话"),
}
PUBLIC_COMPLAINT_REQUIRED = ("institution", "text")
TRACK = {"code": tracking_code()}

# The district's handling.
ASSIGN = {"assignee": inputs.integer(low=1, high=ID_MAX, label="承办人"), **VERSION}
NOTE = {"text": inputs.text(max_length=TEXT_MAX_LENGTH, required=True, label="备注")}
REPLY = {"public_reply": inputs.text(max_length=REPLY_MAX_LENGTH, required=True, label="答复")}
CLOSE = {
    "outcome": inputs.choice(ComplaintOutcome.choices, label="核查结论"),
    "public_reply": inputs.text(max_length=REPLY_MAX_LENGTH, label="答复"),
    **VERSION,
}
LINK = {
    "followup_reference": inputs.text(max_length=200, required=True, label="后续检查"),
    "followup_inspection_id": inputs.integer(low=1, high=ID_MAX, required=False, label="检查编号"),
}
REASON = {"reason": inputs.text(max_length=300, required=True, label="原因")}

# An incident reported by its institution's operator.
INCIDENT = {
    "kind": inputs.choice(IncidentKind.choices, label="事件类别"),
    "severity": inputs.choice(IncidentSeverity.choices, label="严重程度"),
    "children_affected": inputs.integer(low=0, high=10_000, label="涉及儿童人数"),
    "occurred_at": inputs.datetime(required=True, label="发生时间"),
    "description": inputs.text(max_length=4000, required=True, label="事件经过"),
}
INCIDENT_REQUIRED = tuple(INCIDENT)
FOLLOW_UP = {"text": inputs.text(max_length=TEXT_MAX_LENGTH, required=True, label="跟进情况")}
RESOLUTION = {"resolution": inputs.text(max_length=TEXT_MAX_LENGTH, required=True, label="处置结果"), **VERSION}
