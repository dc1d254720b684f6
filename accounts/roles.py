"""The platform's roles live in the kernel (``core.roles``): every app and the admin site use them.
Re-exported here, where accounts' code and older imports look for them."""

from core.roles import (  # noqa: F401
    ADMIN_SITE_ROLES,
    ADMINISTRATIVE_ROLES,
    ANY_REGION_SCOPED,
    CITY_SCOPED,
    COMMISSION_STAFF,
    COUNTRY_CODE,
    COUNTRY_SCOPED,
    DISTRICT_SCOPED,
    INSTITUTION_SCOPED,
    MAY_REVEAL_PERSONAL,
    PROVINCE_SCOPED,
    REGION_VIEWERS,
    REVIEWERS,
    Role,
)
