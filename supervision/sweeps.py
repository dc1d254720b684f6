"""Supervision's sweeps, registered by name (``core.sweeps`` discovers this module; the schedule is
in ``childcare/celery.py``; ``manage.py run_sweep NAME`` runs one by hand)."""

from core.sweeps import register

from .services.sweeps import blacklist_sweep

BLACKLIST = "supervision.blacklist"

register(BLACKLIST, blacklist_sweep, title="从业禁止名单全量比对：在职人员、负责人和机构（新命中通知两地）")
