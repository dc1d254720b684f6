"""bench/generate.py at a tiny scale on the small test region tree: counts, consistency, scoping."""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone
from django_scopes import scopes_disabled

from bench.generate import populate
from core.tenancy import TenantScope, tenant_scope
from regions.models import Region
from registry.models import (
    Filing,
    FilingEvent,
    FilingStatus,
    Institution,
    InstitutionStatus,
    ReceiptSequence,
    Registration,
    Staff,
    StaffConflictFlag,
)
from registry.selectors.filings import review_queue

N = 400


@pytest.fixture
def generated(regions):
    return populate(institutions=N, log=lambda *a: None)


def test_counts_and_shape(generated):
    counts = generated["counts"]
    assert counts["registry_institution"] == N
    assert counts["registry_registration"] == N
    with scopes_disabled():
        assert Registration.objects.count() == Institution.objects.count() == N
        assert 3 * N <= Staff.objects.count() <= 19 * N
        assert 1.5 * N <= Filing.objects.count() <= 3 * N
        assert FilingEvent.objects.count() > Filing.objects.count()
        # Every status of institutions and filings occurs; most institutions are filed.
        assert set(Institution.objects.values_list("status", flat=True)) == set(InstitutionStatus.values)
        assert set(Filing.objects.values_list("status", flat=True)) == set(FilingStatus.values)
        assert Institution.objects.filter(status=InstitutionStatus.FILED).count() > N / 2
        # Open filings have deadlines on both sides of now (some overdue, some not).
        open_due = list(Filing.objects.filter(status__in=["submitted", "resubmitted"]).values_list("due_at", flat=True))
        assert all(open_due)
        now = timezone.now()
        assert len({d > now for d in open_due}) == 2


def test_rows_carry_their_tenant_ids(generated):
    tenants = {r.code: r for r in Region.objects.filter(tenant_district_id__isnull=False)}
    with scopes_disabled():
        used = set()
        for inst in Institution.objects.all():
            region = tenants[inst.region_id]
            assert inst.district_id == region.tenant_district_id
            assert inst.province_id == (region.province_id or region.code)
            assert inst.city_id == region.city_id
            used.add(inst.district_id)
        assert used == {c for c, r in tenants.items() if r.tenant_district_id == c}  # every tenant district
        assert not Filing.objects.exclude(district_id=F("institution__district_id")).exists()
        assert not Staff.objects.exclude(district_id=F("institution__district_id")).exists()


def test_receipts_gap_free_and_current_filing(generated):
    with scopes_disabled():
        numbers = defaultdict(list)
        for no in Filing.objects.exclude(receipt_no="").values_list("receipt_no", flat=True):
            district, year, seq = no.rsplit("-", 2)
            numbers[(district, int(year))].append(int(seq))
        assert numbers
        for key, seqs in numbers.items():
            assert sorted(seqs) == list(range(1, len(seqs) + 1)), key
            assert ReceiptSequence.objects.get(district_id=key[0], year=key[1]).last_number == len(seqs)
        for inst in Institution.objects.filter(status=InstitutionStatus.FILED).select_related("current_filing"):
            assert inst.current_filing.status == FilingStatus.ACCEPTED
            assert inst.receipt_no == inst.current_filing.receipt_no != ""


def test_conflict_flags_pair_the_same_person(generated):
    with scopes_disabled():
        flags = list(StaffConflictFlag.objects.select_related("staff", "other_staff"))
        assert flags, "some staff hashes are deliberately shared"
        for flag in flags:
            assert flag.staff.id_number_hash == flag.other_staff.id_number_hash
            assert flag.staff.institution_id != flag.other_staff.institution_id
            assert flag.staff.end_date is None and flag.other_staff.end_date is None


def test_review_queue_sees_only_its_district(generated):
    xihu = Region.objects.get(code="330106")
    with tenant_scope(TenantScope.for_region(xihu)):
        queue = list(review_queue(filters={}))
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM registry_filing WHERE district_id = '330106' "
                    "AND status IN ('submitted', 'resubmitted')")
        expected = cur.fetchone()[0]
    assert len(queue) == expected > 0
    assert {f.district_id for f in queue} == {"330106"}
