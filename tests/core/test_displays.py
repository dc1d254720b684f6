"""core.displays: ``get_<field>_display()`` answers as Django's own, with the choices flattened once."""

from __future__ import annotations

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy

from registry.models import Institution


def test_installed_and_equal_to_djangos_for_every_choice_and_an_unknown_value():
    original = models.Model._get_FIELD_display.__wrapped__  # installed by CoreConfig.ready()
    field = Institution._meta.get_field("kind")
    row = Institution()
    for value, _label in field.flatchoices:
        row.kind = value
        assert row.get_kind_display() == original(row, field)
        assert row.get_kind_display() != value or _label == value
    row.kind = "no-such-kind"
    assert row.get_kind_display() == "no-such-kind" == original(row, field)
    row.kind = None
    assert row.get_kind_display() is None


def test_new_choices_and_lazy_labels_are_followed():
    """A field given other choices answers with them; a lazy label is translated at each call."""
    field = Institution._meta.get_field("kind")
    row = Institution(kind="institution")
    before = row.get_kind_display()
    saved = field.choices
    try:
        field.choices = [("institution", gettext_lazy("Yes"))]
        with translation.override("en"):
            assert row.get_kind_display() == "Yes"
        with translation.override("zh-hans"):
            assert row.get_kind_display() == "是"
    finally:
        field.choices = saved
    assert row.get_kind_display() == before != "institution"
