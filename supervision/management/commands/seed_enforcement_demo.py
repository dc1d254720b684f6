"""manage.py seed_enforcement_demo: penalties, an emergency closure and grades for the demo (run by
``seed_demo`` after the registry's demo data; idempotent: a seeded decision number is not issued again).

- 西湖区小橡树托育园 (filed): a fine of 5,000 yuan in force — shown on its public page;
- 拱墅区彩虹托育园 (suspended): a revocation recommendation in force — graded D whatever its score
  (the breakdown says so), and an emergency closure in progress: families told, 8 of 15 children
  placed, refunds not started;
- then every institution is graded (the nightly pass), so the grade list shows A to D.
Writes go through the services, as the district admins would make them.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import User
from accounts.selectors import scope_of
from core.errors import DomainError
from core.tenancy import tenant_scope

FINED, FINE_NUMBER = "西湖区小橡树托育园", "西卫罚〔2026〕12号"
CLOSING, REVOCATION_NUMBER = "拱墅区彩虹托育园", "拱卫罚〔2026〕3号"


class Command(BaseCommand):
    help = "写入监督执法演示数据：行政处罚、关停应急处置（安置中）与风险信用等级。可重复执行。"

    def handle(self, *args, **options):
        from registry.models import Institution
        from supervision.models import Penalty
        from supervision.services.closures import closure_item_update, closure_open
        from supervision.services.grades import grades_recompute
        from supervision.services.penalties import penalty_issue

        admins = {u.username: u for u in User.objects.filter(username__in=["xihu_admin", "gongshu_admin"])}
        with scopes_disabled():
            places = {i.name: i for i in Institution.objects.filter(name__in=[FINED, CLOSING])}
            seeded = Penalty.objects.filter(decision_number__in=[FINE_NUMBER, REVOCATION_NUMBER]).exists()
        if len(admins) < 2 or len(places) < 2:
            self.stderr.write(self.style.WARNING("跳过监督执法演示数据：缺少演示机构或区县管理员账号。"))
            return
        today = timezone.localdate()
        if not seeded:
            try:
                with transaction.atomic():
                    self._act(admins["xihu_admin"], penalty_issue, institution_id=places[FINED].pk, data={
                        "kind": "fine", "decision_number": FINE_NUMBER, "decided_on": today - dt.timedelta(days=20),
                        "legal_basis": "《托育机构管理规范（试行）》第十五条、《托育机构设置标准（试行）》第十二条",
                        "facts": "托小班保育人员与婴幼儿比例低于 1:5，经责令改正后逾期未改正。", "amount_fen": 500_000})
                    gongshu = admins["gongshu_admin"]
                    self._act(gongshu, penalty_issue, institution_id=places[CLOSING].pk, data={
                        "kind": "revocation", "decision_number": REVOCATION_NUMBER,
                        "decided_on": today - dt.timedelta(days=5),
                        "legal_basis": "《托育机构管理规范（试行）》第四十二条",
                        "facts": "停业整顿期间擅自恢复收托，且发生婴幼儿伤害事件。"})
                    closure = self._act(gongshu, closure_open, institution_id=places[CLOSING].pk, data={
                        "reason": "建议吊销登记，机构停止办托，在托婴幼儿须妥善安置。", "started_on": today - dt.timedelta(days=3),
                        "children_enrolled": 15})
                    self._act(gongshu, closure_item_update, closure_id=closure.pk, data={
                        "kind": "families_told", "status": "done", "note": "已电话及书面告知全部 15 户家长"})
                    self._act(gongshu, closure_item_update, closure_id=closure.pk, data={
                        "kind": "children_placed", "status": "in_progress", "children_placed": 8,
                        "note": "8 名已转入拱墅区运河托育园，7 名待家长确认"})
            except DomainError as exc:
                self.stderr.write(self.style.WARNING(f"跳过监督执法演示数据：{exc.message} {exc.fields or ''}"))
                return
        with transaction.atomic():
            summary = grades_recompute()
        self.stdout.write(f"监督执法演示：行政处罚 2 件、关停应急处置 1 件（安置中）；风险信用等级更新 {summary['updated']} 家。")

    @staticmethod
    def _act(user, service, **kwargs):
        with tenant_scope(scope_of(user.active_assignments[0])):
            return service(actor=user, **kwargs)
