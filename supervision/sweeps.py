"""Supervision's sweeps, registered by name (``core.sweeps`` discovers this module; the schedule is
in ``childcare/celery.py``; ``manage.py run_sweep NAME`` runs one by hand)."""

from core.sweeps import register

from .services.sweeps import blacklist_sweep

BLACKLIST = "supervision.blacklist"

register(BLACKLIST, blacklist_sweep, title="从业禁止名单全量比对：在职人员、负责人和机构（新命中通知两地）")

from .services.complaints import complaint_overdue_sweep  # noqa: E402 (section 5)

COMPLAINTS_OVERDUE = "supervision.complaints_overdue"

register(COMPLAINTS_OVERDUE, complaint_overdue_sweep, title="投诉超过办理期限：通知区县审核员、管理员和承办人（每件一次）")
