"""FastReadMixin on the supervision and subsidies read serializers: their output, field by field, is DRF's.

Rows are built in memory from each serializer's model (every column filled by type, forward relations
loaded two levels deep; a second row with every nullable column empty), so no database is needed. Method
fields and nested serializers take DRF's own path in both; they are replaced by a stub here, because
some of them read the database."""

import datetime as dt
import decimal
import uuid

import pytest
from django.contrib.postgres.fields import ArrayField
from django.db import models
from rest_framework import serializers

from core.serialization import FastReadMixin
from subsidies.api import serializers as subsidies
from supervision.api import complaints, enforcement, inspections
from supervision.api import serializers as blacklist

from .test_serialization import vanilla

SERIALIZERS = [
    blacklist.EntrySerializer, blacklist.HitEntrySerializer, blacklist.HitSerializer,
    complaints.ComplaintSerializer, complaints.IncidentSerializer,
    enforcement.PenaltySerializer, enforcement.ClosureItemSerializer, enforcement.ClosureSerializer,
    enforcement.GradeSerializer,
    inspections.ItemSerializer, inspections.TemplateSerializer, inspections.ConflictSerializer,
    inspections.InspectorSerializer, inspections.PlanSerializer, inspections.DrawSerializer,
    inspections.InspectionSerializer, inspections.RectificationItemSerializer, inspections.ReplySerializer,
    inspections.OrderSerializer,
    subsidies.CertificationSerializer, subsidies.EnrolmentSerializer, subsidies.LineSerializer,
    subsidies.ClaimDocumentSerializer, subsidies.ClaimSerializer, subsidies.PayoutItemSerializer,
    subsidies.BatchSerializer, subsidies.BudgetSerializer,
]
NOW = dt.datetime(2024, 12, 31, 20, 5, 6, 789000, tzinfo=dt.UTC)


def _value(field, n):
    if field.choices:
        return list(field.flatchoices)[n % len(field.flatchoices)][0]
    if isinstance(field, ArrayField):
        return [_value(field.base_field, n), _value(field.base_field, n + 1)]
    if isinstance(field, models.JSONField):
        return {"条目": [n, "二"], "ok": True}
    if isinstance(field, models.BooleanField):
        return bool(n % 2)
    if isinstance(field, models.DateTimeField):
        return NOW + dt.timedelta(hours=n)
    if isinstance(field, models.DateField):
        return dt.date(2024, 1, 2) + dt.timedelta(days=n)
    if isinstance(field, models.DecimalField):
        return decimal.Decimal(n) / 4 + 1
    if isinstance(field, models.IntegerField | models.AutoField):
        return 3 + n
    if isinstance(field, models.UUIDField):
        return uuid.UUID(int=n + 1)
    if isinstance(field, models.BinaryField):
        return b"\x00\x01"
    if isinstance(field, models.CharField | models.TextField):
        return f"文字<&>{n}"[: field.max_length or None]
    return None


def build(model, *, n=0, empty=False, depth=2):
    row = model()
    for field in model._meta.concrete_fields:
        if field.is_relation:
            row.__dict__[field.attname] = None if empty and field.null else 100 + n
            if depth and not (empty and field.null):
                field.set_cached_value(row, build(field.related_model, n=n + 1, depth=depth - 1))
            continue
        if isinstance(field, models.FileField):
            continue
        value = None if empty and field.null else _value(field, n)
        if value is not None or field.null:
            row.__dict__[field.attname] = value  # past descriptors (django-fsm protects its states)
    row.__dict__[model._meta.pk.attname] = 7 + n
    return row


def stubbed(cls):
    """``cls`` with its method fields and nested serializers answering a constant."""
    attrs = {}
    for name, field in cls._declared_fields.items():
        if isinstance(field, serializers.SerializerMethodField | serializers.BaseSerializer):
            attrs[name] = serializers.SerializerMethodField()
            attrs[f"get_{name}"] = lambda self, obj: "stub"
    return type(f"Stubbed{cls.__name__}", (cls,), attrs)


@pytest.mark.parametrize("cls", SERIALIZERS, ids=[c.__name__ for c in SERIALIZERS])
def test_output_as_drf_answers_it(cls):
    assert issubclass(cls, FastReadMixin)
    cls = stubbed(cls)
    rows = [build(cls.Meta.model), build(cls.Meta.model, n=1, empty=True)]
    fast = [dict(r) for r in cls(rows, many=True).data]
    plain = [dict(r) for r in vanilla(cls)(rows, many=True).data]
    assert fast == plain
    assert [list(r) for r in fast] == [list(r) for r in plain]  # the same keys in the same order
    assert len(fast[0]) == len(cls.Meta.fields)
