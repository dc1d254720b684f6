"""Items other apps add to the filing checklist through ``core.checklists`` (the blacklist)."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from core import checklists
from registry.selectors.filings import filing_roster
from registry.services.filing_checks import FILING_CHECKLIST, filing_run_checks
from tests.factories import make_ready_filing

pytestmark = pytest.mark.django_db


@pytest.fixture
def filing(regions):
    with scopes_disabled():
        return make_ready_filing()


@pytest.fixture
def no_provider():
    """The checklist as registry sees it when no app provides the item (supervision provides it:
    tests/supervision); the installed provider is put back afterwards."""
    installed = checklists.provider(FILING_CHECKLIST, "blacklist")
    checklists.unregister(FILING_CHECKLIST, "blacklist")
    yield
    if installed is not None:
        checklists.register(FILING_CHECKLIST, "blacklist", installed)


@pytest.fixture
def blacklist(no_provider):
    listed: list[str] = []
    seen = []

    def provider(*, filing, today, roster):
        seen.append((filing.pk, today, len(roster)))
        return listed

    checklists.register(FILING_CHECKLIST, "blacklist", provider)
    yield listed, seen
    checklists.unregister(FILING_CHECKLIST, "blacklist")


def test_without_a_provider_there_is_no_blacklist_item(filing, no_provider):
    assert checklists.provider(FILING_CHECKLIST, "blacklist") is None
    with scopes_disabled():
        checks = filing_run_checks(filing=filing)
    assert checks and all(c["passed"] for c in checks)
    assert "blacklist" not in {c["code"] for c in checks}


def test_a_registered_provider_adds_the_item_and_decides_it(filing, blacklist):
    listed, seen = blacklist
    with scopes_disabled():
        passed = {c["code"]: c["passed"] for c in filing_run_checks(filing=filing)}
        listed.append("王某某")
        failed = [c for c in filing_run_checks(filing=filing) if not c["passed"]]
    assert passed["blacklist"] is True
    assert [c["code"] for c in failed] == ["blacklist"]
    # the provider is handed the day and the roster the checklist read (it need not read them again)
    with scopes_disabled():
        on_duty = len(filing_roster(filing=filing, today=timezone.localdate()))
    assert on_duty > 0
    assert seen == [(filing.pk, timezone.localdate(), on_duty)] * 2
