"""Filing rules: the standards an institution is checked against (设置标准, 管理规范, 备案办法).

Pure Python: no ORM, no Django (the policy defaults come from the pure table
``regions.policy_defaults``). The service builds a ``FilingFacts`` from the rows and a
``Policy`` from ``regions.policy.policy_values(region)``; each check returns a ``Check`` with a
stable code, a Chinese label and a Chinese reason that names the numbers.

Values are the TextChoices values of ``registry.models`` (plain strings here on purpose).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from regions.policy_defaults import NATIONAL_DEFAULTS

# --- vocabulary (values of registry.models TextChoices) -------------------------------------------
INFANT, TODDLER, OLDER_TODDLER, MIXED = "infant", "toddler", "older_toddler", "mixed"
CLASS_LABELS = {INFANT: "乳儿班", TODDLER: "托小班", OLDER_TODDLER: "托大班", MIXED: "混龄班"}
HOME_DAYCARE = "home_daycare"
KIND_INITIAL, KIND_CHANGE, KIND_TERMINATION = "initial", "change", "termination"

ROLE_PRINCIPAL, ROLE_CAREGIVER = "principal", "caregiver"
ROLE_HEALTH_FULL, ROLE_HEALTH_PART = "health_full_time", "health_part_time"
ROLE_SECURITY = "security_guard"
HEALTH_ROLES = (ROLE_HEALTH_FULL, ROLE_HEALTH_PART)
QUALIFICATION_SECURITY = "security"
QUALIFICATION_LABELS = {"childcare": "保育师/育婴员证书", "teacher": "教师资格证", "health": "医师/护士执业证书",
                        "security": "保安员证", "cook": "健康证/厨师证",
                        "principal_training": "托育机构负责人培训证书", "other": "其他"}
COLLEGE_OR_ABOVE = frozenset({"college", "bachelor", "postgraduate"})
PRINCIPAL_MIN_YEARS = 3  # 设置标准: the principal has 3 years or more of relevant experience

NATURE_ENTERPRISE = "enterprise"
SERVICE_LABELS = {"full_day": "全日托", "half_day": "半日托", "hourly": "计时托", "occasional": "临时托"}

DOC_BUSINESS_LICENCE = "business_licence"
DOC_PREMISES = "premises_proof"
DOC_STAFF_CERTS = "staff_certificates"
DOC_HYGIENE = "hygiene_report"
DOC_FIRE = "fire_safety"
DOC_FOOD = "food_licence"
DOC_LABELS = {
    DOC_BUSINESS_LICENCE: "营业执照/法人登记证书",
    DOC_PREMISES: "场地证明（产权或3年以上租赁合同）",
    DOC_STAFF_CERTS: "工作人员资格证书及健康合格证明",
    DOC_HYGIENE: "卫生评价报告（合格）",
    DOC_FIRE: "消防安全检查合格证明",
    DOC_FOOD: "食品经营许可证",
}

# Class standards (设置标准): max children and children per carer. Mixed ratio is a policy value.
CLASS_MAX_CHILDREN = {INFANT: 10, TODDLER: 15, OLDER_TODDLER: 20, MIXED: 18}
CLASS_CHILDREN_PER_CARER = {INFANT: 3, TODDLER: 5, OLDER_TODDLER: 7}
# Ages in months, as half-open ranges [from, under): 乳儿班 6–12, 托小班 12–24, 托大班 24–36 (设置标准).
# A mixed class runs from the policy's minimum age (default 18) to MAX_AGE_MONTHS.
CLASS_AGE_BANDS = {INFANT: (6, 12), TODDLER: (12, 24), OLDER_TODDLER: (24, 36)}
# No child of 36 months or more anywhere; no child under 6 months in an institution's class
# (设置标准 art. 2). A home daycare point (家庭托育点管理办法) has no lower limit.
MAX_AGE_MONTHS = 36
INSTITUTION_MIN_AGE_MONTHS = 6

# A change filing may only change these (备案办法: name, address, principal, service types, slots),
# and the lease (renewed, or a new one after a move). A move stays inside the filing district
# (``region``: the township of the new address); a move to another district is a termination here
# and a new filing there.
CHANGEABLE_FIELDS = ("name", "address", "latitude", "longitude", "region", "principal_name", "service_types",
                     "total_slots", "premises_type", "lease_start", "lease_end")
DIFF_FIELDS = ("name", "address", "principal_name", "service_types", "total_slots")
# Filing-only facts a change compares with the filing in force.
LEASE_FIELDS = ("premises_type", "lease_start", "lease_end")
# Every item a change filing's diff may hold (``check_changes`` counts these).
# "location": the map point (latitude, longitude) moved; a corrected point asks for no material again.
CHANGE_ITEMS = (*DIFF_FIELDS, "region", "location", *LEASE_FIELDS, "classes")
CHANGE_LABELS = {"name": "机构名称", "address": "地址", "region": "所在乡镇（街道）", "location": "位置（坐标）", "principal_name": "负责人",
                 "service_types": "服务类型", "total_slots": "托位数", "premises_type": "场地性质",
                 "lease_start": "租赁起始", "lease_end": "租赁截止", "classes": "班级设置"}
# The materials a change asks for again; every other one carries over from the filing in force.
# A new name or new service types: the licence that names them (the business scope names the
# service types). A move (address or township): the licence, the new premises, their hygiene
# evaluation and fire-safety inspection, and the food licence where meals are served. A new
# principal, more slots or other classes: the staff certificates. A new lease: the premises proof.
_MOVE_DOCUMENTS = (DOC_BUSINESS_LICENCE, DOC_PREMISES, DOC_HYGIENE, DOC_FIRE, DOC_FOOD)
CHANGE_DOCUMENTS: dict[str, tuple[str, ...]] = {
    "name": (DOC_BUSINESS_LICENCE,),
    "service_types": (DOC_BUSINESS_LICENCE,),
    "address": _MOVE_DOCUMENTS,
    "region": _MOVE_DOCUMENTS,
    "principal_name": (DOC_STAFF_CERTS,),
    "total_slots": (DOC_STAFF_CERTS,),
    "classes": (DOC_STAFF_CERTS,),
    "premises_type": (DOC_PREMISES,),
    "lease_start": (DOC_PREMISES,),
    "lease_end": (DOC_PREMISES,),
}


def _param(key: str):
    """A policy number: the ``regions.policy`` parameter ``key``, by default its national value."""
    default = NATIONAL_DEFAULTS[key]
    return field(default=tuple(default) if isinstance(default, list) else default, metadata={"key": key})


@dataclass(frozen=True)
class Policy:
    """The configurable numbers of one region. Each field names its ``regions.policy`` key; the
    defaults are the national values of ``regions.policy_defaults`` (the one table of them)."""

    review_working_days: int = _param("filing.review_working_days")
    notice_working_days: int = _param("filing.noncompliance_notice_working_days")
    mixed_children_per_carer: int = _param("ratio.mixed_children_per_carer")
    mixed_min_age_months: int = _param("mixed.min_age_months")
    health_staff_full_time_threshold: int = _param("health_staff.full_time_threshold")
    min_lease_years: int = _param("premises.min_lease_years")
    health_certificate_valid_months: int = _param("staff.health_certificate_valid_months")
    home_daycare_max_children: int = _param("home_daycare.max_children")
    home_daycare_children_per_carer: int = _param("home_daycare.children_per_carer")
    # Certificates that qualify a carer / health staff member (regions.policy lists them).
    caregiver_qualifications: tuple[str, ...] = _param("staff.caregiver_qualifications")
    health_staff_qualifications: tuple[str, ...] = _param("staff.health_staff_qualifications")
    criminal_record_valid_months: int = _param("staff.criminal_record_valid_months")

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> Policy:
        """From ``regions.policy.policy_values(region)`` (keys missing there keep the national value);
        list parameters become tuples of strings, the others integers."""
        def read(f):
            value = values[f.metadata["key"]]
            return tuple(str(v) for v in value) if isinstance(f.default, tuple) else int(value)

        return cls(**{f.name: read(f) for f in fields(cls) if f.metadata["key"] in values})


@dataclass(frozen=True)
class ClassPlan:
    class_type: str
    planned_children: int
    carers: int
    name: str = ""
    min_age_months: int | None = None  # youngest child taken, in months
    max_age_months: int | None = None  # children are under this many months (exclusive bound)

    @property
    def title(self) -> str:
        label = CLASS_LABELS.get(self.class_type, self.class_type)
        return f"{label}「{self.name}」" if self.name else label

    @property
    def age_range_given(self) -> bool:
        return self.min_age_months is not None and self.max_age_months is not None

    @property
    def age_range_text(self) -> str:
        return f"{self.min_age_months}–{self.max_age_months} 个月" if self.age_range_given else "未填写"


@dataclass(frozen=True)
class StaffFacts:
    name: str
    role: str
    education: str = ""
    years_experience: int = 0
    health_certificate_date: dt.date | None = None
    # (qualification type, expires_on or None)
    qualifications: tuple[tuple[str, dt.date | None], ...] = ()
    # Date of the criminal-record check (无犯罪记录证明); None when none was provided.
    criminal_record_date: dt.date | None = None

    def holds(self, types: tuple[str, ...] | frozenset[str], on: dt.date) -> bool:
        """Holds a certificate of one of ``types`` that has not expired on ``on``."""
        return any(t in types and (exp is None or exp >= on) for t, exp in self.qualifications)


@dataclass(frozen=True)
class FilingFacts:
    kind: str  # initial / change / termination
    institution_kind: str
    # The filing's effective date: the day the checks run (submission, acceptance).
    today: dt.date
    institution_nature: str = ""
    service_types: tuple[str, ...] = ()
    # The business scope (经营范围) in the registration pushed by the registration authority;
    # None when no registration has been pushed (a claim's own facts are not the registration).
    business_scope: str | None = None
    total_slots: int = 0
    classes: tuple[ClassPlan, ...] = ()
    staff: tuple[StaffFacts, ...] = ()  # on duty on the day the filing takes effect
    documents: frozenset[str] = frozenset()
    # Of ``documents``, the types present only as copies carried over from the filing in force.
    carried_documents: frozenset[str] = frozenset()
    meals_served: bool = False
    premises_type: str = ""
    lease_start: dt.date | None = None
    lease_end: dt.date | None = None
    hygiene_evaluation_passed: bool = False
    commitment_signed: bool = False
    termination_date: dt.date | None = None
    placement_plan: str = ""
    staff_settlement_plan: str = ""
    # Change filings: {field: [old, new]} against the institution's current facts.
    changes: dict[str, list] = field(default_factory=dict)
    # Blacklist: names (or labels) of listed persons / the institution itself, from the provider the
    # supervision app registers in core.checklists (registry.services.filing_checks.blacklist_hits).
    # None: nobody provides one, so the checklist shows no blacklist item rather than a pass nobody checked.
    blacklist_hits: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Check:
    code: str
    label: str
    passed: bool
    reason: str

    def as_dict(self) -> dict:
        return asdict(self)


# --- arithmetic --------------------------------------------------------------------------------------

def carers_needed(children: int, children_per_carer: int) -> int:
    """ceil(children / ratio): 10 infants at 1:3 need 4 carers."""
    if children_per_carer < 1:
        raise ValueError("children_per_carer must be positive")
    if children <= 0:
        return 0
    return -(-children // children_per_carer)


def class_children_per_carer(class_type: str, policy: Policy) -> int:
    if class_type == MIXED:
        return policy.mixed_children_per_carer
    return CLASS_CHILDREN_PER_CARER[class_type]


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


# --- individual checks --------------------------------------------------------------------------------

def check_class(plan: ClassPlan, policy: Policy) -> list[Check]:
    """Size, carer ratio and (mixed) minimum age of one class."""
    out = []
    max_children = CLASS_MAX_CHILDREN.get(plan.class_type)
    if max_children is None:
        return [Check("class_type", f"{plan.title}班型", False, f"未知班型「{plan.class_type}」")]
    out.append(Check(
        "class_size", f"{plan.title}班额", plan.planned_children <= max_children,
        f"{plan.title}计划收托 {plan.planned_children} 人，"
        + ("未超过" if plan.planned_children <= max_children else "超过")
        + f"上限 {max_children} 人"))
    per = class_children_per_carer(plan.class_type, policy)
    need = carers_needed(plan.planned_children, per)
    out.append(Check(
        "class_ratio", f"{plan.title}保育人员配比（1:{per}）", plan.carers >= need,
        f"{plan.title}计划收托 {plan.planned_children} 人，需保育人员 {need} 名，现有 {plan.carers} 名"))
    age_check = check_class_age_range(plan, policy)
    if age_check is not None:
        out.append(age_check)
    return out


def class_age_band(class_type: str, policy: Policy) -> tuple[int, int]:
    """[from, under) months a class of this type may take (mixed: from the policy's minimum age)."""
    if class_type == MIXED:
        return policy.mixed_min_age_months, MAX_AGE_MONTHS
    return CLASS_AGE_BANDS[class_type]


def check_class_age_range(plan: ClassPlan, policy: Policy) -> Check | None:
    """An institution's class takes only the ages of its type (设置标准): 乳儿班 6–12 months, 托小班
    12–24, 托大班 24–36, 混龄班 from the policy's minimum age (18) to 36. A class that states no range
    is reported by ``check_age_limits`` (one item per missing range, not two)."""
    if not plan.age_range_given:
        return None
    low, under = class_age_band(plan.class_type, policy)
    lo, hi = plan.min_age_months, plan.max_age_months
    ok = low <= lo < hi <= under
    if lo >= hi:
        detail = "月龄上限须大于最小月龄"
    elif ok:
        detail = "符合班型"
    else:
        detail = "超出班型月龄范围"
    return Check("class_age_range", f"{plan.title}收托月龄（{low}–{under} 个月）", ok,
                 f"{CLASS_LABELS[plan.class_type]}收托满 {low} 个月、不满 {under} 个月的婴幼儿，"
                 f"{plan.title}填报 {plan.age_range_text}，{detail}")


def check_age_limits(facts: FilingFacts) -> Check:
    """No class takes a child of 36 months or more, nor (institutions) under 6 months; every class
    states its range. Names each class that does not."""
    floor = 0 if facts.institution_kind == HOME_DAYCARE else INSTITUTION_MIN_AGE_MONTHS
    missing = [c.title for c in facts.classes if not c.age_range_given]
    young = [f"{c.title}（{c.min_age_months} 个月起）" for c in facts.classes
             if c.age_range_given and c.min_age_months < floor]
    old = [f"{c.title}（不满 {c.max_age_months} 个月）" for c in facts.classes
           if c.age_range_given and c.max_age_months > MAX_AGE_MONTHS]
    rule = (f"收托婴幼儿须不满 {MAX_AGE_MONTHS} 个月" if floor == 0
            else f"收托婴幼儿须满 {floor} 个月、不满 {MAX_AGE_MONTHS} 个月")
    problems = []
    if missing:
        problems.append("未填写收托月龄范围：" + "、".join(missing))
    if young:
        problems.append(f"收托不满 {floor} 个月的婴幼儿：" + "、".join(young))
    if old:
        problems.append(f"收托 {MAX_AGE_MONTHS} 个月及以上的婴幼儿：" + "、".join(old))
    label = "收托婴幼儿月龄" + (f"（不满 {MAX_AGE_MONTHS} 个月）" if floor == 0
                               else f"（{floor}–{MAX_AGE_MONTHS} 个月）")
    return Check("age_limits", label, not problems,
                 f"{rule}，各班月龄范围均符合" if not problems else f"{rule}；" + "；".join(problems))


def check_home_daycare(facts: FilingFacts, policy: Policy) -> list[Check]:
    children = sum(c.planned_children for c in facts.classes)
    carers = sum(c.carers for c in facts.classes)
    need = carers_needed(children, policy.home_daycare_children_per_carer)
    return [
        Check("home_daycare_size", "家庭托育点收托人数", children <= policy.home_daycare_max_children,
              f"家庭托育点计划收托 {children} 人，上限 {policy.home_daycare_max_children} 人"
              + ("" if children <= policy.home_daycare_max_children else "，超过上限须按托育机构备案")),
        Check("home_daycare_ratio", f"家庭托育点照护人员配比（1:{policy.home_daycare_children_per_carer}）",
              carers >= need, f"家庭托育点计划收托 {children} 人，需照护人员 {need} 名，现有 {carers} 名"),
    ]


def check_classes_present(facts: FilingFacts) -> Check:
    n = len(facts.classes)
    return Check("classes_present", "班级设置", n > 0, f"已设置 {n} 个班级" if n else "未设置任何班级")


def check_total_slots(facts: FilingFacts) -> Check:
    planned = sum(c.planned_children for c in facts.classes)
    return Check("total_slots", "托位数与班级计划一致", planned == facts.total_slots,
                 f"填报托位数 {facts.total_slots} 个，各班计划收托合计 {planned} 人")


def check_caregivers_on_roster(facts: FilingFacts) -> Check:
    planned = sum(c.carers for c in facts.classes)
    on_roster = sum(1 for s in facts.staff if s.role == ROLE_CAREGIVER)
    return Check("caregivers_on_roster", "在职保育人员", on_roster >= planned,
                 f"各班配备保育人员合计 {planned} 名，人员名册中在职保育人员 {on_roster} 名")


def _qualification_names(types: tuple[str, ...]) -> str:
    return "或".join(QUALIFICATION_LABELS.get(t, t) for t in types)


def check_caregiver_qualifications(facts: FilingFacts, policy: Policy) -> Check:
    """Every carer on the roster holds a recognised, unexpired certificate (保育师/育婴员, or the
    region's list). Names those who do not."""
    carers = [s for s in facts.staff if s.role == ROLE_CAREGIVER]
    lacking = [s.name for s in carers if not s.holds(policy.caregiver_qualifications, facts.today)]
    accepted = _qualification_names(policy.caregiver_qualifications)
    return Check("caregiver_qualifications", "保育人员资格证书", not lacking,
                 f"在职保育人员 {len(carers)} 名，均持有有效的{accepted}" if not lacking else
                 f"保育人员须持有有效的{accepted}，{len(lacking)} 名未持有或已过期：" + "、".join(lacking))


def check_health_staff_qualifications(facts: FilingFacts, policy: Policy) -> Check:
    """Every health staff member holds a health-care qualification (卫生保健管理办法). Names those who do not."""
    health = [s for s in facts.staff if s.role in HEALTH_ROLES]
    lacking = [s.name for s in health if not s.holds(policy.health_staff_qualifications, facts.today)]
    accepted = _qualification_names(policy.health_staff_qualifications)
    return Check("health_staff_qualifications", "保健人员资格证书", not lacking,
                 f"在职保健人员 {len(health)} 名，均持有有效的{accepted}" if not lacking else
                 f"保健人员须持有有效的{accepted}，{len(lacking)} 名未持有或已过期：" + "、".join(lacking))


def check_criminal_records(facts: FilingFacts, policy: Policy) -> Check:
    """Every staff member has a criminal-record check (无犯罪记录证明) dated within the region's period.
    Names those without one and those whose check is too old."""
    months = policy.criminal_record_valid_months
    missing = [s.name for s in facts.staff if s.criminal_record_date is None or s.criminal_record_date > facts.today]
    stale = [s.name for s in facts.staff if s.criminal_record_date is not None
             and s.criminal_record_date <= facts.today and add_months(s.criminal_record_date, months) < facts.today]
    label = f"无犯罪记录证明（{months} 个月内）"
    if not facts.staff:
        return Check("criminal_record_checks", label, False, "人员名册中没有在职人员")
    if not missing and not stale:
        return Check("criminal_record_checks", label, True,
                     f"在职人员 {len(facts.staff)} 名，均已提供 {months} 个月内开具的无犯罪记录证明")
    parts = []
    if missing:
        parts.append(f"{len(missing)} 名未提供：" + "、".join(missing))
    if stale:
        parts.append(f"{len(stale)} 名开具已超过 {months} 个月：" + "、".join(stale))
    return Check("criminal_record_checks", label, False, f"在职人员 {len(facts.staff)} 名，其中 " + "；".join(parts))


def check_health_staff(facts: FilingFacts, policy: Policy) -> Check:
    children = sum(c.planned_children for c in facts.classes)
    full = sum(1 for s in facts.staff if s.role == ROLE_HEALTH_FULL)
    part = sum(1 for s in facts.staff if s.role == ROLE_HEALTH_PART)
    threshold = policy.health_staff_full_time_threshold
    if children >= threshold:
        return Check("health_staff", "保健人员", full >= 1,
                     f"收托 {children} 人（≥{threshold} 人）须至少配备 1 名专职保健人员，现有专职 {full} 名")
    return Check("health_staff", "保健人员", full + part >= 1,
                 f"收托 {children} 人须配备专职或兼职保健人员，现有专职 {full} 名、兼职 {part} 名")


def check_security_guard(facts: FilingFacts) -> Check:
    guards = [s for s in facts.staff if s.role == ROLE_SECURITY]
    licensed = [s for s in guards if any(t == QUALIFICATION_SECURITY and (exp is None or exp >= facts.today)
                                         for t, exp in s.qualifications)]
    return Check("security_guard", "持证保安人员", bool(licensed),
                 f"须配备持有效保安员证的保安人员，现有保安 {len(guards)} 名，其中持有效证书 {len(licensed)} 名")


def check_principal(facts: FilingFacts) -> Check:
    principals = [s for s in facts.staff if s.role == ROLE_PRINCIPAL]
    if not principals:
        return Check("principal", "负责人资质", False, "人员名册中没有在职负责人")
    ok = [s for s in principals if s.education in COLLEGE_OR_ABOVE and s.years_experience >= PRINCIPAL_MIN_YEARS]
    p = principals[0]
    edu = "大专及以上" if p.education in COLLEGE_OR_ABOVE else "大专以下或未填写"
    return Check("principal", "负责人资质", bool(ok),
                 f"负责人须具有大专以上学历且从业 {PRINCIPAL_MIN_YEARS} 年以上，{p.name}：学历{edu}，从业 {p.years_experience} 年")


def check_health_certificates(facts: FilingFacts, policy: Policy) -> Check:
    months = policy.health_certificate_valid_months
    invalid = [s.name for s in facts.staff
               if s.health_certificate_date is None or s.health_certificate_date > facts.today
               or add_months(s.health_certificate_date, months) < facts.today]
    if not facts.staff:
        return Check("health_certificates", "工作人员健康合格证明", False, "人员名册中没有在职人员")
    return Check("health_certificates", "工作人员健康合格证明", not invalid,
                 f"在职人员 {len(facts.staff)} 名，健康合格证明均在 {months} 个月有效期内" if not invalid else
                 f"在职人员 {len(facts.staff)} 名，其中 {len(invalid)} 名健康合格证明缺失或超过 {months} 个月："
                 + "、".join(invalid))


def check_premises(facts: FilingFacts, policy: Policy) -> Check:
    """Owned, or leased with both dates (how long the lease still runs is ``check_lease_term``)."""
    if facts.premises_type == "owned":
        return Check("premises", "场地性质", True, "自有产权场地")
    if facts.premises_type != "leased":
        return Check("premises", "场地性质", False, "未填写场地性质（自有产权或租赁）")
    if not facts.lease_start or not facts.lease_end:
        return Check("premises", "场地性质", False, "租赁场地，未填写租赁起止日期")
    return Check("premises", "场地性质", True,
                 f"租赁场地，租赁期限 {facts.lease_start:%Y-%m-%d} 至 {facts.lease_end:%Y-%m-%d}")


def check_lease_term(facts: FilingFacts, policy: Policy) -> Check | None:
    """A lease must be running on the filing's effective date and run at least ``min_lease_years``
    from it (备案办法 art. 7: lease ≥ 3 years), not merely have been a 3-year contract once.
    None when the premises are not leased or the dates are missing (``check_premises`` says so)."""
    if facts.premises_type != "leased" or not facts.lease_start or not facts.lease_end:
        return None
    years = policy.min_lease_years
    day, start, end = facts.today, facts.lease_start, facts.lease_end
    need = add_months(day, 12 * years)
    label = f"剩余租期（自备案之日起不少于 {years} 年）"
    period = f"租赁期限 {start:%Y-%m-%d} 至 {end:%Y-%m-%d}"
    if start > day:
        return Check("lease_term", label, False, f"{period}，备案之日（{day:%Y-%m-%d}）租赁尚未开始")
    if end < day:
        return Check("lease_term", label, False, f"{period}，租赁已于 {end:%Y-%m-%d} 到期")
    ok = end >= need
    return Check("lease_term", label, ok,
                 f"{period}，自备案之日（{day:%Y-%m-%d}）起" + ("满" if ok else "不足") + f" {years} 年"
                 + ("" if ok else f"（租期须至少至 {need:%Y-%m-%d}）"))


def check_business_scope(facts: FilingFacts) -> Check | None:
    """An enterprise's business scope (经营范围, from the pushed registration) names the service types
    it files. Only where the registration names service types at all: a scope that says only
    "托育服务" gives nothing to compare, and no check is shown rather than a pass nobody checked."""
    if facts.institution_nature != NATURE_ENTERPRISE or not facts.business_scope:
        return None
    named = [label for label in SERVICE_LABELS.values() if label in facts.business_scope]
    if not named:
        return None
    filed = [SERVICE_LABELS.get(t, t) for t in facts.service_types]
    missing = [label for label in filed if label not in named]
    return Check("business_scope", "经营范围包含所备案的服务类型", not missing,
                 f"登记的经营范围列明{'、'.join(named)}，备案服务类型{'、'.join(filed) or '未填写'}"
                 + ("，均在经营范围内" if not missing else "；经营范围未包含：" + "、".join(missing)))


def required_documents(facts: FilingFacts) -> list[str]:
    docs = [DOC_BUSINESS_LICENCE, DOC_PREMISES, DOC_STAFF_CERTS, DOC_HYGIENE, DOC_FIRE]
    if facts.meals_served:
        docs.append(DOC_FOOD)
    return docs


# Where each required material stands (``DocumentNeed.state``).
DOC_UPLOADED, DOC_CARRIED, DOC_RENEW, DOC_MISSING = "uploaded", "carried", "renew", "missing"


@dataclass(frozen=True)
class DocumentNeed:
    """One required material: uploaded to this filing, carried over from the filing in force,
    to be submitted anew because of the changed items in ``because``, or missing."""

    doc_type: str
    label: str
    state: str
    because: tuple[str, ...] = ()

    @property
    def satisfied(self) -> bool:
        return self.state in (DOC_UPLOADED, DOC_CARRIED)


def documents_asked_again(changes: dict) -> dict[str, list[str]]:
    """{material: labels of the changed items that ask for it again} (``CHANGE_DOCUMENTS``)."""
    out: dict[str, list[str]] = {}
    for item in changes:
        for doc in CHANGE_DOCUMENTS.get(item, ()):
            label = CHANGE_LABELS.get(item, item)
            if label not in out.setdefault(doc, []):
                out[doc].append(label)
    return out


def document_needs(facts: FilingFacts) -> list[DocumentNeed]:
    """Every required material in the 办法's order, with where it stands."""
    again = documents_asked_again(facts.changes) if facts.kind == KIND_CHANGE else {}
    out = []
    for doc in required_documents(facts):
        because = tuple(again.get(doc, ()))
        if doc in facts.documents and doc not in facts.carried_documents:
            state = DOC_UPLOADED
        elif because:
            state = DOC_RENEW
        elif doc in facts.documents:
            state = DOC_CARRIED
        else:
            state = DOC_MISSING
        out.append(DocumentNeed(doc, DOC_LABELS[doc], state, because))
    return out


def check_documents(facts: FilingFacts) -> Check:
    needs = document_needs(facts)
    missing = [n.label for n in needs if n.state == DOC_MISSING]
    renew: dict[tuple[str, ...], list[str]] = {}
    for n in needs:
        if n.state == DOC_RENEW:
            renew.setdefault(n.because, []).append(n.label)
    carried = [n.label for n in needs if n.state == DOC_CARRIED]
    if not missing and not renew:
        return Check("documents", "备案材料齐全", True,
                     "材料齐全" + (f"（沿用已备案材料 {len(carried)} 项：{'、'.join(carried)}）" if carried else ""))
    parts = ["缺少材料：" + "、".join(missing)] if missing else []
    parts += [f"因变更{'、'.join(f'「{b}」' for b in because)}须重新提交：{'、'.join(labels)}"
              for because, labels in renew.items()]
    return Check("documents", "备案材料齐全", False, "；".join(parts))


def check_hygiene(facts: FilingFacts) -> Check:
    return Check("hygiene", "卫生评价结论", facts.hygiene_evaluation_passed,
                 "卫生评价结论为合格" if facts.hygiene_evaluation_passed else "卫生评价结论未达到合格")


def check_commitment(facts: FilingFacts) -> Check:
    return Check("commitment", "备案承诺书", facts.commitment_signed,
                 "已签署备案承诺书" if facts.commitment_signed
                 else "尚未签署备案承诺书（签署后修改了备案内容的，须重新签署）")


def check_blacklist(facts: FilingFacts) -> Check:
    """Hook for the supervision blacklist: ``facts.blacklist_hits`` is filled by the service."""
    hits = facts.blacklist_hits or ()
    return Check("blacklist", "黑名单核查", not hits,
                 "未发现黑名单或禁入人员" if not hits else "涉及黑名单或禁入：" + "、".join(hits))


def check_termination(facts: FilingFacts) -> list[Check]:
    return [
        Check("termination_date", "终止日期", facts.termination_date is not None,
              f"拟于 {facts.termination_date:%Y-%m-%d} 终止服务" if facts.termination_date else "未填写终止日期"),
        Check("placement_plan", "在托婴幼儿安置方案", bool(facts.placement_plan.strip()),
              "已提交安置方案" if facts.placement_plan.strip() else "未填写在托婴幼儿安置方案"),
        # 备案办法: a terminating institution settles its children and its staff.
        Check("staff_settlement", "工作人员安置方案", bool(facts.staff_settlement_plan.strip()),
              "已提交工作人员安置方案" if facts.staff_settlement_plan.strip() else "未填写工作人员安置方案"),
    ]


def check_changes(facts: FilingFacts) -> Check:
    fields = [k for k in facts.changes if k in CHANGE_ITEMS]
    return Check("changes", "变更事项", bool(fields),
                 f"变更 {len(fields)} 项" if fields else "与已备案信息相比没有任何变更")


# --- everything for one filing -----------------------------------------------------------------------

def run_checks(facts: FilingFacts, policy: Policy) -> list[Check]:
    """All checks that apply to the filing, in the order a reviewer reads them."""
    if facts.kind == KIND_TERMINATION:
        return [*check_termination(facts), check_commitment(facts)]
    out: list[Check] = []
    if facts.kind == KIND_CHANGE:
        out.append(check_changes(facts))
    scope = check_business_scope(facts)
    if scope is not None:
        out.append(scope)
    out.append(check_classes_present(facts))
    if facts.institution_kind == HOME_DAYCARE:
        out.extend(check_home_daycare(facts, policy))
    else:
        for plan in facts.classes:
            out.extend(check_class(plan, policy))
    if facts.classes:
        out.append(check_age_limits(facts))
    out.append(check_total_slots(facts))
    out.append(check_caregivers_on_roster(facts))
    out.append(check_caregiver_qualifications(facts, policy))
    out.append(check_principal(facts))
    if facts.institution_kind != HOME_DAYCARE:
        out.append(check_health_staff(facts, policy))
    if facts.institution_kind != HOME_DAYCARE or any(s.role in HEALTH_ROLES for s in facts.staff):
        out.append(check_health_staff_qualifications(facts, policy))
    if facts.institution_kind != HOME_DAYCARE:
        out.append(check_security_guard(facts))
    out.append(check_health_certificates(facts, policy))
    out.append(check_criminal_records(facts, policy))
    out.append(check_premises(facts, policy))
    lease = check_lease_term(facts, policy)
    if lease is not None:
        out.append(lease)
    out.append(check_hygiene(facts))
    out.append(check_documents(facts))
    if facts.blacklist_hits is not None:
        out.append(check_blacklist(facts))
    out.append(check_commitment(facts))
    return out


def failed(checks: list[Check] | list[dict]) -> list:
    return [c for c in checks if not (c["passed"] if isinstance(c, dict) else c.passed)]


def notice_item(check: Check | dict) -> str:
    """One line of the one-time notice (一次性告知) for a failed check."""
    c = check if isinstance(check, dict) else check.as_dict()
    return f"{c['label']}：{c['reason']}"


def location_text(latitude, longitude) -> str | None:
    """A map point as the change filing records it ("30.274100, 120.130000"), or None when unset."""
    if latitude is None or longitude is None:
        return None
    return f"{latitude}, {longitude}"


def diff(current: dict[str, Any], proposed: dict[str, Any], fields=DIFF_FIELDS) -> dict[str, list]:
    """{field: [old, new]} for the fields that differ (lists compared as sets for service types)."""
    out = {}
    for name in fields:
        old, new = current.get(name), proposed.get(name)
        if name == "service_types":
            if sorted(old or []) != sorted(new or []):
                out[name] = [sorted(old or []), sorted(new or [])]
        elif old != new:
            out[name] = [old, new]
    return out


def conditions_notice_lines(policy: Policy, institution_kind: str = "institution") -> list[str]:
    """The standards the institution must keep, printed in the basic-conditions notice (基本条件告知书).

    Every number is the one the checks apply: the filing region's ``policy`` for the configurable
    ones, this module's constants for the national ones (never a literal of its own)."""
    if institution_kind == HOME_DAYCARE:
        lines = [
            f"家庭托育点收托人数不超过 {policy.home_daycare_max_children} 人，"
            f"照护人员与婴幼儿比例不低于 1:{policy.home_daycare_children_per_carer}；"
            "收托人数超过上限的，应当按托育机构办理备案。",
            f"不收托 {MAX_AGE_MONTHS} 个月及以上的婴幼儿；",
        ]
    else:
        def ratio(class_type: str) -> str:
            return f"1:{class_children_per_carer(class_type, policy)}"

        lines = [
            f"乳儿班（6–12个月）每班不超过 {CLASS_MAX_CHILDREN[INFANT]} 人，保育人员与婴幼儿比例不低于 {ratio(INFANT)}；",
            f"托小班（12–24个月）每班不超过 {CLASS_MAX_CHILDREN[TODDLER]} 人，比例不低于 {ratio(TODDLER)}；",
            f"托大班（24–36个月）每班不超过 {CLASS_MAX_CHILDREN[OLDER_TODDLER]} 人，比例不低于 {ratio(OLDER_TODDLER)}；",
            f"混龄班每班不超过 {CLASS_MAX_CHILDREN[MIXED]} 人，比例不低于 {ratio(MIXED)}，"
            f"婴幼儿须满 {policy.mixed_min_age_months} 个月；",
            f"不收托不满 {INSTITUTION_MIN_AGE_MONTHS} 个月或 {MAX_AGE_MONTHS} 个月及以上的婴幼儿；",
            f"收托 {policy.health_staff_full_time_threshold} 人及以上的，至少配备 1 名专职保健人员；",
            f"配备持证保安人员；负责人具有大专以上学历和 {PRINCIPAL_MIN_YEARS} 年以上相关工作经历；",
        ]
    lines += [
        f"工作人员上岗前及每 {policy.health_certificate_valid_months} 个月进行健康检查，健康合格证明过期者不得上岗；",
        f"保育人员持有{_qualification_names(policy.caregiver_qualifications)}，"
        f"保健人员持有{_qualification_names(policy.health_staff_qualifications)}；"
        f"全体工作人员提供 {policy.criminal_record_valid_months} 个月内开具的无犯罪记录证明；",
        f"租赁场地的，自备案之日起剩余租赁期限不少于 {policy.min_lease_years} 年；",
        "视频监控覆盖婴幼儿活动区域，录像保存不少于 90 日；婴幼儿每日户外活动不少于 2 小时；",
        "离园 3 个月以上的婴幼儿返园前应当重新进行健康检查；每年年底向卫生健康部门报告工作情况；",
        "名称、地址、负责人、服务类型、托位数等发生变更的，应当办理变更备案；终止服务的，应当妥善安置在托婴幼儿和工作人员并办理终止备案。",
    ]
    return lines
