"""The admin site: auditors read everything in their scope, read-only; administrators manage accounts."""

from django.contrib.admin import AdminSite

from accounts.forms import AdminLoginForm
from accounts.roles import ADMIN_SITE_ROLES


class PlatformAdminSite(AdminSite):
    site_header = "托育机构备案与监管平台 · 审计与管理"
    site_title = "审计与管理"
    index_title = "审计与管理"
    # The same login guard as the page login and the API token (accounts.login_guard).
    login_form = AdminLoginForm

    def has_permission(self, request):
        user = request.user
        if not (user.is_active and user.is_authenticated):
            return False
        assignment = getattr(request, "assignment", None)
        return user.is_superuser or (assignment is not None and assignment.role in ADMIN_SITE_ROLES)


admin_site = PlatformAdminSite(name="admin")
