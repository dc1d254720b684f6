"""Staff roster writes: validated, encrypted ID numbers; reveals audited; 挂靠 (one person active at
two institutions at once) flagged to both sides by a cross-tenant match on the keyed hash.

Two rows of one person at two institutions conflict when neither has ended (``models.not_ended_q``:
on duty today or starting later — a period that starts next month still overlaps) and their
employment periods overlap. ``staff_conflicts_detect`` keeps one person's
flags true on every write; ``staff_conflicts_sweep`` (nightly) redoes it for everyone at once,
catching concurrent adds and end dates that have passed since.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import AuthEventKind, User
from accounts.roles import MAY_REVEAL_PERSONAL, Role
from accounts.services import auth_event_record
from core import crypto, screening
from core.errors import DomainError, FieldError, NotFound
from core.inputs import check_parsed, raise_if_any
from core.permissions import require_role

from ..inputs import STAFF, STAFF_END, STAFF_REQUIRED
from ..limits import MAX_ACTIVE_STAFF
from ..models import (
    Institution,
    Staff,
    StaffConflictFlag,
    StaffQualification,
    StaffStatus,
    not_ended_q,
)

# Who may edit a roster: the institution's operator, and the district administrator.
STAFF_EDITORS = frozenset({Role.OPERATOR, Role.DISTRICT_ADMIN})

# The door a person passes onto a roster (``core.screening``), screened before the write's
# transaction so that a refused attempt stays on record. Facts: ``actor``; ``institution`` (in the
# actor's scope); ``id_number`` (validated) and ``name`` of the person as they will be on the
# roster; ``staff``, the row being changed (None for an add). The supervision app's nationwide
# blacklist guards it (a listed person: 400 ``blacklisted`` on ``id_number``).
STAFF_DOOR = "registry.staff"
_CERTIFICATE_DATES = {"health_certificate_date": "健康合格证明日期", "criminal_record_checked_on": "无犯罪记录证明日期"}


def clean_staff(data: dict[str, Any], *, partial: bool = False, current: Staff | None = None) -> dict[str, Any]:
    """Check a roster row's typed values (as ``registry.inputs.STAFF`` reads them: the API's
    serializer and the pages' form do; anything else, e.g. ``"maybe"`` for a boolean or a date
    string, is refused with the parser's code) and the business rules: certificates not dated in
    the future, an end date not before the start. With ``partial`` only the keys present."""
    errors = check_parsed(STAFF, data, required=() if partial else STAFF_REQUIRED)
    today = timezone.localdate()
    for key, label in _CERTIFICATE_DATES.items():
        if key not in errors and data.get(key) and data[key] > today:
            errors[key] = [FieldError("date_in_future", f"{label}不能晚于今天。")]
    start = data.get("start_date", current.start_date if current else None)
    end = data.get("end_date", current.end_date if current else None)
    if not {"start_date", "end_date"} & set(errors) and start and end and end < start:
        errors["end_date"] = [FieldError("end_before_start", "离职日期不能早于入职日期。")]
    raise_if_any(errors)
    return dict(data)


UNIQUE_OPEN_PERSON = "staff_open_person_uniq"  # registry.models.Staff.Meta.constraints


def _duplicate() -> DomainError:
    return DomainError("staff_duplicate", "该身份证号码的人员已在本机构在职名册中。",
                       fields={"id_number": ["已在名册中。"]})


def _ensure_not_on_roster(staff: Staff) -> None:
    dup = Staff.objects.filter(institution_id=staff.institution_id, id_number_hash=staff.id_number_hash,
                               end_date__isnull=True)
    if staff.pk:
        dup = dup.exclude(pk=staff.pk)
    if staff.end_date is None and dup.exists():
        raise _duplicate()


def _save(staff: Staff, **kwargs) -> None:
    """Save; the unique constraint catches the add that raced past ``_ensure_not_on_roster``."""
    try:
        with transaction.atomic():
            staff.save(**kwargs)
    except IntegrityError as exc:
        diag = getattr(exc.__cause__, "diag", None)
        if getattr(diag, "constraint_name", None) == UNIQUE_OPEN_PERSON or UNIQUE_OPEN_PERSON in str(exc):
            raise _duplicate() from exc
        raise


def _replace_qualifications(staff: Staff, quals: list[dict]) -> None:
    StaffQualification.objects.filter(staff=staff).delete()
    rows = []
    for q in quals:
        rows.append(StaffQualification(staff=staff, type=q["type"], number=q["number"], expires_on=q["expires_on"]))
    StaffQualification.objects.bulk_create(rows)


def _editable_institution(actor: User, institution_id: int) -> Institution:
    institution = Institution.objects.filter(pk=institution_id).first()
    if institution is None:
        raise NotFound("机构不存在或不在您的管辖范围内。")
    require_role(actor, STAFF_EDITORS, institution)
    return institution


def staff_create(*, actor: User, institution_id: int, data: dict) -> Staff:
    """Add a person to the roster: checked, screened at ``STAFF_DOOR``, then written."""
    institution = _editable_institution(actor, institution_id)
    clean = clean_staff(data)
    screening.screen(STAFF_DOOR, actor=actor, institution=institution, id_number=clean["id_number"],
                     name=clean["name"], staff=None)
    return _staff_create(actor=actor, institution_id=institution_id, data=data)


@transaction.atomic
def _staff_create(*, actor: User, institution_id: int, data: dict) -> Staff:
    institution = _editable_institution(actor, institution_id)
    clean = clean_staff(data)
    if Staff.objects.filter(institution_id=institution.pk, end_date__isnull=True).count() >= MAX_ACTIVE_STAFF:
        raise DomainError("too_many_staff", f"一个机构最多登记 {MAX_ACTIVE_STAFF} 名在岗人员，请先为已离职人员登记离职。")
    quals = clean.pop("qualifications", [])
    number = clean.pop("id_number")
    staff = Staff(institution=institution, **clean)
    crypto.set_id_number(staff, number)
    _ensure_not_on_roster(staff)
    _save(staff)
    _replace_qualifications(staff, quals)
    staff_conflicts_detect(staff_id=staff.pk)
    return staff


def _locked_staff(staff_id: int) -> Staff:
    staff = Staff.objects.locked().select_related("institution").filter(pk=staff_id).first()
    if staff is None:
        raise NotFound("人员不存在或不在您的管辖范围内。")
    return staff


def staff_update(*, actor: User, staff_id: int, data: dict) -> Staff:
    """Change a roster row: checked, screened at ``STAFF_DOOR`` while the person stays on the
    roster (not when the change ends their employment), then written."""
    staff = Staff.objects.select_related("institution").filter(pk=staff_id).first()
    if staff is None:
        raise NotFound("人员不存在或不在您的管辖范围内。")
    require_role(actor, STAFF_EDITORS, staff)
    clean = clean_staff(data, partial=True, current=staff)
    after = Staff(start_date=clean.get("start_date", staff.start_date), end_date=clean.get("end_date", staff.end_date))
    if after.status_on() != StaffStatus.ENDED:
        screening.screen(STAFF_DOOR, actor=actor, institution=staff.institution,
                         id_number=clean.get("id_number") or staff.id_number, name=clean.get("name", staff.name),
                         staff=staff)
    return _staff_update(actor=actor, staff_id=staff_id, data=data)


@transaction.atomic
def _staff_update(*, actor: User, staff_id: int, data: dict) -> Staff:
    staff = _locked_staff(staff_id)
    require_role(actor, STAFF_EDITORS, staff)
    clean = clean_staff(data, partial=True, current=staff)
    quals = clean.pop("qualifications", None)
    fields = []
    if "id_number" in clean:
        number = clean.pop("id_number")
        if crypto.blind_index(number) != staff.id_number_hash:
            fields += crypto.set_id_number(staff, number)
    for key, value in clean.items():
        setattr(staff, key, value)
        fields.append(key)
    _ensure_not_on_roster(staff)
    if fields:
        _save(staff, update_fields=[*fields, "updated_at"])
    if quals is not None:
        _replace_qualifications(staff, quals)
    staff_conflicts_detect(staff_id=staff.pk)
    return staff


@transaction.atomic
def staff_end(*, actor: User, staff_id: int, end_date) -> Staff:
    """Take the person off the roster after ``end_date`` (a date: their last day); their 挂靠 flags
    (both sides) are resolved once it has passed."""
    staff = _locked_staff(staff_id)
    require_role(actor, STAFF_EDITORS, staff)
    raise_if_any(check_parsed(STAFF_END, {"end_date": end_date}))
    if end_date < staff.start_date:
        raise DomainError("end_before_start", "离职日期不能早于入职日期。",
                          fields={"end_date": [("end_before_start", "早于入职日期。")]})
    staff.end_date = end_date
    staff.save(update_fields=["end_date", "updated_at"])
    staff_conflicts_detect(staff_id=staff.pk)
    return staff


def staff_reveal_id_number(*, actor: User, staff_id: int, request=None) -> str:
    """The full ID number, for roles that may see it; every reveal is written to the security log."""
    staff = Staff.objects.filter(pk=staff_id).first()
    if staff is None:
        raise NotFound("人员不存在或不在您的管辖范围内。")
    require_role(actor, MAY_REVEAL_PERSONAL, staff, message="您的角色不能查看完整身份证号码。")
    auth_event_record(kind=AuthEventKind.REVEAL, user=actor, request=request,
                      target=f"registry.staff:{staff.pk}:id_number", district_id=staff.district_id)
    return staff.id_number


# pg_advisory_xact_lock keys: (namespace, hashtext(id_number_hash)) serialises one person's
# matches (the sweep's own lock is core.sweeps').
PERSON_LOCK_NAMESPACE = 7_302


def _conflicting_with(staff: Staff, today) -> Q:
    """Not-ended rows of the same person elsewhere whose employment period overlaps ``staff``'s."""
    q = (Q(id_number_hash=staff.id_number_hash) & ~Q(institution_id=staff.institution_id) & not_ended_q(today)
         & (Q(end_date__isnull=True) | Q(end_date__gte=staff.start_date)))
    if staff.end_date is not None:
        q &= Q(start_date__lte=staff.end_date)
    return q


def _flag_holds(today) -> Q:
    """A flag's two rows still conflict (the same rule as ``_conflicting_with``, on the flag's joins)."""
    return (Q(staff__id_number_hash=F("other_staff__id_number_hash"))
            & ~Q(staff__institution_id=F("other_staff__institution_id"))
            & not_ended_q(today, "staff__") & not_ended_q(today, "other_staff__")
            & (Q(other_staff__end_date__isnull=True) | Q(staff__start_date__lte=F("other_staff__end_date")))
            & (Q(staff__end_date__isnull=True) | Q(other_staff__start_date__lte=F("staff__end_date"))))


def _lock_person(id_number_hash: str) -> None:
    """Until commit: two writes of one person's rows (two districts adding them at once) take turns,
    so the later one's match sees the earlier one's row."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [PERSON_LOCK_NAMESPACE, id_number_hash])


@transaction.atomic
def staff_conflicts_detect(*, staff_id: int) -> list[StaffConflictFlag]:
    """Flag (both ways) every other institution where the same person is on the roster at an
    overlapping time; resolve this person's flags that no longer hold.

    Deliberately cross-tenant (the other institution may be in another district): one query on
    the hash index finds the matches. Returns this staff member's open flags.
    """
    now = timezone.now()
    today = timezone.localdate()
    with scopes_disabled():
        staff = Staff.objects.select_related("institution", "district").get(pk=staff_id)
        _lock_person(staff.id_number_hash)
        others = []
        if staff.status_on(today) != StaffStatus.ENDED:
            others = list(Staff.objects.filter(_conflicting_with(staff, today))
                          .select_related("institution", "district"))
        other_ids = [o.pk for o in others]
        # Resolve flags (both directions) that no longer hold.
        (StaffConflictFlag.objects.filter(Q(staff=staff) | Q(other_staff=staff), resolved_at__isnull=True)
         .exclude(Q(staff_id__in=other_ids) | Q(other_staff_id__in=other_ids)).update(resolved_at=now))
        if not others:
            return []
        rows = []
        for other in others:
            for mine, theirs in ((staff, other), (other, staff)):
                flag = StaffConflictFlag(staff=mine, other_staff=theirs,
                                         other_institution_name=theirs.institution.name,
                                         other_district_name=theirs.district.full_name or theirs.district.name)
                rows.append(flag)
        StaffConflictFlag.objects.bulk_create(rows, ignore_conflicts=True)
        pair = (Q(staff=staff, other_staff_id__in=other_ids) | Q(other_staff=staff, staff_id__in=other_ids))
        StaffConflictFlag.objects.filter(pair, resolved_at__isnull=False).update(resolved_at=None)
        return list(StaffConflictFlag.objects.filter(staff=staff, resolved_at__isnull=True)
                    .select_related("other_staff"))


_SWEEP_INSERT = """
INSERT INTO {flag} (staff_id, other_staff_id, other_institution_name, other_district_name, resolved_at,
                    created_at, region_id, province_id, city_id, district_id)
SELECT s.id, o.id, oi.name, COALESCE(NULLIF(d.full_name, ''), d.name), NULL, %(now)s,
       s.region_id, s.province_id, s.city_id, s.district_id
FROM {staff} s
JOIN {staff} o ON o.id_number_hash = s.id_number_hash AND o.institution_id <> s.institution_id
JOIN {institution} oi ON oi.id = o.institution_id
JOIN {region} d ON d.code = o.district_id
WHERE (s.end_date IS NULL OR s.end_date >= %(today)s) AND (o.end_date IS NULL OR o.end_date >= %(today)s)  -- not_ended_q
  AND s.start_date <= COALESCE(o.end_date, 'infinity'::date) AND o.start_date <= COALESCE(s.end_date, 'infinity'::date)
ON CONFLICT (staff_id, other_staff_id) DO NOTHING
"""


@transaction.atomic
def staff_conflicts_sweep() -> dict[str, int]:
    """Make every 挂靠 flag true at once, for all districts: create the missing ones (both ways),
    reopen resolved ones whose rows conflict again, resolve open ones that no longer hold (an end
    date has passed, a date or ID number changed). Catches the adds that raced each other.

    Set-based (one INSERT ... SELECT self-join on the hash, two UPDATEs) and idempotent. Registered
    as ``registry.staff_conflicts`` (``registry/sweeps.py``): ``core.sweeps.run_sweep`` runs it with
    scopes disabled under the sweep's lock, so two runs at once do the work once, and logs the run.
    Returns the counts of created, reopened, resolved.
    """
    from regions.models import Region

    now = timezone.now()
    today = timezone.localdate()
    flags = StaffConflictFlag.objects
    resolved = flags.filter(resolved_at__isnull=True).exclude(_flag_holds(today)).update(resolved_at=now)
    reopened = flags.filter(resolved_at__isnull=False).filter(_flag_holds(today)).update(resolved_at=None)
    sql = _SWEEP_INSERT.format(flag=StaffConflictFlag._meta.db_table, staff=Staff._meta.db_table,
                               institution=Institution._meta.db_table, region=Region._meta.db_table)
    with connection.cursor() as cursor:
        # The self-join hashes every active roster row: room for it in memory, for this transaction only.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(sql, {"now": now, "today": today})
        created = cursor.rowcount
    return {"created": created, "reopened": reopened, "resolved": resolved}


__all__ = ["STAFF_DOOR", "STAFF_EDITORS", "clean_staff", "staff_conflicts_detect", "staff_conflicts_sweep", "staff_create",
           "staff_end", "staff_reveal_id_number", "staff_update"]
