"""The load test's review pool (bench/loadtest_data.py): generated queue filings fail the accept
checks; once prepared, a reviewer's accept really issues a receipt (the load test's receipt check
is only meaningful if accepts succeed)."""

from __future__ import annotations

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from accounts.selectors import scope_of
from bench.generate import populate
from bench.loadtest_data import REQUIRED_DOCS, prepare_review_pool
from core.tenancy import tenant_scope
from registry.models import Filing, FilingDocument
from registry.services import filings as svc
from registry.services.filing_checks import filing_run_checks

pytestmark = pytest.mark.django_db


def _busiest_districts(n: int) -> list[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT district_id FROM registry_institution WHERE kind = 'institution' "
                    "AND status IN ('filed', 'filing') GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT %s", [n])
        return [r[0] for r in cur.fetchall()]


def test_prepared_filings_pass_every_check_and_accepts_issue_receipts(regions, make_account, tmp_path):
    populate(institutions=120, log=lambda *a: None, blacklist_entries=0)
    districts = _busiest_districts(2)
    with scopes_disabled():
        queued = list(Filing.objects.filter(district_id__in=districts, status__in=("submitted", "resubmitted"),
                                            institution__kind="institution"))
        # As generated, a queue filing cannot be accepted: the load test's first run issued no receipt.
        assert all(any(not c["passed"] for c in filing_run_checks(filing=f)) for f in queued)

        pool = prepare_review_pool(districts, media_root=tmp_path, new_per_district=5)

    ready = [f for ids in pool["filings"].values() for f in ids]
    assert pool["created"] > 0 and len(ready) >= pool["made_ready"] * 0.6, pool
    with scopes_disabled():
        for filing in Filing.objects.filter(id__in=ready):
            assert filing.status in ("submitted", "resubmitted")
            assert all(c["passed"] for c in filing_run_checks(filing=filing))
        docs = FilingDocument.objects.filter(filing_id=ready[0])
        assert sorted(docs.values_list("doc_type", flat=True)) == sorted(REQUIRED_DOCS)
        assert all((tmp_path / d.file.name).read_bytes().startswith(b"%PDF-") for d in docs)

    district = next(d for d, ids in pool["filings"].items() if len(ids) >= 2)
    reviewer = make_account("load_reviewer", "district_reviewer", district)
    numbers = []
    for filing_id in pool["filings"][district][:2]:
        with tenant_scope(scope_of(reviewer.active_assignments[0])):
            numbers.append(svc.filing_accept(actor=reviewer, filing_id=filing_id).receipt_no)
    first, second = (int(n.rsplit("-", 1)[1]) for n in numbers)
    assert numbers[0].startswith(f"{district}-") and second == first + 1  # gap-free, in order
