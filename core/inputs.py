"""Reading user input once: one parser per field, shared by the API, the pages and the services.

A *parser* turns one raw value (JSON from the API, text from a form) into the typed value a
service takes (``str``, ``int``, ``Decimal``, ``date``, ``bool``, lists and dicts of these), or
raises ``django.core.exceptions.ValidationError`` with a stable code and a Chinese message. An
app lists its fields once, ``{name: parser}``, and uses the table three ways:

* API: ``ParsedSerializerMixin`` (set ``parsers`` and ``required_fields``): ``validated_data``
  is typed; unknown keys answer ``unknown_field``; errors take the one shape of ``core.api``
  (``{"code", "message", "fields": {name: [{"code", "message"}]}}``).
* Pages: ``ParsedField(parser, widget=...)`` in a Django form: the same codes and messages on
  the form's fields (``form.errors.as_data()`` carries the codes).
* Services: ``check_parsed(parsers, data)``: a service takes typed values and does not parse.
  A value its parser would change or refuse (``"2026-01-01"`` instead of a date, ``"yes"`` for a
  boolean) is an error with the parser's code, never coerced; the service adds its business
  rules (which fields a filing kind may change, dates in order) and raises one ``DomainError``.

Codes every parser uses: ``required`` (empty), ``too_long``, ``value_invalid`` (wrong type,
format or range), ``choice_invalid``, ``max_length`` (a list over its cap); ``unknown_field`` for
keys no parser reads. A parser may raise its own (``phone_invalid``, ``id_number_checksum`` …), and
``with_codes`` gives a field the codes its contract already promised (``nature_invalid``,
``reason_required``) without a second parser. A nested object is ``record(...)`` (errors
``facts.name``), a list of objects ``list_of(...)`` (errors ``classes[0].carers``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from .errors import DomainError, FieldError
from .validators import validate_id_number, validate_mobile, validate_uscc

Parser = Callable[[Any], Any]

REQUIRED, TOO_LONG, VALUE_INVALID, CHOICE_INVALID, MAX_LENGTH, UNKNOWN_FIELD = (
    "required", "too_long", "value_invalid", "choice_invalid", "max_length", "unknown_field")
INVALID_MESSAGE = "提交的数据有误，请检查标注的字段。"
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INT_RE = re.compile(r"[+-]?\d+")


def _parser(parse: Parser, *, required: bool) -> Parser:
    parse.required = required  # type: ignore[attr-defined]  # read by ParsedField (the HTML attribute)
    return parse


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _required(label: str, verb: str = "填写") -> ValidationError:
    return ValidationError(f"请{verb}{label or '此项'}。", code=REQUIRED)


def _invalid(message: str = "格式或取值无效。") -> ValidationError:
    return ValidationError(message, code=VALUE_INVALID)


def text(*, max_length: int | None = None, required: bool = False, label: str = "") -> Parser:
    """A string, stripped; empty is ``""`` (or ``required``)."""
    def parse(value) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise _invalid("应为文字。")
        value = value.strip()
        if not value and required:
            raise _required(label)
        if max_length is not None and len(value) > max_length:
            raise ValidationError(f"不能超过 {max_length} 个字符。", code=TOO_LONG)
        return value

    return _parser(parse, required=required)


def boolean(*, empty: bool | None = False) -> Parser:
    """``True``/``False``, ``"true"``/``"false"``, ``1``/``0``, a checked box's ``"on"``; absent
    (``None``) or blank is ``empty`` (False; ``None`` for a filter that may be left out). Anything
    else (``"yes"``, ``"maybe"``) is ``value_invalid``, never a guess."""
    def parse(value) -> bool | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return empty
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            word = value.strip().lower()
            if word in ("true", "1", "on"):
                return True
            if word in ("false", "0"):
                return False
        raise _invalid("应为“是”或“否”（true 或 false）。")

    return _parser(parse, required=False)


def integer(*, low: int, high: int, required: bool = True, label: str = "") -> Parser:
    """A whole number in ``[low, high]`` (``"12"`` and ``12.0`` read as 12); empty: None or ``required``."""
    def parse(value) -> int | None:
        if _empty(value):
            if required:
                raise _required(label)
            return None
        if isinstance(value, bool):
            raise _invalid()
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
            value = int(value.strip())
        if not isinstance(value, int) or not low <= value <= high:
            raise _invalid(f"应为 {low}–{high} 的整数。")
        return value

    return _parser(parse, required=required)


def decimal(*, low, high, places: int) -> Parser:
    """A number in ``[low, high]`` rounded to ``places`` decimals (a ``Decimal``); empty: None."""
    step = Decimal(1).scaleb(-places)

    def parse(value) -> Decimal | None:
        if _empty(value):
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            raise _invalid()
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise _invalid() from None
        if not number.is_finite() or not Decimal(low) <= number <= Decimal(high):
            raise _invalid(f"应为 {low}–{high} 之间的数。")
        return number.quantize(step)

    return _parser(parse, required=False)


def date(*, required: bool = False, label: str = "") -> Parser:
    """A ``datetime.date`` from ``YYYY-MM-DD`` (a ``date``, not a ``datetime``); empty: None or ``required``."""
    def parse(value) -> dt.date | None:
        if _empty(value):
            if required:
                raise _required(label)
            return None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str) and _DATE_RE.fullmatch(value.strip()):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise _invalid(f"{label or '日期'}应为 YYYY-MM-DD 格式的有效日期。")

    return _parser(parse, required=required)


_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?")


def datetime(*, required: bool = False, label: str = "") -> Parser:
    """A timezone-aware ``datetime.datetime`` from ISO 8601 (``2026-11-27T09:30``, seconds and an offset
    optional; an HTML ``datetime-local`` value): without an offset, the time is read in
    ``settings.TIME_ZONE`` (Asia/Shanghai). Empty: None or ``required``."""
    def parse(value) -> dt.datetime | None:
        from django.utils import timezone

        if _empty(value):
            if required:
                raise _required(label)
            return None
        if isinstance(value, dt.datetime):
            moment = value
        elif isinstance(value, str) and _DATETIME_RE.fullmatch(value.strip()):
            try:
                moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                raise _invalid(f"{label or '时间'}应为有效的日期时间（如 2026-11-27T09:30）。") from None
        else:
            raise _invalid(f"{label or '时间'}应为有效的日期时间（如 2026-11-27T09:30）。")
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment

    return _parser(parse, required=required)


def choice(choices: Iterable[tuple[str, str]], *, required: bool = True, label: str = "") -> Parser:
    """One of ``choices`` (a TextChoices' ``.choices``); empty: ``""`` or ``required``."""
    labels = dict(choices)

    def parse(value) -> str:
        if _empty(value):
            if required:
                raise _required(label, "选择")
            return ""
        if not isinstance(value, str) or value not in labels:
            raise ValidationError(f"{label or '选项'}只能是{'、'.join(map(str, labels.values()))}。", code=CHOICE_INVALID)
        return value

    return _parser(parse, required=required)


def choice_list(choices: Iterable[tuple[str, str]], *, required: bool = False, label: str = "") -> Parser:
    """A list of ``choices``, each once, in the choices' order; empty: ``[]`` or ``required``."""
    labels = dict(choices)
    order = list(labels)

    def parse(value) -> list[str]:
        if value is None:
            value = []
        if not isinstance(value, list | tuple) or any(not isinstance(v, str) or v not in labels for v in value):
            raise ValidationError(f"{label or '选项'}只能是{'、'.join(map(str, labels.values()))}。", code=CHOICE_INVALID)
        if not value and required:
            raise _required(label, "选择")
        return sorted(set(value), key=order.index)

    return _parser(parse, required=required)


def list_of(item_parsers: Mapping[str, Parser], *, required: Iterable[str] = (), max_items: int = 100) -> Parser:
    """A list of objects, each read by ``item_parsers`` (``required`` keys present in each);
    errors name ``[i].key``."""
    required = tuple(required)

    def parse(value) -> list[dict]:
        if value is None:
            return []
        if not isinstance(value, list | tuple):
            raise _invalid(f"应为不超过 {max_items} 项的列表。")
        if len(value) > max_items:
            raise ValidationError(f"最多 {max_items} 项，请分批提交。", code=MAX_LENGTH)
        out, errors = [], {}
        for i, item in enumerate(value):
            if not isinstance(item, Mapping):
                errors[f"[{i}]"] = [_invalid("应为对象。")]
                continue
            row, row_errors = _read(item_parsers, item)
            out.append(row)
            for name, errs in {**row_errors, **_missing(required, item, item_parsers)}.items():
                errors[f"[{i}].{name}"] = [ValidationError(e.message, code=e.code) for e in errs]
        if errors:
            raise ValidationError(errors)
        return out

    return _parser(parse, required=False)


def text_list(*, max_items: int, max_length: int | None = None, label: str = "") -> Parser:
    """A list of strings, each stripped; blank ones dropped (``[]`` when none). More than
    ``max_items`` is ``max_length``; an item over ``max_length`` characters is ``too_long``."""
    item = text(max_length=max_length, label=label)

    def parse(value) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list | tuple):
            raise _invalid(f"{label or '此项'}应为列表。")
        if len(value) > max_items:
            raise ValidationError(f"{label or '此项'}最多 {max_items} 项。", code=MAX_LENGTH)
        out, errors = [], {}
        for i, raw in enumerate(value):
            try:
                if parsed := item(raw):
                    out.append(parsed)
            except ValidationError as exc:
                errors[f"[{i}]"] = [ValidationError(e.message, code=e.code) for e in exc.error_list]
        if errors:
            raise ValidationError(errors)
        return out

    return _parser(parse, required=False)


def record(item_parsers: Mapping[str, Parser], *, required: Iterable[str] = ()) -> Parser:
    """A nested object read by ``item_parsers`` (``required`` keys present); absent (``None``)
    stays ``None``. Errors name ``.key`` under the field (``facts.district``)."""
    required = tuple(required)

    def parse(value) -> dict | None:
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise _invalid("应为对象。")
        out, errors = _read(item_parsers, value)
        errors.update(_missing(required, value, item_parsers))
        if errors:
            raise ValidationError({f".{name}": [ValidationError(e.message, code=e.code) for e in errs]
                                   for name, errs in errors.items()})
        return out

    return _parser(parse, required=False)


def with_codes(parser: Parser, codes: Mapping[str, str], *, messages: Mapping[str, str] | None = None) -> Parser:
    """``parser`` answering a field's own codes: ``codes`` maps the parser's code to the field's
    (``{VALUE_INVALID: "date_invalid"}``), ``messages`` (by the parser's code) its Chinese text.
    For contracts that promised a code before the shared parsers existed; one parser still reads."""
    messages = dict(messages or {})

    def parse(value):
        try:
            return parser(value)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                raise
            raise ValidationError([ValidationError(messages.get(e.code, e.message), code=codes.get(e.code, e.code))
                                   for e in exc.error_list]) from None

    return _parser(parse, required=getattr(parser, "required", False))


def id_number(*, required: bool = True) -> Parser:
    """A resident ID number (GB 11643), normalised (upper-case X); codes ``id_number_*``. Not
    ``required``: empty (or absent) is ``""``."""
    def parse(value) -> str:
        if _empty(value):
            if required:
                raise _required("居民身份证号码")
            return ""
        if not isinstance(value, str):
            raise ValidationError("居民身份证号码应为 18 位（最后一位可为 X）。", code="id_number_format")
        return validate_id_number(value)

    return _parser(parse, required=required)


def uscc(*, required: bool = True) -> Parser:
    """A unified social credit code (GB 32100), normalised (upper case); codes ``uscc_*``."""
    def parse(value) -> str:
        if _empty(value):
            if required:
                raise _required("统一社会信用代码")
            return ""
        if not isinstance(value, str):
            raise ValidationError("统一社会信用代码应为 18 位。", code="uscc_length")
        return validate_uscc(value)

    return _parser(parse, required=required)


_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def phone(*, max_length: int = 32, required: bool = False, label: str = "联系电话") -> Parser:
    """A mobile number (normalised to 11 digits) or a landline with its area code (``0571-87654321``);
    ``phone_invalid``. Empty: ``""`` (or ``required``)."""
    as_text = text(max_length=max_length, required=required, label=label)

    def parse(value) -> str:
        number = as_text(value)
        if not number or _LANDLINE_RE.match(number):
            return number
        try:
            return validate_mobile(number)
        except ValidationError:
            raise ValidationError(f"{label}应为 11 位手机号码或带区号的固定电话（如 0571-87654321）。",
                                  code="phone_invalid") from None

    return _parser(parse, required=required)


# --- reading a whole body -----------------------------------------------------------------------------

def _field_error(error: ValidationError) -> FieldError:
    return FieldError(error.code or VALUE_INVALID, next(iter(error)))


def _field_errors(name: str, exc: ValidationError) -> dict[str, list[FieldError]]:
    if hasattr(exc, "error_dict"):  # a nested parser (list_of): "[0].type" under this field's name
        return {f"{name}{sub}": [_field_error(e) for e in errs] for sub, errs in exc.error_dict.items()}
    return {name: [_field_error(e) for e in exc.error_list]}


def _read(parsers: Mapping[str, Parser], data: Mapping[str, Any]) -> tuple[dict, dict[str, list[FieldError]]]:
    out: dict[str, Any] = {}
    errors: dict[str, list[FieldError]] = {}
    for name, value in data.items():
        parser = parsers.get(name)
        if parser is None:
            errors[name] = [FieldError(UNKNOWN_FIELD, "未知字段。")]
            continue
        try:
            out[name] = parser(value)
        except ValidationError as exc:
            errors.update(_field_errors(name, exc))
    return out, errors


def _missing(required: Iterable[str], data: Mapping, parsers: Mapping[str, Parser] | None = None,
             ) -> dict[str, list[FieldError]]:
    """A ``required`` key that is absent: its parser's own answer to an empty value (``请填写名称。``,
    ``reason_required``) when it refuses one, else ``required``."""
    out = {}
    for name in required:
        if name in data:
            continue
        try:
            (parsers or {}).get(name, _refuse_empty)(None)
            out[name] = [FieldError(REQUIRED, "请填写此项。")]
        except ValidationError as exc:
            out[name] = [_field_error(e) for e in exc.error_list] if not hasattr(exc, "error_dict") else [
                FieldError(REQUIRED, "请填写此项。")]
    return out


def _refuse_empty(value):
    raise ValidationError("请填写此项。", code=REQUIRED)


def raise_if_any(errors: Mapping[str, list[FieldError]], message: str = INVALID_MESSAGE) -> None:
    """One ``DomainError`` for all field errors; its code is the first error's (as the API's)."""
    if errors:
        first = next(iter(errors.values()))[0]
        raise DomainError(first.code, message, fields=dict(errors))


def parse(parsers: Mapping[str, Parser], data: Mapping[str, Any], *, required: Iterable[str] = ()) -> dict:
    """Read ``data`` (keys: a subset of ``parsers``; ``required`` ones must be present) into typed
    values, or raise one ``DomainError`` naming every bad field. For callers outside HTTP (seed
    data, imports): the API and the pages read through their serializer and form."""
    out, errors = _read(parsers, data)
    raise_if_any({**errors, **_missing(required, data, parsers)})
    return out


def read(parsers: Mapping[str, Parser], data: Mapping[str, Any]) -> tuple[dict, dict[str, list[FieldError]]]:
    """``(values, errors)`` of ``data`` (unknown keys: ``unknown_field``), without raising: for a caller
    that adds rules across fields (a point needs both coordinates) before ``raise_if_any``."""
    return _read(parsers, data)


def check_parsed(parsers: Mapping[str, Parser], data: Mapping[str, Any], *,
                 required: Iterable[str] = ()) -> dict[str, list[FieldError]]:
    """For services, which take typed values: the errors of ``data`` — unknown keys, missing
    ``required`` ones, and values that are not what their parser returns (an unparsed string, a
    coercible ``"yes"``, an out-of-range number). Returns ``{}`` when ``data`` is parsed input."""
    out, errors = _read(parsers, data)
    for name, value in out.items():
        if name not in errors and (type(value) is not type(data[name]) or value != data[name]):
            errors[name] = [FieldError(VALUE_INVALID, "格式或取值无效（应为已解析的值）。")]
    return {**errors, **_missing(required, data, parsers)}


# --- the API and the pages ----------------------------------------------------------------------------

class ParsedSerializerMixin:
    """A DRF serializer whose input is read by ``parsers`` (``{name: parser}``), every key of the
    body checked (``unknown_field`` for others); ``required_fields`` must be present unless
    ``partial``; ``defaults`` stand in for absent keys. The declared fields document the schema;
    the parsers decide."""

    parsers: Mapping[str, Parser] = {}
    required_fields: tuple[str, ...] = ()
    defaults: Mapping[str, Any] = {}  # raw values read in place of absent keys (unless ``partial``)

    def to_internal_value(self, data):
        from rest_framework import serializers
        from rest_framework.exceptions import ErrorDetail

        if not isinstance(data, Mapping):
            raise serializers.ValidationError({"non_field_errors": [
                ErrorDetail("请求内容应为 JSON 对象。", code=VALUE_INVALID)]})
        data = {key: data[key] for key in data}  # a QueryDict's last value per key, as parsers expect
        if not self.partial:
            data = {**self.defaults, **data}
        out, errors = _read(self.parsers, data)
        errors.update(_missing(() if self.partial else self.required_fields, data, self.parsers))
        if errors:
            raise serializers.ValidationError({name: [ErrorDetail(e.message, code=e.code) for e in errs]
                                               for name, errs in errors.items()})
        return out


class ParsedField(forms.Field):
    """A form field read by a parser: the page's errors carry the API's codes and messages. The
    parser decides what is required (``required`` only sets the HTML attribute)."""

    def __init__(self, parser: Parser, *, required: bool | None = None, **kwargs):
        self.parser = parser
        super().__init__(required=getattr(parser, "required", False) if required is None else required, **kwargs)

    def to_python(self, value):
        try:
            return self.parser(value)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                raise
            # A list's or an object's errors ("[2]", "[0].type"), on this one field: "第 3 项：…".
            raise ValidationError([ValidationError(f"{_place(sub)}：{e.message}", code=e.code)
                                   for sub, errs in exc.error_dict.items() for e in errs]) from None

    def validate(self, value):
        """Nothing more: the parser has read and checked the value."""


def _place(sub: str) -> str:
    """``[2].type`` → ``第 3 项.type``: where inside a field an error is, for a page."""
    return re.sub(r"\[(\d+)\]", lambda m: f"第 {int(m[1]) + 1} 项", sub).lstrip(".")


class RawCheckboxInput(forms.CheckboxInput):
    """A checkbox that hands the parser what was posted (a browser's ``"on"``), so a forged
    ``"maybe"`` is an error rather than Django's ``bool("maybe")``."""

    def value_from_datadict(self, data, files, name):
        return data.get(name)


__all__ = [
    "CHOICE_INVALID", "MAX_LENGTH", "REQUIRED", "TOO_LONG", "UNKNOWN_FIELD", "VALUE_INVALID", "ParsedField",
    "ParsedSerializerMixin", "Parser", "RawCheckboxInput", "boolean", "check_parsed", "choice", "choice_list",
    "date", "datetime", "decimal", "id_number", "integer", "list_of", "parse", "phone", "raise_if_any", "read",
    "record", "text", "text_list",
    "uscc", "with_codes",
]
