"""What every blacklist write shares: each change states why."""

from __future__ import annotations

from core.errors import DomainError
from core.inputs import check_parsed, raise_if_any

from ..inputs import CHANGE_REASON


def require_reason(value, *, field: str = "reason", what: str = "该操作") -> str:
    """The reason given for a change, read as ``inputs.CHANGE_REASON`` reads it; empty is
    ``reason_required`` on ``field``."""
    value = "" if value is None else value
    raise_if_any(check_parsed({field: CHANGE_REASON}, {field: value}))
    if not value:
        raise DomainError("reason_required", f"{what}必须说明原因。",
                          fields={field: [("reason_required", "请填写原因。")]})
    return value
