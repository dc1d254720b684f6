"""A small world computed by hand (as of 2026-06-30):

西湖区 330106 (population 1,000,000 in 2025): A (北山, filed 2026-01-10, 60 slots; a change filing
accepted after the day raises it to 90), B (北山, filed 2026-03-01, 40 slots), C (北山, registered,
not filed), F (西溪, registered 2026-01-01, filed only on 2026-07-15), D (北山, terminated: counts
nowhere, 100 slots). 拱墅区 330105 (no population figure): E (米市巷, filed 2026-04-01, 30 slots).
杭州市 330100: population 2,000,000 (2024).

Staff of A on the day: two caregivers, one with a valid childcare certificate and a health
certificate of 30 days, one with neither (health certificate 400 days old); a carer who left in
May does not count. Receipts: A 4 days, B 8 days (median 6.0).
"""

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

AS_OF = dt.date(2026, 6, 30)


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour))


@pytest.fixture
def world(regions):
    from regions.models import Population
    from registry.models import QualificationType, StaffQualification
    from tests.factories import FilingFactory, InstitutionFactory, StaffFactory

    with scopes_disabled():
        Population.objects.create(region_id="330106", year=2025, population=1_000_000)
        Population.objects.create(region_id="330106", year=2027, population=9_000_000)  # a later year: unused
        Population.objects.create(region_id="330100", year=2024, population=2_000_000)

        def inst(name, township, status, filed_on=None, slots=0, registered_on=dt.date(2025, 12, 1)):
            return InstitutionFactory(name=name, region_id=township, status=status, filed_on=filed_on,
                                      total_slots=slots, registered_on=registered_on)

        a = inst("甲托育园", "330106001", "filed", dt.date(2026, 1, 10), 90)
        b = inst("乙托育园", "330106001", "filed", dt.date(2026, 3, 1), 40)
        c = inst("丙托育园", "330106001", "registered")
        f = inst("己托育园", "330106002", "filed", dt.date(2026, 7, 15), 25, registered_on=dt.date(2026, 1, 1))
        d = inst("丁托育园", "330106001", "terminated", dt.date(2025, 5, 1), 100)
        e = inst("戊托育园", "330105001", "filed", dt.date(2026, 4, 1), 30)
        FilingFactory(institution=a, status="accepted", kind="initial", total_slots=60,
                      submitted_at=_at(dt.date(2026, 1, 5)), decided_at=_at(dt.date(2026, 1, 9)))
        FilingFactory(institution=a, status="accepted", kind="change", total_slots=90,
                      submitted_at=_at(dt.date(2026, 7, 20)), decided_at=_at(dt.date(2026, 8, 1)))
        FilingFactory(institution=b, status="accepted", kind="initial", total_slots=40,
                      submitted_at=_at(dt.date(2026, 2, 20)), decided_at=_at(dt.date(2026, 2, 28)))
        certified = StaffFactory(institution=a, start_date=dt.date(2026, 1, 1),
                                 health_certificate_date=AS_OF - dt.timedelta(days=30))
        StaffQualification(staff=certified, type=QualificationType.CHILDCARE, number="BY-1").save()
        StaffFactory(institution=a, start_date=dt.date(2026, 1, 1), health_certificate_date=AS_OF - dt.timedelta(days=400))
        StaffFactory(institution=a, start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 5, 31))
        StaffFactory(institution=d, start_date=dt.date(2025, 1, 1))  # at a terminated institution
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f}
