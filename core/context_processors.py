"""Role-aware navigation for the base layout (entries and values registered in ``core.navigation``)."""

from __future__ import annotations

from django.core.signals import setting_changed
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

from . import assignments
from . import navigation as nav
from .navigation import layout_values, nav_items

# (role, URLconf, script prefix, menu version) -> [(label, url)]: the entries a role sees, resolved
# once per process instead of one ``reverse()`` per entry on every page.
_menus: dict[tuple, list[tuple[str, str]]] = {}


def _menu(role) -> list[tuple[str, str]]:
    key = (role, get_urlconf(), get_script_prefix(), nav.version())
    menu = _menus.get(key)
    if menu is None:
        menu = []
        for item in nav_items():
            if item.roles is not None and role not in item.roles:
                continue
            try:
                menu.append((item.label, reverse(item.url_name)))
            except NoReverseMatch:
                continue
        _menus[key] = menu
    return menu


def _forget_menus(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _menus.clear()


setting_changed.connect(_forget_menus)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    assignment = getattr(request, "assignment", None)
    role = assignment.role if assignment else None
    path = request.path
    items = [{"label": label, "url": url, "active": path == url} for label, url in _menu(role)]
    return {
        "nav_items": items,
        "active_assignment": assignment,
        "user_assignments": assignments.assignments_of(user),
        **layout_values(request),
    }
