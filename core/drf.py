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


class ApiDocsPermission(BasePermission):
    """The OpenAPI schema and its documentation: open to anyone while ``settings.API_DOCS_PUBLIC``
    (the default outside production), else to signed-in users only (an attacker learns no routes)."""

    def has_permission(self, request, view) -> bool:
        from django.conf import settings

        return bool(settings.API_DOCS_PUBLIC or (request.user and request.user.is_authenticated))
def _callable_key(obj):
    """What a callable's signature depends on, stable across the bound methods and partials that
    attribute access creates anew for each row (``get_status_display`` is a fresh partial every time)."""
    import functools
    import inspect

    if isinstance(obj, functools.partial):
        return ("partial", _callable_key(obj.func), len(obj.args), tuple(sorted(obj.keywords)))
    if inspect.ismethod(obj):
        return ("method", obj.__func__)
    return ("function", obj)


def install_fast_simple_callable() -> None:
    """Serializers call ``rest_framework.fields.is_simple_callable`` for every field of every row;
    for a method (``get_status_display``, a model property's getter) it runs ``inspect.signature``,
    about 0.1 ms each: a third of an API list page's serializer time. Remember the answer per
    underlying function instead (a function's signature does not change while the process runs).
    Installed once from ``CoreConfig.ready()``; the answers are DRF's own (``tests/core/test_drf_speed.py``)."""
    import functools
    import inspect

    from rest_framework import fields

    original = getattr(fields.is_simple_callable, "__wrapped__", fields.is_simple_callable)
    answers: dict = {}

    def is_simple_callable(obj):
        if not callable(obj) or inspect.isbuiltin(obj) or not (
                inspect.isfunction(obj) or inspect.ismethod(obj) or isinstance(obj, functools.partial)):
            return original(obj)  # DRF's answer (and its error for built-ins), no signature involved
        try:
            key = _callable_key(obj)
            return answers[key]
        except KeyError:
            answers[key] = answer = original(obj)
            return answer
        except TypeError:  # an unhashable function object: ask DRF every time
            return original(obj)

    is_simple_callable.__wrapped__ = original
    fields.is_simple_callable = is_simple_callable


__all__ = ["ApiDocsPermission", "JSONParser", "MachineAccountsOnlyWhereAllowed", "install_fast_simple_callable"]
