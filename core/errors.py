"""One exception type for domain errors: a stable machine code and a Chinese message.

Services raise ``DomainError``; the API handler (core.api) maps it to
``{"code", "message", "fields"}`` and pages show ``message`` (and ``fields``) to the user.

Each field error carries its own code: pass ``fields={"district": [("district_invalid", "…")]}``
(or ``FieldError`` objects). A plain string is still accepted and takes the error's own code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class FieldError(str):
    """One field's error: its stable code and Chinese message.

    It *is* the message (a ``str``), so code that joins, compares or shows messages keeps working.
    """

    code: str

    def __new__(cls, code: str, message: str) -> FieldError:
        obj = super().__new__(cls, message)
        obj.code = code
        return obj

    @property
    def message(self) -> str:
        return str.__str__(self)

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}

    def __reduce__(self):
        return (FieldError, (self.code, self.message))

    def __repr__(self) -> str:
        return f"FieldError({self.code!r}, {self.message!r})"


def field_error(item: Any, default_code: str) -> FieldError:
    """``FieldError`` | ``(code, message)`` | ``{"code", "message"}`` | message → ``FieldError``."""
    if isinstance(item, FieldError):
        return item
    if isinstance(item, tuple) and len(item) == 2:
        return FieldError(str(item[0]), str(item[1]))
    if isinstance(item, Mapping) and "message" in item:
        return FieldError(str(item.get("code") or default_code), str(item["message"]))
    return FieldError(default_code, str(item))


def normalize_fields(fields: Mapping[str, Any] | None, default_code: str) -> dict[str, list[FieldError]]:
    out: dict[str, list[FieldError]] = {}
    for name, items in (fields or {}).items():
        seq: Iterable = items if isinstance(items, list) else [items]
        out[str(name)] = [field_error(item, default_code) for item in seq]
    return out


class DomainError(Exception):
    status_code = 400

    def __init__(self, code: str, message: str, *, fields: Mapping[str, Any] | None = None,
                 status_code: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields: dict[str, list[FieldError]] = normalize_fields(fields, code)
        if status_code is not None:
            self.status_code = status_code

    def fields_as_dicts(self) -> dict[str, list[dict[str, str]]]:
        """``{"field": [{"code", "message"}]}``: each field error with its own code."""
        return {name: [field_error(item, self.code).as_dict() for item in items]
                for name, items in self.fields.items()}

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "fields": self.fields_as_dicts()}


class NotFound(DomainError):
    """Outside the actor's scope or absent: always 404, never 403 (no existence leak)."""

    status_code = 404

    def __init__(self, message: str = "对象不存在或不在您的管辖范围内。"):
        super().__init__("not_found", message)


class PermissionDenied(DomainError):
    status_code = 403

    def __init__(self, message: str = "您没有执行该操作的权限。", code: str = "permission_denied"):
        super().__init__(code, message)


class Conflict(DomainError):
    """Somebody else changed the object first (optimistic or FSM concurrency)."""

    status_code = 409

    def __init__(self, message: str = "该记录已被他人修改，请刷新后重试。", code: str = "conflict"):
        super().__init__(code, message)


class InvalidTransition(DomainError):
    status_code = 409

    def __init__(self, message: str, code: str = "invalid_transition"):
        super().__init__(code, message)
