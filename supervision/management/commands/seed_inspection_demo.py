"""manage.py seed_inspection_demo: random inspections and rectification in 西湖区 (run by ``seed_demo``
after the registry's and the blacklist's demo data; idempotent).

- the roster: the demo inspector ``xihu_inspector`` (with their account) and three colleagues from
  the police, market regulation and fire departments; one declared conflict of interest;
- a plan 「2026年度双随机抽查」 (fixed seed) drawn once, so its draw and seed show;
- a campaign inspection of 西湖区小橡树托育园 recorded with two non-conforming items, signed by both
  inspectors and published on its public page; its rectification order answered by the operator
  (``op_xh01``) with an evidence scan, waiting for the inspector's verification.
Every write goes through the services, as the district admin, the inspector and the operator would.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django_scopes import scopes_disabled

from accounts.models import User
from core.tenancy import TenantScope, tenant_scope
from regions.models import Region

XIHU = "330106"
PLAN_NAME = "2026年度双随机抽查"
TARGET = "西湖区小橡树托育园"
BAD = {"safety.cctv": "午睡室监控存在盲区，录像仅保存 30 日", "care.records": "近两周午睡记录缺失"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 256


class Command(BaseCommand):
    help = "写入双随机抽查与整改演示数据（西湖区）。可重复执行。"

    def handle(self, *args, **options):
        from registry.models import Institution
        from supervision.models import ChecklistItem, InspectionPlan, RectificationOrder
        from supervision.services import inspections as s
        from supervision.services import rectification as r

        users = {u.username: u for u in User.objects.filter(username__in=["xihu_admin", "xihu_inspector", "op_xh01"])}
        if len(users) < 3:
            self.stderr.write(self.style.WARNING("跳过监督检查演示数据：缺少西湖区管理员、检查员或举办者账号。"))
            return
        admin, inspector_user, operator = users["xihu_admin"], users["xihu_inspector"], users["op_xh01"]
        with scopes_disabled():
            if InspectionPlan.objects.filter(district_id=XIHU, name=PLAN_NAME).exists():
                return  # already seeded
            target = Institution.objects.filter(name=TARGET).first()
            other = Institution.objects.filter(district_id=XIHU).exclude(name=TARGET).order_by("pk").first()
        district = Region.objects.get(code=XIHU)
        with tenant_scope(TenantScope.for_region(district)):
            roster = [s.inspector_create(actor=admin, data={"name": "周检查", "department": "health",
                                                            "user_id": inspector_user.pk})]
            for name, dept in (("吴警官", "police"), ("郑监管", "market"), ("王消防", "fire")):
                roster.append(s.inspector_create(actor=admin, data={"name": name, "department": dept}))
            if other is not None:
                s.conflict_declare(actor=admin, inspector_id=roster[1].pk,
                                   data={"institution_id": other.pk, "note": "亲属任该机构负责人"})
            plan = s.plan_create(actor=admin, data={
                "name": PLAN_NAME, "period_start": dt.date(2026, 1, 1),
                "period_end": dt.date(2026, 12, 31), "departments": [],
                "rates": {"A": 5, "B": 50, "C": 30, "D": 100}, "inspectors_per_inspection": 2, "seed": 20260101})
            record = s.plan_draw(actor=admin, plan_id=plan.pk)
            self.stdout.write(f"监督检查演示：计划“{PLAN_NAME}”已抽取（种子 {record.seed}，总体 {record.population} 家）。")
            if target is None:
                return
            inspection = s.inspection_create_targeted(actor=inspector_user, data={
                "institution_id": target.pk, "origin": "campaign", "reference": "2026年春季托育机构安全专项检查",
                "inspector_ids": [roster[0].pk, roster[3].pk]})
            items = ChecklistItem.objects.filter(template_id=inspection.template_id).order_by("position")
            s.findings_record(actor=inspector_user, inspection_id=inspection.pk, data={"findings": [
                {"item_id": i.pk, "result": "nonconforming" if i.code in BAD else "conforms",
                 **({"note": BAD[i.code]} if i.code in BAD else {})} for i in items]})
            s.inspection_sign(actor=inspector_user, inspection_id=inspection.pk, data={
                "inspector_id": roster[0].pk, "conclusion": "发现 2 项不符合要求，已下达整改通知，责令限期整改。"})
            s.inspection_sign(actor=inspector_user, inspection_id=inspection.pk, data={"inspector_id": roster[3].pk})
            s.inspection_publish(actor=inspector_user, inspection_id=inspection.pk)
            order = RectificationOrder.objects.get(inspection_id=inspection.pk)
        with tenant_scope(TenantScope.for_institutions([target.pk])):
            r.order_reply(actor=operator, order_id=order.pk, data={"text": "已在午睡室加装摄像头，录像保存改为 90 日；已补齐午睡记录。"},
                          files=[SimpleUploadedFile("整改照片.png", PNG, content_type="image/png")])
        self.stdout.write(f"监督检查演示：{TARGET}的检查结果已公示，整改通知 #{order.pk} 已回复待核验。")
