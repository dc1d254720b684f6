"""The national value of every per-region policy parameter, with its source: the one table of
defaults. Pure Python (no Django), so pure rule modules (``registry.rules.Policy``) read it too;
``regions.policy`` looks a region's own values up and falls back to these.
"""

from __future__ import annotations

from typing import Any

NATIONAL_DEFAULTS: dict[str, Any] = {
    # 备案办法 art. 9: receipt within 5 working days; non-compliance notice within 15.
    "filing.review_working_days": 5,
    "filing.noncompliance_notice_working_days": 15,
    # 设置标准: mixed-age class ratio (configurable, default 1:5) and minimum age in months.
    "ratio.mixed_children_per_carer": 5,
    "mixed.min_age_months": 18,
    # 设置标准: health staff must be full-time from this many children.
    "health_staff.full_time_threshold": 150,
    # Premises lease minimum, years (备案办法 art. 7).
    "premises.min_lease_years": 3,
    # Staff health certificate validity, months (托幼机构卫生保健管理办法).
    "staff.health_certificate_valid_months": 12,
    # Home daycare point (家庭托育点管理办法): max children, children per carer.
    "home_daycare.max_children": 5,
    "home_daycare.children_per_carer": 3,
}
