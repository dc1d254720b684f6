"""API plumbing shared by every app: one error shape, pagination, and the scope for token users.

Error body, always: ``{"code": "<stable machine code>", "message": "<中文说明>", "fields": {...}}``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django_scopes import ScopeError
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from . import assignments
from .errors import DomainError
from .permissions import act_as
from .tenancy import TenantScope, activate
from .validators import parse_row_id

_DRF_CODES = {
    exceptions.NotAuthenticated: ("not_authenticated", "请先登录或提供有效的接口令牌。"),
    exceptions.AuthenticationFailed: ("authentication_failed", "身份认证失败：用户名、密码或令牌无效。"),
    exceptions.PermissionDenied: ("permission_denied", "您没有执行该操作的权限。"),
    exceptions.NotFound: ("not_found", "对象不存在或不在您的管辖范围内。"),
    exceptions.MethodNotAllowed: ("method_not_allowed", "不支持该请求方法。"),
    exceptions.NotAcceptable: ("not_acceptable", "无法提供所请求的格式。"),
    exceptions.UnsupportedMediaType: ("unsupported_media_type", "不支持的请求内容类型。"),
    exceptions.Throttled: ("throttled", "请求过于频繁，请稍后再试。"),
    exceptions.ParseError: ("parse_error", "请求内容无法解析。"),
}


def _field_errors(detail) -> dict[str, list[dict[str, str]]]:
    """DRF's nested ErrorDetail structure → {"field": [{"code", "message"}]}."""
    out: dict[str, list[dict[str, str]]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                if prefix and key == "non_field_errors":  # a nested list's own error: on the list
                    walk(prefix, sub)
                else:
                    walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif isinstance(value, list):
            for i, sub in enumerate(value):
                if isinstance(sub, dict | list):
                    walk(f"{prefix}[{i}]", sub)
                else:
                    out.setdefault(prefix or "non_field_errors", []).append(
                        {"code": getattr(sub, "code", "invalid"), "message": str(sub)})
        else:
            out.setdefault(prefix or "non_field_errors", []).append(
                {"code": getattr(value, "code", "invalid"), "message": str(value)})

    walk("", detail)
    return out


def error_response(code: str, message: str, fields=None, status_code: int = 400) -> Response:
    return Response({"code": code, "message": message, "fields": fields or {}}, status=status_code)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return error_response(exc.code, exc.message, exc.fields_as_dicts(), exc.status_code)
    if isinstance(exc, Http404 | ScopeError):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _field_errors(exc.detail)
        first = next(iter(fields.values()))[0] if fields else {"code": "invalid"}
        code = first["code"] if first["code"] not in ("invalid", "required", "null", "blank") else "invalid"
        response.data = {"code": code, "message": "提交的数据有误，请检查标注的字段。", "fields": fields}
        return response
    detail_code = getattr(exc.detail, "code", None)
    if isinstance(detail_code, str) and detail_code != exc.default_code:
        # Raised with a code of its own (e.g. token_expired) and a Chinese message: keep both.
        response.data = {"code": detail_code, "message": str(exc.detail), "fields": {}}
        return response
    for cls, (code, message) in _DRF_CODES.items():
        if isinstance(exc, cls):
            response.data = {"code": code, "message": message, "fields": {}}
            return response
    response.data = {"code": getattr(exc, "default_code", "error"), "message": str(exc.detail), "fields": {}}
    return response


class Pagination(PageNumberPagination):
    """Page-number pagination with a hard cap; a page past the end is clamped to the last page."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param) or 1
        try:
            number = int(raw)
        except (TypeError, ValueError):
            return 1
        return min(max(number, 1), max(paginator.num_pages, 1))


class TenantScopedMixin:
    """Base for every API view: once DRF has authenticated the caller, open their tenant scope.

    Session callers already have it from the middleware; token callers get it here, from their
    first active assignment (or the one named in the ``X-Assignment`` header).
    """

    # Router routes match numeric ids only: /filings/abc/ is an unknown path (404), never int("abc").
    lookup_value_regex = "[0-9]+"

    def perform_authentication(self, request):
        # Right after authentication, before the permission classes run: they judge this assignment too.
        super().perform_authentication(request)
        django_request = request._request
        user = request.user
        assignment = getattr(django_request, "assignment", None)
        if user.is_authenticated and (assignment is None or assignment.user_id != user.pk):
            # A token caller (the middleware saw no user, or the session's user, not this one).
            assignment = assignments.choose(user, parse_row_id(request.headers.get("X-Assignment")))
            django_request.assignment = assignment
            django_request.tenant_scope = (assignments.scope_of(assignment) if assignment is not None
                                           else TenantScope.nothing())
            activate(django_request.tenant_scope)
        request.assignment = assignment
        act_as(user, assignment)  # services judge this assignment only (core.permissions)


__all__ = ["Pagination", "TenantScopedMixin", "error_response", "exception_handler", "status"]
