"""Supervision's sweeps, registered by name (``core.sweeps`` discovers this module; the schedule is
in ``childcare/celery.py``; ``manage.py run_sweep NAME`` runs one by hand)."""

from core.sweeps import register

from .services.sweeps import blacklist_sweep

BLACKLIST = "supervision.blacklist"

register(BLACKLIST, blacklist_sweep, title="从业禁止名单全量比对：在职人员、负责人和机构（新命中通知两地）")

from .services.inspection_sweeps import publication_overdue_sweep, rectification_overdue_sweep  # noqa: E402

PUBLICATION_OVERDUE = "supervision.publication_overdue"
RECTIFICATION_OVERDUE = "supervision.rectification_overdue"

register(PUBLICATION_OVERDUE, publication_overdue_sweep, title="检查结果超过 20 个工作日未公示：提醒区县检查人员")
register(RECTIFICATION_OVERDUE, rectification_overdue_sweep, title="整改逾期：上报区县管理员并提醒举办者")
# --- enforcement (issue 9 sections 4 and 6) ---------------------------------------------------------
from .services.alerts import certificate_sweep, not_filed_sweep  # noqa: E402
from .services.grades import regrade_sweep  # noqa: E402

REGRADE = "supervision.regrade"
HEALTH_CERTIFICATES = "supervision.health_certificates"
NOT_FILED = "supervision.not_filed"

register(REGRADE, regrade_sweep, title="风险信用等级夜间全量重算（一条语句，等级变化写入变更记录）")
register(HEALTH_CERTIFICATES, certificate_sweep,
         title="从业人员健康合格证明 30 日内到期或已过期（每证每档提醒一次举办者和区县）")
register(NOT_FILED, not_filed_sweep, title="机构登记满 30 日仍未备案（每机构提醒区县一次）")
from .services.complaints import complaint_overdue_sweep  # noqa: E402 (section 5)

COMPLAINTS_OVERDUE = "supervision.complaints_overdue"

register(COMPLAINTS_OVERDUE, complaint_overdue_sweep, title="投诉超过办理期限：通知区县审核员、管理员和承办人（每件一次）")
