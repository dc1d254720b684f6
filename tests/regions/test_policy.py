"""Policy parameters: the nearest region's value wins (district, city, province), else the national
default; every parameter of a region is read in one query (the filing checklist reads them all)."""

from __future__ import annotations

from django_scopes import scopes_disabled

from regions.models import PolicyParameter, Region
from regions.policy import DEFAULTS, policy_value, policy_values


def test_policy_values_match_policy_value_key_by_key_in_one_query(regions, django_assert_num_queries):
    with scopes_disabled():
        PolicyParameter.objects.create(region_id="330000", key="filing.review_working_days", value=7)
        PolicyParameter.objects.create(region_id="330000", key="premises.min_lease_years", value=2)
        PolicyParameter.objects.create(region_id="330100", key="premises.min_lease_years", value=4)
        PolicyParameter.objects.create(region_id="330106", key="mixed.min_age_months", value=24)
        PolicyParameter.objects.create(region_id="330100", key="mixed.min_age_months", value=12)
        PolicyParameter.objects.create(region_id="330105", key="mixed.min_age_months", value=30)  # a neighbour
        district = Region.objects.get(code="330106")
        city = Region.objects.get(code="330100")
        with django_assert_num_queries(1):
            values = policy_values(district)
        assert values == {key: policy_value(district, key) for key in DEFAULTS}
        assert values["filing.review_working_days"] == 7  # the province's
        assert values["premises.min_lease_years"] == 4  # the city's over the province's
        assert values["mixed.min_age_months"] == 24  # the district's own over the city's
        assert values["ratio.mixed_children_per_carer"] == DEFAULTS["ratio.mixed_children_per_carer"]
        assert policy_values(city)["mixed.min_age_months"] == 12
        assert policy_values(city, prefix="premises.") == {"premises.min_lease_years": 4}
        assert policy_values(None) == DEFAULTS
