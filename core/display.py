"""``get_<field>_display()`` from a label table made once per field.

Django's own ``Model._get_FIELD_display`` rebuilds the whole ``{value: label}`` table from the
field's choices on every call (``dict(make_hashable(field.flatchoices))``); a review queue page asks
for three labels on each of its 25 rows, close to a millisecond of the page. The labels are the
same for the life of the process (the project's choices are ``TextChoices``), so the table is made
once per field; the label itself is still forced to a string at each call, so a lazy label is
translated in the active language as before. A field whose choices are callable (re-evaluated by
Django each time) keeps Django's method. ``install_fast_choice_display`` (from
``CoreConfig.ready()``, once every model is loaded) replaces the methods Django generated, and only
those; ``tests/core/test_display.py`` compares every field's labels with Django's.
"""

from __future__ import annotations

from functools import partialmethod

from django.db.models import Model
from django.utils.choices import CallableChoiceIterator
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

_DJANGO = Model._get_FIELD_display
_LABELS: dict = {}


def choice_display(self, field):
    return choice_label(field, getattr(self, field.attname))


def choice_label(field, value):
    """``get_<field>_display()`` of a row holding ``value`` in ``field`` (rows read as values, not models)."""
    labels = _LABELS.get(field)
    if labels is None:
        labels = _LABELS[field] = dict(make_hashable(field.flatchoices))
    try:
        label = labels.get(value, value)
    except TypeError:  # an unhashable value (a list, a dict): Django's way of looking it up
        label = labels.get(make_hashable(value), value)
    return force_str(label, strings_only=True)


def install_fast_choice_display() -> int:
    """Point every Django-generated ``get_<field>_display`` at ``choice_display``; how many."""
    from django.apps import apps

    replaced = 0
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.fields:
            if field.choices is None or isinstance(field.choices, CallableChoiceIterator):
                continue
            name = f"get_{field.name}_display"
            current = model.__dict__.get(name)
            if isinstance(current, partialmethod) and current.func is _DJANGO and current.keywords.get("field") is field:
                setattr(model, name, partialmethod(choice_display, field=field))
                replaced += 1
    return replaced
