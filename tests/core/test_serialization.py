"""core.serialization.FastReadMixin: the registry API's output, field by field, is DRF's own."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers

from core.serialization import FastReadMixin
from regions.models import Region
from registry.api import serializers as s
from registry.models import (
    QUALIFICATIONS_READ,
    Filing,
    Institution,
    Staff,
    StaffConflictFlag,
    StaffQualification,
)


def vanilla(cls):
    """The same serializer with DRF's own field building and representation."""

    class Vanilla(cls):
        def get_fields(self):
            return serializers.ModelSerializer.get_fields(self)

        def to_representation(self, instance):
            return serializers.Serializer.to_representation(self, instance)

    Vanilla.__name__ = f"Vanilla{cls.__name__}"
    return Vanilla


def both(cls, rows):
    fast = cls(rows, many=True).data
    plain = vanilla(cls)(rows, many=True).data
    return [dict(r) for r in fast], [dict(r) for r in plain]


def institution(**overrides):
    district = Region(code="330106", name="西湖区", full_name="浙江省杭州市西湖区")
    township = Region(code="330106001", name="北山街道", full_name="浙江省杭州市西湖区北山街道")
    now = timezone.now()
    values = dict(id=7, uscc="91330106MA2H00000X", name="小星星托育", nature="enterprise", kind="full_day",
                  status="filed", region=township, district=district, address="西湖大道 1 号",
                  latitude=Decimal("30.2500000"), longitude=Decimal("120.1500000"), legal_representative="张三",
                  principal_name="李四", contact_phone="13800000000", service_types=["full_day", "half_day"],
                  total_slots=60, registered_on=dt.date(2024, 1, 2), business_scope="托育服务",
                  filed_on=dt.date(2024, 3, 4), receipt_no="浙杭西托备〔2024〕1号", created_at=now,
                  updated_at=now - dt.timedelta(days=3))
    values.update(overrides)
    return Institution(**values)


def test_the_registry_serializers_use_it():
    assert issubclass(s.InstitutionSerializer, FastReadMixin)
    assert issubclass(s.FilingListSerializer, FastReadMixin)
    assert issubclass(s.StaffSerializer, FastReadMixin)


def test_institution_rows_as_drf_answers_them():
    rows = [institution(), institution(id=8, status="suspended", latitude=None, filed_on=None, receipt_no="",
                                       service_types=[], created_at=dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC))]
    fast, plain = both(s.InstitutionSerializer, rows)
    assert fast == plain
    assert list(fast[0]) == list(plain[0])  # the same keys in the same order
    assert fast[0]["region"] == "330106001" and fast[0]["region_name"] == "浙江省杭州市西湖区北山街道"
    assert fast[0]["status_label"] == "已备案" or fast[0]["status_label"] == plain[0]["status_label"]
    assert fast[1]["latitude"] is None and fast[1]["created_at"] == plain[1]["created_at"]


def test_a_value_outside_the_choices_and_a_missing_relation_follow_drf():
    row = institution(status="no_such_status")
    row.region = None  # region.full_name through a missing relation: whatever DRF answers
    fast, plain = both(s.InstitutionSerializer, [row])
    assert fast == plain
    assert fast[0]["status_label"] == "no_such_status"
    assert fast[0]["region"] is None and fast[0].get("region_name") is None


def test_datetimes_in_the_active_time_zone():
    row = institution(created_at=dt.datetime(2024, 12, 31, 20, 0, tzinfo=dt.UTC))
    with timezone.override("Asia/Shanghai"):
        fast, plain = both(s.InstitutionSerializer, [row])
    assert fast == plain and fast[0]["created_at"] == "2025-01-01T04:00:00+08:00"


def test_filing_and_staff_rows_as_drf_answers_them():
    inst = institution()
    now = timezone.now()
    filing = Filing(id=3, institution=inst, kind="initial", status="submitted", version=2, name="小星星托育",
                    institution_kind="full_day", region=inst.region, total_slots=60, submitted_at=now,
                    due_at=now + dt.timedelta(days=10), created_at=now, updated_at=now, receipt_no=None)
    fast, plain = both(s.FilingListSerializer, [filing])
    assert fast == plain and fast[0]["institution_name"] == "小星星托育"

    staff = Staff(id=5, institution=inst, name="王五", role="caregiver", education="bachelor", years_experience=3,
                  start_date=dt.date(2024, 1, 1), created_at=now, updated_at=now)
    staff.open_conflicts = [StaffConflictFlag(id=9, other_institution_name="别家", other_district_name="上城区",
                                              created_at=now)]
    setattr(staff, QUALIFICATIONS_READ, [StaffQualification(id=4, staff=staff, type="childcare", number="YY-1")])
    fast, plain = both(s.StaffSerializer, [staff])
    assert fast == plain and fast[0]["conflicts"][0]["other_institution_name"] == "别家"
    assert fast[0]["qualifications"] == [{"type": "childcare", "number": "YY-1", "expires_on": None}]


def test_fields_are_built_once_per_class_and_copied():
    first, second = s.InstitutionSerializer(), s.InstitutionSerializer()
    assert list(first.fields) == list(vanilla(s.InstitutionSerializer)().fields)
    assert first.fields["status"] is not second.fields["status"]  # each serializer binds its own
    assert first.fields["status"].parent is first and second.fields["status"].parent is second
    assert repr(first.fields) == repr(vanilla(s.InstitutionSerializer)().fields)


@pytest.mark.parametrize("cls", [s.InstitutionSerializer, s.FilingListSerializer, s.StaffSerializer])
def test_a_class_that_builds_its_fields_per_request_is_left_alone(cls):
    class PerRequest(cls):
        def get_fields(self):
            out = super().get_fields()
            out.pop("id")
            return out

    assert "id" not in PerRequest().fields and "id" in cls().fields


def test_a_serializer_with_writable_fields_builds_them_per_request():
    class Writable(s.ModelSerializer):
        class Meta:
            model = Institution
            fields = ["id", "name", "region"]

    first, second = Writable(), Writable()
    assert not first.fields["region"].read_only
    # Built per request by DRF (its querysets and validators made under that request's scope).
    assert Writable.__dict__["_fast_built_fields"] is False
    assert first.fields["region"] is not second.fields["region"]
