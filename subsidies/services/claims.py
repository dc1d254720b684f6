"""Subsidy claims: operating (a month, one line per child) and construction (new slots); submit,
district and city approval against the budgets, return, clawback.

Amounts are computed here from ``subsidies.rules`` with the policy version valid for the claim (kept
on the claim); approval charges each level's share to that level's budget of the year, with the
budget rows locked (in region order: two approvals never both take the last yuan, nor deadlock).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.models import User
from core.errors import Conflict, DomainError, InvalidTransition, NotFound
from core.events import record_event
from core.permissions import require_role
from registry.models import FilingClass, Institution, InstitutionStatus

from .. import rules
from ..models import (
    Certification,
    ClaimDocument,
    ClaimKind,
    ClaimLine,
    Enrolment,
    LineReason,
    PayoutItem,
    PayoutItemKind,
    SubsidyBudget,
    SubsidyClaim,
    SubsidyClaimStatus,
    SubsidyPolicy,
)
from ..selectors.certifications import ENDED_OR_CERTIFIED, certified_during
from ..selectors.policies import guided_prices_for, guided_prices_for_places, policies_for, policy_for
from ..workflow import CLAIM, DISTRICT_DECIDERS, OPERATORS, PAYERS, ClaimAction
from . import notices
from .duplicates import claim_recount, duplicates_refresh

CREATORS = OPERATORS | DISTRICT_DECIDERS
LEVEL_REGION = {"province": "province_id", "city": "city_id", "district": "district_id"}


def budget_exceeded(message: str) -> DomainError:
    return DomainError("budget_exceeded", message, status_code=409)


# --- eligibility and lines -----------------------------------------------------------------------------

_FETCH = object()  # "read it from the database" (the batch passes what it read for many institutions at once)


def institution_eligibility(institution: Institution, policy: SubsidyPolicy, start: dt.date, end: dt.date,
                            enrolled_on_end: int | None = None, *, cert=_FETCH, prices=None) -> list[dict]:
    """The policy's conditions on the institution for [start, end]: ``[{"code", "passed", "reason"}]``.
    ``cert`` (the certification in force, or None) and ``prices`` (class type → guided price) may be
    passed in when read beforehand for many institutions; otherwise they are read here."""
    out = []
    if policy.requires_filed:
        ok = institution.status == InstitutionStatus.FILED
        out.append({"code": "filed", "passed": ok,
                    "reason": "" if ok else f"机构当前状态为“{institution.get_status_display()}”（须已备案且未暂停）。"})
    if not (policy.requires_inclusive or policy.requires_fee_within_band):
        cert = None
    elif cert is _FETCH:
        cert = certified_during(institution.pk, start, end)
    if policy.requires_inclusive:
        out.append({"code": "inclusive", "passed": cert is not None,
                    "reason": "" if cert else "该期间机构未取得普惠托育认定。"})
    if policy.requires_fee_within_band:
        if prices is None:
            prices = guided_prices_for(district_id=institution.district_id, city_id=institution.city_id, day=start)
        bad = []
        for class_type, fee in sorted(((cert.fees if cert else {}) or {}).items()):
            price = prices.get(class_type)
            if price is None or not rules.fee_within_band(fee, price.price_fen, price.band_bp):
                bad.append(class_type)
        ok = cert is not None and not bad
        out.append({"code": "fee_within_band", "passed": ok,
                    "reason": "" if ok else ("无普惠认定的收费标准可核验。" if cert is None
                                             else f"收费超过指导价上浮范围：{'、'.join(bad)}。")})
    if policy.min_occupancy_bp and enrolled_on_end is not None:
        slots = institution.total_slots or 0
        ok = slots > 0 and enrolled_on_end * rules.BASIS_POINTS >= policy.min_occupancy_bp * slots
        out.append({"code": "min_occupancy", "passed": ok,
                    "reason": "" if ok else f"月末在托 {enrolled_on_end} 人，低于最低收托率要求。"})
    return out


def _policy(institution: Institution, day: dt.date) -> SubsidyPolicy:
    policy = policy_for(district_id=institution.district_id, city_id=institution.city_id, day=day)
    if policy is None:
        raise _policy_missing(day)
    return policy


def _write_totals(claim: SubsidyClaim, units: int) -> None:
    claim.units = units
    claim.amount_fen = units * claim.rate_fen
    shares = rules.split_fen(claim.amount_fen, claim.policy.shares_bp)
    claim.province_share_fen, claim.city_share_fen, claim.district_share_fen = (
        shares["province"], shares["city"], shares["district"])


TOTAL_FIELDS = ["units", "amount_fen", "province_share_fen", "city_share_fen", "district_share_fen"]


@dataclass
class OperatingInputs:
    """What an institution's operating claim of a month is computed from (``policy`` None: no policy
    applies, the claim cannot be made)."""

    policy: SubsidyPolicy | None
    eligibility: list[dict]
    enrolments: list[Enrolment]
    capacity: dict[str, int]


# What the lines read of an enrolment (not its ciphertext nor its timestamps: 56 a claim, 28,000 a batch).
ENROLMENT_READ = ("id", "institution_id", "child_name", "id_number_hash", "id_number_masked", "birth_date",
                  "class_type", "enrolled_on", "left_on")


def operating_inputs(institutions: list[Institution], period: dt.date) -> dict[int, OperatingInputs]:
    """The inputs of the month ``period`` for many institutions in a few statements: their enrolments,
    filed slots per class type, certifications, and the policies and guided prices of all their
    districts in one query each. The one-institution path (``_compute_operating``) calls this with one institution,
    so both read exactly the same rows and apply the same rules."""
    end = rules.month_end(period)
    ids = [i.pk for i in institutions]
    enrolments: dict[int, list[Enrolment]] = {pk: [] for pk in ids}
    for e in (Enrolment.objects.filter(Q(left_on__isnull=True) | Q(left_on__gte=period), institution_id__in=ids,
                                       enrolled_on__lte=end).only(*ENROLMENT_READ)
              .order_by("institution_id", "enrolled_on", "id")):
        enrolments[e.institution_id].append(e)
    capacity: dict[int, dict[str, int]] = {}
    filings = [i.current_filing_id for i in institutions if i.current_filing_id]
    for r in (FilingClass.objects.filter(filing_id__in=filings).values("filing_id", "class_type")
              .annotate(slots=Sum("planned_children")).order_by()):
        capacity.setdefault(r["filing_id"], {})[r["class_type"]] = r["slots"]
    certs: dict[int, Certification] = {}
    for c in (Certification.objects.filter(institution_id__in=ids, period_start__lte=end, period_end__gte=period,
                                           status__in=ENDED_OR_CERTIFIED).order_by("institution_id", "-period_start")):
        certs.setdefault(c.institution_id, c)
    policies = policies_for({(i.district_id, i.city_id) for i in institutions}, period)
    prices = guided_prices_for_places({where for where, p in policies.items() if p and p.requires_fee_within_band},
                                      period)
    out = {}
    for inst in institutions:
        where = (inst.district_id, inst.city_id)
        policy = policies[where]
        rows = enrolments[inst.pk]
        if policy is None:
            out[inst.pk] = OperatingInputs(None, [], rows, {})
            continue
        on_end = sum(1 for e in rows if e.left_on is None or e.left_on >= end)
        eligibility = institution_eligibility(inst, policy, period, end, on_end, cert=certs.get(inst.pk),
                                              prices=prices.get(where))
        out[inst.pk] = OperatingInputs(policy, eligibility, rows, capacity.get(inst.current_filing_id, {})
                                       if inst.current_filing_id else {})
    return out


def _computed_lines(claim: SubsidyClaim, inputs: OperatingInputs, yielded=frozenset()):
    """``(enrolment, rules.Line, yielded)`` for each line of ``claim`` (its policy set), in enrolment order."""
    eligible_inst = all(c["passed"] for c in inputs.eligibility)
    children = [rules.Child(e.pk, e.birth_date, e.class_type, e.enrolled_on, e.left_on) for e in inputs.enrolments]
    computed = {line.key: line for line in rules.compute_lines(
        claim.period, children, inputs.capacity, min_eligible_days=claim.policy.min_eligible_days,
        institution_eligible=eligible_inst)}
    for e in inputs.enrolments:
        line = computed.get(e.pk)
        if line is not None:
            yield e, line, e.pk in yielded and line.eligible


def operating_lines(claim: SubsidyClaim, inputs: OperatingInputs, yielded: set[int] = frozenset()) -> list[ClaimLine]:
    """The unsaved lines of ``claim`` (its policy set) from ``inputs`` (``subsidies.rules.compute_lines``);
    ``yielded``: enrolments a district already decided do not keep the month here."""
    return [ClaimLine(
        claim=claim, enrolment=e, period=claim.period, child_name=e.child_name, id_number_hash=e.id_number_hash,
        id_number_masked=e.id_number_masked, birth_date=e.birth_date, class_type=e.class_type,
        enrolled_days=line.enrolled_days, eligible_days=line.eligible_days, excluded_days=line.excluded_days,
        eligible=line.eligible, yielded=is_yielded, counts=line.eligible and not is_yielded,
        reason=LineReason.DUPLICATE_YIELDED if is_yielded else line.reason)
        for e, line, is_yielded in _computed_lines(claim, inputs, yielded)]


# The batch's lines in ONE statement: one JSON array of rows (``json.dumps`` in C; psycopg's quoting of
# a dozen text arrays element by element cost more than the rules), unpacked in their order (the ids
# follow it, as ``bulk_create``'s do), the tenant columns copied from each line's claim
# (``TenantModel``'s rule: from ``tenant_parent``). Not ``COPY``: PostgreSQL refuses ``COPY FROM``
# into a table with row-level security for a role it binds (the app role); an INSERT is checked by
# the policy instead.
_LINES_SQL = """
INSERT INTO subsidies_claimline (claim_id, enrolment_id, period, child_name, id_number_hash, id_number_masked,
  birth_date, class_type, enrolled_days, eligible_days, excluded_days, eligible, duplicate, yielded, counts, reason,
  region_id, province_id, city_id, district_id)
SELECT c.id, (u.r->>1)::bigint, c.period, u.r->>2, u.r->>3, u.r->>4, (u.r->>5)::date, u.r->>6, (u.r->>7)::int,
       (u.r->>8)::int, (u.r->9)::jsonb, (u.r->>10)::boolean, false, false, (u.r->>10)::boolean, u.r->>11,
       c.region_id, c.province_id, c.city_id, c.district_id
FROM json_array_elements(%s::json) WITH ORDINALITY AS u(r, n)
JOIN subsidies_subsidyclaim c ON c.id = (u.r->>0)::bigint
ORDER BY u.n"""


def _insert_lines(rows: list[tuple]) -> None:
    """Write the batch's new lines (``(claim id, enrolment, rules.Line)``; none yielded yet: a new
    claim) with ``_LINES_SQL``: no model instance per line. ``counts`` is ``eligible``: nothing yielded."""
    import json

    if not rows:
        return
    payload = json.dumps([[claim_id, e.pk, e.child_name, e.id_number_hash, e.id_number_masked, e.birth_date.isoformat(),
                           e.class_type, line.enrolled_days, line.eligible_days, line.excluded_days, line.eligible,
                           line.reason] for claim_id, e, line in rows], ensure_ascii=False)
    with connection.cursor() as cursor:
        cursor.execute(_LINES_SQL, [payload])
        if cursor.rowcount != len(rows):  # a line whose claim the join did not find: never silently dropped
            raise RuntimeError(f"claim lines: {cursor.rowcount} written of {len(rows)}")


def _policy_missing(day: dt.date) -> DomainError:
    return DomainError("policy_missing", f"{day:%Y-%m-%d} 所在辖区没有适用的补助政策。", status_code=409)


def _compute_operating(claim: SubsidyClaim) -> None:
    """(Re)write the claim's lines from the enrolments and the policy valid for its month, run the
    nationwide duplicate check for its children, and set its totals."""
    inputs = operating_inputs([claim.institution], claim.period)[claim.institution.pk]
    if inputs.policy is None:
        raise _policy_missing(claim.period)
    claim.policy, claim.rate_fen, claim.eligibility = inputs.policy, inputs.policy.operating_rate_fen, inputs.eligibility
    old_hashes = list(claim.lines.values_list("id_number_hash", flat=True)) if claim.pk else []
    yielded = set(claim.lines.filter(yielded=True).values_list("enrolment_id", flat=True)) if claim.pk else set()
    if claim.pk:
        claim.lines.all().delete()
    _write_totals(claim, 0)
    claim.save()
    lines = operating_lines(claim, inputs, yielded)
    ClaimLine.objects.bulk_create(lines)
    _write_totals(claim, sum(1 for line in lines if line.counts))
    claim.save(update_fields=[*TOTAL_FIELDS, "updated_at"])
    hashes = sorted({line.id_number_hash for line in lines} | set(old_hashes))
    if hashes:
        duplicates_refresh(period=claim.period, hashes=hashes)
        claim.refresh_from_db(fields=TOTAL_FIELDS)


def _institution_locked(actor: User | None, institution_id: int) -> Institution:
    institution = Institution.objects.select_for_update(of=("self",)).filter(pk=institution_id).first()
    if institution is None:
        raise NotFound("机构不存在或不在您的管辖范围内。")
    if actor is not None:
        require_role(actor, CREATORS, institution, message="您的角色不能生成补助申请。")
    return institution


@transaction.atomic
def operating_claim_create(*, actor: User | None, institution_id: int, period: dt.date) -> SubsidyClaim:
    """The operating claim of a month that is over (on demand, or the task on the 1st: ``actor`` None)."""
    institution = _institution_locked(actor, institution_id)
    period = rules.month_start(period)
    if period >= rules.month_start(timezone.localdate()):
        raise DomainError("period_not_over", "只能申报已结束月份的运营补助。", fields={"period": ["该月尚未结束。"]})
    if SubsidyClaim.objects.filter(institution=institution, kind=ClaimKind.OPERATING, period=period).exists():
        raise Conflict("该机构该月的运营补助申请已存在。", code="claim_exists")
    claim = SubsidyClaim(institution=institution, kind=ClaimKind.OPERATING, period=period, budget_year=period.year,
                         created_by=actor)
    try:
        with transaction.atomic():
            _compute_operating(claim)
    except IntegrityError:
        raise Conflict("该机构该月的运营补助申请已存在。", code="claim_exists") from None
    record_event(claim, actor=actor, action=ClaimAction.CREATE, from_status="")
    return claim


def _subsidised_slots(institution_id: int, exclude_id: int | None = None) -> int:
    qs = SubsidyClaim.objects.filter(institution_id=institution_id, kind=ClaimKind.CONSTRUCTION)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return qs.aggregate(n=Sum("slots"))["n"] or 0


@transaction.atomic
def construction_claim_create(*, actor: User | None, institution_id: int, slots: int) -> SubsidyClaim:
    """New slots since the last subsidised count: the filed slots minus every slot already claimed
    (a slot is subsidised once, ever); amount = slots × the policy's construction rate."""
    institution = _institution_locked(actor, institution_id)
    today = timezone.localdate()
    policy = _policy(institution, today)
    available = (institution.total_slots or 0) - _subsidised_slots(institution.pk)
    if slots > available:
        raise DomainError("slots_exceed_new", f"已备案托位 {institution.total_slots} 个，已申报建设补助 "
                          f"{_subsidised_slots(institution.pk)} 个，可申报的新增托位为 {max(available, 0)} 个。",
                          fields={"slots": [("slots_exceed_new", f"最多 {max(available, 0)} 个。")]})
    claim = SubsidyClaim(institution=institution, kind=ClaimKind.CONSTRUCTION, policy=policy,
                         rate_fen=policy.construction_rate_fen, slots=slots, budget_year=today.year, created_by=actor,
                         eligibility=institution_eligibility(institution, policy, today, today))
    _write_totals(claim, slots)
    claim.save()
    record_event(claim, actor=actor, action=ClaimAction.CREATE, from_status="")
    return claim


def _locked(claim_id: int) -> SubsidyClaim:
    claim = (SubsidyClaim.objects.select_for_update(of=("self",)).select_related("institution", "policy")
             .filter(pk=claim_id).first())
    if claim is None:
        raise NotFound("补助申请不存在或不在您的管辖范围内。")
    return claim


MAX_CLAIM_DOCUMENTS = 20


@transaction.atomic
def claim_document_upload(*, actor: User, claim_id: int, uploaded_file) -> ClaimDocument:
    """Evidence of a construction claim still with the operator (draft or returned), judged by content
    as a filing's documents are (registry's ``validate_upload``: PDF, JPEG or PNG within the limit)."""
    from registry.services.documents import sha256_of, validate_upload

    claim = _locked(claim_id)
    require_role(actor, OPERATORS, claim, message="只有机构举办者可以上传佐证材料。")
    if claim.kind != ClaimKind.CONSTRUCTION or claim.status not in (SubsidyClaimStatus.DRAFT,
                                                                    SubsidyClaimStatus.RETURNED):
        raise InvalidTransition("只有草稿或已退回的建设补助申请可以上传佐证材料。")
    if claim.documents.count() >= MAX_CLAIM_DOCUMENTS:
        raise DomainError("too_many_documents", f"最多上传 {MAX_CLAIM_DOCUMENTS} 份佐证材料。")
    content_type, _ = validate_upload(uploaded_file)
    name = (getattr(uploaded_file, "name", "") or "evidence")[-255:]
    doc = ClaimDocument(claim=claim, original_name=name, content_type=content_type, size=uploaded_file.size,
                        sha256=sha256_of(uploaded_file), uploaded_by=actor)
    doc.file.save(name, uploaded_file, save=False)
    doc.save()
    return doc


@transaction.atomic
def claim_recompute(*, actor: User, claim_id: int) -> SubsidyClaim:
    """Recompute an open operating claim from today's enrolments and the policy now valid for its month."""
    claim = _locked(claim_id)
    require_role(actor, CREATORS, claim)
    if claim.kind != ClaimKind.OPERATING or claim.status not in (SubsidyClaimStatus.DRAFT, SubsidyClaimStatus.RETURNED):
        raise InvalidTransition("只有草稿或已退回的运营补助申请可以重新计算。")
    _compute_operating(claim)
    record_event(claim, actor=actor, action=ClaimAction.RECOMPUTE, from_status=claim.status)
    return claim


@transaction.atomic
def claim_submit(*, actor: User, claim_id: int, expected_version: int | None = None) -> SubsidyClaim:
    claim = _locked(claim_id)
    t = CLAIM.ensure_transition(claim, ClaimAction.SUBMIT, actor, expected_version=expected_version)
    if claim.kind == ClaimKind.OPERATING:
        _compute_operating(claim)
    failed = [c for c in claim.eligibility if not c["passed"]]
    if claim.kind == ClaimKind.CONSTRUCTION and failed:
        raise DomainError("institution_not_eligible", "机构不符合建设补助条件。",
                          fields={"institution": [(c["code"], c["reason"]) for c in failed]})
    if claim.kind == ClaimKind.CONSTRUCTION and not claim.documents.exists():
        raise DomainError("evidence_required", "建设补助须上传新增托位的佐证材料（照片、验收证明等）。",
                          fields={"documents": [("evidence_required", "请至少上传一份佐证材料。")]})
    claim.submitted_at = timezone.now()
    CLAIM.apply(claim, t, actor=actor, update_fields=["submitted_at", "policy", "rate_fen", "eligibility",
                                                      *TOTAL_FIELDS])
    notices.claim_submitted(claim)
    return claim


def _budgets_locked(claim: SubsidyClaim) -> dict[str, SubsidyBudget | None]:
    """The budget of each level of the claim's year, locked in region order (no deadlock)."""
    regions = {level: getattr(claim, column) for level, column in LEVEL_REGION.items()}
    rows = {b.region_id: b for b in SubsidyBudget.objects.select_for_update().filter(
        region_id__in=[r for r in regions.values() if r], year=claim.budget_year).order_by("region_id")}
    return {level: rows.get(code) for level, code in regions.items()}


def _charge(claim: SubsidyClaim, sign: int) -> None:
    shares = {"province": claim.province_share_fen, "city": claim.city_share_fen,
              "district": claim.district_share_fen}
    budgets = _budgets_locked(claim)
    for level, share in shares.items():
        if share == 0:
            continue
        budget = budgets[level]
        if budget is None:
            raise budget_exceeded(f"{claim.budget_year} 年度{ {'province': '省级', 'city': '市级', 'district': '区县'}[level]}"
                                  "补助预算尚未设置。")
        if sign > 0 and budget.committed_fen + share > budget.amount_fen:
            raise budget_exceeded(f"超出剩余预算：本申请需 {rules.yuan(share)} 元，剩余 {rules.yuan(budget.left_fen)} 元。")
        budget.committed_fen += sign * share
        budget.save(update_fields=["committed_fen", "updated_at"])


@transaction.atomic
def claim_approve(*, actor: User, claim_id: int, expected_version: int | None = None) -> SubsidyClaim:
    """Submitted → district approved (the budgets charged); district approved → city approved
    (when the policy asks for it). ``budget_exceeded`` (409) beyond what a budget has left."""
    claim = _locked(claim_id)
    if claim.status == SubsidyClaimStatus.DISTRICT_APPROVED:
        t = CLAIM.ensure_transition(claim, ClaimAction.CITY_APPROVE, actor, expected_version=expected_version)
        if not claim.policy.requires_city_approval:
            raise InvalidTransition("该申请适用的政策不需要市级审核。", code="city_approval_not_required")
        claim.city_approved_at, claim.city_approved_by = timezone.now(), actor
        CLAIM.apply(claim, t, actor=actor, update_fields=["city_approved_at", "city_approved_by"])
        notices.claim_approved(claim, by_city=True)
        return claim
    t = CLAIM.ensure_transition(claim, ClaimAction.APPROVE, actor, expected_version=expected_version)
    unresolved = claim.lines.filter(reason=LineReason.DUPLICATE_CHILD).count()
    if unresolved:
        raise Conflict(f"有 {unresolved} 名婴幼儿同月在其他机构申报，须先核定。", code="duplicate_unresolved")
    failed = [c for c in claim.eligibility if not c["passed"]]
    if claim.kind == ClaimKind.CONSTRUCTION and failed:
        raise DomainError("institution_not_eligible", "机构不符合建设补助条件。", status_code=409)
    _charge(claim, +1)
    claim.approved_at, claim.approved_by = timezone.now(), actor
    CLAIM.apply(claim, t, actor=actor, update_fields=["approved_at", "approved_by"])
    notices.claim_approved(claim, by_city=False)
    return claim


@transaction.atomic
def claim_return(*, actor: User, claim_id: int, reasons: list[str], expected_version: int | None = None
                 ) -> SubsidyClaim:
    """Submitted → returned (district), or district approved → returned (city; the budgets released)."""
    claim = _locked(claim_id)
    action = ClaimAction.CITY_RETURN if claim.status == SubsidyClaimStatus.DISTRICT_APPROVED else ClaimAction.RETURN
    t = CLAIM.ensure_transition(claim, action, actor, expected_version=expected_version)
    if not reasons:
        raise DomainError("reasons_required", "退回须逐项列明理由。", fields={"reasons": ["请至少填写一项理由。"]})
    if action == ClaimAction.CITY_RETURN:
        _charge(claim, -1)
    claim.return_reasons = reasons
    CLAIM.apply(claim, t, actor=actor, update_fields=["return_reasons"], items=reasons)
    notices.claim_returned(claim, reasons)
    return claim


@transaction.atomic
def line_yield(*, actor: User, line_id: int, reason: str) -> ClaimLine:
    """The district of a duplicate line decides its institution does not keep the month; when one
    eligible line is left nationwide, it counts again."""
    line = ClaimLine.objects.select_for_update(of=("self",)).select_related("claim").filter(pk=line_id).first()
    if line is None:
        raise NotFound("补助明细不存在或不在您的管辖范围内。")
    require_role(actor, DISTRICT_DECIDERS, line, message="只有区县审核人员可以核定重复申报。")
    if not line.duplicate or line.claim.status not in (SubsidyClaimStatus.DRAFT, SubsidyClaimStatus.SUBMITTED,
                                                       SubsidyClaimStatus.RETURNED):
        raise InvalidTransition("只有待审核申请中的重复申报明细可以核定。", code="line_not_duplicate")
    if not reason:
        raise DomainError("reason_required", "须说明核定理由。", fields={"reason": [("reason_required", "请填写理由。")]})
    line.yielded, line.counts, line.reason = True, False, LineReason.DUPLICATE_YIELDED
    line.save(update_fields=["yielded", "counts", "reason"])
    record_event(line.claim, actor=actor, action=ClaimAction.YIELD_LINE, from_status=line.claim.status,
                 reason=reason, items=[line.id_number_masked])
    claim_recount(line.claim_id)
    duplicates_refresh(period=line.period, hashes=[line.id_number_hash])
    return line


@transaction.atomic
def claim_clawback(*, actor: User, claim_id: int, amount_fen: int, reason: str) -> PayoutItem:
    """An amount paid wrongly, taken back as a negative item of the district's next batch."""
    claim = _locked(claim_id)
    require_role(actor, PAYERS, claim, message="只有管理员可以追回补助。")
    if claim.status != SubsidyClaimStatus.PAID:
        raise InvalidTransition("只有已拨付的申请可以追回。")
    if not reason:
        raise DomainError("reason_required", "追回须说明原因。", fields={"reason": [("reason_required", "请填写原因。")]})
    taken = -(claim.payout_items.filter(kind=PayoutItemKind.CLAWBACK).aggregate(t=Sum("amount_fen"))["t"] or 0)
    if amount_fen > claim.amount_fen - taken:
        raise DomainError("clawback_exceeds_paid", f"追回金额超过可追回的 {rules.yuan(claim.amount_fen - taken)} 元。",
                          fields={"amount_fen": ["超过已拨付金额。"]})
    shares = rules.split_fen(-amount_fen, claim.policy.shares_bp)
    item = PayoutItem.objects.create(claim=claim, kind=PayoutItemKind.CLAWBACK, amount_fen=-amount_fen,
                                     province_share_fen=shares["province"], city_share_fen=shares["city"],
                                     district_share_fen=shares["district"], reason=reason, created_by=actor)
    record_event(claim, actor=actor, action=ClaimAction.CLAWBACK, from_status=claim.status, reason=reason,
                 items=[rules.yuan(-amount_fen)])
    return item


BATCH_SIZE = 500


MONTHLY_RUN = "subsidies.monthly_claims"  # the SweepRun name a batch's one audit event belongs to


def operating_claims_batch(*, period: dt.date, institution_ids: list[int], actor: User | None = None,
                           run=None) -> dict:
    """The operating claims of the month ``period`` for many institutions at once, in one transaction:
    the institutions locked (in id order: two runs of the same month queue, never deadlock, and the
    second finds the claims made), those that already have the month's claim skipped (idempotent), the
    inputs read in a few statements (``operating_inputs``), the lines computed by the same rules as
    one claim's, claims and lines bulk-inserted, one creation event per claim in ONE statement, then
    one nationwide duplicate check for all their children. No role check: the task's (actor None).

    Audit: the claims and lines written leave no history row each (``core.audit.bulk_writes``: the
    per-row trigger would cost more than the rest); the batch records ONE ``bulk_write`` event of
    ``run`` (a ``core.SweepRun`` named ``subsidies.monthly_claims``, made when not given) with its counts."""
    import pghistory

    from core.audit import BULK_WRITE, bulk_writes
    from core.events import event_model_for, event_params, insert_events_sql
    from core.models import SweepRun

    period = rules.month_start(period)
    if period >= rules.month_start(timezone.localdate()):
        raise DomainError("period_not_over", "只能申报已结束月份的运营补助。")
    refused: dict[str, int] = {}
    with transaction.atomic(), bulk_writes(SubsidyClaim, ClaimLine):
        institutions = list(Institution.objects.select_for_update(of=("self",)).filter(pk__in=institution_ids)
                            .order_by("pk"))
        done = set(SubsidyClaim.objects.filter(institution_id__in=institution_ids, kind=ClaimKind.OPERATING,
                                               period=period).values_list("institution_id", flat=True))
        institutions = [i for i in institutions if i.pk not in done]
        inputs = operating_inputs(institutions, period)
        claims, lines = [], []  # lines: (claim, enrolment, rules.Line) per claim, in enrolment order
        for inst in institutions:
            got = inputs[inst.pk]
            if got.policy is None:
                refused["policy_missing"] = refused.get("policy_missing", 0) + 1
                continue
            claim = SubsidyClaim(institution=inst, kind=ClaimKind.OPERATING, period=period, budget_year=period.year,
                                 created_by=actor, policy=got.policy, rate_fen=got.policy.operating_rate_fen,
                                 eligibility=got.eligibility)
            own = [(claim, e, line) for e, line, _ in _computed_lines(claim, got)]
            _write_totals(claim, sum(1 for *_, line in own if line.eligible))  # new claim: nothing yielded
            claims.append(claim)
            lines.extend(own)
        SubsidyClaim.objects.bulk_create(claims)
        _insert_lines([(claim.pk, e, line) for claim, e, line in lines])
        if claims:
            events = event_model_for(SubsidyClaim)
            tenant = ", ".join(f"c.{col}" for col in ("region_id", "province_id", "city_id", "district_id"))
            source = (f"(SELECT c.id, '' AS from_status, c.status AS to_status, {tenant} "  # noqa: S608 - names are ours
                      "FROM subsidies_subsidyclaim c WHERE c.id = ANY(%s))")
            with connection.cursor() as cursor:
                cursor.execute(insert_events_sql(events, source),
                               [*event_params(action=ClaimAction.CREATE, actor=actor), [c.pk for c in claims]])
        hashes = sorted({e.id_number_hash for _, e, _ in lines})
        dup = duplicates_refresh(period=period, hashes=hashes) if hashes else {}
        summary = {"period": f"{period:%Y-%m}", "created": len(claims), "lines": len(lines), "skipped": len(done),
                   "refused": refused, "flagged": dup.get("flagged", 0)}
        if claims:
            if run is None:
                run = SweepRun.objects.create(name=MONTHLY_RUN, started_at=timezone.now())
            run.summary, run.rows = summary, len(claims) + len(lines)
            pghistory.create_event(run, label=BULK_WRITE)
    return summary


def monthly_claims_generate(period: dt.date | None = None) -> dict:
    """The task of the 1st: an operating claim for the month before for every filed institution that
    has enrolments in it and no claim yet, ``BATCH_SIZE`` institutions per transaction
    (``operating_claims_batch``: set-based reads, bulk writes; a failed batch does not stop the others)."""
    from django_scopes import scopes_disabled

    period = rules.month_start(period or rules.previous_month(timezone.localdate()))
    end = rules.month_end(period)
    with scopes_disabled():
        ids = list(Enrolment.objects.filter(enrolled_on__lte=end).exclude(left_on__lt=period)
                   .filter(institution__status=InstitutionStatus.FILED)
                   .exclude(institution__subsidy_claims__period=period)
                   .values_list("institution_id", flat=True).distinct().order_by("institution_id"))
        from core.models import SweepOutcome, SweepRun

        run = SweepRun.objects.create(name=MONTHLY_RUN, started_at=timezone.now())
        made, refused = 0, {}
        for i in range(0, len(ids), BATCH_SIZE):
            try:
                got = operating_claims_batch(period=period, institution_ids=ids[i:i + BATCH_SIZE], run=run)
            except DomainError as exc:
                refused[exc.code] = refused.get(exc.code, 0) + len(ids[i:i + BATCH_SIZE])
                continue
            made += got["created"]
            for code, n in got["refused"].items():
                refused[code] = refused.get(code, 0) + n
        summary = {"period": f"{period:%Y-%m}", "institutions": len(ids), "created": made, "refused": refused}
        run.outcome, run.summary, run.rows, run.finished_at = SweepOutcome.OK, summary, made, timezone.now()
        run.save(update_fields=["outcome", "summary", "rows", "finished_at"])
    return summary
