"""The ``date`` filter, unchanged in syntax and output, without Django's formatter for plain formats.

Django's ``date`` filter builds a ``DateFormat`` for every value and splits the format with a regular
expression each time: about 30 µs a date, which a list page pays three times a row (the review queue:
75 dates, about 2 ms of its CPU). Loaded as a template builtin (``TEMPLATES[...]["OPTIONS"]
["builtins"]``), this filter formats the common case itself: a ``date`` or ``datetime`` value and a
literal format made only of ``Y m d H i s`` and text (``"Y-m-d"``, ``"Y-m-d H:i"``, ``"Y年m月d日"``),
the format parsed once. Anything else — no format (the localized ``DATE_FORMAT``), a named format,
other format characters, a time specifier on a plain date, a value that is not a date — goes to
Django's own filter, so the output is Django's byte for byte (``tests/core/test_fast_date.py``).
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.template.defaultfilters import date as django_date
from django.utils.dateformat import re_escaped, re_formatchars
from django.utils.formats import FORMAT_SETTINGS

register = template.Library()

_FIELDS = {"Y": ("year", "%04d"), "m": ("month", "%02d"), "d": ("day", "%02d"),
           "H": ("hour", "%02d"), "i": ("minute", "%02d"), "s": ("second", "%02d")}
_TIME_FIELDS = frozenset("His")
_MAX_FORMATS = 256
# format -> (pieces, has_time) where a piece is a literal str or an (attribute, pattern) pair; None: not plain.
_compiled: dict[str, tuple[tuple, bool] | None] = {}


def _compile(fmt: str) -> tuple[tuple, bool] | None:
    if fmt in FORMAT_SETTINGS:
        return None  # a named, localized format
    pieces: list = []
    has_time = False
    for i, piece in enumerate(re_formatchars.split(fmt)):
        if i % 2:
            field = _FIELDS.get(piece)
            if field is None:
                return None
            has_time = has_time or piece in _TIME_FIELDS
            pieces.append(field)
        elif piece:
            pieces.append(re_escaped.sub(r"\1", piece))
    return tuple(pieces), has_time


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    """Django's ``date`` filter; plain formats of dates and datetimes written here."""
    if not arg or not isinstance(value, dt.date) or not isinstance(arg, str):
        return django_date(value, arg)
    try:
        compiled = _compiled[arg]
    except KeyError:
        compiled = _compile(arg)
        if len(_compiled) < _MAX_FORMATS:
            _compiled[arg] = compiled
    if compiled is None:
        return django_date(value, arg)
    pieces, has_time = compiled
    if has_time and not isinstance(value, dt.datetime):
        return django_date(value, arg)  # Django refuses time specifiers for a date: its error, unchanged
    return "".join(p if type(p) is str else p[1] % getattr(value, p[0]) for p in pieces)
