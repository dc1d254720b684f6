"""Subsidies' sweeps, registered by name (``core.sweeps`` discovers this module; the schedule is in
``childcare/celery.py``; ``manage.py run_sweep NAME`` runs one by hand)."""

from core.sweeps import register

from .models import ClaimLine, SubsidyClaim
from .services.sweeps import certification_expiry, duplicates_sweep

CERTIFICATION_EXPIRY = "subsidies.certification_expiry"
DUPLICATES = "subsidies.duplicates"

register(CERTIFICATION_EXPIRY, certification_expiry, title="普惠托育认定：有效期届满的改为已到期")
# The flags and recounts of a run are audited as one bulk_write event of the run, not one per row.
register(DUPLICATES, duplicates_sweep, title="同一婴幼儿同月在两处申报运营补助：两边标记，均不计入，待区县核定",
         bulk_audited=[ClaimLine, SubsidyClaim])
