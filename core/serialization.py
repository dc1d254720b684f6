"""Read-only model serializers at list speed: the same output as DRF, a fraction of its CPU.

DRF spends most of an API list page's app CPU in two places (measured on the institution list,
20 rows × 27 fields, ``docs/benchmarks.md``): building the serializer's fields from the model on
every request (``ModelSerializer.get_fields``: model introspection, field kwargs), and the generic
per-row, per-field walk (``Field.get_attribute`` → ``fields.get_attribute`` → ``is_simple_callable``
→ ``to_representation``, the current time zone looked up again for every datetime).

``FastReadMixin`` (put it first in the bases of a read-only output ``ModelSerializer``) keeps DRF's
semantics and cuts both:

- the fields ``get_fields()`` builds are built once per class and deep-copied per serializer (what
  DRF already does for declared fields). Only for output serializers whose fields do not depend on
  the request: a class that overrides ``get_fields`` itself, or with any writable field (its
  querysets and validators are made under the request's tenant scope), is built per request as before;
- ``to_representation`` follows a per-serializer *plan*, made once (a list's child serializer is
  one instance for all its rows): a model column is read straight from the row, a foreign key's
  id without touching the related row (DRF's pk-only path), a ``get_<field>_display`` source from
  the column's choices, a dotted ``relation.column`` source through the loaded relations; values
  then go through the field's own ``to_representation`` (strings and integers by ``str``/``int``,
  what DRF's ``CharField``/``IntegerField`` do). Every other field (method fields, nested
  serializers, properties, anything unusual) takes DRF's generic path unchanged, and so does a row
  on which a fast read finds something unexpected (a missing relation: DRF's SkipField rules).

``tests/core/test_serialization.py`` compares the output with DRF's own, field by field.
"""

from __future__ import annotations

import copy
import re

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.encoding import force_str
from rest_framework import fields as drf_fields
from rest_framework import relations, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

_DISPLAY = re.compile(r"^get_(\w+)_display$")
_GENERIC = object()  # a fast getter's "ask DRF for this one" answer


def _generic(field, instance, out):
    try:
        attribute = field.get_attribute(instance)
    except SkipField:
        return
    check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
    out[field.field_name] = None if check is None else field.to_representation(attribute)


def _column(model, name):
    """The model's concrete column called ``name`` (not a relation), or None."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if not getattr(field, "concrete", False) or field.is_relation or isinstance(field, models.FileField):
        return None  # a file column's attribute is a FieldFile made by its descriptor: DRF's path
    return field


def _forward(model, name):
    """The model's forward foreign key / one-to-one called ``name``, or None."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if getattr(field, "concrete", False) and (field.many_to_one or field.one_to_one):
        return field
    return None


def _same(value):
    return value


def _converter(field):
    kind = type(field)
    if kind is relations.PrimaryKeyRelatedField:
        return _same  # the getter read the id itself (PrimaryKeyRelatedField answers value.pk)
    if kind is drf_fields.CharField:
        return str
    if kind is drf_fields.IntegerField:
        return int
    if kind is drf_fields.DateTimeField and not hasattr(field, "timezone"):
        # enforce_timezone asks for the current time zone on every call: ask once, for this request.
        field.timezone = field.default_timezone()
    return field.to_representation


def _getter(field, model):
    """A function row -> value (or _GENERIC) equivalent to ``field.get_attribute`` for this field,
    or None when the field must always take DRF's path."""
    attrs = field.source_attrs
    if not attrs or isinstance(field, serializers.BaseSerializer | serializers.SerializerMethodField
                               | relations.ManyRelatedField):
        return None
    if isinstance(field, relations.RelatedField):
        # DRF's pk-only path: the related row's id, read from the column, the related row not loaded.
        fk = _forward(model, attrs[0]) if len(attrs) == 1 else None
        if type(field) is not relations.PrimaryKeyRelatedField or field.pk_field is not None or fk is None:
            return None
        attname = fk.attname
        return lambda row: row.__dict__.get(attname, _GENERIC)
    if len(attrs) == 1:
        column = _column(model, attrs[0])
        if column is not None:
            attname = column.attname
            return lambda row: row.__dict__.get(attname, _GENERIC)  # a deferred column: DRF loads it
        match = _DISPLAY.match(attrs[0])
        column = _column(model, match.group(1)) if match else None
        if column is not None and column.choices and not isinstance(column, models.JSONField):
            labels = {value: force_str(label, strings_only=True) for value, label in column.flatchoices}
            attname = column.attname

            def display(row):
                value = row.__dict__.get(attname, _GENERIC)
                if value is _GENERIC:
                    return _GENERIC
                try:
                    return labels.get(value, value)
                except TypeError:  # an unhashable value: Django's own display
                    return _GENERIC
            return display
        return None
    # relation.column (e.g. region.full_name): through loaded forward relations only.
    chain, current = [], model
    for name in attrs[:-1]:
        fk = _forward(current, name)
        if fk is None:
            return None
        chain.append(fk)
        current = fk.related_model
    column = _column(current, attrs[-1])
    if column is None:
        return None
    last = column.attname

    def walk(row):
        for fk in chain:
            if not fk.is_cached(row):
                return _GENERIC  # not loaded: DRF's path (a query, or its SkipField rules)
            row = fk.get_cached_value(row)
            if row is None:
                return _GENERIC
        return row.__dict__.get(last, _GENERIC)
    return walk


class FastReadMixin:
    """Same output as the ``ModelSerializer`` it precedes, for reading; see the module docstring."""

    def get_fields(self):
        cls = type(self)
        if not isinstance(self, serializers.ModelSerializer) or _overrides_get_fields(cls):
            return super().get_fields()
        built = cls.__dict__.get("_fast_built_fields")
        if built is None:
            built = super().get_fields()
            if not all(field.read_only for field in built.values()):
                # A writable field may hold a queryset (a relation's choices, a unique validator)
                # made under this request's tenant scope: never share it with another request.
                cls._fast_built_fields = False
                return built
            cls._fast_built_fields = built  # never bound: each serializer binds its own copies
            return _copy_fields(built)
        if built is False:
            return super().get_fields()
        return _copy_fields(built)

    def _fast_plan(self):
        plan = self.__dict__.get("_fast_plan_cache")
        if plan is None:
            model = self.Meta.model
            plan = []
            for field in self._readable_fields:
                getter = _getter(field, model)
                plan.append((field, field.field_name, getter, _converter(field) if getter else None))
            self.__dict__["_fast_plan_cache"] = plan
        return plan

    def to_representation(self, instance):
        if not isinstance(instance, models.Model):
            return super().to_representation(instance)
        out = {}
        for field, name, getter, convert in self._fast_plan():
            if getter is None:
                _generic(field, instance, out)
                continue
            value = getter(instance)
            if value is _GENERIC:
                _generic(field, instance, out)
            elif value is None:
                out[name] = None
            else:
                out[name] = convert(value)
        return out


def _copy_fields(built: dict) -> dict:
    """Copies of the class's built (never bound) read-only fields, for one serializer to bind.

    DRF deep-copies a field by constructing it again from its arguments (~20 µs each; a 53-field
    serializer spent 1 ms a request on it). Binding sets only the copy's own attributes (name, parent,
    source), and a read-only field's shared parts (validators, messages, choices) are only read, so a
    shallow copy is enough; a nested serializer (its own fields, a list's child bound to it) and a
    many-related field (its child relation) are still deep-copied."""
    out = {}
    for name, field in built.items():
        if isinstance(field, serializers.BaseSerializer | relations.ManyRelatedField):
            out[name] = copy.deepcopy(field)
        else:
            out[name] = copy.copy(field)
    return out


def _overrides_get_fields(cls) -> bool:
    for klass in cls.__mro__:
        if klass is FastReadMixin:
            continue
        if klass is serializers.ModelSerializer:
            return False
        if "get_fields" in klass.__dict__:
            return True
    return False


__all__ = ["FastReadMixin"]
