"""``core.display``: every ``get_<field>_display()`` gives Django's own label, from a table made once."""

from __future__ import annotations

from functools import partialmethod

import pytest
from django.apps import apps
from django.utils import translation

from core.display import _DJANGO, choice_display, install_fast_choice_display
from registry.models import Filing, FilingKind

CHOICE_FIELDS = sorted(
    ((model, field) for model in apps.get_models() for field in model._meta.fields if field.choices is not None),
    key=lambda pair: (pair[0]._meta.label, pair[1].name))


def test_the_project_methods_are_the_fast_ones():
    method = Filing.__dict__["get_kind_display"]
    assert isinstance(method, partialmethod) and method.func is choice_display
    assert Filing(kind=FilingKind.CHANGE).get_kind_display() == "变更备案"
    assert install_fast_choice_display() == 0  # installed once at start-up; nothing left to replace


@pytest.mark.parametrize(("model", "field"), CHOICE_FIELDS, ids=lambda v: getattr(v, "name", None) or v._meta.label)
def test_every_label_is_djangos(model, field):
    obj = model()
    values = [value for value, _ in field.flatchoices] + ["no-such-value", None, ""]
    for value in values:
        obj.__dict__[field.attname] = value  # (a protected status field refuses setattr)
        with translation.override("zh-hans"):
            expected = _DJANGO(obj, field)
            assert getattr(obj, f"get_{field.name}_display")() == expected
            assert choice_display(obj, field) == expected


def test_an_unhashable_value_is_looked_up_as_django_does():
    field = Filing._meta.get_field("kind")
    obj = Filing()
    obj.__dict__["kind"] = ["a", "list"]
    assert choice_display(obj, field) == _DJANGO(obj, field)
