"""Subsidy and supervision rows on top of the hand-computed world of ``conftest.py`` (as of
2026-06-30), for the indicators those apps register. Figures computed by hand:

Inclusive: A certified 2026-01-01–2027-12-31 (60 slots on the day); B's certification revoked;
E's starts 2026-07-01 (after the day); D (terminated, 100 slots) certified — counts nowhere.
→ 西湖 60/100 = 0.6, 拱墅 0/30, 杭州 60/130 = 0.4615. Townships with an inclusive provider:
西湖 北山 of 北山, 西溪 = 1/2; 拱墅 0/1; 杭州 1/3.

Enrolled on the day: A 3 (plus one who left in May and one who starts in July), B 1, E 2, D 2
(terminated). → 西湖 4 (occupancy 4/100), 拱墅 2 (2/30), 杭州 6 (6/130 = 0.0462).

Subsidy paid (budget year 2026), city policy 50 % city / 50 % district: A's March claim 3,000 yuan
paid 2026-04-15; A's June claim in an open batch; B's claim paid 2026-07-10 (after the day); D's
paid (terminated); E's 1,200 yuan paid 2026-05-01. Budgets 2026: 西湖 10,000, 拱墅 6,000, 杭州
20,000 yuan (and 西湖 2025: 99,999, another year). → 西湖 district shares 1,500/10,000 = 0.15; 拱墅
600/6,000 = 0.1; 杭州 (1,500 + 600) × 2 / 36,000 = 0.1167.

Inspections (plans starting in 2026): 西湖 A published 2026-04-10 (1 non-conformity), B still
planned, A's second one cancelled, D completed (terminated, 1 non-conformity); a 2025 plan's A
inspection with a non-conformity (another year). 拱墅 E completed 2026-05-20 (2 non-conformities).
→ done/planned 西湖 1/2, 拱墅 1/1, 杭州 2/3; non-conformities 西湖 1, 拱墅 2, 杭州 3.

Rectification: A's order due 2026-05-01 still open (overdue); E's due 2026-06-10 closed
2026-06-05; D's overdue (terminated); A's 2025 order closed. → overdue 西湖 1, 拱墅 0, 杭州 1.

Complaints received in 2026 up to the day: A 2 (plus one of 2025-12-20 and one of 2026-07-02), E 1,
D 1 (terminated). → 西湖 2, 拱墅 1, 杭州 3.
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone
from django_scopes import scopes_disabled

_seq = itertools.count(1)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour))


def add_subsidies(world, regions) -> None:
    from subsidies.models import PayoutBatch, PayoutItem, SubsidyClaim
    from tests.factories import make_budget, make_certification, make_enrolment, make_subsidy_policy

    a, b, d, e = world["a"], world["b"], world["d"], world["e"]
    with scopes_disabled():
        make_certification(a, start=dt.date(2026, 1, 1), end=dt.date(2027, 12, 31))
        make_certification(b, start=dt.date(2026, 1, 1), status="revoked")
        make_certification(e, start=dt.date(2026, 7, 1))
        make_certification(d, start=dt.date(2025, 1, 1))

        for inst, spans in ((a, [(dt.date(2026, 1, 5), None), (dt.date(2026, 2, 1), None),
                                 (dt.date(2026, 3, 1), dt.date(2026, 6, 30)), (dt.date(2026, 1, 5), dt.date(2026, 5, 31)),
                                 (dt.date(2026, 7, 1), None)]),
                            (b, [(dt.date(2026, 3, 1), None)]),
                            (e, [(dt.date(2026, 4, 1), None), (dt.date(2026, 4, 2), None)]),
                            (d, [(dt.date(2025, 3, 1), None), (dt.date(2025, 3, 1), None)])):
            for start, left in spans:
                make_enrolment(inst, enrolled_on=start, left_on=left, seq=next(_seq))

        policy = make_subsidy_policy()
        for code, year, yuan in (("330106", 2026, 10_000), ("330105", 2026, 6_000), ("330100", 2026, 20_000),
                                 ("330106", 2025, 99_999)):
            make_budget(code, year, yuan * 100)

        batches = {}

        def batch(district, paid_on):
            key = (district, paid_on)
            if key not in batches:
                bt = PayoutBatch(title=f"{district} 批次 {paid_on}", status="paid" if paid_on else "open",
                                 paid_on=paid_on)
                bt.set_region(regions[district])
                bt.save()
                batches[key] = bt
            return batches[key]

        def paid_claim(inst, month, units, paid_on, status="paid"):
            amount = units * 30_000
            claim = SubsidyClaim(institution=inst, kind="operating", period=dt.date(2026, month, 1), policy=policy,
                                 status=status, rate_fen=30_000, units=units, amount_fen=amount,
                                 city_share_fen=amount // 2, district_share_fen=amount - amount // 2,
                                 budget_year=2026)
            claim.save()
            bt = batch(inst.district_id, paid_on)
            PayoutItem(claim=claim, batch=bt, kind="payment", amount_fen=amount, city_share_fen=amount // 2,
                       district_share_fen=amount - amount // 2).save()

        paid_claim(a, 3, 10, dt.date(2026, 4, 15))
        paid_claim(a, 6, 5, None, status="batched")
        paid_claim(b, 5, 7, dt.date(2026, 7, 10))
        paid_claim(d, 3, 9, dt.date(2026, 4, 15))
        paid_claim(e, 4, 4, dt.date(2026, 5, 1))


def add_supervision(world, regions) -> None:
    from supervision.models import (
        ChecklistItem,
        ChecklistTemplate,
        Complaint,
        Inspection,
        InspectionFinding,
        InspectionPlan,
        PlanDraw,
        RectificationOrder,
    )

    a, b, d, e = world["a"], world["b"], world["d"], world["e"]
    with scopes_disabled():
        templates, plans = {}, {}
        for district in ("330106", "330105"):
            t = ChecklistTemplate(name="检查清单", version=1, national_version="2025")
            t.set_region(regions[district])
            t.save()
            items = [ChecklistItem(template=t, code=f"X{k}", dimension="safety", text=f"项目{k}", basis="依据",
                                   severity="major", position=k) for k in (1, 2)]
            for item in items:
                item.save()
            templates[district] = (t, items)
            for year in (2025, 2026):
                plan = InspectionPlan(name=f"{year} 抽查", period_start=dt.date(year, 3, 1),
                                      period_end=dt.date(year, 12, 31), rates={"A": 100}, seed=1, status="drawn")
                plan.set_region(regions[district])
                plan.save()
                draw = PlanDraw(plan=plan, number=1, seed=1, population=5)
                draw.save()
                plans[(district, year)] = (plan, draw)

        def inspection(inst, year, status, inspected_on=None, bad=0, order=None):
            plan, draw = plans[(inst.district_id, year)]
            t, items = templates[inst.district_id]
            i = Inspection(institution=inst, plan=plan, draw=draw, template=t, status=status,
                           inspected_on=inspected_on)
            i.save()
            Inspection.objects.filter(pk=i.pk).update(created_at=_at(dt.date(year, 3, 2)))
            for k, item in enumerate(items):
                InspectionFinding(inspection=i, item=item,
                                  result="nonconforming" if k < bad else "conforms").save()
            if order is not None:
                due, closed = order
                o = RectificationOrder(inspection=i, institution=inst, due_at=_at(due), due_set_at=_at(inspected_on),
                                       closed_at=_at(closed) if closed else None, status="closed" if closed else "open")
                o.save()
                RectificationOrder.objects.filter(pk=o.pk).update(created_at=_at(inspected_on))
            return i

        inspection(a, 2026, "published", dt.date(2026, 4, 10), bad=1, order=(dt.date(2026, 5, 1), None))
        inspection(b, 2026, "planned")
        inspection(a, 2026, "cancelled")
        inspection(d, 2026, "completed", dt.date(2026, 4, 12), bad=1, order=(dt.date(2026, 5, 1), None))
        inspection(a, 2025, "published", dt.date(2025, 5, 10), bad=1, order=(dt.date(2025, 6, 1), dt.date(2025, 6, 20)))
        inspection(e, 2026, "completed", dt.date(2026, 5, 20), bad=2, order=(dt.date(2026, 6, 10), dt.date(2026, 6, 5)))

        for inst, day in ((a, dt.date(2026, 3, 3)), (a, dt.date(2026, 6, 29)), (a, dt.date(2025, 12, 20)),
                          (a, dt.date(2026, 7, 2)), (e, dt.date(2026, 5, 5)), (d, dt.date(2026, 2, 2))):
            c = Complaint(tracking_code=f"T{next(_seq):010d}", institution=inst, institution_name=inst.name,
                          text="投诉内容", received_at=_at(day), due_at=_at(day + dt.timedelta(days=21)))
            c.set_region(inst.region)
            c.save()
