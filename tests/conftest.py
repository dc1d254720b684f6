"""Shared fixtures: the small region tree, accounts per role, an open scope helper, the tests' Redis
URL (derived from settings.REDIS_URL) and a real Celery worker on it (`celery_worker_app`)."""

from __future__ import annotations

import os
import uuid

import pytest
import redis
from django_scopes import scopes_disabled

from accounts.services import account_create_or_grant
from tests.regions_fixture import load_test_regions

PASSWORD = "Passw0rd!2026"
TEST_REDIS_DB = int(os.environ.get("TEST_REDIS_DB", "5"))  # the tests' own Redis database: workers' broker,
# results and beat ticks (another number lets two checkouts run their suites side by side)


def redis_test_url(db: int = TEST_REDIS_DB) -> str:
    """``settings.REDIS_URL`` (same host, port, password, TLS) on the tests' own database ``db``."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    from django.conf import settings

    parts = urlsplit(settings.REDIS_URL)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key != "db"]
    if parts.scheme == "unix":  # unix:///path/redis.sock?db=N
        return f"unix://{parts.netloc}{parts.path}?{urlencode([*query, ('db', str(db))])}"
    return urlunsplit(parts._replace(path=f"/{db}", query=urlencode(query)))


@pytest.fixture(scope="session", autouse=True)
def sql_shape_cache_verified():
    """Every query the suite sends is compiled from its cached shape and the Django way, and the two
    must agree (core/db/compiler.py): the suite is that cache's test."""
    from django.conf import settings

    settings.SQL_SHAPE_CACHE = "verify"
    yield


@pytest.fixture(scope="session", autouse=True)
def cheap_flush():
    """Transactional tests' flush truncates only the tables that hold rows (tests/cheap_flush.py)."""
    from tests import cheap_flush as flush

    flush.install()
    yield
    flush.uninstall()


@pytest.fixture
def regions(db):
    return load_test_regions()


@pytest.fixture
def unscoped():
    """Run the test body with scopes disabled (set-up code that is not under test)."""
    with scopes_disabled():
        yield


@pytest.fixture
def make_account(regions):
    def make(username: str, role: str, scope: str, password: str = PASSWORD):
        with scopes_disabled():
            user, _, _ = account_create_or_grant(actor=None, username=username, password=password,
                                                 role=role, scope=scope)
        return user

    return make


@pytest.fixture
def reviewer(make_account):
    return make_account("reviewer_xh", "district_reviewer", "330106")


@pytest.fixture
def other_reviewer(make_account):
    return make_account("reviewer_gs", "district_reviewer", "330105")


@pytest.fixture
def login(client):
    def do(user):
        client.force_login(user)
        return client

    return do


@pytest.fixture(autouse=True)
def rate_limits_cleared():
    """Every test starts with no request counted (the counters live in Redis, beyond the test DB)."""
    from core.ratelimit import clear

    clear()


@pytest.fixture(autouse=True)
def celery_eager():
    """Tasks that code under test sends (receipt rendering, notification emails, after commit) run at
    once in the sending thread, so a test sees their effect. A test that starts a real worker
    (``celery_worker_app``) turns this off for its own duration."""
    from childcare.celery import app

    keys = ("task_always_eager", "task_eager_propagates")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    app.conf.update(saved)


def _drop_cached_connections(app) -> None:
    """Forget the broker pool and result backend the app built for its previous URLs (sending a task
    eagerly still opens a producer on the configured broker), so what follows uses the new ones."""
    app._pool = None  # not closed: kombu keeps pools per URL, and the next user of this URL reuses it
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
    app._backend_cache = None
    if hasattr(app._local, "backend"):
        del app._local.backend


@pytest.fixture
def celery_worker_app(settings):
    """A real Celery worker thread (solo pool) consuming from Redis, as the production worker does.

    Broker, result backend and ``settings.REDIS_URL`` point at ``redis_test_url()``; tasks go to a
    queue of this test's own, so test runs sharing the Redis server never run each other's tasks.
    Yields the Celery app. The worker thread has its own database connection: mark the test
    ``@pytest.mark.worker`` and ``@pytest.mark.django_db(transaction=True)``.
    """
    from celery.contrib.testing.worker import start_worker

    from childcare.celery import app

    url = redis_test_url()
    queue = f"test-{uuid.uuid4().hex}"
    keys = ("broker_url", "result_backend", "task_always_eager", "task_default_queue")
    saved = {key: app.conf[key] for key in keys}
    settings.REDIS_URL = url
    app.conf.update(broker_url=url, result_backend=url, task_always_eager=False, task_default_queue=queue)
    _drop_cached_connections(app)
    try:
        with start_worker(app, pool="solo", queues=[queue], perform_ping_check=False, shutdown_timeout=10):
            yield app
    finally:
        app.conf.update(saved)
        _drop_cached_connections(app)
        redis.Redis.from_url(url).delete(queue)  # anything the test sent but never waited for
