"""Registry's sweeps, registered by name (``core.sweeps`` discovers this module; the schedule is in
``childcare/celery.py``; ``manage.py run_sweep NAME`` runs one by hand)."""

from core.sweeps import register

from .models import StaffConflictFlag
from .services.receipts import pending_receipts_resend
from .services.staff import staff_conflicts_sweep
from .services.sweeps import dashboard_summaries_refresh, filing_deadline_sweep, termination_sweep

FILING_DEADLINES = "registry.filing_deadlines"
TERMINATIONS = "registry.terminations"
STAFF_CONFLICTS = "registry.staff_conflicts"
DASHBOARD_SUMMARIES = "registry.dashboard_summaries"
PENDING_RECEIPTS = "registry.pending_receipts"

register(FILING_DEADLINES, filing_deadline_sweep, title="备案超过回执期限或告知期限：提醒区县审核人员")
register(TERMINATIONS, termination_sweep, title="终止日期已到：机构变更为已终止，通知举办者和审核人员")
# The flags it derives are audited as one event per run (with the counts), not one history row each.
register(STAFF_CONFLICTS, staff_conflicts_sweep, title="多机构任职（挂靠）预警：全量核对",
         bulk_audited=[StaffConflictFlag])
register(DASHBOARD_SUMMARIES, dashboard_summaries_refresh, title="省级、全国首页统计汇总（每 10 分钟）")
register(PENDING_RECEIPTS, pending_receipts_resend, title="回执仍在生成中（任务未送达或丢失）：重新排队生成")
