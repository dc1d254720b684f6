"""Time the 挂靠 sweep (``registry.staff_conflicts``) with every flag missing, on a generated data set.

    .venv/bin/python bench/sweep.py --database-url postgres://postgres@127.0.0.1:5432/childcare_bench

Each run, in one transaction that is rolled back at the end (the data set is left as it was):
deletes every ``StaffConflictFlag`` (with ``session_replication_role = replica``, so neither the
audit triggers nor the history's append-only guard fire for the set-up), then runs the sweep as
``core.sweeps.run_sweep`` does (``run_body``: scopes disabled, the flags audited as one event of the
run) and times it; prints the flags created and the per-flag history rows written.
``--per-row-audit`` calls the sweep function alone instead: every flag fires its audit trigger, as
before (compare the two side by side: the machine's load moves both).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class _Rollback(Exception):
    pass


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/childcare_bench")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--per-row-audit", action="store_true",
                        help="run the sweep function alone, as before issue 13: one audit trigger call per flag")
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childcare.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    from core import sweeps
    from core.tenancy import scopes_disabled
    from registry.sweeps import STAFF_CONFLICTS

    sweep = sweeps.get_sweep(STAFF_CONFLICTS)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM registry_staffconflictflag")
        flags = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM registry_staff")
        staff = cur.fetchone()[0]
    print(f"staff {staff:,}, flags {flags:,}")
    times = []
    for n in range(args.runs):
        try:
            with scopes_disabled(), transaction.atomic():
                with connection.cursor() as cur:
                    cur.execute("SET LOCAL session_replication_role = replica")
                    cur.execute("DELETE FROM registry_staffconflictflag")
                    cur.execute("SET LOCAL session_replication_role = origin")
                    cur.execute("SELECT count(*) FROM registry_staffconflictflaghistory")
                    history_before = cur.fetchone()[0]
                started = time.perf_counter()
                summary = sweep.func() if args.per_row_audit else sweeps.run_body(sweep)
                elapsed = time.perf_counter() - started
                with connection.cursor() as cur:
                    cur.execute("SELECT count(*) FROM registry_staffconflictflaghistory")
                    history = cur.fetchone()[0] - history_before
                times.append(elapsed)
                print(f"run {n + 1}: {elapsed:.2f} s, {dict(summary)}, flag history rows written: {history}")
                raise _Rollback
        except _Rollback:
            pass
    print(f"median {statistics.median(times):.2f} s over {len(times)} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
