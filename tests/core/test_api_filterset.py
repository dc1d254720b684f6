"""``core.api.FilterSet``: the parsing form's class is built once per filter set, never one holding a queryset."""

from __future__ import annotations

import django_filters
import pytest
from django.http import QueryDict
from django_scopes import scopes_disabled

from core.api import FilterSet
from regions.models import Region
from registry.api.filters import InstitutionFilter
from registry.models import Institution

pytestmark = pytest.mark.django_db


def test_the_form_class_is_built_once_and_each_request_gets_its_own_form(regions):
    with scopes_disabled():
        first = InstitutionFilter(QueryDict("status=filed"), queryset=Institution.objects.all())
        second = InstitutionFilter(QueryDict("status=bogus"), queryset=Institution.objects.all())
        assert type(first.form) is type(second.form)
        assert first.form is not second.form and first.form.fields["status"] is not second.form.fields["status"]
        assert first.is_valid()
        assert not second.is_valid() and "status" in second.errors
        assert "WHERE" in str(first.qs.query) and "filed" in str(first.qs.query)


def test_a_filter_set_with_a_queryset_field_builds_its_form_per_request(regions):
    class ByRegion(FilterSet):
        region = django_filters.ModelChoiceFilter(queryset=Region.objects.all())

        class Meta:
            model = Institution
            fields = ["region"]

    with scopes_disabled():
        one = ByRegion(QueryDict(""), queryset=Institution.objects.all())
        two = ByRegion(QueryDict(""), queryset=Institution.objects.all())
        assert type(one.form) is not type(two.form)


def test_method_filters_are_bound_to_each_request_and_the_definitions_stay_untouched(regions):
    from registry.api.filters import FilingFilter
    from registry.models import Filing

    with scopes_disabled():
        one = FilingFilter(QueryDict("overdue=true"), queryset=Filing.objects.all())
        two = FilingFilter(QueryDict(""), queryset=Filing.objects.all())
        late = '"registry_filing"."due_at" <'
        assert one.is_valid() and late in str(one.qs.query) and late not in str(two.qs.query)
    assert one.filters["overdue"] is not two.filters["overdue"]
    assert one.filters["overdue"].parent is one and two.filters["overdue"].parent is two
    assert one.filters["overdue"].filter.f is one.filters["overdue"]  # the method proxy of this copy
    base = FilingFilter.base_filters["overdue"]
    assert getattr(base, "parent", None) is None and base.filter.f is base


def test_page_filter_sets_copy_their_filters_and_give_their_form_its_own_fields(regions):
    """``registry.forms`` page filter sets (``core.filters``): each instance has its own filters with their
    own choices, its form the fields made for it; the class's filters are never changed."""
    from registry.forms import ReviewQueueFilter
    from registry.models import Filing

    with scopes_disabled():
        xihu = list(Region.objects.filter(parent_id="330106").order_by("code")[:2])
        one = ReviewQueueFilter(QueryDict(f"township={xihu[0].code}"), queryset=Filing.objects.all(), townships=xihu)
        two = ReviewQueueFilter(QueryDict(""), queryset=Filing.objects.all(), townships=xihu[1:])
        none = ReviewQueueFilter(None, queryset=Filing.objects.all())
        assert one.is_valid() and one.form.cleaned_data["township"] == xihu[0].code
        assert [c for c, _ in two.form.fields["township"].choices] == ["", xihu[1].code]
        assert "township" not in none.form.fields  # no townships: no township filter
    assert ReviewQueueFilter.base_filters["township"].extra["choices"] == []  # the definition, untouched
    assert not hasattr(ReviewQueueFilter.base_filters["township"], "_field")
    assert one.filters["status"] is not two.filters["status"] and one.filters["status"].parent is one
    assert one.form.fields["status"] is not two.form.fields["status"]
    assert one.form.fields["status"] is one.filters["status"].field  # taken as made, not deep-copied
    two.form.fields["status"].widget.attrs["data-x"] = "1"
    assert "data-x" not in one.form.fields["status"].widget.attrs
    html = str(one.form["township"])
    assert f'<option value="{xihu[0].code}" selected>' in html and xihu[1].code in html
