"""API plumbing shared by every app: one error shape, pagination, and the scope for token users.

Error body, always: ``{"code": "<stable machine code>", "message": "<中文说明>", "fields": {...}}``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django_filters import FilterSet as DjangoFilterSet
from django_filters.filters import QuerySetRequestMixin
from django_scopes import ScopeError
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from . import assignments
from .errors import DomainError
from .filters import CopiedFilters
from .permissions import act_as, require_role, require_role_anywhere
from .tenancy import activate
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


def parse_for_roles(request, serializer_class, *, roles, obj, message: str = "您没有执行该操作的权限。") -> dict:
    """Refuse a caller outside ``roles`` for ``obj`` BEFORE reading the body, then parse it.

    ``obj=None`` for a new record (its object comes in the body): the caller must act in one of ``roles``
    somewhere. Out of the caller's scope → 404; a role outside ``roles`` → 403 ``permission_denied`` whatever the
    body (so a viewer learns nothing about the body's rules); otherwise the serializer's field errors (400)
    or its validated data. Pass the same role set the service checks (the workflow ``Transition.roles``
    or the service's ``require_role`` set), so the lists are written once.
    """
    if obj is None:  # a new record: its object is in the body; the service checks the role over it
        require_role_anywhere(request.user, roles, message)
    else:
        require_role(request.user, roles, obj, message)
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


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


class CursorInvalid(exceptions.ValidationError):
    """A ``cursor`` that this API did not issue (or that no longer matches the list's order)."""


class KeysetPagination(Pagination):
    """Keyset (cursor) pagination for lists that span a whole scope (up to every institution in the
    country): each page is "the next ``page_size`` rows after the last one shown", found through the
    list's own order (an index range), never by counting and skipping the rows before it.

    - The list's ``order_by`` must end with the primary key (``"name", "id"``; ``"-created_at",
      "-id"``) and name the model's own non-null columns, so every row has one place in it.
    - ``next`` / ``previous`` are links carrying an opaque ``cursor`` (the last or first row's
      order values). A row inserted or removed meanwhile never makes a page repeat or skip another
      row; a cursor not issued here is ``400 cursor_invalid``.
    - ``count`` is exact up to ``count_limit`` (10,000) and capped there, with ``count_capped``
      true ("10,000+"): the count never walks a whole national scope.
    - ``?page=N`` without a cursor still answers as before (page numbers, exact count), for clients
      written against it; it costs a full count and an offset, so new clients follow ``next``.
    """

    cursor_query_param = "cursor"
    count_limit = 10_000

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.keyset = request.query_params.get(self.page_query_param) is None or \
            request.query_params.get(self.cursor_query_param) is not None
        if not self.keyset:
            return super().paginate_queryset(queryset, request, view)
        self.size = self.get_page_size(request) or self.page_size
        self.order = self._order(queryset)
        raw = request.query_params.get(self.cursor_query_param)
        backwards, values = self._decode(raw) if raw else (False, None)
        rows = queryset
        if values is not None:
            rows = rows.filter(self._after(values, backwards))
        if backwards:
            rows = rows.order_by(*[(name if desc else f"-{name}") for name, desc, _ in self.order])
        page = list(rows[: self.size + 1])
        more = len(page) > self.size
        page = page[: self.size]
        if backwards:
            page.reverse()
        # Going forward there is a previous page exactly when we came from a cursor; going back,
        # there is a next page (the one we came from), and a previous one when more rows were found.
        has_next, has_previous = (True, more) if backwards else (more, values is not None)
        self.next_cursor = self._encode(page[-1], False) if page and has_next else None
        self.previous_cursor = self._encode(page[0], True) if page and has_previous else None
        capped = queryset.order_by()[: self.count_limit + 1].count()
        self.count, self.count_capped = min(capped, self.count_limit), capped > self.count_limit
        return page

    def get_paginated_response(self, data):
        if not self.keyset:
            response = super().get_paginated_response(data)
            response.data["count_capped"] = False
            return response
        return Response({"count": self.count, "count_capped": self.count_capped, "next": self._link(self.next_cursor),
                         "previous": self._link(self.previous_cursor), "results": data})

    def get_paginated_response_schema(self, schema):
        out = super().get_paginated_response_schema(schema)
        out["properties"]["count_capped"] = {"type": "boolean", "example": False,
                                             "description": "count 达到上限（10,000）即停止计数：true 表示“10,000 条以上”"}
        out["properties"]["next"]["description"] = "下一页链接（cursor 游标）"
        return out

    def get_schema_operation_parameters(self, view):
        return [*super().get_schema_operation_parameters(view), {
            "name": self.cursor_query_param, "required": False, "in": "query",
            "description": "翻页游标：取自上一响应的 next / previous 链接，不要自行构造（cursor_invalid）",
            "schema": {"type": "string"}}]

    # --- the order and the cursor -----------------------------------------------------------------

    def _order(self, queryset) -> list[tuple[str, bool, object]]:
        from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured

        meta = queryset.model._meta
        names = list(queryset.query.order_by or meta.ordering)
        out = []
        for name in names:
            if not isinstance(name, str):
                raise ImproperlyConfigured(f"KeysetPagination: order by column names only, not {name!r}")
            desc, column = name.startswith("-"), name.lstrip("-")
            try:
                model_field = meta.pk if column == "pk" else meta.get_field(column)
            except FieldDoesNotExist:
                raise ImproperlyConfigured(f"KeysetPagination: {column!r} is not a column of {meta.label}") from None
            if not getattr(model_field, "concrete", False) or model_field.null:
                raise ImproperlyConfigured(f"KeysetPagination: {column!r} must be a non-null column of {meta.label}")
            out.append((model_field.attname, desc, model_field))
        if not out or not out[-1][2].primary_key:
            raise ImproperlyConfigured(f"KeysetPagination: the order of {meta.label} must end with its primary key")
        return out

    def _after(self, values, backwards: bool):
        """Rows after (or, going back, before) the row with these order values: the OR of "equal on
        the first i columns, beyond on column i", plus "not before on the first column" so that the
        first column's index bounds the scan."""
        from django.db.models import Q

        def beyond(desc):
            return "lt" if desc != backwards else "gt"

        result = Q()
        for i, (name, desc, _) in enumerate(self.order):
            term = Q(**{f"{n}": v for (n, _, _), v in zip(self.order[:i], values, strict=False)})
            result |= term & Q(**{f"{name}__{beyond(desc)}": values[i]})
        first, desc, _ = self.order[0]
        return result & Q(**{f"{first}__{beyond(desc)}e": values[0]})

    def _encode(self, row, backwards: bool) -> str:
        import base64
        import json

        values = [field.value_to_string(row) for _, _, field in self.order]
        return base64.urlsafe_b64encode(json.dumps([int(backwards), values], ensure_ascii=False,
                                                   separators=(",", ":")).encode()).decode().rstrip("=")

    def _decode(self, raw: str):
        import base64
        import binascii
        import json

        from django.core.exceptions import ValidationError

        invalid = CursorInvalid({self.cursor_query_param: [exceptions.ErrorDetail(
            "翻页游标无效：请使用上一次响应中的 next / previous 链接。", code="cursor_invalid")]})
        try:
            backwards, texts = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
            if backwards not in (0, 1) or not isinstance(texts, list) or len(texts) != len(self.order) \
                    or not all(isinstance(t, str) for t in texts):
                raise invalid
            values = [field.to_python(text) for (_, _, field), text in zip(self.order, texts, strict=True)]
        except (ValueError, TypeError, binascii.Error, ValidationError, UnicodeDecodeError):
            raise invalid from None
        if any(v is None for v in values):
            raise invalid
        return bool(backwards), values

    def _link(self, cursor):
        from rest_framework.utils.urls import remove_query_param, replace_query_param

        if cursor is None:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, cursor)


class FilterSet(CopiedFilters, DjangoFilterSet):
    """An API list's filters (query parameters), with the form that parses them built once per class.

    django-filter builds a new form class for every request (a ``type()`` call over a form field made
    anew by each filter), about half of the ~0.45 ms an API list spent filtering. A filter set here has
    the same filters on every request, so its form class is built once; each request still gets its
    own form instance (Django deep-copies the class's fields into it) and its own filters, copied shallowly
    (``core.filters.CopiedFilters``: django-filter deep-copies them for every request). A filter
    whose field holds a queryset (a model choice, made under one request's tenant scope) is never
    shared: such a class builds its form per request, as django-filter does.
    """

    def get_form_class(self):
        cls = type(self)
        form = cls.__dict__.get("_form_class")
        if form is None:
            form = super().get_form_class()
            shareable = not any(isinstance(f, QuerySetRequestMixin) for f in self.filters.values())
            cls._form_class = form if shareable else False
            return form
        return form or super().get_form_class()


def fake(view) -> bool:
    """True while drf-spectacular inspects the view (no request scope): answer an empty queryset."""
    return getattr(view, "swagger_fake_view", False)


def role_permission(roles, message: str) -> type[BasePermission]:
    """A DRF permission: the request's acting assignment holds one of ``roles``; else 403 with ``message``."""
    allowed = frozenset(roles)

    class RolePermission(BasePermission):
        def has_permission(self, request, view):
            assignment = getattr(request, "assignment", None)
            return assignment is not None and assignment.role in allowed

    RolePermission.message = message
    return RolePermission


class TenantScopedMixin:
    """Base for every API view: once DRF has authenticated the caller, open their tenant scope.

    Session callers already have it from the middleware; token callers get it here, from their
    first active assignment (or the one named in the ``X-Assignment`` header).
    """

    # Router routes match numeric ids only: /filings/abc/ is an unknown path (404), never int("abc").
    lookup_value_regex = "[0-9]+"
    # 三员分立: the system and security admins are refused every business API view (403, before any
    # query: not even an empty list or a 404); a view of public reference data sets this to True.
    administrator_access = False

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
            django_request.tenant_scope = assignments.request_scope(assignment)
            activate(django_request.tenant_scope)
        request.assignment = assignment
        act_as(user, assignment)  # services judge this assignment only (core.permissions)
        if assignments.writes_refused(assignment, request.method, django_request.path_info):
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied(assignments.WRITES_REFUSED_MESSAGE)
        if assignments.business_refused(assignment) and not self.administrator_access:
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied(assignments.BUSINESS_REFUSED_MESSAGE)


__all__ = ["CursorInvalid", "KeysetPagination", "Pagination", "TenantScopedMixin", "error_response", "exception_handler",
           "fake", "parse_for_roles", "role_permission", "status"]
