"""Demo data for the public map: filed institutions across Hangzhou's central districts, each at its
township's approximate centre (WGS-84), with classes, fees and hours, a few home daycare points among
them. Run by ``seed_demo`` (``make demo``); idempotent (keyed by credit code).

These are map points, not a filing story: they are written as filed rows directly (as
``bench/generate.py`` does at national scale), without the filing flow's events, rosters and receipt
PDFs — the flow itself is what ``seed_demo``'s own institutions show. Townships missing from the
region table (a test slice) are skipped.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from core.tenancy import scopes_disabled
from core.validators import uscc_check_char

# (township code, township, name, kind, service types, classes, full-day fee yuan, lat, lng)
H, INST = "home_daycare", "institution"
POINTS = [
    ("330102003", "湖滨街道", "上城区湖滨启明托育园", INST, ("full_day", "half_day"), ("infant", "toddler"), 3800, 30.2574, 120.1650),
    ("330102004", "小营街道", "上城区小营橙子托育中心", INST, ("full_day", "hourly"), ("toddler", "older_toddler"), 3200, 30.2630, 120.1750),
    ("330102012", "采荷街道", "上城区采荷家庭托育点", H, ("full_day",), ("mixed",), 2600, 30.2621, 120.1983),
    ("330102018", "九堡街道", "上城区九堡普育托育园", INST, ("full_day", "occasional"), ("infant", "toddler", "older_toddler"), 2400, 30.3080, 120.2700),
    ("330102014", "四季青街道", "上城区四季青小海豚托育园", INST, ("half_day",), ("older_toddler",), None, 30.2560, 120.2100),
    ("330105001", "米市巷街道", "拱墅区米市巷禾苗托育园", INST, ("full_day",), ("toddler", "older_toddler"), 3000, 30.2900, 120.1630),
    ("330105002", "湖墅街道", "拱墅区湖墅小帆船托育中心", INST, ("full_day", "half_day"), ("infant", "toddler"), 3500, 30.2870, 120.1500),
    ("330105004", "和睦街道", "拱墅区和睦社区托育园", INST, ("full_day", "hourly"), ("mixed",), 2200, 30.3090, 120.1350),
    ("330105005", "拱宸桥街道", "拱墅区拱宸桥家庭托育点", H, ("full_day",), ("mixed",), 2500, 30.3203, 120.1452),
    ("330105011", "半山街道", "拱墅区半山森林托育园", INST, ("full_day",), ("toddler", "older_toddler"), 2800, 30.3450, 120.1800),
    ("330105016", "朝晖街道", "拱墅区朝晖小橘灯托育园", INST, ("full_day", "half_day", "hourly"), ("infant", "toddler", "older_toddler"), 4200, 30.2880, 120.1700),
    ("330106002", "北山街道", "西湖区北山湖畔托育园", INST, ("full_day",), ("toddler",), 4500, 30.2600, 120.1400),
    ("330106004", "西溪街道", "西湖区西溪小树苗托育中心", INST, ("full_day", "half_day"), ("infant", "toddler", "older_toddler"), 3300, 30.2770, 120.1350),
    ("330106005", "翠苑街道", "西湖区翠苑家庭托育点", H, ("full_day", "hourly"), ("mixed",), 2300, 30.2884, 120.1152),
    ("330106007", "古荡街道", "西湖区古荡满天星托育园", INST, ("full_day",), ("toddler", "older_toddler"), 3100, 30.2800, 120.1100),
    ("330106013", "文新街道", "西湖区文新普惠托育园", INST, ("full_day", "occasional"), ("infant", "toddler"), 2000, 30.2930, 120.0950),
    ("330106109", "三墩镇", "西湖区三墩稻香托育园", INST, ("full_day",), ("mixed", "older_toddler"), 2600, 30.3250, 120.0900),
    ("330106010", "转塘街道", "西湖区转塘之江托育园", INST, ("full_day", "half_day"), ("toddler", "older_toddler"), 2700, 30.1650, 120.0950),
    ("330108001", "西兴街道", "滨江区西兴星光托育园", INST, ("full_day",), ("infant", "toddler", "older_toddler"), 3900, 30.2100, 120.2150),
    ("330108002", "长河街道", "滨江区长河小松鼠托育中心", INST, ("full_day", "hourly"), ("toddler", "older_toddler"), 3600, 30.1920, 120.2050),
    ("330108003", "浦沿街道", "滨江区浦沿家庭托育点", H, ("full_day",), ("mixed",), 2400, 30.1751, 120.1702),
    ("330109001", "城厢街道", "萧山区城厢育苗托育园", INST, ("full_day", "half_day"), ("infant", "toddler"), 2500, 30.1620, 120.2650),
    ("330109002", "北干街道", "萧山区北干小太阳托育园", INST, ("full_day",), ("toddler", "older_toddler"), 2900, 30.1800, 120.2750),
    ("330109013", "宁围街道", "萧山区宁围钱塘托育园", INST, ("full_day", "occasional"), ("mixed",), 2100, 30.2150, 120.2900),
]
CLASS_PLAN = {"infant": (6, 12, 10, 4), "toddler": (12, 24, 15, 3), "older_toddler": (24, 36, 20, 3),
              "mixed": (18, 36, 5, 2)}  # from, under, children, carers (a home daycare point: 5 children)


def demo_uscc(n: int, district: str) -> str:
    body = "91" + district + f"PD{n:07d}"
    return body + uscc_check_char(body)


class Command(BaseCommand):
    help = "写入公众地图演示数据：杭州市各区已备案托育机构（含家庭托育点）的位置、班级、收费。可重复执行。"

    def handle(self, *args, **options):
        from regions.models import Region
        from registry.models import Filing, FilingClass, FilingStatus, Institution, InstitutionStatus

        regions = Region.objects.in_bulk([p[0] for p in POINTS])
        made = 0
        year = timezone.localdate().year
        with scopes_disabled(), transaction.atomic():
            for n, (code, township, name, kind, services, classes, fee, lat, lng) in enumerate(POINTS, start=1):
                region = regions.get(code)
                if region is None:
                    continue
                uscc = demo_uscc(n, code[:6])
                if Institution.objects.filter(uscc=uscc).exists():
                    continue
                address = f"杭州市{region.parent.name if region.parent_id else ''}{township}示范路 {n} 号"
                home = kind == "home_daycare"
                plan = [CLASS_PLAN[c] for c in classes]
                slots = 5 if home else sum(p[2] for p in plan)
                facts = dict(name=name, address=address, latitude=Decimal(f"{lat:.6f}"), longitude=Decimal(f"{lng:.6f}"),
                             service_types=list(services), total_slots=slots, principal_name="演示负责人",
                             legal_representative="演示法人")
                institution = Institution(uscc=uscc, nature="enterprise", kind=kind, status=InstitutionStatus.FILED,
                                          registered_on=dt.date(year - 1, 3, 1), filed_on=dt.date(year - 1, 6, 1),
                                          business_scope="托育服务", **facts)
                institution.set_region(region)
                institution.save()
                receipt = f"{code[:6]}-{year - 1}-9{n:04d}"
                fees = {"full_day": fee * 100} if fee else {"half_day": 1800 * 100}
                if "hourly" in services:
                    fees["hourly"] = 6000
                filing = Filing(institution=institution, status=FilingStatus.ACCEPTED, institution_kind=kind,
                                receipt_no=receipt, decided_at=timezone.now() - dt.timedelta(days=180),
                                opening_hours="周一至周五 7:30-17:30", fees=fees, meals_served=not home,
                                premises_type="leased", hygiene_evaluation_passed=True, **facts)
                filing.save()
                FilingClass.objects.bulk_create([
                    FilingClass(filing=filing, class_type=c, name=f"{i + 1}班", min_age_months=lo,
                                max_age_months=hi, planned_children=5 if home else size, carers=2 if home else carers)
                    for i, (c, (lo, hi, size, carers)) in enumerate(zip(classes, plan, strict=True))])
                Institution.objects.filter(pk=institution.pk).update(current_filing=filing, receipt_no=receipt)
                made += 1
        self.stdout.write(self.style.SUCCESS(f"公众地图演示数据：新增 {made} 家已备案机构"))
