"""django-filter FilterSets of the registry API (query parameters, documented in the schema)."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from core.api import FilterSet
from core.inputs import ParsedField, boolean
from regions.models import Region

from ..models import (
    ClaimStatus,
    Filing,
    FilingKind,
    FilingStatus,
    Institution,
    InstitutionClaim,
    InstitutionKind,
    InstitutionNature,
    InstitutionStatus,
    Registration,
    Staff,
    StaffConflictFlag,
    StaffRole,
    StaffStatus,
)
from ..selectors.staff import health_certificate_expired_q


class BooleanFilter(django_filters.BooleanFilter):
    """``true``/``false`` (``1``/``0``), read by ``core.inputs.boolean``; left out or blank: no
    filter. Anything else (``maybe``) is a 400 ``value_invalid``, never silently "no filter" (what
    django-filter's select widget makes of an unknown word)."""

    field_class = ParsedField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("parser", boolean(empty=None))
        super().__init__(*args, **kwargs)


class InstitutionFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=InstitutionStatus.choices, help_text="状态")
    kind = django_filters.ChoiceFilter(choices=InstitutionKind.choices, help_text="类型")
    nature = django_filters.ChoiceFilter(choices=InstitutionNature.choices, help_text="机构性质")
    district = django_filters.CharFilter(field_name="district_id", help_text="备案机关辖区代码")
    township = django_filters.CharFilter(field_name="region_id", help_text="所在乡镇街道代码")
    q = django_filters.CharFilter(method="search", help_text="名称包含，或统一社会信用代码")

    class Meta:
        model = Institution
        fields = ["status", "kind", "nature", "district", "township", "q"]

    def search(self, queryset, name, value):
        term = value.strip()
        return queryset.filter(Q(name__icontains=term) | Q(uscc=term.upper())) if term else queryset


class RegistrationFilter(FilterSet):
    district = django_filters.CharFilter(field_name="district_id", help_text="备案机关辖区代码")
    nature = django_filters.ChoiceFilter(choices=InstitutionNature.choices, help_text="机构性质")
    received_from = django_filters.DateFilter(field_name="received_at", lookup_expr="date__gte",
                                              help_text="首次接收日期不早于（YYYY-MM-DD，含当日）")
    received_to = django_filters.DateFilter(field_name="received_at", lookup_expr="date__lte",
                                            help_text="首次接收日期不晚于（YYYY-MM-DD，含当日）")
    filed = BooleanFilter(method="filter_filed",
                                         help_text="true：机构已备案（含暂停服务、已终止）；false：已登记未备案")

    class Meta:
        model = Registration
        fields = ["district", "nature", "received_from", "received_to", "filed"]

    def filter_filed(self, queryset, name, value):
        if value is None:
            return queryset
        unfiled = Q(institution__status__in=[InstitutionStatus.REGISTERED, InstitutionStatus.FILING],
                    institution__current_filing__isnull=True)
        return queryset.exclude(unfiled) if value else queryset.filter(unfiled)


class FilingFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=FilingStatus.choices, help_text="状态")
    kind = django_filters.ChoiceFilter(choices=FilingKind.choices, help_text="备案类型")
    institution = django_filters.NumberFilter(field_name="institution_id", help_text="机构 id")
    overdue = BooleanFilter(method="filter_overdue",
                                           help_text="true：已超过回执期限或告知期限仍未办结")

    class Meta:
        model = Filing
        fields = ["status", "kind", "institution", "overdue"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        from ..selectors.filings import overdue_q

        late = overdue_q(timezone.now())
        return queryset.filter(late) if value else queryset.exclude(late)


class ClaimFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=ClaimStatus.choices, help_text="状态")

    class Meta:
        model = InstitutionClaim
        fields = ["status"]


class StaffFilter(FilterSet):
    """A roster's filters; "on duty" and "health certificate expired" as the filing checks count them."""

    # ``active`` is the API's historical name for on duty (``Staff.objects.on_duty``).
    STATUSES = {"active": StaffStatus.ON_DUTY, "upcoming": StaffStatus.UPCOMING, "ended": StaffStatus.ENDED}

    role = django_filters.ChoiceFilter(choices=StaffRole.choices, help_text="岗位")
    status = django_filters.ChoiceFilter(choices=[("active", "在职（入职日期不晚于今天，且未离职或离职日期不早于今天）"),
                                                  ("upcoming", "待入职（入职日期晚于今天）"),
                                                  ("ended", "已离职（离职日期早于今天）")],
                                         method="filter_status",
                                         help_text="active：今天在职；upcoming：待入职；ended：已离职")
    health_certificate_expired = BooleanFilter(
        method="filter_health", help_text="true：健康合格证明缺失或已超过有效期（按所在地政策月数）")
    has_conflict = BooleanFilter(method="filter_conflict",
                                                help_text="true：有未处理的多机构任职（挂靠）预警")

    class Meta:
        model = Staff
        fields = ["role", "status", "health_certificate_expired", "has_conflict"]

    def filter_status(self, queryset, name, value):
        return queryset.with_status(self.STATUSES[value]) if value in self.STATUSES else queryset

    def filter_health(self, queryset, name, value):
        if value is None:
            return queryset
        regions = Region.objects.filter(code__in=queryset.order_by().values("region_id").distinct())
        expired = health_certificate_expired_q(regions=regions)
        return queryset.filter(expired) if value else queryset.exclude(expired)

    def filter_conflict(self, queryset, name, value):
        if value is None:
            return queryset
        open_flag = Exists(StaffConflictFlag.objects.filter(staff_id=OuterRef("pk"), resolved_at__isnull=True))
        return queryset.filter(open_flag) if value else queryset.exclude(open_flag)
