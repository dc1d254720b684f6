"""Shared base for the auditor-facing admin (``core.admin_site.admin_site``).

``ReadOnlyScopedAdmin``:
- who may see a model is decided by the *role of the active assignment* (auditor, security_admin,
  system_admin), never by Django model permissions (nobody is granted those);
- nobody adds, changes or deletes through it; subclasses name ``manage_roles`` to allow changes,
  and an auditor never gets them (三员分立);
- every queryset is confined to the actor's scope: tenant models through their scoped default
  manager (opened by the middleware) *and* the scope filter; pghistory event models through the
  copied ``province_id``/``city_id``/``district_id``; other models through a ``district`` foreign
  key to a region, or not at all (country scope only);
- encrypted and hash columns (``*_encrypted``, ``*_hash``) are never shown; masked ones are.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db import models
from django.http import Http404

from accounts.roles import ADMIN_SITE_ROLES, Role

from .admin_site import admin_site
from .tenancy import COUNTRY, DISTRICT, TenantModel, TenantScope

HIDDEN_SUFFIXES = ("_encrypted", "_hash")
TENANT_FIELDS = ("province", "city", "district")


def is_personal_field(name: str) -> bool:
    return name.endswith(HIDDEN_SUFFIXES)


def is_event_model(model) -> bool:
    from pghistory.models import Event

    return issubclass(model, Event)


def _field_names(model) -> set[str]:
    return {f.name for f in model._meta.get_fields() if getattr(f, "concrete", False)}


def region_scope_q(model, scope: TenantScope | None) -> models.Q | None:
    """The filter confining ``model`` to ``scope``; ``None`` means no filter (country scope)."""
    if scope is None:
        return models.Q(pk__in=[])
    if scope.level == COUNTRY:
        return None
    names = _field_names(model)
    if issubclass(model, TenantModel) or set(TENANT_FIELDS) <= names:
        return scope.q(model)
    if "district" in names and scope.level in ("province", "city", DISTRICT):
        field = model._meta.get_field("district")
        if getattr(field.remote_field, "model", None) is apps.get_model("regions", "Region"):
            if scope.level == DISTRICT:
                return models.Q(district_id=scope.region_code)
            return models.Q(**{f"district__{scope.level}_id": scope.region_code})
    return models.Q(pk__in=[])


def active_role(request) -> str | None:
    assignment = getattr(request, "assignment", None)
    return assignment.role if assignment is not None else None


class ReadOnlyScopedAdmin(admin.ModelAdmin):
    view_roles: frozenset[str] = ADMIN_SITE_ROLES
    manage_roles: frozenset[str] = frozenset()
    actions = None
    list_per_page = 50
    show_full_result_count = False

    # Permissions: by the role of the active assignment only.
    def has_module_permission(self, request):
        return active_role(request) in self.view_roles

    def has_view_permission(self, request, obj=None):
        return active_role(request) in self.view_roles

    def _may_manage(self, request) -> bool:
        role = active_role(request)
        return role in self.manage_roles and role != Role.AUDITOR

    def has_add_permission(self, request):
        return self._may_manage(request)

    def has_change_permission(self, request, obj=None):
        return self._may_manage(request)

    def has_delete_permission(self, request, obj=None):
        return False

    # Scope.
    def scope_q(self, request) -> models.Q | None:
        return region_scope_q(self.model, getattr(request, "tenant_scope", None))

    def _ensure_in_scope(self, request, object_id) -> None:
        """Out-of-scope objects are 404 before any permission check (a 403 would differ from absent)."""
        if object_id is not None and self.get_object(request, unquote(object_id)) is None:
            raise Http404("对象不存在或不在您的管辖范围内。")

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        self._ensure_in_scope(request, object_id)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._ensure_in_scope(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._ensure_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Outside the actor's scope or absent: 404 like every page and API (no redirect, no hint).
        raise Http404("对象不存在或不在您的管辖范围内。")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        condition = self.scope_q(request)
        return qs if condition is None else qs.filter(condition)

    # Personal data.
    def get_exclude(self, request, obj=None):
        excluded = list(super().get_exclude(request, obj) or [])
        return excluded + [f.name for f in self.model._meta.concrete_fields
                           if is_personal_field(f.name) and f.name not in excluded]

    def get_fields(self, request, obj=None):
        return [f for f in super().get_fields(request, obj) if not is_personal_field(f)]

    def get_readonly_fields(self, request, obj=None):
        if self._may_manage(request):
            return super().get_readonly_fields(request, obj)
        return [f.name for f in self.model._meta.concrete_fields if not is_personal_field(f.name)]

    def get_search_fields(self, request):
        return [f for f in super().get_search_fields(request) if not is_personal_field(f)]


class EventAdmin(ReadOnlyScopedAdmin):
    """pghistory event rows (``<Model>History``): who changed what, when and from where."""

    list_display = ("pgh_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "actor_user", "actor_ip",
                    "actor_path")
    list_select_related = ("pgh_context",)
    ordering = ("-pgh_id",)
    list_filter = ("pgh_label",)

    def _metadata(self, obj) -> dict:
        return (obj.pgh_context.metadata or {}) if obj.pgh_context_id else {}

    @admin.display(description="操作人ID")
    def actor_user(self, obj):
        return self._metadata(obj).get("user")

    @admin.display(description="IP")
    def actor_ip(self, obj):
        return self._metadata(obj).get("ip")

    @admin.display(description="请求路径")
    def actor_path(self, obj):
        return self._metadata(obj).get("url")


class TenantRowAdmin(ReadOnlyScopedAdmin):
    list_display = ("__str__", "district", "region")
    list_select_related = ("district", "region")


def register_app_models(app_label: str, overrides: dict | None = None) -> list[type[models.Model]]:
    """Register every model of ``app_label`` (and its pghistory event models) read-only, scoped."""
    overrides = overrides or {}
    registered = []
    for model in apps.get_app_config(app_label).get_models():
        if admin_site.is_registered(model):
            continue
        if model in overrides:
            admin_class = overrides[model]
        elif is_event_model(model):
            admin_class = EventAdmin
        elif issubclass(model, TenantModel):
            admin_class = TenantRowAdmin
        else:
            admin_class = ReadOnlyScopedAdmin
        admin_site.register(model, admin_class)
        registered.append(model)
    return registered


# --- the kernel's own rows -------------------------------------------------------------------------

class NationalDataMixin:
    """National rows (no tenant): every admin-site role allowed to see them sees all of them."""

    def scope_q(self, request):
        return None


class CalendarDayAdmin(NationalDataMixin, ReadOnlyScopedAdmin):
    """The system admin keeps the official calendar (each change recorded by pghistory)."""

    manage_roles = frozenset({Role.SYSTEM_ADMIN})
    list_display = ("date", "kind", "name", "updated_at")
    list_filter = ("kind",)
    date_hierarchy = "date"
    search_fields = ("name",)
    fields = ("date", "kind", "name")

    def has_delete_permission(self, request, obj=None):
        return self._may_manage(request)


class CalendarYearAdmin(NationalDataMixin, ReadOnlyScopedAdmin):
    """A year listed here has all its holidays and make-up working days entered; without it its
    deadlines are provisional (Monday–Friday) and flagged."""

    manage_roles = frozenset({Role.SYSTEM_ADMIN})
    list_display = ("year", "source", "updated_at")
    fields = ("year", "source")

    def has_delete_permission(self, request, obj=None):
        return self._may_manage(request)


class SweepRunAdmin(NationalDataMixin, ReadOnlyScopedAdmin):
    """What each scheduled sweep did (``core.sweeps``), read-only."""

    view_roles = frozenset({Role.SYSTEM_ADMIN, Role.AUDITOR})
    list_display = ("name", "started_at", "finished_at", "outcome", "rows", "summary")
    list_filter = ("outcome", "name")
    date_hierarchy = "started_at"


class NationalEventAdmin(NationalDataMixin, EventAdmin):
    pass


def _register_core() -> None:
    from .models import CalendarDay, CalendarYear, SweepRun

    admin_site.register(CalendarDay, CalendarDayAdmin)
    admin_site.register(CalendarYear, CalendarYearAdmin)
    admin_site.register(SweepRun, SweepRunAdmin)
    for model in (CalendarDay, CalendarYear):
        admin_site.register(model.audit_events.rel.related_model, NationalEventAdmin)


_register_core()

__all__ = ["EventAdmin", "ReadOnlyScopedAdmin", "TenantRowAdmin", "region_scope_q", "register_app_models"]
