"""core.permissions.require_role_at_region: reference rows a region sets itself (a city's or a
district's subsidy policy) are written by the roles held *at* that region, not above or below it."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from core.errors import NotFound, PermissionDenied
from core.permissions import require_role_at_region, roles_at_region
from regions.models import Region

pytestmark = pytest.mark.django_db


def test_roles_held_at_the_region_only(make_account):
    city_admin = make_account("r_city_admin", "city_admin", "330100")
    district_admin = make_account("r_district_admin", "district_admin", "330106")
    other_city = make_account("r_nb_admin", "city_admin", "330200")
    with scopes_disabled():
        hangzhou, xihu = Region.objects.get(code="330100"), Region.objects.get(code="330106")
    assert roles_at_region(city_admin, hangzhou) == {"city_admin"}
    assert require_role_at_region(city_admin, {"city_admin", "district_admin"}, hangzhou) == "city_admin"
    assert require_role_at_region(district_admin, {"district_admin"}, xihu) == "district_admin"
    # The city covers 西湖区 but does not hold a role *at* it: 403, not a silent write from above.
    with pytest.raises(PermissionDenied):
        require_role_at_region(city_admin, {"city_admin", "district_admin"}, xihu)
    # A district cannot write its city's rows (it does not cover the city): 404.
    with pytest.raises(NotFound):
        require_role_at_region(district_admin, {"district_admin"}, hangzhou)
    # Another city: 404; the right region but the wrong role: 403.
    with pytest.raises(NotFound):
        require_role_at_region(other_city, {"city_admin"}, hangzhou)
    with pytest.raises(PermissionDenied):
        require_role_at_region(city_admin, {"district_admin"}, hangzhou)
