"""DRF classes named in ``settings.REST_FRAMEWORK``: DRF loads them while ``rest_framework.views``
itself is importing, so this module must not import it (``core.api`` does)."""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as _JSONParser
from rest_framework.permissions import BasePermission


class MachineAccountsOnlyWhereAllowed(BasePermission):
    """Interface (machine) accounts reach only the views that declare ``machine_access = True``
    (the registration push and the region reference data): no rosters, documents, receipts or
    filings, whatever scope their assignment has. A default permission class (settings)."""

    message = "接口账号只能调用登记信息推送接口。"

    def has_permission(self, request, view):
        if not getattr(request.user, "is_machine", False):
            return True
        return bool(getattr(view, "machine_access", False))


class JSONParser(_JSONParser):
    """DRF's JSON parser; a body nested too deep for the decoder is a parse error (400), not a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON 嵌套层数过多，无法解析。") from None


__all__ = ["JSONParser", "MachineAccountsOnlyWhereAllowed"]


class ApiDocsPermission(BasePermission):
    """The OpenAPI schema and its documentation: open to anyone while ``settings.API_DOCS_PUBLIC``
    (the default outside production), else to signed-in users only (an attacker learns no routes)."""

    def has_permission(self, request, view) -> bool:
        from django.conf import settings

        return bool(settings.API_DOCS_PUBLIC or (request.user and request.user.is_authenticated))
