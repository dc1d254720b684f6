"""Recording an inspection: findings, photos (validated like filing documents), both inspectors'
sign-off, publication on the public institution page, the publication-deadline sweep, targeted
inspections, checklist versions, and every illegal move of an inspection."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from core.sweeps import run_sweep
from notifications.models import Notification
from supervision.models import (
    ChecklistTemplate,
    Inspection,
    InspectionEvent,
    InspectionPhoto,
    InspectionStatus,
    InspectorConflict,
    RectificationOrder,
)
from supervision.workflow import INSPECTION, InspectionAction
from tests.factories import InstitutionFactory

from .conftest import api
from .inspection_world import PNG, drawn_inspection, record_all, roster_with_accounts

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_account):
    return make_account("xh_admin", "district_admin", "330106")


@pytest.fixture
def team(make_account, regions):
    return roster_with_accounts(make_account, regions)


@pytest.fixture
def inspection(admin, team):
    return drawn_inspection(admin)


def sign(user, inspector, inspection_id, **extra):
    return api(user).post(f"/api/v1/inspections/{inspection_id}/sign/", {"inspector_id": inspector.pk, **extra},
                          format="json")


def test_both_inspectors_sign_and_the_result_is_published_on_the_public_page(admin, team, inspection, client):
    (u1, i1), (u2, i2) = team
    assert sorted(api(u1).get(f"/api/v1/inspections/{inspection.pk}/").json()["inspector_ids"]) == sorted([i1.pk, i2.pk])
    early = sign(u1, i1, inspection.pk)
    assert early.status_code == 409 and early.json()["code"] == "findings_incomplete"
    record_all(api(u1), inspection.pk, bad_codes=("safety.cctv", "care.records"))
    first = sign(u1, i1, inspection.pk, conclusion="发现 2 项问题，责令整改。")
    assert first.status_code == 200 and first.json()["status"] == "planned"
    assert first.json()["signed_inspector_ids"] == [i1.pk]
    assert sign(u1, i1, inspection.pk).json()["code"] == "already_signed"
    # An inspector with an account signs only as themselves.
    other = sign(u1, i2, inspection.pk)
    assert other.status_code == 403 and other.json()["code"] == "sign_as_self"
    done = sign(u2, i2, inspection.pk)
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert done.json()["conclusion"] == "发现 2 项问题，责令整改。"
    with scopes_disabled():
        row = Inspection.objects.get(pk=inspection.pk)
        assert row.publish_due_at > row.completed_at + dt.timedelta(days=20)  # 20 working days
        order = RectificationOrder.objects.get(inspection_id=inspection.pk)
        assert order.items.count() == 2
    # Not public before publication.
    page = client.get(f"/institutions/{inspection.institution_id}/")
    assert "监督检查结果公示" not in page.content.decode()
    published = api(u2).post(f"/api/v1/inspections/{inspection.pk}/publish/", {}, format="json")
    assert published.status_code == 200 and published.json()["status"] == "published"
    html = client.get(f"/institutions/{inspection.institution_id}/").content.decode()
    assert "监督检查结果公示" in html and "发现 2 项问题，责令整改。" in html
    assert "婴幼儿活动区域视频监控全覆盖" in html  # the non-conforming item, by its checklist text
    assert i1.name not in html and i2.name not in html and "发现问题：" not in html  # no person, no notes


def test_a_nonconforming_item_needs_a_note_and_an_unknown_item_is_refused(team, inspection):
    (u1, _i1), _ = team
    detail = api(u1).get(f"/api/v1/inspections/{inspection.pk}/").json()
    item = detail["items"][0]["id"]
    r = api(u1).post(f"/api/v1/inspections/{inspection.pk}/findings/",
                     {"findings": [{"item_id": item, "result": "nonconforming"}]}, format="json")
    assert r.status_code == 400 and r.json()["fields"]["findings[0].note"][0]["code"] == "note_required"
    r = api(u1).post(f"/api/v1/inspections/{inspection.pk}/findings/",
                     {"findings": [{"item_id": 999999, "result": "conforms"}]}, format="json")
    assert r.status_code == 400 and r.json()["fields"]["findings[0].item_id"][0]["code"] == "item_unknown"
    r = api(u1).post(f"/api/v1/inspections/{inspection.pk}/findings/",
                     {"findings": [{"item_id": item, "result": "maybe"}]}, format="json")
    assert r.status_code == 400 and r.json()["fields"]["findings[0].result"][0]["code"] == "choice_invalid"
    with scopes_disabled():
        assert not Inspection.objects.get(pk=inspection.pk).findings.exists()


def test_photos_are_judged_like_filing_documents(team, inspection, settings):
    (u1, _i1), _ = team
    url = f"/api/v1/inspections/{inspection.pk}/photos/"
    ok = api(u1).post(url, {"file": SimpleUploadedFile("现场.png", PNG, content_type="image/png")}, format="multipart")
    assert ok.status_code == 201, ok.json()
    assert ok.json()["content_type"] == "image/png"
    settings.UPLOAD_MAX_BYTES = 32
    big = api(u1).post(url, {"file": SimpleUploadedFile("big.png", PNG, content_type="image/png")}, format="multipart")
    assert big.status_code == 400 and big.json()["code"] == "document_too_large"
    settings.UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    exe = api(u1).post(url, {"file": SimpleUploadedFile("a.png", b"MZ\x90\x00" + b"\x00" * 40)}, format="multipart")
    assert exe.status_code == 400 and exe.json()["code"] == "document_type_not_allowed"
    missing = api(u1).post(url, {}, format="multipart")
    assert missing.status_code == 400 and missing.json()["code"] == "file_required"
    with scopes_disabled():
        assert InspectionPhoto.objects.filter(inspection_id=inspection.pk).count() == 1


def test_the_publication_sweep_tells_the_district_once(admin, team, inspection):
    (u1, i1), (u2, i2) = team
    record_all(api(u1), inspection.pk)
    sign(u1, i1, inspection.pk)
    sign(u2, i2, inspection.pk)
    with scopes_disabled():
        due = Inspection.objects.get(pk=inspection.pk).publish_due_at
        assert not RectificationOrder.objects.filter(inspection_id=inspection.pk).exists()  # all conformed
    assert run_sweep("supervision.publication_overdue", now=due - dt.timedelta(hours=1)).summary[
        "publication_overdue"] == 0
    later = due + dt.timedelta(hours=1)
    first = run_sweep("supervision.publication_overdue", now=later)
    assert first.summary["publication_overdue"] == 1 and first.summary["notified"] == 3  # 2 inspectors + admin
    assert run_sweep("supervision.publication_overdue", now=later).summary == {"publication_overdue": 0, "notified": 0}
    with scopes_disabled():
        assert Notification.objects.filter(kind="inspection_publication_overdue", user=admin).count() == 1
        assert InspectionEvent.objects.filter(inspection_id=inspection.pk, action="publication_overdue").count() == 1


def test_targeted_inspections_are_created_one_at_a_time_free_of_conflicts(admin, team):
    (u1, i1), (_u2, i2) = team
    with scopes_disabled():
        institution = InstitutionFactory(name="西湖被投诉园", status="filed")
    body = {"institution_id": institution.pk, "origin": "complaint", "reference": "家长投诉：午睡无人看护",
            "inspector_ids": [i1.pk, i2.pk]}
    r = api(u1).post("/api/v1/inspections/", body, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["origin"] == "complaint" and r.json()["plan"] is None
    for bad, field, code in [
        ({**body, "inspector_ids": [i1.pk]}, "inspector_ids", "inspectors_too_few"),
        ({**body, "inspector_ids": [i1.pk, 999999]}, "inspector_ids", "inspector_unknown"),
        ({**body, "institution_id": 999999}, "institution_id", "institution_unknown"),
        ({**body, "origin": "random"}, "origin", "choice_invalid"),
        ({**body, "reference": ""}, "reference", "required"),
    ]:
        refused = api(u1).post("/api/v1/inspections/", bad, format="json")
        assert refused.status_code == 400 and refused.json()["fields"][field][0]["code"] == code, (bad, refused.json())
    with scopes_disabled():
        InspectorConflict.objects.create(inspector=i2, institution=institution)
    conflicted = api(u1).post("/api/v1/inspections/", body, format="json")
    assert conflicted.status_code == 400 and conflicted.json()["code"] == "inspector_conflict"
    with scopes_disabled():
        assert Inspection.objects.filter(institution=institution).count() == 1


def test_a_revised_checklist_is_a_new_version_and_inspections_keep_theirs(admin, team, inspection):
    client = api(admin)
    current = client.get("/api/v1/inspection-checklist/").json()
    assert current["version"] == 1
    items = [{k: i[k] for k in ("code", "dimension", "text", "basis", "severity")} for i in current["items"]]
    items.append({"code": "local.heating", "dimension": "safety", "text": "冬季取暖设施安全", "basis": "本区规定",
                  "severity": "major"})
    r = client.post("/api/v1/inspection-checklist/", {"reason": "增加取暖安全检查", "items": items}, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["version"] == 2 and len(r.json()["items"]) == len(items)
    dup = client.post("/api/v1/inspection-checklist/", {"reason": "x", "items": items + items[:1]}, format="json")
    assert dup.status_code == 400 and dup.json()["code"] == "item_code_duplicate"
    with scopes_disabled():
        assert Inspection.objects.get(pk=inspection.pk).template.version == 1
        assert ChecklistTemplate.objects.filter(district_id="330106").count() == 2
    (u1, _), _ = team
    assert api(u1).post("/api/v1/inspection-checklist/", {"reason": "x", "items": items}, format="json").status_code == 403


ALL_STATES = list(InspectionStatus.values)


@pytest.mark.parametrize("state", ALL_STATES)
@pytest.mark.parametrize("action", [InspectionAction.COMPLETE, InspectionAction.PUBLISH, InspectionAction.CANCEL])
def test_every_inspection_move_outside_the_table_is_refused(admin, regions, state, action):
    """(state × action): the table's move, or ``InvalidTransition``."""
    from core.errors import InvalidTransition
    from supervision.services.inspections import checklist_ensure

    with scopes_disabled():
        institution = InstitutionFactory(status="filed")
        row = Inspection(institution=institution, origin="other", reference="x",
                         template=checklist_ensure(district=regions["330106"]))
        row.save()
        Inspection.objects.filter(pk=row.pk).update(status=state)
        row = Inspection.objects.get(pk=row.pk)
        legal = INSPECTION.allows(action, state)
        if legal:
            INSPECTION.move(row, action, admin)
            assert Inspection.objects.get(pk=row.pk).status == INSPECTION.transition(action).target
        else:
            with pytest.raises(InvalidTransition):
                INSPECTION.move(row, action, admin)
            assert Inspection.objects.get(pk=row.pk).status == state


def test_publishing_a_planned_inspection_is_409(team, inspection):
    (u1, _), _ = team
    r = api(u1).post(f"/api/v1/inspections/{inspection.pk}/publish/", {}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"


def test_recording_a_completed_inspection_is_refused(team, inspection):
    (u1, i1), (u2, i2) = team
    record_all(api(u1), inspection.pk)
    sign(u1, i1, inspection.pk)
    sign(u2, i2, inspection.pk)
    r = api(u1).post(f"/api/v1/inspections/{inspection.pk}/findings/", {"findings": []}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "inspection_closed"
