"""manage.py seed_subsidies_demo: the subsidies' demo data (run by ``seed_demo`` after the registry's;
idempotent: nothing is done again once 杭州's policy exists).

杭州市 (its city admin) publishes a policy (300 yuan per child-month, 500 yuan per new slot, city 50 % /
district 50 %) and guided prices; the budgets of the year are set, 西湖区's nearly spent. 西湖区小橡树
托育园 and 拱墅区运河托育园 are certified inclusive, enrol children (one turning three mid-month, one
leaving mid-month, and the same child at both — a duplicate across two districts) and generate last
month's operating claims: the child is flagged on both and counted on neither. 小橡树's claim is
submitted (its district's budget has 100 yuan left); 运河 has a construction claim approved and in an
open payout batch. Everything goes through the services, as the people concerned would do it.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import User
from core.errors import DomainError
from core.validators import id_check_char
from regions.models import Region

CITY, XIHU, GONGSHU = "330100", "330106", "330105"
CITY_ADMIN = "hz_city_admin"
XH, GS = "西湖区小橡树托育园", "拱墅区运河托育园"


def _id(born: dt.date, seq: int) -> str:
    body = f"330106{born:%Y%m%d}{(500 + seq) % 1000:03d}"
    return body + id_check_char(body)


def _months_before(day: dt.date, months: int, on: int = 1) -> dt.date:
    total = day.year * 12 + day.month - 1 - months
    return dt.date(total // 12, total % 12 + 1, on)


class Command(BaseCommand):
    help = "写入补助演示数据：政策、指导价、预算（西湖区将用尽）、普惠认定、在托婴幼儿、上月运营补助（含跨区重复申报）、拨付批次。可重复执行。"

    def handle(self, *args, **options):
        from registry.models import Institution
        from subsidies.models import SubsidyBudget, SubsidyPolicy
        from subsidies.rules import previous_month

        users = {u.username: u for u in User.objects.filter(username__in=[
            CITY_ADMIN, "xihu_admin", "gongshu_admin", "xihu_reviewer", "gongshu_reviewer", "op_xh01", "op_gs01"])}
        with scopes_disabled():
            institutions = {i.name: i for i in Institution.objects.filter(name__in=[XH, GS], status="filed")}
            if CITY_ADMIN not in users or len(institutions) < 2:
                self.stderr.write(self.style.WARNING("跳过补助演示数据：缺少市级管理员账号或已备案的演示机构。"))
                return
            if SubsidyPolicy.objects.filter(region_id=CITY).exists():
                return  # already seeded
        period = previous_month(timezone.localdate())
        try:
            with scopes_disabled():
                self.seed(users, institutions, period)
        except DomainError as exc:
            self.stderr.write(self.style.WARNING(f"补助演示数据未完成：{exc.message} {exc.fields or ''}"))
            return
        with scopes_disabled():
            left = SubsidyBudget.objects.get(region_id=XIHU, year=period.year).left_fen
        self.stdout.write(f"补助演示：{period:%Y-%m} 运营补助已生成（同一婴幼儿在两区申报，已标记）；"
                          f"西湖区 {period.year} 年预算剩余 {left / 100:.2f} 元。")

    def seed(self, users, institutions, period: dt.date) -> None:
        from subsidies.services import certifications, claims, enrolments, payouts, policies

        city = Region.objects.get(code=CITY)
        start = dt.date(period.year - 1, 1, 1)
        policies.policy_publish(actor=users[CITY_ADMIN], region=city, valid_from=start, values={
            "construction_rate_min_fen": 40_000, "construction_rate_max_fen": 60_000, "construction_rate_fen": 50_000,
            "operating_rate_fen": 30_000, "min_eligible_days": 15, "requires_inclusive": True, "requires_filed": True,
            "requires_fee_within_band": True, "min_occupancy_bp": 0, "province_share_bp": 0, "city_share_bp": 5_000,
            "district_share_bp": 5_000, "requires_city_approval": False,
            "basis": "杭州市普惠托育服务补助办法（演示）"})
        for class_type, price in (("infant", 260_000), ("toddler", 220_000), ("older_toddler", 200_000),
                                  ("mixed", 200_000)):
            policies.guided_price_set(actor=users[CITY_ADMIN], region=city, class_type=class_type, price_fen=price,
                                      band_bp=12_000, valid_from=start)
        policies.budget_set(actor=users[CITY_ADMIN], region=city, year=period.year, amount_fen=50_000_000)
        policies.budget_set(actor=users["gongshu_admin"], region=Region.objects.get(code=GONGSHU), year=period.year,
                            amount_fen=5_000_000)
        xihu = policies.budget_set(actor=users["xihu_admin"], region=Region.objects.get(code=XIHU), year=period.year,
                                   amount_fen=2_000_000)
        # Earlier approvals this year took all but 100 yuan of 西湖区's budget.
        type(xihu).objects.filter(pk=xihu.pk).update(committed_fen=1_990_000)

        fees = {"infant": 280_000, "toddler": 240_000, "older_toddler": 220_000}
        for name, operator, reviewer in ((XH, "op_xh01", "xihu_reviewer"), (GS, "op_gs01", "gongshu_reviewer")):
            cert = certifications.certification_apply(actor=users[operator], institution_id=institutions[name].pk,
                                                      fees=fees)
            certifications.certification_accept(actor=users[reviewer], certification_id=cert.pk,
                                                period_start=_months_before(period, 11),
                                                period_end=_months_before(period, -24), review_on=None)

        def enrol(name, operator, child, born, class_type, enrolled_on, left_on=None, seq=0):
            enrolments.enrolment_create(actor=users[operator], institution_id=institutions[name].pk, data={
                "child_name": child, "id_number": _id(born, seq), "birth_date": born, "class_type": class_type,
                "enrolled_on": enrolled_on, "left_on": left_on})

        three_months_ago = _months_before(period, 3)
        enrol(XH, "op_xh01", "王小宝", _months_before(period, 30, 8), "older_toddler", three_months_ago, seq=1)
        enrol(XH, "op_xh01", "李一诺", _months_before(period, 28, 20), "older_toddler", three_months_ago, seq=2)
        # Turns three on the 15th of the month: 14 claimable days, under the policy's 15.
        enrol(XH, "op_xh01", "陈可乐", _months_before(period, 36, 15), "older_toddler", three_months_ago, seq=3)
        enrol(XH, "op_xh01", "赵安安", _months_before(period, 18, 3), "toddler", _months_before(period, 2), seq=4)
        # Leaves on the 10th: enrolled 10 days of the month.
        enrol(XH, "op_xh01", "刘星辰", _months_before(period, 20, 11), "toddler", three_months_ago,
              left_on=period + dt.timedelta(days=9), seq=5)
        # The same child at both institutions in the same month (the same ID number).
        twin_born = _months_before(period, 28, 6)
        enrol(XH, "op_xh01", "周双双", twin_born, "older_toddler", three_months_ago, seq=6)
        enrol(GS, "op_gs01", "周双双", twin_born, "older_toddler", three_months_ago, seq=6)
        enrol(GS, "op_gs01", "吴悠悠", _months_before(period, 16, 2), "toddler", three_months_ago, seq=7)

        xh_claim = claims.operating_claim_create(actor=users["op_xh01"], institution_id=institutions[XH].pk,
                                                 period=period)
        claims.operating_claim_create(actor=users["op_gs01"], institution_id=institutions[GS].pk, period=period)
        claims.claim_submit(actor=users["op_xh01"], claim_id=xh_claim.pk)
        # 运河: a construction claim for 10 new slots, approved and in an open payout batch.
        construction = claims.construction_claim_create(actor=users["op_gs01"], institution_id=institutions[GS].pk,
                                                        slots=10)
        from django.core.files.base import ContentFile

        claims.claim_document_upload(actor=users["op_gs01"], claim_id=construction.pk, uploaded_file=ContentFile(
            b"%PDF-1.4\n% demo: photos of the new rooms and the acceptance certificate\n", name="新增托位验收材料.pdf"))
        claims.claim_submit(actor=users["op_gs01"], claim_id=construction.pk)
        claims.claim_approve(actor=users["gongshu_reviewer"], claim_id=construction.pk)
        payouts.payout_batch_create(actor=users["gongshu_admin"], district=None, claim_ids=[construction.pk],
                                    title=f"拱墅区 {period:%Y-%m} 建设补助拨付")
