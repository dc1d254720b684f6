"""core.sweeps: the registry of named sweeps, the lock, the run log, ``manage.py run_sweep``, the admin.

The registry's own sweeps (deadlines, terminations, 挂靠) are tested through this entry point in
tests/registry/test_filing_sweeps.py and tests/registry/test_staff.py, including through a real worker.
"""

from __future__ import annotations

import datetime as dt
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction

from core import sweeps
from core.models import SweepOutcome, SweepRun
from core.sweeps import LOCK_NAMESPACE, lock_key, register, registered, run_sweep
from regions.models import Region


@pytest.fixture
def probe():
    """A sweep of the test's own: renames a region it is given (a real write to roll back or keep)."""
    calls = []

    def probe_sweep(*, fail: bool = False, rename: str = "探针区"):
        calls.append(rename)
        changed = Region.objects.filter(code="330106").update(name=rename)
        if fail:
            raise RuntimeError("boom\nsecond line never logged")
        return {"renamed": changed, "touched": 2, "notified": 5}

    register("tests.probe", probe_sweep, title="测试")
    yield calls
    sweeps._sweeps.pop("tests.probe", None)


@pytest.mark.django_db
def test_a_run_is_logged_with_its_counts(regions, probe):
    run = run_sweep("tests.probe")
    run.refresh_from_db()
    assert (run.name, run.outcome, run.summary, run.error) == (
        "tests.probe", SweepOutcome.OK, {"renamed": 1, "touched": 2, "notified": 5}, "")
    assert run.rows == 3  # rows changed or marked; notifications are not rows
    assert run.started_at <= run.finished_at
    assert Region.objects.get(code="330106").name == "探针区"


@pytest.mark.django_db
def test_a_failed_run_is_rolled_back_logged_and_raised(regions, probe):
    with pytest.raises(RuntimeError, match="boom"):
        run_sweep("tests.probe", fail=True, rename="不应保存")
    run = SweepRun.objects.get(name="tests.probe")
    assert (run.outcome, run.rows, run.summary) == (SweepOutcome.FAILED, 0, {})
    assert run.error == "RuntimeError: boom" and run.finished_at is not None
    assert Region.objects.get(code="330106").name == "西湖区"


@pytest.mark.django_db(transaction=True)
def test_a_second_run_while_one_holds_the_lock_is_skipped_and_logged(regions, probe):
    held, release, done = threading.Event(), threading.Event(), threading.Event()

    def running_sweep():  # another process's run: holds the sweep's lock until told to finish
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, lock_key("tests.probe")])
                held.set()
                release.wait(10)
        finally:
            connections.close_all()
            done.set()

    threading.Thread(target=running_sweep, daemon=True).start()
    assert held.wait(10)
    skipped = run_sweep("tests.probe")
    release.set()
    assert done.wait(10)
    assert probe == []  # the sweep function never ran
    assert (skipped.outcome, skipped.rows, skipped.summary) == (SweepOutcome.SKIPPED, 0, {})
    assert SweepRun.objects.get(pk=skipped.pk).outcome == SweepOutcome.SKIPPED
    assert run_sweep("tests.probe").outcome == SweepOutcome.OK  # the lock is free again
    assert probe == ["探针区"]


def test_lock_keys_are_stable_and_distinct():
    names = list(registered())
    assert len({lock_key(n) for n in names}) == len(names)
    assert lock_key("registry.filing_deadlines") == lock_key("registry.filing_deadlines")
    assert all(-(2 ** 31) <= lock_key(n) < 2 ** 31 for n in names)


def test_a_name_is_registered_once():
    with pytest.raises(ValueError, match="twice"):
        register("registry.terminations", lambda: {})


def test_every_registered_sweep_is_scheduled():
    import core.tasks  # noqa: F401 - what the worker's autodiscovery imports
    import supervision.tasks  # noqa: F401
    from childcare.celery import app

    # A sweep is scheduled through the one task that runs any sweep, or through a task of its own
    # that runs it by name (the issue fixes supervision.tasks.blacklist_sweep).
    own_tasks = {"supervision.tasks.blacklist_sweep": "supervision.blacklist"}
    scheduled = {e["args"][0] for e in app.conf.beat_schedule.values() if e["task"] == "core.tasks.run_sweep"}
    scheduled |= {own_tasks[e["task"]] for e in app.conf.beat_schedule.values() if e["task"] in own_tasks}
    assert all(task in app.tasks for task in own_tasks)
    assert set(registered()) == scheduled == {
        "registry.filing_deadlines", "registry.staff_conflicts", "registry.terminations", "registry.dashboard_summaries",
        "supervision.blacklist", "supervision.publication_overdue", "supervision.rectification_overdue",
        "supervision.health_certificates", "supervision.not_filed", "supervision.regrade",
        "supervision.complaints_overdue", "indicators.summaries",
        "subsidies.certification_expiry", "subsidies.duplicates",
        "registry.pending_receipts", "notifications.unsent_emails"}


# --- manage.py run_sweep ---------------------------------------------------------------------------

def _command(*args) -> str:
    out = StringIO()
    call_command("run_sweep", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_run_sweep_lists_the_sweeps_without_a_name():
    for listing in (_command(), _command("--list")):
        assert "registry.filing_deadlines" in listing and "registry.terminations" in listing
        assert "registry.staff_conflicts" in listing and "备案超过回执期限" in listing
    assert not SweepRun.objects.exists()


@pytest.mark.django_db
def test_run_sweep_runs_one_now_and_logs_it(regions, probe):
    output = _command("tests.probe")
    assert "tests.probe: ok" in output and "renamed 1" in output
    assert SweepRun.objects.get(name="tests.probe").rows == 3
    with pytest.raises(CommandError, match="unknown sweep"):
        _command("tests.nothing")
    sweeps._sweeps["tests.probe"] = sweeps.Sweep("tests.probe", lambda: 1 / 0)
    with pytest.raises(CommandError, match="failed"):
        _command("tests.probe")
    assert SweepRun.objects.filter(name="tests.probe", outcome=SweepOutcome.FAILED).count() == 1


@pytest.mark.django_db
def test_run_sweep_runs_a_registry_sweep(regions):
    output = _command("registry.filing_deadlines")
    assert "registry.filing_deadlines: ok" in output and "review_overdue 0" in output
    assert SweepRun.objects.get().outcome == SweepOutcome.OK


# --- the run log in the admin --------------------------------------------------------------------------

@pytest.mark.django_db
def test_system_admin_reads_the_run_log_read_only(login, make_account):
    run = SweepRun.objects.create(name="registry.terminations", started_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
                                  outcome=SweepOutcome.OK, rows=3, summary={"terminated": 3, "notified": 6})
    client = login(make_account("sysadmin_zj", "system_admin", "330000"))
    listing = client.get("/admin/core/sweeprun/")
    body = listing.content.decode()
    assert listing.status_code == 200 and "registry.terminations" in body and "完成" in body
    page = client.get(f"/admin/core/sweeprun/{run.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(f"/admin/core/sweeprun/{run.pk}/change/", {"rows": 0}).status_code == 403
    assert client.get("/admin/core/sweeprun/add/").status_code == 403


@pytest.mark.django_db
def test_security_admin_and_reviewers_do_not_see_the_run_log(login, make_account, reviewer):
    SweepRun.objects.create(name="registry.terminations", started_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC))
    security = login(make_account("secadmin_zj", "security_admin", "330000"))
    assert security.get("/admin/core/sweeprun/").status_code == 403
    assert login(reviewer).get("/admin/core/sweeprun/").status_code == 302  # no admin at all
