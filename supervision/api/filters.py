"""django-filter FilterSets of the blacklist API (query parameters, documented in the schema)."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from core.api import FilterSet

from ..models import (
    BlacklistEntry,
    BlacklistHit,
    EntryKind,
    EntryStatus,
    HitSource,
    HitStatus,
    MatchedAs,
    in_force_q,
)


class EntryFilter(FilterSet):
    kind = django_filters.ChoiceFilter(choices=EntryKind.choices, help_text="类别")
    status = django_filters.ChoiceFilter(choices=EntryStatus.choices, help_text="状态")
    in_force = django_filters.BooleanFilter(method="filter_in_force", help_text="true：今日参与比对；false：已解除或已届满")
    q = django_filters.CharFilter(method="search", help_text="姓名/名称包含，或统一社会信用代码、决定文号")

    class Meta:
        model = BlacklistEntry
        fields = ["kind", "status", "in_force", "q"]

    def filter_in_force(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(in_force_q()) if value else queryset.exclude(in_force_q())

    def search(self, queryset, name, value):
        term = value.strip()
        if not term:
            return queryset
        return queryset.filter(Q(name__icontains=term) | Q(uscc=term.upper()) | Q(decision_number=term))


class HitFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=HitStatus.choices, help_text="状态")
    source = django_filters.ChoiceFilter(choices=HitSource.choices, help_text="发现环节")
    matched_as = django_filters.ChoiceFilter(choices=MatchedAs.choices, help_text="命中对象")

    class Meta:
        model = BlacklistHit
        fields = ["status", "source", "matched_as"]
