"""Registry models and their audit history in the auditor admin: read-only, scoped to the actor.

Every model of the app (including ones added later) is registered by ``register_app_models``;
writes go through ``registry.services``, never through the admin. The workflow record
(``FilingEvent``, append-only: itself an audit trail) gets its own page in words: the filing, the
institution, the step, the statuses, the actor's name and role, the reasons.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList

from core.admin import DateRangeFilter, EventDateFilter, TenantRowAdmin, register_app_models
from core.admin_history import register_formatter, role_label

from .models import Education, Filing, FilingEvent, FilingStatus, ServiceType, StaffRole


def filing_action_labels() -> dict[str, str]:
    """Every action a FilingEvent records, in words (workflow steps and the sweeps' marker events)."""
    from .models import SWEEP_EVENT_LABELS
    from .workflow import FilingAction

    return {**dict(FilingAction.choices), **SWEEP_EVENT_LABELS}


class FilingActionFilter(admin.SimpleListFilter):
    title = "操作"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return list(filing_action_labels().items())

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


def _actor_roles(events) -> dict[int, str]:
    """{event pk: the actor's role for this filing} — the role the actor holds over the filing's
    institution or district (an operator of the institution, a reviewer of the district), else
    every role the actor holds. One query for any number of events."""
    from accounts.models import Assignment

    actor_ids = {e.actor_id for e in events if e.actor_id}
    held = defaultdict(list)
    for a in Assignment.objects.filter(user_id__in=actor_ids, is_active=True).order_by("id"):
        held[a.user_id].append(a)
    out = {}
    for e in events:
        if not e.actor_id:
            continue
        mine = held.get(e.actor_id, [])
        fitting = [a for a in mine if a.institution_id == e.filing.institution_id
                   or (a.region_id and a.region_id in (e.filing.district_id, e.filing.city_id, e.filing.province_id))]
        out[e.pk] = "、".join(dict.fromkeys(role_label(a.role) for a in (fitting or mine))) or "无有效角色"
    return out


class FilingEventChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        roles = _actor_roles(self.result_list)
        for e in self.result_list:
            e.actor_role = roles.get(e.pk, "")


class FilingEventAdmin(TenantRowAdmin):
    list_display = ("created_at", "filing_title", "institution_name", "action_label", "status_change",
                    "actor_label", "reason_text")
    list_display_links = ("created_at",)
    list_select_related = ("filing", "filing__institution", "actor")
    list_filter = (FilingActionFilter, ("created_at", EventDateFilter), ("created_at", DateRangeFilter))
    search_fields = ("filing__name", "filing__institution__name", "filing__institution__uscc", "filing__receipt_no",
                     "actor__username", "actor__display_name", "reason")
    search_help_text = "按备案/机构名称、信用代码、回执编号、操作人或说明搜索"
    ordering = ("-created_at", "-id")
    fields = ("created_at", "filing_title", "institution_name", "action_label", "status_change", "actor_label",
              "reason_text", "items_text")

    def get_changelist(self, request, **kwargs):
        return FilingEventChangeList

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj.actor_role = _actor_roles([obj]).get(obj.pk, "")
        return obj

    @admin.display(description="备案")
    def filing_title(self, obj):
        return str(obj.filing)

    @admin.display(description="机构")
    def institution_name(self, obj):
        return obj.filing.institution.name

    @admin.display(description="操作")
    def action_label(self, obj):
        return filing_action_labels().get(obj.action, obj.action)

    @admin.display(description="状态变化")
    def status_change(self, obj):
        labels = dict(FilingStatus.choices)
        old, new = labels.get(obj.from_status, obj.from_status or "—"), labels.get(obj.to_status, obj.to_status)
        return new if obj.from_status == obj.to_status else f"{old} → {new}"

    @admin.display(description="操作人")
    def actor_label(self, obj):
        if obj.actor is None:
            return "系统（定时任务）"
        user = obj.actor
        name = (f"{user.display_name}（{user.username}）" if user.display_name and user.display_name != user.username
                else user.username)
        role = getattr(obj, "actor_role", "")
        return f"{name} · {role}" if role else name

    @admin.display(description="说明")
    def reason_text(self, obj):
        return obj.reason or "—"

    @admin.display(description="事项")
    def items_text(self, obj):
        return "；".join(str(item) for item in obj.items or []) or "—"


# --- a filing's JSON columns, in words (its admin page and its change records) -----------------------

def _fees(value) -> str:
    labels = dict(ServiceType.choices)
    return "；".join(f"{labels.get(k, k)} {int(v) / 100:.2f} 元" for k, v in value.items())


def _checks(value) -> str:
    return "；".join(f"【{'通过' if c.get('passed') else '未通过'}】{c.get('label', '')}：{c.get('reason', '')}"
                    for c in value)


def _staff_snapshot(value) -> str:
    roles, education = dict(StaffRole.choices), dict(Education.choices)
    rows = []
    for s in value:
        facts = [roles.get(s.get("role"), s.get("role") or ""), s.get("id_number_masked") or "",
                 education.get(s.get("education"), ""),
                 f"从业 {s['years_experience']} 年" if s.get("years_experience") is not None else "",
                 f"健康证明 {s['health_certificate_date']}" if s.get("health_certificate_date") else ""]
        rows.append(f"{s.get('name', '')}（{'，'.join(f for f in facts if f)}）")
    return "；".join(rows)


def _changes(value) -> str:
    labels = {f.name: str(f.verbose_name) for f in Filing._meta.fields} | {"classes": "班级设置"}
    services = dict(ServiceType.choices)

    def shown(v) -> str:
        if isinstance(v, list):
            return "、".join(str(services.get(item, item)) for item in v) or "—"
        return "—" if v in (None, "") else str(v)

    return "；".join(f"{labels.get(k, k)}：{shown(old)} → {shown(new)}" for k, (old, new) in value.items())


def _lines(value) -> str:
    return "；".join(str(v) for v in value)


for _name, _fn in (("fees", _fees), ("check_results", _checks), ("staff_snapshot", _staff_snapshot),
                   ("changes", _changes), ("return_reasons", _lines)):
    register_formatter("registry.Filing", _name, _fn)

register_app_models("registry", overrides={FilingEvent: FilingEventAdmin})
