"""One exception type for domain errors: a stable machine code and a Chinese message.

Services raise ``DomainError``; the API handler (core.api) maps it to
``{"code", "message", "fields"}`` and pages show ``message`` (and ``fields``) to the user.
"""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400

    def __init__(self, code: str, message: str, *, fields: dict[str, list[str]] | None = None,
                 status_code: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}
        if status_code is not None:
            self.status_code = status_code

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "fields": self.fields}


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
