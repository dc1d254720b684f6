"""The fixed API end to end: enrolments → operating claim with lines → submit → approve (budget) →
payout batch → export (totals and checksum) → paid; construction claims; error shapes."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from subsidies.models import SubsidyBudget, SubsidyClaim
from tests.factories import make_id_number

from .conftest import api

pytestmark = pytest.mark.django_db
D = dt.date


def enrol(client, institution, name, born, class_type, enrolled_on, left_on=None, seq=1):
    return client.post(f"/api/v1/institutions/{institution.pk}/enrolments/", {
        "child_name": name, "id_number": make_id_number("330106", born=born, seq=seq), "birth_date": born.isoformat(),
        "class_type": class_type, "enrolled_on": enrolled_on.isoformat(),
        "left_on": left_on.isoformat() if left_on else None}, format="json")


def test_enrolment_api_masks_and_checks(institution, operator):
    client = api(operator)
    r = enrol(client, institution, "小红", D(2024, 6, 15), "toddler", D(2025, 9, 1))
    assert r.status_code == 201, r.json()
    assert r.json()["id_number"].count("*") >= 8
    listed = client.get(f"/api/v1/institutions/{institution.pk}/enrolments/").json()
    assert [e["child_name"] for e in listed["results"]] == ["小红"]
    assert make_id_number("330106", born=D(2024, 6, 15), seq=1) not in str(listed)
    # Birth date not the ID number's, class type not fitting the age, under six months, duplicate.
    r = client.post(f"/api/v1/institutions/{institution.pk}/enrolments/", {
        "child_name": "错", "id_number": make_id_number("330106", born=D(2024, 6, 15), seq=2),
        "birth_date": "2024-06-16", "class_type": "toddler", "enrolled_on": "2025-09-01"}, format="json")
    assert r.status_code == 400 and r.json()["fields"]["birth_date"][0]["code"] == "birth_date_mismatch"
    r = enrol(client, institution, "大", D(2023, 1, 5), "toddler", D(2025, 9, 1), seq=3)
    assert r.status_code == 400 and r.json()["fields"]["class_type"][0]["code"] == "class_age_mismatch"
    r = enrol(client, institution, "小", D(2025, 6, 5), "toddler", D(2025, 9, 1), seq=4)
    assert r.status_code == 400 and r.json()["fields"]["enrolled_on"][0]["code"] == "age_below_min"
    r = enrol(client, institution, "小红", D(2024, 6, 15), "toddler", D(2025, 10, 1))
    assert r.status_code == 409 and r.json()["code"] == "enrolment_duplicate"
    r = client.post(f"/api/v1/institutions/{institution.pk}/enrolments/", {"child_name": "x"}, format="json")
    assert r.status_code == 400 and "id_number" in r.json()["fields"]


def test_over_capacity_enrolment_refused(policy, make_account):
    from tests.factories import make_filed_institution

    with scopes_disabled():
        inst = make_filed_institution(classes={"older_toddler": 1})
    client = api(make_account("op_small", "operator", inst.uscc))
    assert enrol(client, inst, "甲", D(2023, 6, 1), "older_toddler", D(2025, 9, 1), seq=1).status_code == 201
    r = enrol(client, inst, "乙", D(2023, 7, 1), "older_toddler", D(2025, 10, 1), seq=2)
    assert r.status_code == 400 and r.json()["code"] == "over_capacity"
    # After the first child leaves, the slot is free.
    assert enrol(client, inst, "丙", D(2023, 7, 1), "older_toddler", D(2026, 1, 1), seq=3).status_code == 400
    with scopes_disabled():
        inst.enrolments.update(left_on=D(2025, 12, 31))
    assert enrol(client, inst, "丙", D(2023, 7, 1), "older_toddler", D(2026, 1, 1), seq=3).status_code == 201


def test_operating_claim_flow_to_paid_batch(institution, operator, district_reviewer, district_admin, budgets):
    op = api(operator)
    assert enrol(op, institution, "甲", D(2024, 1, 10), "older_toddler", D(2026, 2, 1), seq=1).status_code == 201
    assert enrol(op, institution, "乙", D(2023, 3, 10), "older_toddler", D(2025, 9, 1), seq=2).status_code == 201
    assert enrol(op, institution, "丙", D(2024, 1, 12), "older_toddler", D(2026, 2, 1), D(2026, 3, 10),
                 seq=3).status_code == 201
    r = op.post("/api/v1/subsidy-claims/", {"institution": institution.pk, "kind": "operating", "period": "2026-03"},
                format="json")
    assert r.status_code == 201, r.json()
    claim = r.json()
    lines = {line["child_name"]: line for line in claim["lines"]}
    assert lines["甲"]["counts"] and lines["甲"]["eligible_days"] == 31
    assert (lines["乙"]["counts"], lines["乙"]["reason"], lines["乙"]["eligible_days"]) == (False, "age_over_max", 9)
    assert (lines["丙"]["counts"], lines["丙"]["reason"], lines["丙"]["enrolled_days"]) == (False, "not_enrolled", 10)
    assert claim["amount_fen"] == 30_000 and claim["units"] == 1
    assert claim["city_share_fen"] + claim["district_share_fen"] + claim["province_share_fen"] == 30_000
    assert claim["policy_version"] == 1
    # A second claim for the month: 409.
    again = op.post("/api/v1/subsidy-claims/", {"institution": institution.pk, "kind": "operating",
                                                "period": "2026-03"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "claim_exists"
    cid = claim["id"]
    # The operator cannot approve; the reviewer cannot submit.
    assert op.post(f"/api/v1/subsidy-claims/{cid}/approve/", {}, format="json").status_code == 403
    reviewer = api(district_reviewer)
    assert reviewer.post(f"/api/v1/subsidy-claims/{cid}/submit/", {}, format="json").status_code == 403
    # Approve before submit: illegal transition.
    r = reviewer.post(f"/api/v1/subsidy-claims/{cid}/approve/", {}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    assert op.post(f"/api/v1/subsidy-claims/{cid}/submit/", {}, format="json").json()["status"] == "submitted"
    r = reviewer.post(f"/api/v1/subsidy-claims/{cid}/approve/", {}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "district_ok"
    with scopes_disabled():
        assert SubsidyBudget.objects.get(region_id="330106", year=2026).committed_fen == 15_000
        assert SubsidyBudget.objects.get(region_id="330100", year=2026).committed_fen == 15_000
    # The reviewer cannot make a batch; the district admin can.
    assert reviewer.post("/api/v1/payout-batches/", {"claims": [cid]}, format="json").status_code == 403
    admin = api(district_admin)
    r = admin.post("/api/v1/payout-batches/", {"claims": [cid]}, format="json")
    assert r.status_code == 201, r.json()
    batch = r.json()
    assert batch["total_fen"] == 30_000 and [i["amount_fen"] for i in batch["items"]] == [30_000]
    export = admin.get(f"/api/v1/payout-batches/{batch['id']}/export.xlsx", {"reason": "报送财政国库集中支付"})
    assert export.status_code == 200
    ws = load_workbook(BytesIO(export.content)).active
    rows = list(ws.iter_rows(values_only=True))
    items = [row for row in rows[2:] if isinstance(row[0], int)]
    total_row = next(row for row in rows if row[0] == "合计")
    check_row = next(row for row in rows if row[0] == "校验")
    assert sum(row[7] for row in items) == total_row[7] == check_row[7] == batch["total_fen"]
    assert check_row[1] == len(items) == 1 and len(check_row[12]) == 64
    r = admin.post(f"/api/v1/payout-batches/{batch['id']}/pay/", {}, format="json")
    assert r.status_code == 400 and "bank_reference" in r.json()["fields"]
    r = admin.post(f"/api/v1/payout-batches/{batch['id']}/pay/", {"bank_reference": "BOC2026040100001"},
                   format="json")
    assert r.status_code == 200 and r.json()["status"] == "paid"
    assert op.get(f"/api/v1/subsidy-claims/{cid}/").json()["status"] == "paid"
    # Clawback of 100 yuan: a negative item in the next batch, with its reason.
    r = admin.post(f"/api/v1/subsidy-claims/{cid}/clawback/", {"amount_fen": 10_000, "reason": "幼儿实际未在托"},
                   format="json")
    assert r.status_code == 200
    r = admin.post(f"/api/v1/subsidy-claims/{cid}/clawback/", {"amount_fen": 30_000, "reason": "再追"},
                   format="json")
    assert r.status_code == 400 and r.json()["code"] == "clawback_exceeds_paid"


def test_construction_claim_each_slot_once(institution, operator):
    op = api(operator)
    r = op.post("/api/v1/subsidy-claims/", {"institution": institution.pk, "kind": "construction", "slots": 15},
                format="json")
    assert r.status_code == 201 and r.json()["amount_fen"] == 15 * 50_000 and r.json()["lines"] == []
    r = op.post("/api/v1/subsidy-claims/", {"institution": institution.pk, "kind": "construction", "slots": 6},
                format="json")
    assert r.status_code == 400 and r.json()["code"] == "slots_exceed_new"
    r = op.post("/api/v1/subsidy-claims/", {"institution": institution.pk, "kind": "construction", "slots": 5},
                format="json")
    assert r.status_code == 201
    r = op.post("/api/v1/subsidy-claims/", {"institution": institution.pk, "kind": "construction"}, format="json")
    assert r.status_code == 400 and "slots" in r.json()["fields"]
    # Evidence: judged by content, listed on the claim.
    from .conftest import evidence

    cid = op.get("/api/v1/subsidy-claims/").json()["results"][0]["id"]
    r = op.post(f"/api/v1/subsidy-claims/{cid}/documents/", {"file": evidence()}, format="multipart")
    assert r.status_code == 201 and r.json()["content_type"] == "application/pdf"
    assert [d["original_name"] for d in op.get(f"/api/v1/subsidy-claims/{cid}/").json()["documents"]] == [
        "新增托位验收照片.pdf"]


def test_bad_claim_input_is_400(institution, operator):
    op = api(operator)
    for body in ({"institution": institution.pk, "kind": "operating", "period": "2026-13"},
                 {"institution": institution.pk, "kind": "lunch"},
                 {"institution": "x", "kind": "operating", "period": "2026-03"},
                 {"institution": institution.pk, "kind": "operating", "period": "2026-03", "extra": 1}):
        r = op.post("/api/v1/subsidy-claims/", body, format="json")
        assert r.status_code == 400, (body, r.json())
    r = op.post("/api/v1/subsidy-claims/", {"institution": institution.pk, "kind": "operating", "period": "2099-01"},
                format="json")
    assert r.status_code == 400 and r.json()["code"] == "period_not_over"
    with scopes_disabled():
        assert not SubsidyClaim.objects.exists()


def test_payout_batches_are_read_through_the_api_by_the_pages_readers_only(make_account, operator, district_reviewer):
    # The batch page serves payers, district deciders and the city viewer; the API answers the same roles.
    inspector = make_account("xh_sub_inspector", "district_inspector", "330106")
    city_viewer = make_account("hz_sub_viewer", "city_viewer", "330100")
    for user in (operator, inspector):
        response = api(user).get("/api/v1/payout-batches/")
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    for user in (district_reviewer, city_viewer):
        assert api(user).get("/api/v1/payout-batches/").status_code == 200


def test_claim_and_batch_actions_refuse_a_role_outside_their_duty_before_reading_the_body(
        institution, operator, district_reviewer, district_admin, make_account):
    # A caller outside an action's duty learns nothing about its body's rules: 403 with a malformed body too.
    # The one who may act gets the field errors (400) of the same malformed body.
    city_viewer = make_account("hz_sub_viewer2", "city_viewer", "330100")
    op = api(operator)
    r = op.post("/api/v1/subsidy-claims/", {"institution": institution.pk, "kind": "operating", "period": "2026-03"},
                format="json")
    cid = r.json()["id"]
    bad_return = {"reasons": "不是列表", "expected_version": "x"}
    for user in (operator, city_viewer):
        r = api(user).post(f"/api/v1/subsidy-claims/{cid}/return/", bad_return, format="json")
        assert r.status_code == 403 and r.json()["code"] == "permission_denied", (user, r.json())
    r = api(district_reviewer).post(f"/api/v1/subsidy-claims/{cid}/return/", bad_return, format="json")
    assert r.status_code == 400 and {"reasons", "expected_version"} <= set(r.json()["fields"])
    for user in (district_reviewer, city_viewer):  # submitting is the operator's; approving is the district's and city's
        r = api(user).post(f"/api/v1/subsidy-claims/{cid}/submit/", {"expected_version": "x"}, format="json")
        assert r.status_code == 403, (user, r.json())
    r = op.post(f"/api/v1/subsidy-claims/{cid}/submit/", {"expected_version": "x"}, format="json")
    assert r.status_code == 400 and "expected_version" in r.json()["fields"]
    r = api(district_reviewer).post(f"/api/v1/subsidy-claims/{cid}/clawback/", {"amount_fen": "很多"}, format="json")
    assert r.status_code == 403
    r = api(district_admin).post(f"/api/v1/subsidy-claims/{cid}/clawback/", {"amount_fen": "很多"}, format="json")
    assert r.status_code == 400 and "amount_fen" in r.json()["fields"]
