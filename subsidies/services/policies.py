"""Policies, guided prices and budgets: written by a city admin for the city, a district admin for
the district (within what the city's policy allows). A policy is never edited: publishing a change
is a new version that ends the previous one the day before it starts."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from accounts.models import User
from core.errors import DomainError
from core.permissions import require_role_at_region
from regions.models import Region, RegionLevel

from ..models import BASIS_POINTS, GuidedPrice, SubsidyBudget, SubsidyPolicy
from ..selectors.policies import policy_for
from ..workflow import POLICY_SETTERS

POLICY_FIELDS = ("construction_rate_min_fen", "construction_rate_max_fen", "construction_rate_fen",
                 "operating_rate_fen", "min_eligible_days", "requires_inclusive", "requires_filed",
                 "requires_fee_within_band", "min_occupancy_bp", "province_share_bp", "city_share_bp",
                 "district_share_bp", "requires_city_approval", "basis")
MAX_FEN = 10**12  # ten billion yuan: beyond any subsidy budget


def _fen(name: str, value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_FEN:
        raise DomainError("value_invalid", "金额应为以分计的非负整数。", fields={name: ["应为以分计的非负整数。"]})
    return value


def _is_city(region: Region) -> bool:
    return region.level in (RegionLevel.CITY, RegionLevel.PROVINCE) and not region.is_tenant


def policy_rules(values: dict, city_policy: SubsidyPolicy | None) -> dict[str, list[str]]:
    """Field errors of a policy's values (and, for a district, against its city's policy)."""
    errors: dict[str, list[tuple[str, str]]] = {}
    if sum(values[f"{lv}_share_bp"] for lv in ("province", "city", "district")) != BASIS_POINTS:
        errors["district_share_bp"] = [("shares_invalid", "各级承担比例之和应为 10000（100%）。")]
    if not values["construction_rate_min_fen"] <= values["construction_rate_fen"] <= values["construction_rate_max_fen"]:
        errors["construction_rate_fen"] = [("value_invalid", "建设补助标准应在上下限之间。")]
    if not 1 <= values["min_eligible_days"] <= 31:
        errors["min_eligible_days"] = [("value_invalid", "应为 1 至 31 天。")]
    if values["min_occupancy_bp"] > BASIS_POINTS:
        errors["min_occupancy_bp"] = [("value_invalid", "不能超过 10000。")]
    if city_policy is not None:
        if not (city_policy.construction_rate_min_fen <= values["construction_rate_fen"]
                <= city_policy.construction_rate_max_fen):
            errors["construction_rate_fen"] = [("outside_city_policy", "区县建设补助标准应在市级政策的范围内。")]
        if values["operating_rate_fen"] > city_policy.operating_rate_fen:
            errors["operating_rate_fen"] = [("outside_city_policy", "区县运营补助标准不能高于市级政策。")]
        for name in ("province_share_bp", "city_share_bp", "district_share_bp", "requires_city_approval"):
            if values[name] != getattr(city_policy, name):
                errors[name] = [("outside_city_policy", "承担比例与市级审核要求以市级政策为准。")]
    return errors


@transaction.atomic
def policy_publish(*, actor: User | None, region: Region, valid_from: dt.date, values: dict) -> SubsidyPolicy:
    """Publish a new version of ``region``'s policy from ``valid_from``. ``values``: every name of
    ``POLICY_FIELDS`` (money in fen, shares in basis points). ``actor`` None: seed data only."""
    if actor is not None:
        require_role_at_region(actor, POLICY_SETTERS, region, message="只有本级管理员可以发布补助政策。")
    missing = [f for f in POLICY_FIELDS if f not in values and f != "basis"]
    if missing:
        raise DomainError("required", "缺少政策参数。", fields={f: ["必填。"] for f in missing})
    values = {"basis": "", **values}
    for name in POLICY_FIELDS:
        if name.endswith("_fen"):
            _fen(name, values[name])
    city_policy = None
    if not _is_city(region):
        if region.city_id is None:
            raise DomainError("region_invalid", "区县政策须在市级政策之下。")
        city_policy = policy_for(district_id=region.city_id, city_id=None, day=valid_from)
        if city_policy is None:
            raise DomainError("city_policy_missing", "所在城市尚未发布该日期适用的补助政策，区县不能先行发布。")
    errors = policy_rules(values, city_policy)
    if errors:
        raise DomainError(next(iter(errors.values()))[0][0], "补助政策参数有误。", fields=errors)
    # Lock the region's versions: two publishes at once get consecutive versions.
    current = list(SubsidyPolicy.objects.select_for_update().filter(region=region).order_by("-version"))
    if current and valid_from <= current[0].valid_from:
        raise DomainError("valid_from_invalid", "新版本的生效日期应晚于现行版本的生效日期。",
                          fields={"valid_from": ["应晚于现行版本。"]})
    if current and (current[0].valid_until is None or current[0].valid_until >= valid_from):
        current[0].valid_until = valid_from - dt.timedelta(days=1)
        current[0].save(update_fields=["valid_until"])
    return SubsidyPolicy.objects.create(region=region, version=(current[0].version + 1) if current else 1,
                                        valid_from=valid_from, created_by=actor,
                                        **{f: values[f] for f in POLICY_FIELDS})


@transaction.atomic
def guided_price_set(*, actor: User | None, region: Region, class_type: str, price_fen: int, band_bp: int,
                     valid_from: dt.date) -> GuidedPrice:
    """A new guided price of a class type from ``valid_from`` (the previous one ends the day before)."""
    if actor is not None:
        require_role_at_region(actor, POLICY_SETTERS, region, message="只有本级管理员可以发布指导价。")
    _fen("price_fen", price_fen)
    if price_fen <= 0 or not BASIS_POINTS <= band_bp <= 3 * BASIS_POINTS:
        raise DomainError("value_invalid", "指导价应大于 0，上浮范围在 100% 至 300% 之间。")
    previous = (GuidedPrice.objects.select_for_update().filter(region=region, class_type=class_type)
                .order_by("-valid_from").first())
    if previous is not None:
        if valid_from <= previous.valid_from:
            raise DomainError("valid_from_invalid", "生效日期应晚于现行指导价。")
        previous.valid_until = valid_from - dt.timedelta(days=1)
        previous.save(update_fields=["valid_until"])
    return GuidedPrice.objects.create(region=region, class_type=class_type, price_fen=price_fen, band_bp=band_bp,
                                      valid_from=valid_from, created_by=actor)


@transaction.atomic
def budget_set(*, actor: User | None, region: Region, year: int, amount_fen: int) -> SubsidyBudget:
    """Set (or change) a region's budget of a year; never below what approvals already committed."""
    if actor is not None:
        require_role_at_region(actor, POLICY_SETTERS, region, message="只有本级管理员可以设置预算。")
    _fen("amount_fen", amount_fen)
    budget, _ = SubsidyBudget.objects.select_for_update().get_or_create(
        region=region, year=year, defaults={"amount_fen": amount_fen})
    if amount_fen < budget.committed_fen:
        raise DomainError("budget_below_committed", "预算不能低于已审核占用的金额。",
                          fields={"amount_fen": ["低于已占用金额。"]})
    budget.amount_fen = amount_fen
    budget.save(update_fields=["amount_fen", "updated_at"])
    return budget
