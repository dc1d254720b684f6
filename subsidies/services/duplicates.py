"""The same child claimed twice: nationwide, by blind index, month by month.

A child-month counts on at most one claim. When a child (``id_number_hash``) is in an *eligible*
line (enough eligible days at an eligible institution; not yielded) of two or more claims for the
same month anywhere in the country, every such line is flagged ``duplicate`` and, on claims still
open (draft, submitted, returned), counted on none (``reason`` ``duplicate_child``) until a
district resolves it: the district of a line that should not keep the month *yields* it
(``duplicate_yielded``), and when one eligible line is left it counts again. Lines of claims
already approved keep their amount and carry the flag, for the district's clawback decision.

``duplicates_refresh`` is the one statement that makes the flags true — for some children of a
month (a claim's own check, right after its lines are written) or for a whole month or all
months (the nightly sweep ``subsidies.duplicates``, which catches claims computed at the same
moment in two districts). It runs with scopes disabled: a cross-tenant write by design, touching
only the flag, the counts and the reason of the lines concerned, and the totals of their open claims.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django_scopes import scopes_disabled

from ..models import ClaimLine, SubsidyClaim
from ..selectors.claims import OPEN_CLAIM_STATES

# One statement. Its cost is the GROUP BY of the month's eligible lines, read from the partial index
# ``claim_line_dup_idx`` (period, id_number_hash, claim_id) alone (an index-only scan, no sort; two
# claims differ when min(claim_id) <> max(claim_id), no DISTINCT). Only two kinds of line can need a
# change, and only they are joined to their claims: the eligible lines of a duplicated child-month
# (found by the same index) and the lines flagged before (partial index ``claim_line_flagged_idx``).
_SQL = """
WITH dup AS MATERIALIZED (
  SELECT period, id_number_hash FROM subsidies_claimline
  WHERE eligible AND NOT yielded {where}
  GROUP BY period, id_number_hash HAVING min(claim_id) <> max(claim_id)
), candidate AS MATERIALIZED (
  SELECT l.id, true AS dup FROM dup d JOIN subsidies_claimline l
    ON l.period = d.period AND l.id_number_hash = d.id_number_hash AND l.eligible AND NOT l.yielded
  UNION ALL
  SELECT l.id, false FROM subsidies_claimline l
  WHERE l.duplicate AND NOT EXISTS (SELECT 1 FROM dup d WHERE d.period = l.period
                                    AND d.id_number_hash = l.id_number_hash AND l.eligible AND NOT l.yielded)
  {where_l}
), target AS MATERIALIZED (
  SELECT l.id, c.status = ANY(%(open)s) AS open, k.dup
  FROM candidate k JOIN subsidies_claimline l ON l.id = k.id JOIN subsidies_subsidyclaim c ON c.id = l.claim_id
  WHERE l.duplicate IS DISTINCT FROM k.dup
     OR (c.status = ANY(%(open)s) AND l.counts IS DISTINCT FROM (l.eligible AND NOT l.yielded AND NOT k.dup))
)
UPDATE subsidies_claimline l SET
  duplicate = t.dup,
  counts = CASE WHEN t.open THEN l.eligible AND NOT l.yielded AND NOT t.dup ELSE l.counts END,
  reason = CASE WHEN NOT t.open OR NOT l.eligible THEN l.reason
                WHEN l.yielded THEN 'duplicate_yielded' WHEN t.dup THEN 'duplicate_child' ELSE '' END
FROM target t
WHERE l.id = t.id
RETURNING l.claim_id, t.open, t.dup
"""


def duplicates_refresh(*, period: dt.date | None = None, hashes: list[str] | None = None) -> dict:
    """Make the duplicate flags true for ``hashes`` in ``period`` (or the whole ``period``, or
    everything); recount the open claims whose lines changed. Returns counts."""
    where, params = "", {"open": [str(s) for s in OPEN_CLAIM_STATES]}
    if period is not None:
        where += " AND period = %(period)s"
        params["period"] = period
    if hashes is not None:
        where += " AND id_number_hash = ANY(%(hashes)s)"
        params["hashes"] = list(hashes)
    sql = _SQL.format(where=where, where_l=where.replace(" period", " l.period").replace(" id_number_hash",
                                                                                          " l.id_number_hash"))
    with scopes_disabled(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        changed_open = sorted({claim_id for claim_id, is_open, _ in rows if is_open})
        for claim_id in changed_open:
            claim_recount(claim_id)
        flagged_claims = {claim_id for claim_id, _, dup in rows if dup}
        if flagged_claims:  # the districts told (after commit), one message each with the count
            from collections import Counter

            from .notices import duplicates_flagged

            district_of = dict(SubsidyClaim.objects.filter(pk__in=flagged_claims).values_list("pk", "district_id"))
            duplicates_flagged(dict(Counter(district_of[c] for c, _, dup in rows if dup)))
    return {"lines_changed": len(rows), "flagged": sum(1 for *_, d in rows if d),
            "claims_recounted": len(changed_open)}


def claim_recount(claim_id: int) -> None:
    """Units, amount and shares of an open operating claim from its counted lines (a plain UPDATE:
    the status is not touched, so a concurrent move is not overwritten)."""
    from .. import rules

    claim = SubsidyClaim.objects.select_related("policy").get(pk=claim_id)
    units = ClaimLine.objects.filter(claim_id=claim_id, counts=True).count()
    amount = units * claim.rate_fen
    shares = rules.split_fen(amount, claim.policy.shares_bp)
    SubsidyClaim.objects.filter(pk=claim_id, status__in=OPEN_CLAIM_STATES).update(
        units=units, amount_fen=amount, province_share_fen=shares["province"], city_share_fen=shares["city"],
        district_share_fen=shares["district"])
