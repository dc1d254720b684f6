"""Indicator arithmetic on the hand-computed world of ``conftest.py``."""

import pytest
from django_scopes import scopes_disabled

from indicators import selectors
from regions.models import Region

from .conftest import AS_OF

pytestmark = pytest.mark.django_db


def _board(code):
    with scopes_disabled():
        return selectors.dashboard(region=Region.objects.get(code=code), as_of=AS_OF)


def _row(board, code):
    return next(r for r in board.rows if r["code"] == code)


def test_a_city_compares_its_districts_by_hand(world):
    board = _board("330100")
    assert [r["code"] for r in board.rows] == ["330105", "330106"]
    xihu, gongshu, total = _row(board, "330106"), _row(board, "330105"), board.total

    # Slots: A's initial filing (60; its change to 90 comes after the day) + B 40; D terminated, F not yet filed.
    assert xihu["figures"]["slots_per_1000"] | {} == {
        "numerator": 100, "denominator": 1_000_000, "value": 0.1, "note": "",
        "target": 4.5, "status": "red"}
    assert xihu["population"] == 1_000_000 and xihu["population_year"] == 2025
    # 拱墅区 has no population figure: no ratio, and it says so.
    assert gongshu["population"] is None
    assert gongshu["figures"]["slots_per_1000"]["value"] is None
    assert gongshu["figures"]["slots_per_1000"]["numerator"] == 30
    assert gongshu["figures"]["slots_per_1000"]["note"] == "无人口数据"
    assert gongshu["figures"]["slots_per_1000"]["status"] == "none"
    # The city's own figure: 130 slots over 2,000,000.
    assert total["figures"]["slots_per_1000"]["value"] == 0.07  # 0.065 rounded to 2 places
    assert total["figures"]["slots_per_1000"]["numerator"] == 130

    # Filing rate: filed A, B of registered A, B, C, F (D terminated) = 0.5; 拱墅 1/1; city 3/5.
    assert (xihu["figures"]["filing_rate"]["numerator"], xihu["figures"]["filing_rate"]["denominator"]) == (2, 4)
    assert xihu["figures"]["filing_rate"]["value"] == 0.5 and xihu["figures"]["filing_rate"]["status"] == "red"
    assert gongshu["figures"]["filing_rate"]["value"] == 1.0 and gongshu["figures"]["filing_rate"]["status"] == "green"
    assert total["figures"]["filing_rate"]["value"] == 0.6

    # Median days to receipt: 4 and 8 → 6.0 (target 7: green); 拱墅 none this year.
    assert xihu["figures"]["median_days_to_receipt"]["value"] == 6.0
    assert xihu["figures"]["median_days_to_receipt"]["denominator"] == 2
    assert xihu["figures"]["median_days_to_receipt"]["status"] == "green"
    assert gongshu["figures"]["median_days_to_receipt"]["value"] is None

    # Carers: 1 certified of 2 on duty (the one who left in May does not count; D's carer neither).
    assert (xihu["figures"]["caregiver_certified_share"]["numerator"],
            xihu["figures"]["caregiver_certified_share"]["denominator"]) == (1, 2)
    assert (xihu["figures"]["health_certificate_share"]["numerator"],
            xihu["figures"]["health_certificate_share"]["denominator"]) == (1, 2)

    # Townships: 北山 has a filed provider, 西溪 only F (filed after the day) → 1/2; city 2/3.
    assert (xihu["figures"]["township_coverage"]["numerator"],
            xihu["figures"]["township_coverage"]["denominator"]) == (1, 2)
    assert total["figures"]["township_coverage"]["value"] == 0.6667


def test_a_district_compares_its_townships(world):
    board = _board("330106")
    assert [r["code"] for r in board.rows] == ["330106001", "330106002"]
    beishan, xixi = _row(board, "330106001"), _row(board, "330106002")
    assert beishan["figures"]["slots_per_1000"]["numerator"] == 100
    assert beishan["figures"]["slots_per_1000"]["note"] == "无人口数据"
    assert xixi["figures"]["filing_rate"]["value"] == 0.0
    assert board.total["figures"]["slots_per_1000"]["value"] == 0.1


def test_a_terminated_institution_counts_nowhere_even_with_slots(world):
    with scopes_disabled():
        _ind, kind, ids = selectors.drill(region=Region.objects.get(code="330106"), indicator_code="slots_per_1000",
                                         as_of=AS_OF)
    assert kind == "institutions"
    assert set(ids) == {world["a"].pk, world["b"].pk}
    with scopes_disabled():
        _, _, unfiled = selectors.drill(region=Region.objects.get(code="330106"), indicator_code="filing_rate",
                                        as_of=AS_OF)
    assert set(unfiled) == {world["c"].pk, world["f"].pk}


def test_an_earlier_day_sees_the_world_as_it_was(world):
    with scopes_disabled():
        board = selectors.dashboard(region=Region.objects.get(code="330106"), as_of=AS_OF.replace(month=2, day=1))
    # Only A was filed (60 slots); C and F were registered? C yes (2025-12-01), F yes (2026-01-01): 1 of 4.
    assert board.total["figures"]["slots_per_1000"]["numerator"] == 60
    assert board.total["figures"]["filing_rate"]["numerator"] == 1
    assert board.total["figures"]["filing_rate"]["denominator"] == 4


def test_a_region_sets_its_own_target(world):
    from regions.models import PolicyParameter

    with scopes_disabled():
        PolicyParameter.objects.create(region_id="330106", key="target.slots_per_1000", value=0.1)
    board = _board("330100")
    assert _row(board, "330106")["figures"]["slots_per_1000"]["target"] == 0.1
    assert _row(board, "330106")["figures"]["slots_per_1000"]["status"] == "green"
    assert board.total["figures"]["slots_per_1000"]["target"] == 4.5


def test_an_indicator_waiting_for_another_module_says_so(world, monkeypatch):
    """Every indicator is wired today (subsidies and supervision register theirs); one registered
    with ``pending_on`` and no query is listed as waiting, with no figure."""
    from indicators import catalogue

    monkeypatch.setattr(catalogue, "_indicators", dict(catalogue._indicators))
    catalogue.register(catalogue.Indicator(code="future_share", label="未来指标", kind=catalogue.SHARE,
                                           numerator_label="甲", denominator_label="乙", pending_on="未来模块"))
    board = _board("330100")
    pending = {i.code: i.pending_on for i in board.pending}
    assert pending == {"future_share": "未来模块"}
    assert "future_share" not in board.total["figures"]
    assert "inclusive_share" in board.total["figures"] and "complaints" in board.total["figures"]
