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
- encrypted and hash columns (``*_encrypted``, ``*_hash``) are never shown, nor such keys inside
  JSON columns (a filing's staff snapshot); masked ones are.
"""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import cached_property

from .admin_history import (
    FORMATTERS,
    build_rows,
    event_model_for,
    event_models,
    format_value,
    has_institution,
)
from .admin_site import admin_site
from .audit import EVENT_LABELS, TITLE_FIELDS, event_subject
from .roles import ADMIN_SITE_ROLES, BUSINESS_DATA_READERS, Role
from .tenancy import NO_PATHS, TenantModel, TenantPaths, TenantScope, scope_filter, tenant_paths

HIDDEN_SUFFIXES = ("_encrypted", "_hash")
TENANT_FIELDS = ("province", "city", "district")


def is_personal_field(name) -> bool:
    return isinstance(name, str) and name.endswith(HIDDEN_SUFFIXES)


_DISPLAYS: dict[tuple[type, str], object] = {}


def display_for(field: models.Field):
    """A read-only column shown in words: service types by their Chinese names, JSON without personal keys."""
    key = (field.model, field.name)
    if key not in _DISPLAYS:
        def show(obj, f=field):
            return format_value(f, getattr(obj, f.attname))

        show.short_description = field.verbose_name
        show.__name__ = f"display_{field.name}"
        _DISPLAYS[key] = show
    return _DISPLAYS[key]


def needs_display(field: models.Field) -> bool:
    return isinstance(field, ArrayField | models.JSONField) or (field.model._meta.label, field.name) in FORMATTERS


def is_event_model(model) -> bool:
    from pghistory.models import Event

    return issubclass(model, Event)


def scrub_personal(value):
    """``value`` (JSON data) without any key that names an encrypted or hash column, at any depth:
    a JSON column (a filing's staff snapshot) shows masked values only, like the table columns."""
    if isinstance(value, dict):
        return {k: scrub_personal(v) for k, v in value.items() if not is_personal_field(str(k))}
    if isinstance(value, list):
        return [scrub_personal(v) for v in value]
    return value


def _field_names(model) -> set[str]:
    return {f.name for f in model._meta.get_fields() if getattr(f, "concrete", False)}


def region_scope_q(model, scope: TenantScope | None) -> models.Q | None:
    """The filter confining ``model`` to ``scope``; ``None`` means no filter (country scope)."""
    names = _field_names(model)
    if issubclass(model, TenantModel) or set(TENANT_FIELDS) <= names:
        paths = tenant_paths(model)
    elif "district" in names and getattr(model._meta.get_field("district").remote_field, "model", None) \
            is apps.get_model("regions", "Region"):
        paths = TenantPaths(province="district__province_id", city="district__city_id", district="district_id")
    else:
        paths = NO_PATHS  # country scope only
    return scope_filter(scope, paths)


def active_role(request) -> str | None:
    assignment = getattr(request, "assignment", None)
    return assignment.role if assignment is not None else None


class CappedCountPaginator(Paginator):
    """The admin's paginator with a count that stops at ``count_limit`` rows: a changelist at province
    or country scope (126,000 institutions, millions of audit events) never counts every row in
    scope on each page. ``count_capped`` says the list holds more ("10000+" on the page); search and
    filters narrow it. The API lists cap their count the same way (``core.api.KeysetPagination``)."""

    count_limit = 10_000
    count_capped = False

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if isinstance(rows, models.QuerySet):
            found = rows.order_by()[: self.count_limit + 1].count()
        else:
            found = len(rows)
        self.count_capped = found > self.count_limit
        return min(found, self.count_limit)


class ReadOnlyScopedAdmin(admin.ModelAdmin):
    view_roles: frozenset[str] = ADMIN_SITE_ROLES
    manage_roles: frozenset[str] = frozenset()
    actions = None
    list_per_page = 50
    show_full_result_count = False

    paginator = CappedCountPaginator

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        changelist.count_capped = getattr(changelist.paginator, "count_capped", False)
        return changelist

    def get_ordering(self, request):
        """The list's order made total with the primary key in the direction of its last column
        (``name`` → ``name, pk``), so one index (``name, id``) serves the page; Django alone would add
        ``-pk`` against ``name``'s direction, which no plain index matches."""
        ordering = list(super().get_ordering(request) or self.model._meta.ordering or [])
        names = {str(field).lstrip("-") for field in ordering}
        if ordering and not names & {"pk", "id", self.model._meta.pk.name} and isinstance(ordering[-1], str):
            ordering.append("-pk" if ordering[-1].startswith("-") else "pk")
        return ordering

    def get_urls(self):
        """Django's views, except the old change URL (``<object_id>/``): Django redirects anyone signed
        in to the admin site to ``…/change/``; here only a role that may view the model is redirected
        (others are refused, as on every other view of the model), and a row out of scope is 404."""
        from django.urls import path

        *views, _old_change = super().get_urls()
        redirect = self.admin_site.admin_view(self.old_change_url_view)
        redirect.model_admin = self
        return [*views, path("<path:object_id>/", redirect)]

    def old_change_url_view(self, request, object_id):
        from django.shortcuts import redirect

        if not self.has_view_permission(request):
            raise PermissionDenied
        self._ensure_in_scope(request, object_id)
        return redirect(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_change", object_id)

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
        """The 历史 button: the row's real change history (its pghistory events, newest first, each with
        who, role, when, from where and the changed fields), not Django's admin log (nothing is
        changed through the admin)."""
        self._ensure_in_scope(request, object_id)
        obj = self.get_object(request, unquote(object_id))
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        event_model = event_model_for(self.model)
        rows, total, list_url = [], 0, ""
        if event_model is not None:
            events = (event_model._default_manager.filter(pgh_obj_id=obj.pk).select_related("pgh_context")
                      .order_by("-pgh_id"))
            page = list(events[:HISTORY_PAGE + 1])
            total = len(page)
            rows = build_rows(event_model, page[:HISTORY_PAGE])
            if admin_site.is_registered(event_model):
                name = f"admin:{event_model._meta.app_label}_{event_model._meta.model_name}"
                list_url = reverse(f"{name}_changelist") + f"?pgh_obj_id={obj.pk}"
                for row in rows:
                    row.url = reverse(f"{name}_change", args=[row.event.pk])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts, "object": obj, "title": f"变更历史：{obj}", "subtitle": None,
            "tracked": event_model is not None, "rows": rows, "more": total > HISTORY_PAGE, "list_url": list_url,
            "related_lists": _related_event_lists(self.model, obj.pk),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/audit/object_history.html", context)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Outside the actor's scope or absent: 404 like every page and API (no redirect, no hint).
        raise Http404("对象不存在或不在您的管辖范围内。")

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            # Shown, never saved (nobody changes these rows here): JSON columns lose hash keys.
            for f in self.model._meta.concrete_fields:
                if isinstance(f, models.JSONField):
                    setattr(obj, f.attname, scrub_personal(getattr(obj, f.attname)))
        return obj

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        condition = self.scope_q(request)
        return qs if condition is None else qs.filter(condition)

    # Personal data.
    def _shown_in_words(self, request) -> bool:
        """Columns generated from the model (no ``fields`` of its own), read-only: lists and JSON in words."""
        return self.fields is None and not self._may_manage(request)

    def get_exclude(self, request, obj=None):
        excluded = list(super().get_exclude(request, obj) or [])
        worded = self._shown_in_words(request)
        return excluded + [f.name for f in self.model._meta.concrete_fields
                           if (is_personal_field(f.name) or (worded and needs_display(f))) and f.name not in excluded]

    def get_fields(self, request, obj=None):
        return [f for f in super().get_fields(request, obj) if not is_personal_field(f)]

    def get_readonly_fields(self, request, obj=None):
        if self._may_manage(request):
            return super().get_readonly_fields(request, obj)
        worded = self._shown_in_words(request)
        return [display_for(f) if worded and needs_display(f) else f.name
                for f in self.model._meta.concrete_fields if not is_personal_field(f.name)]

    def get_search_fields(self, request):
        return [f for f in super().get_search_fields(request) if not is_personal_field(f)]


class EventActionFilter(admin.SimpleListFilter):
    title = "操作"
    parameter_name = "pgh_label"

    def lookups(self, request, model_admin):
        return list(EVENT_LABELS.items())

    def queryset(self, request, queryset):
        return queryset.filter(pgh_label=self.value()) if self.value() in EVENT_LABELS else queryset


class DateRangeFilter(admin.FieldListFilter):
    """From … to … (both days included) on a date-time column, as a small form in the sidebar."""

    template = "admin/audit/date_range_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.lookup_from, self.lookup_to = f"{field_path}__date__gte", f"{field_path}__date__lte"
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = "时间范围"

    def expected_parameters(self):
        return [self.lookup_from, self.lookup_to]

    def _day(self, name) -> dt.date | None:
        values = self.used_parameters.get(name) or []
        value = values[-1] if isinstance(values, list) and values else values
        try:
            return dt.date.fromisoformat(str(value)) if value else None
        except ValueError:
            return None

    def queryset(self, request, queryset):
        lookups = {name: day for name in self.expected_parameters() if (day := self._day(name)) is not None}
        return queryset.filter(**lookups) if lookups else queryset

    def choices(self, changelist):
        keep = [(k, v) for k, v in changelist.params.items() if k not in self.expected_parameters()]
        day_from, day_to = self._day(self.lookup_from), self._day(self.lookup_to)
        yield {"from_name": self.lookup_from, "to_name": self.lookup_to, "keep": keep,
               "from": day_from.isoformat() if day_from else "", "to": day_to.isoformat() if day_to else "",
               "clear": changelist.get_query_string(remove=self.expected_parameters()),
               "selected": bool(day_from or day_to)}


class EventDateFilter(admin.DateFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "时间"


class EventChangeList(ChangeList):
    """Works out actor, institution and changed fields for the whole page at once (no query per row)."""

    def get_results(self, request):
        super().get_results(request)
        rows = build_rows(self.model, self.result_list, detail=False)
        for event, row in zip(self.result_list, rows, strict=True):
            event.audit_row = row


class EventAdmin(ReadOnlyScopedAdmin):
    """pghistory event rows (``<Model>History``): who changed what, when and from where, in Chinese:
    the actor's name and role, the institution, the changed fields, and a field-by-field diff."""

    list_select_related = ("pgh_context",)
    ordering = ("-pgh_id",)
    list_filter = (EventActionFilter, ("pgh_created_at", EventDateFilter), ("pgh_created_at", DateRangeFilter))
    change_form_template = "admin/audit/event_detail.html"
    search_help_text = "按对象名称、信用代码、编号或操作人姓名/用户名搜索"

    def get_changelist(self, request, **kwargs):
        return EventChangeList

    def get_list_display(self, request):
        columns = ["event_time", "event_action", "event_object"]
        if has_institution(self.model):
            columns.append("event_institution")
        return [*columns, "event_actor", "event_changes", "event_ip"]

    def get_list_display_links(self, request, list_display):
        return ["event_time"]

    def get_search_fields(self, request):
        names = {f.name for f in self.model._meta.concrete_fields}
        return [n for n in TITLE_FIELDS if n in names and not is_personal_field(n)] or ["pgh_obj_id"]

    def get_search_results(self, request, queryset, search_term):
        term = (search_term or "").strip()
        if not term:
            return queryset, False
        found, duplicates = super().get_search_results(request, queryset, term)
        actor_ids = list(get_user_model().objects.filter(models.Q(username__icontains=term) | models.Q(display_name__icontains=term))
                         .values_list("pk", flat=True)[:200])
        condition = models.Q(pk__in=found.values("pk"))
        if actor_ids:
            condition |= models.Q(pgh_context__metadata__user__in=actor_ids)
        if term.isdigit():
            condition |= models.Q(pgh_obj_id=term)
        return queryset.filter(condition), duplicates

    @admin.display(description="时间", ordering="pgh_created_at")
    def event_time(self, obj):
        return timezone.localtime(obj.pgh_created_at).strftime("%Y-%m-%d %H:%M:%S")

    @admin.display(description="操作")
    def event_action(self, obj):
        return obj.audit_row.action

    @admin.display(description="对象")
    def event_object(self, obj):
        return event_subject(obj)

    @admin.display(description="机构")
    def event_institution(self, obj):
        return obj.audit_row.institution or "—"

    @admin.display(description="操作人")
    def event_actor(self, obj):
        return obj.audit_row.actor

    @admin.display(description="变更内容")
    def event_changes(self, obj):
        return obj.audit_row.summary

    @admin.display(description="来源IP")
    def event_ip(self, obj):
        return ((obj.pgh_context.metadata or {}).get("ip") if obj.pgh_context_id else None) or "—"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The event as the auditor reads it: who, when, from where, and what changed field by field."""
        self._ensure_in_scope(request, object_id)
        if not self.has_view_permission(request) or request.method not in ("GET", "HEAD"):
            raise PermissionDenied  # an event is read, never changed: a POST is refused like any change
        event = self.get_queryset(request).get(pk=unquote(object_id))
        [row] = build_rows(self.model, [event], full_values=True)
        siblings = self.get_queryset(request).filter(pgh_obj_id=event.pgh_obj_id)
        previous = siblings.filter(pgh_id__lt=event.pgh_id).order_by("-pgh_id").values_list("pgh_id", flat=True).first()
        following = siblings.filter(pgh_id__gt=event.pgh_id).order_by("pgh_id").values_list("pgh_id", flat=True).first()
        meta = (event.pgh_context.metadata or {}) if event.pgh_context_id else {}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts, "title": str(event), "subtitle": None, "event": event, "row": row,
            "subject": event_subject(event),
            "ip": meta.get("ip") or "—", "path": " ".join(filter(None, [meta.get("method"), meta.get("url")])) or "—",
            "object_url": _object_url(self.model.pgh_tracked_model, event.pgh_obj_id),
            "history_url": _object_url(self.model.pgh_tracked_model, event.pgh_obj_id, "history"),
            "previous_url": self._event_url(previous), "next_url": self._event_url(following),
            "list_url": reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.change_form_template, context)

    def _event_url(self, pk):
        if pk is None:
            return ""
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[pk])


HISTORY_PAGE = 100


def _related_event_lists(model, pk) -> list[dict]:
    """Links to the change records of rows that point at this one (an institution's staff, filings,
    registration…): each event list filtered by the foreign key."""
    out = []
    for event_model in event_models():
        if event_model is event_model_for(model) or not admin_site.is_registered(event_model):
            continue
        for f in event_model._meta.concrete_fields:
            if (isinstance(f, models.ForeignKey) and f.related_model is model and not f.name.startswith("pgh_")
                    and f.name not in (*TENANT_FIELDS, "region")):
                url = reverse(f"admin:{event_model._meta.app_label}_{event_model._meta.model_name}_changelist")
                out.append({"label": str(event_model._meta.verbose_name_plural), "url": f"{url}?{f.attname}={pk}"})
                break
    return sorted(out, key=lambda link: link["label"])


def _object_url(model, pk, view: str = "change") -> str:
    """The admin page of a tracked row, when the admin shows that model."""
    if not admin_site.is_registered(model):
        return ""
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=[pk])
    except NoReverseMatch:
        return ""


class TenantRowAdmin(ReadOnlyScopedAdmin):
    """A business table's rows, read by the auditor across the whole scope: newest first by default
    (the primary key's index serves the first page at country scope, where a table may hold millions
    of rows: a model's own order, e.g. enrolments by date, would sort them all). A column header
    still sorts by that column; an admin class that declares ``ordering`` keeps it."""

    list_display = ("__str__", "district", "region")
    list_select_related = ("district", "region")
    ordering = ("-pk",)


def register_app_models(app_label: str, overrides: dict | None = None,
                        view_roles: frozenset[str] = BUSINESS_DATA_READERS) -> list[type[models.Model]]:
    """Register every model of ``app_label`` (and its pghistory event models) read-only, scoped.

    Business apps' rows are read by ``view_roles`` only (the auditor: 三员分立 keeps the system and
    security admins out of business personal data)."""
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
        admin_class = type(admin_class.__name__, (admin_class,), {"view_roles": view_roles})
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
