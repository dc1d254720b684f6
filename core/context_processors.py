"""Role-aware navigation for the base layout (entries and values registered in ``core.navigation``)."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from . import assignments
from .navigation import layout_values, nav_items


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    assignment = getattr(request, "assignment", None)
    role = assignment.role if assignment else None
    items = []
    for item in nav_items():
        if item.roles is not None and role not in item.roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": item.label, "url": url, "active": request.path == url})
    return {
        "nav_items": items,
        "active_assignment": assignment,
        "user_assignments": assignments.assignments_of(user),
        **layout_values(request),
    }
