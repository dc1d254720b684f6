"""manage.py seed_complaints_demo: complaints and incidents for the demo (run by ``seed_demo`` after
the registry's demo data; idempotent: nothing is added when the demo complaints exist).

- 西湖区小橡树托育园: a parent's complaint received long enough ago that its deadline is one to
  three days away, assigned to 西湖区's inspector with an internal note (the queue shows it near
  its deadline); and an earlier complaint closed with its reply (a parent can follow it with the
  printed tracking code).
- 西湖区小橡树托育园's operator reports an injury that 西湖区 has taken up (under follow-up, with
  entries by both sides).
- 拱墅区运河托育园's operator reports a suspected abuse: 拱墅区's admin sees the blacklist review task.
Writes go through the services, as the public, an operator and the district would make them.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import User
from core.deadlines import due_after

NEAR = "西湖区小橡树托育园"
ABUSE_AT = "拱墅区运河托育园"
MARKER = "（演示）"
OPEN_TEXT = "孩子这周三次在午饭后被发现衣服湿透，老师说没注意到。担心午睡时无人巡视，请核查。" + MARKER
CLOSED_TEXT = "托育园收费时要求额外缴纳“兴趣课程费”每月 600 元，未在公示的收费项目中。" + MARKER


def _received_for_deadline_soon(region, days: int) -> dt.datetime:
    """A receipt time whose deadline (``days`` working days) falls one to three days from now."""
    now = timezone.now()
    for back in range(days, days * 3):
        received = now - dt.timedelta(days=back)
        left = due_after(received, days, region) - now
        if dt.timedelta(days=1) <= left <= dt.timedelta(days=3):
            return received
    return now - dt.timedelta(days=days)


class Command(BaseCommand):
    help = "写入投诉举报和突发事件演示数据：临近办理期限的投诉、跟进中的事件、待从业禁止审查的疑似虐童事件。可重复执行。"

    def handle(self, *args, **options):
        from regions.policy import policy_value
        from registry.models import Institution
        from supervision.models import Complaint
        from supervision.services import complaints, incidents

        with scopes_disabled():
            near = Institution.objects.filter(name=NEAR).select_related("district", "region").first()
            abuse_at = Institution.objects.filter(name=ABUSE_AT).first()
            if near is None or Complaint.objects.filter(institution=near, text=OPEN_TEXT).exists():
                return
        users = {u.username: u for u in User.objects.filter(username__in=[
            "xihu_reviewer", "xihu_inspector", "xihu_admin", "op_xh01", "op_gs01"])}
        if len(users) < 5:
            self.stderr.write(self.style.WARNING("跳过投诉与事件演示数据：缺少演示账号。"))
            return
        days = policy_value(near.district, complaints.HANDLING_DAYS)
        now = timezone.now()
        with scopes_disabled():
            closed = complaints.complaint_submit(
                data={"institution": near.pk, "text": CLOSED_TEXT, "contact_name": "周女士",
                      "contact_phone": "13700001234"}, now=now - dt.timedelta(days=30))
            complaints.complaint_assign(actor=users["xihu_reviewer"], complaint_id=closed.pk,
                                        assignee_id=users["xihu_inspector"].pk)
            complaints.complaint_close(actor=users["xihu_inspector"], complaint_id=closed.pk, outcome="substantiated",
                                       public_reply="经核查，该园确有未公示的收费项目。已责令其停止收取并退还已收费用，"
                                                    "并将在下次检查中复查。感谢您的监督。")
            soon = complaints.complaint_submit(
                data={"institution": near.pk, "text": OPEN_TEXT, "contact_name": "陈先生",
                      "contact_phone": "13800005678"}, now=_received_for_deadline_soon(near.region, days))
            complaints.complaint_assign(actor=users["xihu_reviewer"], complaint_id=soon.pk,
                                        assignee_id=users["xihu_inspector"].pk)
            complaints.complaint_note(actor=users["xihu_inspector"], complaint_id=soon.pk,
                                      text="已电话联系投诉人，约定本周五到园查看午睡室监控。")

            injury = incidents.incident_report(actor=users["op_xh01"], institution_id=near.pk, data={
                "kind": "injury", "severity": "serious", "children_affected": 1,
                "occurred_at": now - dt.timedelta(days=2, hours=3),
                "description": "户外活动时一名幼儿从滑梯摔下，左臂骨折，已送浙大儿院并通知家长。"})
            incidents.incident_acknowledge(actor=users["xihu_reviewer"], incident_id=injury.pk)
            incidents.incident_follow_up(actor=users["op_xh01"], incident_id=injury.pk,
                                         text="幼儿已打石膏回家休养；滑梯下方已加铺防护垫。")
            incidents.incident_follow_up(actor=users["xihu_reviewer"], incident_id=injury.pk,
                                         text="已约谈园长，要求三日内提交户外活动安全管理制度。")
            if abuse_at is not None:
                incidents.incident_report(actor=users["op_gs01"], institution_id=abuse_at.pk, data={
                    "kind": "suspected_abuse", "severity": "major", "children_affected": 1,
                    "occurred_at": now - dt.timedelta(hours=5),
                    "description": "家长反映孩子手臂有多处掐痕，园方已暂停涉事保育员工作并调取监控。"})
        self.stdout.write(f"投诉演示：临近期限的投诉查询码 {soon.tracking_code_display}，"
                          f"已办结并答复的投诉查询码 {closed.tracking_code_display}（/complaints/track/）。")
