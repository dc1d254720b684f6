"""Fault: Redis (cache, sessions' cache, rate limits, Celery's broker) really stopped and started.

A private ``redis-server`` on a free port stands in for the shared one; the test stops it, checks
that pages and the API keep serving (sign-in included) and that an accept made meanwhile commits
with its receipt left ``pending`` (the task could not be queued); then starts Redis again and
checks that the sweep ``registry.pending_receipts`` queues the rendering on the broker, and that
running the queued task renders the receipt: no transition lost.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import redis
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from core.sweeps import run_sweep
from registry.models import Filing, FilingStatus, Institution, ReceiptStatus
from tests.conftest import PASSWORD
from tests.faults import PrivateRedis

pytestmark = [pytest.mark.faults, pytest.mark.django_db]


@pytest.fixture
def private_redis(tmp_path, settings):
    """Cache, broker and result backend on a private Redis (started); stopped for good at the end."""
    from childcare.celery import app
    from tests.conftest import _drop_cached_connections

    server = PrivateRedis(tmp_path).start()
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": server.url}}
    settings.REDIS_URL = server.url
    saved = {k: app.conf[k] for k in ("broker_url", "result_backend", "task_always_eager",
                                      "broker_connection_retry_on_startup")}
    app.conf.update(broker_url=server.url, result_backend=server.url, task_always_eager=False)
    _drop_cached_connections(app)
    yield server
    server.stop()
    app.conf.update(saved)
    _drop_cached_connections(app)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_redis_down_pages_and_api_serve_and_the_sweep_requeues_what_was_missed(
        private_redis, media, regions, make_account, django_capture_on_commit_callbacks):
    from tests.factories import InstitutionFactory, make_ready_filing

    reviewer = make_account("fault_reviewer", "district_reviewer", "330106")
    with scopes_disabled():
        institution = InstitutionFactory(name="西湖区断缓存托育园", status="filing")
        filing = make_ready_filing(institution, status=FilingStatus.SUBMITTED)
    browser = Client()
    browser.force_login(reviewer)
    assert browser.get("/").status_code == 200  # Redis up: the session is cached

    private_redis.stop()

    # Pages: the public portal (cached region counts fall back to the database), sign-in (the login
    # guard's counters are skipped), a reviewer's pages and the API by session.
    public = Client()
    assert public.get("/accounts/login/").status_code == 200
    assert public.get("/search/").status_code == 200
    assert public.get("/open-data/").status_code == 200
    signed_in = Client()
    response = signed_in.post("/accounts/login/", {"username": "fault_reviewer", "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    assert signed_in.get("/").status_code == 200
    assert browser.get("/").status_code == 200  # the session read from the database
    assert browser.get("/api/v1/filings/").status_code == 200
    # A transition while the broker is down: committed, its receipt waits.
    api = APIClient()
    api.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        accepted = api.post(f"/api/v1/filings/{filing.pk}/accept/", {"expected_version": filing.version},
                            format="json")
    assert accepted.status_code == 200, accepted.content[:500]
    with scopes_disabled():
        filing.refresh_from_db()
        assert filing.status == FilingStatus.ACCEPTED and filing.receipt_no
        assert filing.receipt_status == ReceiptStatus.PENDING
        assert Institution.objects.get(pk=institution.pk).status == "filed"

    private_redis.start()

    # The sweep finds the receipt left pending and queues its rendering on the broker.
    with scopes_disabled():
        Filing.objects.filter(pk=filing.pk).update(updated_at=timezone.now() - dt.timedelta(minutes=11))
    run = run_sweep("registry.pending_receipts")
    assert run.outcome == "ok" and run.summary == {"pending": 1, "queued": 1}, run.summary
    queued = redis.Redis.from_url(private_redis.url).lrange("celery", 0, -1)
    assert len(queued) == 1
    message = json.loads(queued[0])
    assert message["headers"]["task"] == "registry.tasks.render_filing_documents"
    assert message["headers"]["argsrepr"] == f"({filing.pk},)"
    # What the worker does with it (the task itself, as it would run): the receipt is rendered.
    from registry.tasks import render_filing_documents

    render_filing_documents.apply(args=(filing.pk,))
    with scopes_disabled():
        filing.refresh_from_db()
        assert filing.receipt_status == ReceiptStatus.READY
    # Rendered once: the sweep has nothing left to send.
    assert run_sweep("registry.pending_receipts").summary == {"pending": 0, "queued": 0}
