"""bench/run.py's reviewer pages on the small test region tree: every page answers, the accept is
rolled back, nothing stays behind (so the national run measures what it says)."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from bench.run import reviewer_pages
from registry.models import Filing, Institution

pytestmark = pytest.mark.django_db


def test_reviewer_pages_run_and_leave_nothing(regions, settings):
    results = reviewer_pages(runs=1, district="330106")
    names = [r.name for r in results]
    assert "page: review of a filing" in names and "POST accept (number issued, render queued)" in names
    assert all(r.times_ms for r in results)
    pages = [r for r in results if r.target_ms]
    assert all(r.rows.startswith("HTTP ") for r in pages), [(r.name, r.rows) for r in pages]
    with scopes_disabled():
        assert not Institution.objects.filter(name="基准测试审核页托育园").exists()
        assert not Filing.objects.exists()
