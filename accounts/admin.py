"""Accounts in the admin: users and assignments (managed by security/system administrators through
``accounts.services``, so 三员分立 holds), the security log (read-only) and their history."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django_scopes import scopes_disabled

from core.admin import DateRangeFilter, EventAdmin, ReadOnlyScopedAdmin, active_role, region_scope_q
from core.admin_site import admin_site
from core.errors import DomainError
from core.tenancy import TenantPaths, TenantScope

from .models import Assignment, AssignmentHistory, AuthEvent, User, UserHistory
from .roles import Role
from .selectors import assignment_scope_q, user_scope_q
from .services import account_create_or_grant, assignment_grant, assignment_set_active, user_update

MANAGERS = frozenset({Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN})


def scope_code_within(scope: TenantScope | None, code: str) -> bool:
    """May an administrator acting in ``scope`` grant a role in scope ``code``?"""
    from regions.models import Region
    from registry.models import Institution

    if scope is None:
        return False
    if scope.unrestricted:
        return True
    code = (code or "").strip().upper()
    region = Region.objects.filter(code=code).first()
    if region is not None:
        return scope.covers_region(region)
    with scopes_disabled():
        institution = Institution.objects.filter(uscc=code).first()
    # By the institution's district, even for an operator scope (operators never manage accounts).
    return institution is not None and scope.covers(institution, TenantPaths())


class _ActorForm(forms.ModelForm):
    actor: User | None = None
    actor_scope: TenantScope | None = None
    result = None

    def _check_target(self, target_scope: str, target_user: User | None) -> None:
        if target_user is not None and self.actor is not None and target_user.pk == self.actor.pk:
            raise ValidationError("不能为自己授权。")
        if not scope_code_within(self.actor_scope, target_scope):
            self.add_error("scope", "该范围不在您的管辖范围内。")
            raise ValidationError("授权范围超出您的管辖范围。")

    def _run(self, fn, **kwargs):
        try:
            with transaction.atomic():
                return fn(**kwargs)
        except DomainError as exc:
            for field, messages in exc.fields.items():
                if field in self.fields:
                    for message in messages:
                        self.add_error(field, message)
            raise ValidationError(exc.message, code=exc.code) from exc

    def _post_clean(self):
        if self.result is not None and self.instance.pk is None:
            return  # created by the service in clean(); nothing left to validate
        super()._post_clean()

    def save(self, commit=True):
        return self.result if self.result is not None else super().save(commit)


class UserAddForm(_ActorForm):
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput, strip=False)
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    scope = forms.CharField(label="范围", help_text="区划代码、000000（全国）或机构统一社会信用代码")

    class Meta:
        model = User
        fields = ["username", "display_name", "email"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if User.objects.filter(username=data["username"]).exists():
            raise ValidationError("用户名已存在；请在“角色授权”中为该用户添加角色。")
        self._check_target(data["scope"], None)
        user, _, _ = self._run(account_create_or_grant, actor=self.actor, username=data["username"],
                               password=data["password"], role=data["role"], scope=data["scope"],
                               display_name=data.get("display_name", ""), email=data.get("email", ""))
        self.result = user
        return data

    def validate_unique(self):
        pass  # checked in clean(), before the service runs


class UserChangeForm(_ActorForm):
    class Meta:
        model = User
        fields = ["display_name", "email", "is_active"]

    def clean(self):
        data = super().clean()
        if not self.errors:
            self.result = self._run(user_update, actor=self.actor, user_id=self.instance.pk,
                                    display_name=data.get("display_name", ""), email=data.get("email", ""),
                                    is_active=data.get("is_active", False))
        return data


class AssignmentAddForm(_ActorForm):
    username = forms.CharField(label="用户名")
    scope = forms.CharField(label="范围", help_text="区划代码、000000（全国）或机构统一社会信用代码")

    class Meta:
        model = Assignment
        fields = ["role"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        user = User.objects.filter(username=data["username"]).first()
        if user is None:
            self.add_error("username", "用户不存在。")
            return data
        self._check_target(data["scope"], user)
        self.result = self._run(assignment_grant, actor=self.actor, user=user, role=data["role"],
                                scope=data["scope"])
        return data


class AssignmentChangeForm(_ActorForm):
    class Meta:
        model = Assignment
        fields = ["is_active"]

    def clean(self):
        data = super().clean()
        if not self.errors:
            if self.actor is not None and self.instance.user_id == self.actor.pk:
                raise ValidationError("不能修改自己的授权。")
            self.result = self._run(assignment_set_active, actor=self.actor, assignment_id=self.instance.pk,
                                    active=data.get("is_active", False))
        return data


class _ManagedAdmin(ReadOnlyScopedAdmin):
    """Changes only through the forms above (which call the services); saving does nothing more."""

    manage_roles = MANAGERS
    add_form: type[forms.ModelForm]
    change_form: type[forms.ModelForm]
    add_fields: list[str]
    change_readonly: list[str]

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = self.change_form if obj is not None else self.add_form
        form = type(base.__name__, (base,), {"actor": request.user,
                                             "actor_scope": getattr(request, "tenant_scope", None)})
        kwargs["form"] = form
        # The form's own fields (a list: Django extends it with the excluded fields when the actor
        # may only view, as an auditor does — None there was a 500 on every detail page).
        kwargs["fields"] = list(base._meta.fields or ())
        kwargs["exclude"] = None
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.add_fields
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if self._may_manage(request):
            return self.change_readonly
        return super().get_readonly_fields(request, obj)

    def save_model(self, request, obj, form, change):
        pass  # the service already saved it (form.clean)

    def save_related(self, request, form, formsets, change):
        pass


class UserAdmin(_ManagedAdmin):
    add_form = UserAddForm
    change_form = UserChangeForm
    add_fields = ["username", "display_name", "email", "password", "role", "scope"]
    fields = ["username", "display_name", "email", "phone_masked", "is_active", "is_machine", "last_login",
              "date_joined"]
    change_readonly = ["username", "phone_masked", "is_machine", "last_login", "date_joined"]
    list_display = ["username", "display_name", "phone_masked", "is_active", "is_machine", "last_login"]
    search_fields = ["username", "display_name"]
    list_filter = ["is_active", "is_machine"]
    actions = ["reset_second_factor"]

    def scope_q(self, request):
        return user_scope_q(getattr(request, "tenant_scope", None))

    def has_add_permission(self, request):
        # A new account is created with its first role: granting roles is the security admin's alone
        # (三员分立), so the system admin, who keeps accounts' technical state, has no add form.
        return active_role(request) == Role.SECURITY_ADMIN

    def get_actions(self, request):
        actions = super().get_actions(request)
        assignment = getattr(request, "assignment", None)
        if assignment is None or assignment.role != Role.SECURITY_ADMIN:
            actions.pop("reset_second_factor", None)  # the security admin's alone (三员分立)
        return actions

    @admin.action(description="重置双因素认证（用户下次登录时重新绑定）")
    def reset_second_factor(self, request, queryset):
        from .otp import otp_reset

        scope = getattr(request, "tenant_scope", None)
        done = 0
        for user_id in queryset.values_list("pk", flat=True):
            try:
                otp_reset(actor=request.user, user_id=user_id, scope=scope, request=request)
            except DomainError as exc:
                self.message_user(request, exc.message, level="error")
                return
            done += 1
        self.message_user(request, f"已重置 {done} 个账号的双因素认证。")


class AssignmentAdmin(_ManagedAdmin):
    manage_roles = frozenset({Role.SECURITY_ADMIN})  # roles are the security admin's (三员分立)
    add_form = AssignmentAddForm
    change_form = AssignmentChangeForm
    add_fields = ["username", "role", "scope"]
    fields = ["user", "role", "region", "institution", "is_active", "granted_by", "created_at"]
    change_readonly = ["user", "role", "region", "institution", "granted_by", "created_at"]
    list_display = ["user", "role", "region", "institution", "is_active", "granted_by", "created_at"]
    list_select_related = ["user", "region", "institution", "granted_by"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "region__code", "institution__uscc"]

    def scope_q(self, request):
        return assignment_scope_q(getattr(request, "tenant_scope", None))


class AuthEventAdmin(ReadOnlyScopedAdmin):
    list_display = ["created_at", "kind", "username", "account", "ip", "path", "target"]
    list_select_related = ["user"]
    list_filter = ["kind", ("created_at", DateRangeFilter)]
    # By person (account name or the person's name), address, and what was revealed or exported
    # ("registry.staff:12" finds every reveal of that record).
    search_fields = ["username", "user__display_name", "ip", "target"]
    ordering = ["-created_at"]

    @admin.display(description="账号")
    def account(self, obj):
        return str(obj.user) if obj.user_id else "—"

    def scope_q(self, request):
        scope = getattr(request, "tenant_scope", None)
        by_district = region_scope_q(AuthEvent, scope)
        if by_district is None:
            return None
        return by_district | user_scope_q(scope, "user")


class UserHistoryAdmin(EventAdmin):
    def scope_q(self, request):
        return user_scope_q(getattr(request, "tenant_scope", None), "pgh_obj_id")


class AssignmentHistoryAdmin(EventAdmin):
    def scope_q(self, request):
        return assignment_scope_q(getattr(request, "tenant_scope", None))


admin_site.register(User, UserAdmin)
admin_site.register(Assignment, AssignmentAdmin)
admin_site.register(AuthEvent, AuthEventAdmin)
admin_site.register(UserHistory, UserHistoryAdmin)
admin_site.register(AssignmentHistory, AssignmentHistoryAdmin)
