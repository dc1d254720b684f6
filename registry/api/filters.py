"""django-filter FilterSets of the registry API (query parameters, documented in the schema)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone

from ..models import (
    ClaimStatus,
    Filing,
    FilingKind,
    FilingStatus,
    Institution,
    InstitutionClaim,
    InstitutionKind,
    InstitutionStatus,
)


class InstitutionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=InstitutionStatus.choices, help_text="状态")
    kind = django_filters.ChoiceFilter(choices=InstitutionKind.choices, help_text="类型")
    district = django_filters.CharFilter(field_name="district_id", help_text="备案机关辖区代码")
    township = django_filters.CharFilter(field_name="region_id", help_text="所在乡镇街道代码")
    q = django_filters.CharFilter(method="search", help_text="名称包含，或统一社会信用代码")

    class Meta:
        model = Institution
        fields = ["status", "kind", "district", "township", "q"]

    def search(self, queryset, name, value):
        term = value.strip()
        return queryset.filter(Q(name__icontains=term) | Q(uscc=term.upper())) if term else queryset


class FilingFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=FilingStatus.choices, help_text="状态")
    kind = django_filters.ChoiceFilter(choices=FilingKind.choices, help_text="备案类型")
    institution = django_filters.NumberFilter(field_name="institution_id", help_text="机构 id")
    overdue = django_filters.BooleanFilter(method="filter_overdue",
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


class ClaimFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ClaimStatus.choices, help_text="状态")

    class Meta:
        model = InstitutionClaim
        fields = ["status"]
