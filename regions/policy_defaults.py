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
    # Certificates recognised for carers (设置标准/管理规范: 保育师, formerly 育婴员) and for health
    # staff (托幼机构卫生保健管理办法: 医师/护士). Values of registry.models.QualificationType; a
    # region that also accepts e.g. a teacher's certificate for carers lists ["childcare", "teacher"].
    "staff.caregiver_qualifications": ["childcare"],
    "staff.health_staff_qualifications": ["health"],
    # How recent a criminal-record check (无犯罪记录证明) must be, months. No national period is set:
    # 12 months, like the annual health check, until the region sets its own.
    "staff.criminal_record_valid_months": 12,
    # Random inspections (双随机一公开): sampling rate per risk+credit grade, percent (Beijing's
    # tiering: the grade sets how often an institution is sampled).
    "inspection.sampling_rate.A": 5,
    "inspection.sampling_rate.B": 10,
    "inspection.sampling_rate.C": 30,
    "inspection.sampling_rate.D": 100,
    # Results published within 20 working days of the inspection (双随机一公开).
    "inspection.publication_working_days": 20,
    # Rectification due, working days, by the item's severity.
    "rectification.working_days.critical": 5,
    "rectification.working_days.major": 10,
    "rectification.working_days.minor": 20,
    # Working days a district has to handle a complaint from the public and reply. ASSUMED: the
    # source documents (domain.md) give no figure; 15 working days until the region sets its own.
    "complaint.handling_working_days": 15,
    # Targets of the indicator dashboards (domain.md "Targets the dashboards measure against").
    # Slots per 1,000 residents: ≥ 4.5 by 2025 (Nanchang, Beijing, Zhejiang plans; a Zhejiang city sets 5).
    "target.slots_per_1000": 4.5,
    # Inclusive (普惠) share of slots: ≥ 60% (same plans; a Zhejiang city sets > 80%).
    "target.inclusive_share": 0.6,
    # Townships (乡镇街道) with an inclusive centre: 100% (Nanchang). The same 100% is the target for
    # townships with any filed provider, the figure the registry alone can give.
    "target.township_inclusive_coverage": 1.0,
    "target.township_coverage": 1.0,
    # Carers certified: ≥ 90% (Beijing; Nanchang: ≥ 80% trained).
    "target.caregiver_certified_share": 0.9,
    # Every staff member on duty holds a valid health certificate (托幼机构卫生保健管理办法).
    "target.health_certificate_share": 1.0,
    # Every registered institution files (备案办法 art. 2: institutions shall file before serving).
    "target.filing_rate": 1.0,
    # Receipt within 5 working days (备案办法 art. 9): about 7 calendar days, the unit measured.
    "target.median_days_to_receipt": 7,
    # Random-inspection plans carried out in full (双随机一公开: a plan is the year's commitment). ASSUMED:
    # the source documents set no rate; 100% until the region sets its own.
    "target.inspections_done_share": 1.0,
    # No rectification order left past its due date (the due dates are the rule). ASSUMED likewise.
    "target.overdue_rectifications": 0,
    # Amber band: within this fraction of the target (a dashboard convention, not a rule of law).
    "target.amber_margin": 0.1,
}
