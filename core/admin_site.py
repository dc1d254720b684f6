"""The admin site: auditors read everything in their scope, read-only; administrators manage accounts."""

from django.contrib.admin import AdminSite

from .roles import ADMIN_SITE_ROLES


class PlatformAdminSite(AdminSite):
    site_header = "托育机构备案与监管平台 · 审计与管理"
    site_title = "审计与管理"
    index_title = "审计与管理"
    # ``login_form`` is set by the accounts app (its login guard), which core does not import.

    def has_permission(self, request):
        user = request.user
        if not (user.is_active and user.is_authenticated):
            return False
        assignment = getattr(request, "assignment", None)
        return user.is_superuser or (assignment is not None and assignment.role in ADMIN_SITE_ROLES)


admin_site = PlatformAdminSite(name="admin")
