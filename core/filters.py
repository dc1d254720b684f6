"""Filter sets (django-filter) without django-filter's per-request deep copies.

django-filter deep-copies a filter set's class filters for every instance (their ``extra`` with the
choice lists and all) and Django deep-copies a form class's fields into every form. For a page's filter
form (five choice filters) the two copies were about half of the ~0.8 ms the form cost a request.

- ``CopiedFilters`` gives each instance shallow copies of the class filters, with their own ``extra``
  (a set may give its copy other choices) and no field made yet; both the API filter sets
  (``core.api.FilterSet``) and the pages' (``registry.forms.SelectorFilterSet``) use it.
- ``OneFormFields`` marks a form class whose fields were made for a single form (a page filter set
  builds its form class from its own filters' fields, once per instance): Django's deep copy of them
  into the form is then a plain copy of the mapping. The fields are not shared with any other form.
"""

from __future__ import annotations

import copy

from django.http import QueryDict


class CopiedFilters:
    """django-filter's ``BaseFilterSet.__init__`` with each class filter copied shallowly.

    A filter keeps its definition (read only) and gets on the copy: its own ``extra``, this set as its
    parent, the queryset's model, and, for a method filter, a proxy bound to the copy. A field that was
    made on the class filter is not carried over: each copy makes its own from its own ``extra``.
    """

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {}
        for name, base in self.base_filters.items():
            filter_ = copy.copy(base)
            filter_.__dict__.pop("_field", None)
            filter_.extra = dict(base.extra)
            if filter_.method is not None:
                filter_.method = filter_.method  # a FilterMethod bound to this copy
            filter_.model = queryset.model
            filter_.parent = self
            self.filters[name] = filter_


class OneFormFields(dict):
    """A form class's fields, made for the one form built from it: deep-copied as a plain mapping copy."""

    def __deepcopy__(self, memo):
        return dict(self)


def single_form_class(form_class):
    """``form_class`` (built from fields no other form holds) with its fields copied plainly into its form."""
    form_class.base_fields = OneFormFields(form_class.base_fields)
    return form_class
