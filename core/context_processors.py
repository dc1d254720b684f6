"""Role-aware navigation for the base layout."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from accounts.roles import ADMIN_SITE_ROLES, COMMISSION_STAFF, REVIEWERS, Role

# (label, url name, roles that see it; None = every signed-in user). Apps add theirs here.
NAV_ITEMS: list[tuple[str, str, frozenset | None]] = [
    ("首页", "core:home", None),
    ("我的机构", "registry:operator_home", frozenset({Role.OPERATOR})),
    ("备案审核", "registry:review_queue", REVIEWERS),
    ("待审备案", "registry:review_queue", frozenset({Role.CITY_VIEWER})),  # read-only: no 审核
    ("机构名录", "registry:institution_list", COMMISSION_STAFF),
    ("从业人员预警", "registry:staff_conflicts", COMMISSION_STAFF),
    ("认领确认", "registry:claim_list", REVIEWERS),
    ("审计与管理", "admin:index", ADMIN_SITE_ROLES),
    ("接口文档", "api-docs", frozenset({Role.SYSTEM_ADMIN, Role.REGISTRATION_AUTHORITY})),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    assignment = getattr(request, "assignment", None)
    role = assignment.role if assignment else None
    items = []
    for label, url_name, roles in NAV_ITEMS:
        if roles is not None and role not in roles:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "active": request.path == url})
    from notifications.selectors import unread_count

    return {
        "nav_items": items,
        "active_assignment": assignment,
        "user_assignments": user.active_assignments,
        "unread_notifications": unread_count(user=user),
    }
