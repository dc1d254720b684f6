"""Audit trail: every write made in a request carries who/where in pghistory's context, and event
tables (and the security log) cannot be rewritten.

The two views below stand in for any page POST and any API write: what is under test is the
middleware stack (``AuditContextMiddleware`` + DRF token authentication), not the views.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.decorators import login_required
from django.db import ProgrammingError, transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import include, path
from django_scopes import scopes_disabled
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import TenantScopedMixin
from core.events import WorkflowEvent, event_models
from registry.models import Institution, InstitutionHistory
from tests.factories import FilingFactory, InstitutionFactory, UserFactory


@login_required
def rename_page(request, pk):
    institution = get_object_or_404(Institution.objects.all(), pk=pk)  # scoped by the middleware
    institution.name = request.POST["name"]
    institution.save(update_fields=["name"])
    return HttpResponse("ok")


class RenameAPI(TenantScopedMixin, APIView):
    def post(self, request, pk):
        institution = Institution.objects.get(pk=pk)
        institution.name = request.data["name"]
        institution.save(update_fields=["name"])
        return Response({"ok": True})


urlpatterns = [
    path("t/rename/<int:pk>/", rename_page),
    path("t/api/rename/<int:pk>/", RenameAPI.as_view()),
    path("", include("childcare.urls")),  # the real site around them (its 404 page links to it)
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture
def institution(regions):
    with scopes_disabled():
        return InstitutionFactory(name="旧名称托育园")


def last_update(institution) -> InstitutionHistory:
    return (InstitutionHistory.objects.filter(pgh_obj_id=institution.pk, pgh_label="update")
            .select_related("pgh_context").latest("pgh_id"))


def test_page_post_records_user_ip_path_and_method(client, reviewer, institution, settings):
    settings.TRUSTED_PROXY_HOPS = 2  # two proxies in front: the client is two hops from the right
    client.force_login(reviewer)
    response = client.post(f"/t/rename/{institution.pk}/", {"name": "新名称托育园"},
                           HTTP_X_FORWARDED_FOR="203.0.113.7, 10.0.0.1")
    assert response.status_code == 200
    event = last_update(institution)
    assert event.name == "新名称托育园"
    assert event.district_id == "330106"
    assert event.pgh_context.metadata == {"user": reviewer.pk, "url": f"/t/rename/{institution.pk}/",
                                          "ip": "203.0.113.7", "method": "POST", "role": "district_reviewer"}


def test_forged_forwarded_for_is_ignored_without_trusted_proxies(client, reviewer, institution):
    client.force_login(reviewer)
    client.post(f"/t/rename/{institution.pk}/", {"name": "伪造来源托育园"}, HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert last_update(institution).pgh_context.metadata["ip"] == "127.0.0.1"


def test_api_write_with_a_token_records_the_token_user(client, reviewer, institution):
    token = Token.objects.create(user=reviewer)
    response = client.post(f"/t/api/rename/{institution.pk}/", {"name": "接口改名托育园"},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200, response.content
    event = last_update(institution)
    assert event.name == "接口改名托育园"
    metadata = event.pgh_context.metadata
    assert metadata["user"] == reviewer.pk and metadata["role"] == "district_reviewer"
    assert metadata["url"] == f"/t/api/rename/{institution.pk}/"
    assert metadata["ip"] == "127.0.0.1" and metadata["method"] == "POST"


def test_writes_outside_a_request_have_no_request_context(institution):
    with scopes_disabled():
        Institution.objects.filter(pk=institution.pk).update(name="批量改名")
    event = last_update(institution)
    assert event.name == "批量改名"  # caught by the trigger even for queryset.update()
    assert event.pgh_context is None


def test_other_tenant_write_is_404_and_leaves_no_event(client, other_reviewer, institution):
    client.force_login(other_reviewer)  # 330105 reviewer, institution is in 330106
    response = client.post(f"/t/rename/{institution.pk}/", {"name": "越权"})
    assert response.status_code == 404
    assert not InstitutionHistory.objects.filter(pgh_obj_id=institution.pk, pgh_label="update").exists()


@pytest.mark.parametrize("model_path", ["registry.models.InstitutionHistory", "accounts.models.UserHistory"])
def test_event_tables_are_append_only(institution, reviewer, model_path):
    import importlib

    module, name = model_path.rsplit(".", 1)
    model = getattr(importlib.import_module(module), name)
    event = model.objects.order_by("pgh_id").first()
    assert event is not None
    with pytest.raises(ProgrammingError, match="Cannot update or delete"), transaction.atomic():
        model.objects.filter(pk=event.pk).update(pgh_label="forged")
    with pytest.raises(ProgrammingError, match="Cannot update or delete"), transaction.atomic():
        model.objects.filter(pk=event.pk).delete()
    assert model.objects.get(pk=event.pk).pgh_label == event.pgh_label


def test_user_history_never_holds_the_password(reviewer):
    from accounts.models import UserHistory

    fields = {f.name for f in UserHistory._meta.fields}
    assert "password" not in fields and "last_login" not in fields


# Models whose changes are not recorded by pghistory, each with the reason.
UNTRACKED = {
    "accounts.PasswordHistory": "hashes of earlier passwords, written only with a password change (itself the "
                                "append-only security-log event password_changed); history of hashes would copy them",
    "notifications.Notification": "a per-user inbox; the transitions it announces are audited where they happen",
    "supervision.InstitutionGrade": "the current grade, recomputed for every institution each night (a history row "
                                    "per night would be noise); every change of grade is an append-only GradeChange",
    "core.SweepRun": "the sweeps' own run log, written only by core.sweeps.run_sweep; nobody edits it (read-only "
                     "in the admin) and what each sweep changed is audited on the rows it changed (a bulk-audited "
                     "sweep's rows: one bulk_write event of its run, which is tracked for that alone)",
    "registry.DistrictSummary": "derived figures rebuilt whole every 10 minutes by the sweep "
                                "registry.dashboard_summaries from audited rows; nobody edits them",
    "indicators.IndicatorSnapshot": "derived aggregates recomputed nightly by the sweep from audited rows; "
                                    "nobody edits them",
}
# Append-only models (protected by a trigger): the row is itself the audit record. Every workflow's
# event table (a core.events.WorkflowEvent subclass) is one by construction, without being listed.
APPEND_ONLY = {"accounts.AuthEvent", "supervision.GradeChange", "supervision.SweepAlert"}


def test_every_business_model_is_audited_or_exempt_with_a_reason():
    import pghistory.models
    from django.apps import apps

    ours = {"accounts", "regions", "registry", "supervision", "subsidies", "notifications", "portal", "core",
            "indicators"}
    tracked = {m.pgh_tracked_model for m in apps.get_models()
               if issubclass(m, pghistory.models.Event) and getattr(m, "pgh_tracked_model", None)}
    missing = []
    for model in apps.get_models():
        label = model._meta.label
        if model._meta.app_label not in ours or issubclass(model, pghistory.models.Event):
            continue
        if model in tracked or label in UNTRACKED:
            continue
        if label in APPEND_ONLY or issubclass(model, WorkflowEvent):
            names = {t.name for t in model._meta.triggers}
            assert any(name.endswith("append_only") for name in names), f"{label}: no append-only trigger"
            continue
        missing.append(label)
    assert not missing, f"not audited (track it, or exempt it here with a reason): {missing}"


def _claim():
    from registry.models import InstitutionClaim

    institution = InstitutionFactory()
    claim = InstitutionClaim(institution=institution, user=UserFactory())
    claim.set_region(institution.region)
    claim.save()
    return claim


def _blacklist_entry():
    from tests.factories import make_blacklist_entry, make_id_number

    return make_blacklist_entry(district="330106", id_number=make_id_number(seq=71))


def _blacklist_hit():
    from supervision.models import BlacklistHit, HitSide

    institution = InstitutionFactory()
    hit = BlacklistHit(seen_by=HitSide.BOTH, entry=_blacklist_entry(), matched_as="person", source="staff_add",
                       institution=institution, institution_name=institution.name,
                       institution_district_id=institution.district_id)
    hit.set_region(institution.district)
    hit.save()
    return hit


def _inspection_plan():
    import datetime as dt

    from regions.models import Region
    from supervision.models import InspectionPlan

    plan = InspectionPlan(name="计划", period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 6, 30),
                          rates={"A": 5}, inspectors_per_inspection=2, seed=1)
    plan.set_region(Region.objects.get(code="330106"))
    plan.save()
    return plan


def _inspection():
    from regions.models import Region
    from supervision.models import Inspection
    from supervision.services.inspections import checklist_ensure

    return Inspection.objects.create(institution=InstitutionFactory(), origin="other", reference="x",
                                     template=checklist_ensure(district=Region.objects.get(code="330106")))


def _rectification_order():
    from django.utils import timezone

    from supervision.models import RectificationOrder

    inspection = _inspection()
    return RectificationOrder.objects.create(inspection=inspection, institution=inspection.institution,
                                             due_at=timezone.now(), due_set_at=timezone.now())
def _penalty():
    from supervision.models import Penalty

    penalty = Penalty(institution=InstitutionFactory(), kind="warning", decision_number="审计测试",
                      decided_on=dt.date(2026, 11, 1), legal_basis="依据")
    penalty.save()
    return penalty


def _closure():
    from supervision.models import Closure

    closure = Closure(institution=InstitutionFactory(), reason="审计测试", started_on=dt.date(2026, 11, 1),
                      children_enrolled=1)
    closure.save()
    return closure
def _complaint():
    from django.utils import timezone

    from supervision.models import Complaint

    institution = InstitutionFactory()
    complaint = Complaint(tracking_code="AUDITAUDITAU", institution=institution, institution_name=institution.name,
                          text="投诉内容", received_at=timezone.now(), due_at=timezone.now())
    complaint.set_region(institution.region)
    complaint.save()
    return complaint


def _incident():
    from django.utils import timezone

    from supervision.models import Incident

    institution = InstitutionFactory()
    incident = Incident(institution=institution, institution_name=institution.name, kind="injury", severity="minor",
                        children_affected=1, occurred_at=timezone.now(), description="擦伤",
                        reported_by=UserFactory(), reported_at=timezone.now())
    incident.save()
    return incident


# A row of each workflow's subject, to record an event of (a new event table must add its subject).
def _subsidies_world():
    from tests.cross_tenant import OtherDistrict

    return OtherDistrict()


SUBJECTS = {
    "supervision.PenaltyEvent": _penalty,
    "supervision.ClosureEvent": _closure,
    "registry.FilingEvent": lambda: FilingFactory(),
    "registry.InstitutionEvent": lambda: InstitutionFactory(),
    "registry.ClaimEvent": _claim,
    "supervision.BlacklistEntryEvent": _blacklist_entry,
    "supervision.BlacklistHitEvent": _blacklist_hit,
    "supervision.PlanEvent": _inspection_plan,
    "supervision.InspectionEvent": _inspection,
    "supervision.RectificationOrderEvent": _rectification_order,
    "supervision.ComplaintEvent": _complaint,
    "supervision.IncidentEvent": _incident,
    "subsidies.CertificationEvent": lambda: _subsidies_world().certification,
    "subsidies.SubsidyClaimEvent": lambda: _subsidies_world().subsidy_claim,
    "subsidies.PayoutBatchEvent": lambda: _subsidies_world().payout_batch,
}


def test_every_workflow_event_table_is_append_only_by_construction():
    models = event_models()
    assert {m._meta.label for m in models} >= {"registry.FilingEvent", "registry.InstitutionEvent",
                                               "registry.ClaimEvent"}
    for model in models:
        names = {t.name for t in model._meta.triggers}
        assert f"{model._meta.model_name}_append_only" in names, f"{model._meta.label}: no append-only trigger"
    assert set(SUBJECTS) == {m._meta.label for m in models}, "add a subject for each event table to SUBJECTS"


@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(SUBJECTS))
def test_workflow_events_cannot_be_rewritten(regions, label):
    from django.apps import apps

    from core.events import record_event
    from core.tenancy import scopes_disabled

    model = apps.get_model(label)
    with scopes_disabled():
        subject = SUBJECTS[label]()
        event = record_event(subject, actor=None, action="submit", from_status="draft", reason="首次提交")
        assert type(event) is model and event.to_status == subject.status
        assert (event.district_id, event.region_id) == (subject.district_id, subject.region_id)
        with pytest.raises(ProgrammingError, match="Cannot update or delete"), transaction.atomic():
            model.objects.filter(pk=event.pk).update(reason="篡改")
        with pytest.raises(ProgrammingError, match="Cannot update or delete"), transaction.atomic():
            model.objects.filter(pk=event.pk).delete()
        assert model.objects.get(pk=event.pk).reason == "首次提交"


@pytest.mark.django_db
def test_region_renames_are_recorded(regions):
    from regions.models import Region, RegionHistory

    region = Region.objects.get(code="330106")
    Region.objects.filter(pk=region.pk).update(name="西湖区（更名）")
    event = RegionHistory.objects.filter(pgh_obj_id="330106").latest("pgh_id")
    assert event.pgh_label == "update" and event.name == "西湖区（更名）"
