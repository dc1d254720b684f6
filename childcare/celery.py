"""Celery application. Schedules live here, in code; redbeat stores them in Redis with a lock.

Beat: ``celery -A childcare beat`` (the scheduler, redbeat, comes from settings). Only the beat
holding redbeat's lock sends tasks, so a second beat started by mistake waits instead of
double-sending; a beat killed without a clean shutdown holds the lock until
``CELERY_REDBEAT_LOCK_TIMEOUT`` runs out.
"""

import os
from datetime import timedelta

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childcare.settings")

app = Celery("childcare")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

HEARTBEAT_SECONDS = 30

app.conf.beat_schedule = {
    # A worker writes the tick /healthz reads; a tick older than 120 s turns health red.
    "beat-heartbeat": {
        "task": "core.tasks.beat_heartbeat",
        "schedule": timedelta(seconds=HEARTBEAT_SECONDS),
        "options": {"expires": HEARTBEAT_SECONDS},  # no pile-up while workers are down
    },
    "clear-expired-sessions": {"task": "accounts.tasks.clear_expired_sessions", "schedule": crontab(minute=17)},
    # Sweeps (core.sweeps: one task runs any of them by name, under its lock, with a run log).
    # Filing deadlines (5 / 15 working days) end at 23:59:59: sweep early the next morning.
    "filing-deadline-sweep": {"task": "core.tasks.run_sweep", "args": ["registry.filing_deadlines"],
                              "schedule": crontab(minute=5, hour=0)},
    # Terminations accepted with a future date take effect on that day.
    "termination-sweep": {"task": "core.tasks.run_sweep", "args": ["registry.terminations"],
                          "schedule": crontab(minute=10, hour=0)},
    # Province and country home pages read these sums (registry.selectors.dashboard); the page says when.
    "dashboard-summaries": {"task": "core.tasks.run_sweep", "args": ["registry.dashboard_summaries"],
                            "schedule": crontab(minute="*/10")},
    # 挂靠 flags for everyone: adds that raced each other, end dates that passed yesterday.
    "staff-conflicts-sweep": {"task": "core.tasks.run_sweep", "args": ["registry.staff_conflicts"],
                              "schedule": crontab(minute=20, hour=0)},
    # The nationwide blacklist against every roster and institution (its own task, which runs the
    # sweep supervision.blacklist through core.sweeps.run_sweep): new hits only.
    "blacklist-sweep": {"task": "supervision.tasks.blacklist_sweep", "schedule": crontab(minute=30, hour=0)},
    # Inspection results not published in time; rectification orders past their due date.
    "publication-overdue-sweep": {"task": "core.tasks.run_sweep", "args": ["supervision.publication_overdue"],
                                  "schedule": crontab(minute=40, hour=0)},
    "rectification-overdue-sweep": {"task": "core.tasks.run_sweep", "args": ["supervision.rectification_overdue"],
                                    "schedule": crontab(minute=45, hour=0)},
    # Staff health certificates expiring within 30 days or expired; institutions registered 30 days
    # and not filed (each told once); then every grade, after the sweeps that feed it.
    "health-certificates-sweep": {"task": "core.tasks.run_sweep", "args": ["supervision.health_certificates"],
                                  "schedule": crontab(minute=40, hour=0)},
    "not-filed-sweep": {"task": "core.tasks.run_sweep", "args": ["supervision.not_filed"],
                        "schedule": crontab(minute=45, hour=0)},
    "regrade-sweep": {"task": "core.tasks.run_sweep", "args": ["supervision.regrade"],
                      "schedule": crontab(minute=0, hour=1)},
    # Work queued after a commit while the broker was down (or lost with a worker): sent again.
    "pending-receipts-sweep": {"task": "core.tasks.run_sweep", "args": ["registry.pending_receipts"],
                               "schedule": crontab(minute="*/5")},
    "unsent-emails-sweep": {"task": "core.tasks.run_sweep", "args": ["notifications.unsent_emails"],
                            "schedule": crontab(minute="*/5")},
    # Complaints from the public past their handling deadline (working days, ending 23:59:59).
    "complaints-overdue-sweep": {"task": "core.tasks.run_sweep", "args": ["supervision.complaints_overdue"],
                                 "schedule": crontab(minute=40, hour=0)},
    # Indicator summaries of every province and the country (today and the last years' ends), after
    # the sweeps above have moved terminations: the province and national dashboards read them.
    "indicator-summaries": {"task": "core.tasks.run_sweep", "args": ["indicators.summaries"],
                            "schedule": crontab(minute=45, hour=0)},
    # Subsidies: certifications past their period expire; the same child claimed twice in a month.
    "certification-expiry-sweep": {"task": "core.tasks.run_sweep", "args": ["subsidies.certification_expiry"],
                                   "schedule": crontab(minute=40, hour=0)},
    "subsidy-duplicates-sweep": {"task": "core.tasks.run_sweep", "args": ["subsidies.duplicates"],
                                 "schedule": crontab(minute=45, hour=0)},
    # Operating claims of the month before, on the 1st.
    "monthly-subsidy-claims": {"task": "subsidies.tasks.monthly_claims", "schedule": crontab(minute=0, hour=2,
                                                                                              day_of_month=1)},
}
# Beat wakes at least this often, well inside the redbeat lock timeout, so the lock never lapses.
app.conf.beat_max_loop_interval = HEARTBEAT_SECONDS
