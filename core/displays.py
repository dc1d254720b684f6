"""``get_<field>_display()`` without flattening the field's choices on every call.

Django's ``Model._get_FIELD_display`` builds ``dict(make_hashable(field.flatchoices))`` each time it
is called, and ``flatchoices`` flattens ``field.choices`` anew: list pages call it for several fields
of every row (the institution list: about 50 calls a page). Here the dict is built once per field and
rebuilt whenever ``field.choices`` is replaced; the labels stay as they are (lazy ones are still
translated at each call, by ``force_str``), so the answers are Django's own
(``tests/core/test_displays.py``). Installed once from ``CoreConfig.ready()``.
"""

from __future__ import annotations

from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

# field -> (the choices object the dict was built from, {value: label})
_LABELS: dict = {}


def _get_FIELD_display(self, field):
    value = getattr(self, field.attname)
    cached = _LABELS.get(field)
    if cached is None or cached[0] is not field.choices:
        cached = _LABELS[field] = (field.choices, dict(make_hashable(field.flatchoices)))
    return force_str(cached[1].get(make_hashable(value), value), strings_only=True)


def install_fast_field_display() -> None:
    if getattr(models.Model._get_FIELD_display, "__wrapped__", None) is None:
        _get_FIELD_display.__wrapped__ = models.Model._get_FIELD_display
        models.Model._get_FIELD_display = _get_FIELD_display


__all__ = ["install_fast_field_display"]
