"""Fault: a Celery worker's process killed (SIGKILL) in the middle of a task.

A real worker (prefork, one process) on a private Redis runs a probe task; the test kills the pool
process while the task runs. With ``task_acks_late`` and ``task_reject_on_worker_lost`` (settings)
the message goes back on the queue and the task runs again, to completion, its effect written once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis

from tests.faults import PrivateRedis

pytestmark = pytest.mark.faults
ROOT = Path(__file__).resolve().parents[2]


def _wait(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise TimeoutError("condition not met in time")


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def test_the_platform_settings_requeue_a_task_whose_worker_died():
    from childcare.celery import app

    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True


def test_a_task_whose_worker_is_killed_runs_again_and_its_effect_is_written_once(tmp_path):
    from celery import Celery

    server = PrivateRedis(tmp_path).start()
    queue = f"fault-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "CELERY_BROKER_URL": server.url, "CELERY_RESULT_BACKEND": server.url,
           "REDIS_URL": server.url}
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "childcare", "worker", "-P", "prefork", "-c", "1", "-Q", queue,
         "-I", "tests.fault_tasks", "--without-heartbeat", "--without-gossip", "--without-mingle",
         "-l", "INFO"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        sender = Celery(broker=server.url)
        sender.conf.update(task_acks_late=True)
        key = f"fault:{uuid.uuid4().hex}"
        sender.send_task("tests.fault_tasks.probe", args=[key], queue=queue)
        r = redis.Redis.from_url(server.url)
        _wait(lambda: r.get(f"{key}:started") == b"1", timeout=90)
        pool = _wait(lambda: _children(worker.pid), timeout=10)
        for pid in pool:
            os.kill(pid, signal.SIGKILL)  # the process running the task dies mid-task
        _wait(lambda: r.get(f"{key}:done"), timeout=90)
        assert int(r.get(f"{key}:runs")) == 2  # it ran again
        assert r.get(f"{key}:effect") == b"run 2" and int(r.get(f"{key}:done")) == 1  # once, to completion
        assert worker.poll() is None  # the worker itself lives on (a new pool process)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
        server.stop()
