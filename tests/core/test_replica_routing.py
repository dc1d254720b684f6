"""The read replica router (core/db/routing.py): which reads may go to the replica, and that a read
that must see its own write never does. The same router against a real streaming replica:
tests/core/test_replica_live.py."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.db import router, transaction

from accounts.models import User
from core.db import routing
from registry.models import Institution
from tests.portal.helpers import filed

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_replica(monkeypatch):
    """A replica is configured (the alias itself is not: the spy below keeps every query on default)."""
    monkeypatch.setattr(routing, "replica_configured", lambda: True)


@pytest.fixture
def decisions(monkeypatch, with_replica):
    """What the router decided for each model read during a request (the queries still run on default)."""
    seen: list[tuple[str, str]] = []
    decide = routing.ReplicaRouter.db_for_read

    def spy(self, model, **hints):
        alias = decide(self, model, **hints)
        seen.append((model._meta.label, alias))
        return "default"

    monkeypatch.setattr(routing.ReplicaRouter, "db_for_read", spy)
    return seen


def aliases(seen, label):
    return {alias for model, alias in seen if model == label}


def test_without_a_replica_everything_reads_the_primary():
    with routing.replica_reads():
        assert router.db_for_read(Institution) == "default"
        assert router.db_for_write(Institution) == "default"


def test_an_opted_in_read_goes_to_the_replica_until_the_first_write(with_replica):
    assert router.db_for_read(Institution) == "default"  # no request state: tasks, commands, sweeps
    with routing.replica_reads():
        assert router.db_for_read(Institution) == "replica"
        assert router.db_for_read(User) == "default"  # identity and sessions always fresh
        router.db_for_write(Session)  # the session's idle stamp: never read from the replica, no taint
        assert router.db_for_read(Institution) == "replica"
        assert router.db_for_write(Institution) == "default"
        assert router.db_for_read(Institution) == "default"  # read-your-write: primary from now on
    with routing.replica_reads(eligible=False):
        assert router.db_for_read(Institution) == "default"


def test_a_read_inside_a_transaction_stays_on_the_primary(with_replica):
    with routing.replica_reads():
        with transaction.atomic():
            assert router.db_for_read(Institution) == "default"
        assert router.db_for_read(Institution) == "replica"


def test_migrations_never_run_on_the_replica():
    assert router.allow_migrate("default", "registry")
    assert not router.allow_migrate("replica", "registry")


def test_the_public_search_reads_the_replica(client, regions, decisions):
    filed("复制托育园", lat=30.275, lng=120.15)
    decisions.clear()  # set-up reads: no request, primary
    response = client.get("/search/", {"q": "复制"})
    assert response.status_code == 200
    assert "复制托育园" in response.content.decode()
    assert aliases(decisions, "registry.Institution") == {"replica"}
    assert routing.PIN_COOKIE not in response.cookies


def test_a_pinned_browser_reads_the_primary(client, regions, decisions):
    filed("复制托育园", lat=30.275, lng=120.15)
    client.cookies[routing.PIN_COOKIE] = "1"
    decisions.clear()
    assert client.get("/search/", {"q": "复制"}).status_code == 200
    assert aliases(decisions, "registry.Institution") == {"default"}


def test_a_write_pins_the_browser_to_the_primary(client, regions, decisions):
    response = client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})  # a POST pins
    assert response.status_code == 200
    assert response.cookies[routing.PIN_COOKIE]["max-age"] == 10
    assert "replica" not in {alias for _, alias in decisions}


def test_staff_pages_read_the_primary(login, reviewer, decisions):
    assert login(reviewer).get("/registry/review/").status_code == 200
    assert login(reviewer).get("/").status_code == 200  # a district's home: its own queue, primary
    assert "replica" not in {alias for _, alias in decisions}


def test_a_province_summary_reads_the_replica(login, make_account, decisions):
    auditor = make_account("auditor_zj", "auditor", "330000")
    decisions.clear()
    assert login(auditor).get("/").status_code == 200
    read = {alias for model, alias in decisions if not model.startswith(("accounts.", "sessions.", "otp_"))}
    assert "replica" in read


def test_the_indicator_dashboard_reads_the_replica(login, reviewer, decisions):
    assert login(reviewer).get("/indicators/").status_code == 200
    assert "replica" in {alias for _, alias in decisions}
