"""Staff roster: validated and encrypted ID numbers, audited reveals, 挂靠 flags across districts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import AuthEvent
from core.errors import DomainError, NotFound, PermissionDenied
from core.tenancy import TenantScope, tenant_scope
from registry.models import Staff, StaffConflictFlag
from registry.selectors.institutions import staff_conflict_list, staff_list
from registry.services.staff import (
    staff_conflicts_detect,
    staff_create,
    staff_end,
    staff_reveal_id_number,
    staff_update,
)
from tests.factories import InstitutionFactory, make_id_number, make_uscc

pytestmark = pytest.mark.django_db

ID_X = "11010519491231002X"  # the GB 11643 standard's own example, check character X


@pytest.fixture
def xihu(regions):
    with scopes_disabled():
        return InstitutionFactory(uscc=make_uscc("330106", seed=1), region_id="330106001")


@pytest.fixture
def gongshu(regions):
    with scopes_disabled():
        return InstitutionFactory(uscc=make_uscc("330105", seed=2), region_id="330105001", name="拱墅区托育园")


@pytest.fixture
def op(make_account, xihu):
    return make_account("op_xihu", "operator", xihu.uscc)


@pytest.fixture
def op_gs(make_account, gongshu):
    return make_account("op_gs", "operator", gongshu.uscc)


def staff_data(**overrides):
    data = {"name": "李娜", "id_number": ID_X.lower(), "role": "caregiver", "education": "college",
            "years_experience": 4, "health_certificate_date": (timezone.localdate() - dt.timedelta(days=20)).isoformat(),
            "criminal_record_checked": True, "start_date": "2024-03-01",
            "qualifications": [{"type": "childcare", "number": "CC-2023-0001", "expires_on": "2028-12-31"}]}
    data.update(overrides)
    return data


def create(actor, institution, **overrides):
    with tenant_scope(TenantScope.for_institutions([institution.pk])):
        return staff_create(actor=actor, institution_id=institution.pk, data=staff_data(**overrides))


def test_create_encrypts_masks_and_indexes(op, xihu):
    staff = create(op, xihu)
    with scopes_disabled():
        staff.refresh_from_db()
        assert staff.id_number_masked == "110105********002X"
        assert ID_X not in staff.id_number_encrypted
        assert staff.id_number == ID_X
        assert len(staff.id_number_hash) == 64
        assert [(q.type, q.number) for q in staff.qualifications.all()] == [("childcare", "CC-2023-0001")]


@pytest.mark.parametrize(("number", "code"), [
    ("110105194912310021", "id_number_checksum"),
    ("110105194902300028", "id_number_birth_date"),
    (make_id_number(born=timezone.localdate() + dt.timedelta(days=400)), "id_number_birth_date"),
    ("11010519491231", "id_number_format"),
])
def test_create_rejects_bad_id_numbers(op, xihu, number, code):
    with pytest.raises(DomainError) as info:
        create(op, xihu, id_number=number)
    assert info.value.code == code and "id_number" in info.value.fields
    with scopes_disabled():
        assert not Staff.objects.exists()


def test_same_person_twice_on_one_roster_refused(op, xihu):
    create(op, xihu)
    with pytest.raises(DomainError) as info:
        create(op, xihu, name="李娜（重复）")
    assert info.value.code == "staff_duplicate"


def test_other_institutions_operator_gets_404(op, op_gs, xihu, gongshu):
    staff = create(op, xihu)
    with tenant_scope(TenantScope.for_institutions([gongshu.pk])):
        with pytest.raises(NotFound):
            staff_update(actor=op_gs, staff_id=staff.pk, data={"name": "x"})
        with pytest.raises(NotFound):
            staff_create(actor=op_gs, institution_id=xihu.pk, data=staff_data())


def test_update_partial_and_new_id_number(op, xihu):
    staff = create(op, xihu)
    new_number = make_id_number(seq=42)
    with tenant_scope(TenantScope.for_institutions([xihu.pk])):
        staff = staff_update(actor=op, staff_id=staff.pk, data={"id_number": new_number, "qualifications": []})
        assert staff.id_number == new_number
        assert staff.qualifications.count() == 0
        assert staff.name == "李娜"
        with pytest.raises(DomainError) as info:
            staff_update(actor=op, staff_id=staff.pk, data={"end_date": "2020-01-01"})
        assert info.value.code == "end_before_start"


def test_reveal_only_for_allowed_roles_and_audited(op, xihu, reviewer, make_account, rf):
    staff = create(op, xihu)
    inspector = make_account("insp_xh", "district_inspector", "330106")
    request = rf.post(f"/api/v1/institutions/{xihu.pk}/staff/{staff.pk}/reveal/", REMOTE_ADDR="10.1.2.3")
    with tenant_scope(TenantScope.for_institutions([xihu.pk])), pytest.raises(PermissionDenied):
        staff_reveal_id_number(actor=op, staff_id=staff.pk)
    with tenant_scope(TenantScope.for_region(xihu.district)):
        with pytest.raises(PermissionDenied):
            staff_reveal_id_number(actor=inspector, staff_id=staff.pk)
        assert staff_reveal_id_number(actor=reviewer, staff_id=staff.pk, request=request) == ID_X
    event = AuthEvent.objects.get(kind="reveal")
    assert (event.user, event.target, event.ip, event.district_id) == (
        reviewer, f"registry.staff:{staff.pk}:id_number", "10.1.2.3", "330106")
    assert ID_X not in event.target and ID_X not in event.path


def test_reveal_other_district_is_404(op, xihu, other_reviewer, regions):
    staff = create(op, xihu)
    with tenant_scope(TenantScope.for_region(regions["330105"])), pytest.raises(NotFound):
        staff_reveal_id_number(actor=other_reviewer, staff_id=staff.pk)
    assert not AuthEvent.objects.filter(kind="reveal").exists()


def test_same_person_at_two_districts_flags_both_sides(op, op_gs, xihu, gongshu, regions):
    mine = create(op, xihu)
    theirs = create(op_gs, gongshu, name="李娜")
    with tenant_scope(TenantScope.for_region(regions["330106"])):
        flags = list(staff_conflict_list())
        assert [(f.staff_id, f.other_institution_name, f.other_district_name) for f in flags] == [
            (mine.pk, "拱墅区托育园", "浙江省杭州市拱墅区")]
    with tenant_scope(TenantScope.for_region(regions["330105"])):
        assert [f.staff_id for f in staff_conflict_list()] == [theirs.pk]
    # Ending one side resolves both flags.
    with tenant_scope(TenantScope.for_institutions([gongshu.pk])):
        staff_end(actor=op_gs, staff_id=theirs.pk, end_date=timezone.localdate().isoformat())
    with scopes_disabled():
        assert StaffConflictFlag.objects.filter(resolved_at__isnull=True).count() == 0
        assert StaffConflictFlag.objects.count() == 2


def test_conflict_match_is_one_query(op, op_gs, xihu, gongshu):
    mine = create(op, xihu)
    create(op_gs, gongshu)
    with CaptureQueriesContext(connection) as ctx:
        staff_conflicts_detect(staff_id=mine.pk)
    matches = [q["sql"] for q in ctx.captured_queries if '"registry_staff"."id_number_hash" =' in q["sql"]]
    assert len(matches) == 1
    # The match crosses tenants: no district filter in it.
    assert '"registry_staff"."district_id"' not in matches[0].split("WHERE", 1)[1]


def test_staff_list_query_count_is_bounded(op, xihu, django_assert_max_num_queries):
    for n in range(10):
        create(op, xihu, id_number=make_id_number(seq=100 + n), name=f"员工{n}")
    with tenant_scope(TenantScope.for_institutions([xihu.pk])), django_assert_max_num_queries(5):
        rows = list(staff_list(institution_id=xihu.pk))
        assert len(rows) == 10
        assert all(r.qualifications.all()[0].number for r in rows)
