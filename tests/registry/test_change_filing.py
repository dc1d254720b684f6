"""Change filings (变更备案): the filed materials carry over, visibly; only the materials a change
touches are asked for again; the lease can be renewed; a move stays inside the filing district
(a move to another district is a termination here and a new filing there). Service, API, pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.selectors import scope_of
from core.errors import DomainError
from core.tenancy import tenant_scope
from registry.models import Filing, FilingDocument, FilingStatus, Institution, InstitutionStatus
from registry.selectors.filings import filing_diff, filing_document_needs
from registry.services import filings as svc
from registry.services.documents import document_delete, document_upload
from tests.e2e.data import pdf_bytes
from tests.factories import REQUIRED_DOCS, make_ready_filing

pytestmark = pytest.mark.django_db


def as_(user):
    return tenant_scope(scope_of(user.active_assignments[0]))


def reload(pk) -> Filing:
    with scopes_disabled():
        return Filing.objects.select_related("institution").get(pk=pk)


def needs(filing_id) -> dict[str, tuple[str, tuple]]:
    with scopes_disabled():
        return {n.doc_type: (n.state, n.because) for n in filing_document_needs(filing=reload(filing_id))}


def checks(filing_id) -> dict[str, dict]:
    with scopes_disabled():
        return {c["code"]: c for c in svc.filing_run_checks(filing=reload(filing_id))}


def upload(operator, filing_id, doc_type):
    return document_upload(actor=operator, filing_id=filing_id, doc_type=doc_type,
                           uploaded_file=SimpleUploadedFile(f"{doc_type}.pdf", pdf_bytes(doc_type), "application/pdf"))


def token(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def filed(institution):
    """The institution's accepted initial filing, with its five materials and a lease to mid-2030 (at least
    three years from the effective date of a change filed today, as ``rules.check_lease_term`` asks)."""
    with scopes_disabled():
        current = make_ready_filing(institution, status=FilingStatus.ACCEPTED, receipt_no="330106-2026-00041",
                                    decided_at=timezone.now(), premises_type="leased",
                                    lease_start=dt.date(2026, 1, 1), lease_end=dt.date(2030, 6, 30))
        Institution.objects.filter(pk=institution.pk).update(status=InstitutionStatus.FILED, current_filing=current,
                                                             receipt_no=current.receipt_no, total_slots=10)
    return current


@pytest.fixture
def change(filed, institution, operator):
    with as_(operator):
        return svc.filing_create(actor=operator, institution_id=institution.pk, kind="change")


# --- carried over, asked again -----------------------------------------------------------------------

def test_the_filed_materials_carry_over_to_a_change_filing(filed, change):
    with scopes_disabled():
        carried = list(FilingDocument.objects.filter(filing=change).select_related("carried_from"))
        originals = {d.pk: d for d in filed.documents.all()}
    assert sorted(d.doc_type for d in carried) == sorted(REQUIRED_DOCS)
    assert all(d.carried_from_id in originals and d.file.name == originals[d.carried_from_id].file.name
               for d in carried)
    assert {doc: state for doc, (state, _) in needs(change.pk).items()} == dict.fromkeys(REQUIRED_DOCS, "carried")
    documents = checks(change.pk)["documents"]
    assert documents["passed"] and "沿用已备案材料 5 项" in documents["reason"]


def test_a_change_asks_again_only_for_what_it_touches(change, operator):
    with as_(operator):
        svc.filing_update_form(actor=operator, filing_id=change.pk, data={"name": "西湖区大星星托育园"})
    assert needs(change.pk) == {
        "business_licence": ("renew", ("机构名称",)), "premises_proof": ("carried", ()),
        "staff_certificates": ("carried", ()), "hygiene_report": ("carried", ()), "fire_safety": ("carried", ())}
    documents = checks(change.pk)["documents"]
    assert not documents["passed"]
    assert documents["reason"] == "因变更「机构名称」须重新提交：营业执照/法人登记证书"
    with as_(operator):
        svc.filing_sign_commitment(actor=operator, filing_id=change.pk, signer="王园长", ip=None)
        with pytest.raises(DomainError) as exc:
            svc.filing_submit(actor=operator, filing_id=change.pk)
        assert [c["code"] for c in exc.value.checks] == ["documents"]
        upload(operator, change.pk, "business_licence")
        assert needs(change.pk)["business_licence"] == ("uploaded", ("机构名称",))
        svc.filing_sign_commitment(actor=operator, filing_id=change.pk, signer="王园长", ip=None)
        svc.filing_submit(actor=operator, filing_id=change.pk)
    assert reload(change.pk).status == FilingStatus.SUBMITTED


def test_more_slots_ask_for_the_staff_certificates_and_a_new_principal_too(change, operator):
    with as_(operator):
        svc.filing_update_form(actor=operator, filing_id=change.pk, data={"total_slots": 15, "principal_name": "赵园长"})
        svc.filing_set_classes(actor=operator, filing_id=change.pk,
                               classes=[{"class_type": "toddler", "planned_children": 15, "carers": 3}])
    staff = needs(change.pk)["staff_certificates"]
    assert staff == ("renew", ("负责人", "托位数", "班级设置"))
    assert {d for d, (state, _) in needs(change.pk).items() if state == "renew"} == {"staff_certificates"}
    assert "因变更「负责人」、「托位数」、「班级设置」须重新提交：工作人员资格证书及健康合格证明" in checks(change.pk)["documents"]["reason"]


def test_the_lease_is_renewed_in_a_change_filing(filed, change, institution, operator, reviewer):
    with as_(operator):
        svc.filing_update_form(actor=operator, filing_id=change.pk,
                               data={"lease_start": dt.date(2026, 7, 1), "lease_end": dt.date(2034, 6, 30)})
    with scopes_disabled():
        diff = {d["field"]: d for d in filing_diff(filing=reload(change.pk))}
    assert set(diff) == {"lease_start", "lease_end"}
    assert (diff["lease_end"]["label"], diff["lease_end"]["old"], diff["lease_end"]["new"]) == (
        "租赁截止", "2030-06-30", "2034-06-30")
    assert checks(change.pk)["changes"]["passed"]
    assert {d for d, (state, _) in needs(change.pk).items() if state == "renew"} == {"premises_proof"}
    with as_(operator):
        upload(operator, change.pk, "premises_proof")
        svc.filing_sign_commitment(actor=operator, filing_id=change.pk, signer="王园长", ip=None)
        svc.filing_submit(actor=operator, filing_id=change.pk)
    assert reload(change.pk).changes["lease_end"] == ["2030-06-30", "2034-06-30"]
    with as_(reviewer):
        svc.filing_accept(actor=reviewer, filing_id=change.pk)
    with scopes_disabled():
        inst = Institution.objects.select_related("current_filing").get(pk=institution.pk)
    assert inst.current_filing_id == change.pk and inst.current_filing.lease_end == dt.date(2034, 6, 30)


# --- a move ----------------------------------------------------------------------------------------------

def test_a_move_inside_the_district_is_a_change(change, institution, operator, reviewer):
    with as_(operator):
        svc.filing_update_form(actor=operator, filing_id=change.pk,
                               data={"address": "杭州市西湖区天目山路 88 号", "region": "330106002"})
    with scopes_disabled():
        diff = {d["field"]: d for d in filing_diff(filing=reload(change.pk))}
    assert diff["region"]["old"] == "浙江省杭州市西湖区北山街道" and diff["region"]["new"] == "浙江省杭州市西湖区西溪街道"
    assert diff["address"]["new"] == "杭州市西湖区天目山路 88 号"
    renew = {d: because for d, (state, because) in needs(change.pk).items() if state == "renew"}
    assert set(renew) == {"business_licence", "premises_proof", "hygiene_report", "fire_safety"}
    assert renew["fire_safety"] == ("地址", "所在乡镇（街道）")
    with as_(operator):
        for doc in renew:
            upload(operator, change.pk, doc)
        svc.filing_sign_commitment(actor=operator, filing_id=change.pk, signer="王园长", ip=None)
        svc.filing_submit(actor=operator, filing_id=change.pk)
    with as_(reviewer):
        svc.filing_accept(actor=reviewer, filing_id=change.pk)
    with scopes_disabled():
        inst = Institution.objects.get(pk=institution.pk)
    assert (inst.address, inst.region_id, inst.district_id) == ("杭州市西湖区天目山路 88 号", "330106002", "330106")


@pytest.mark.parametrize(("data", "field"), [
    ({"region": "330105001"}, "region"),  # a township of 拱墅区
    ({"address": "杭州市拱墅区莫干山路 100 号"}, "address"),
    ({"address": "拱墅区莫干山路 100 号"}, "address"),
    ({"address": "浙江省宁波市海曙区中山西路 1 号"}, "address"),
    ({"address": "杭州市西湖区天目山路 88 号", "region": "330105001"}, "region"),
])
def test_a_move_to_another_district_is_refused(change, operator, data, field):
    with as_(operator), pytest.raises(DomainError) as exc:
        svc.filing_update_form(actor=operator, filing_id=change.pk, data=data)
    assert exc.value.code == "move_out_of_district"
    assert [e.code for e in exc.value.fields[field]] == ["move_out_of_district"]
    assert "终止备案" in exc.value.message and "重新办理备案" in exc.value.message
    after = reload(change.pk)
    assert (after.region_id, after.address, after.version) == ("330106001", "杭州市西湖区文三路 1 号", change.version)


@pytest.mark.parametrize("address", ["杭州市西湖区天目山路 88 号", "浙江省杭州市西湖区天目山路 88 号", "天目山路 88 号",
                                     "西湖区天目山路 88 号"])
def test_an_address_in_the_district_or_without_one_is_accepted(change, operator, address):
    with as_(operator):
        svc.filing_update_form(actor=operator, filing_id=change.pk, data={"address": address})
    assert reload(change.pk).address == address


def test_an_unknown_township_is_region_invalid(change, operator):
    with as_(operator), pytest.raises(DomainError) as exc:
        svc.filing_update_form(actor=operator, filing_id=change.pk, data={"region": "330106999"})
    assert exc.value.code == "region_invalid"


def test_a_carried_document_deleted_keeps_the_filed_file(filed, change, operator, django_capture_on_commit_callbacks):
    with scopes_disabled():
        carried = FilingDocument.objects.get(filing=change, doc_type="fire_safety")
        name, storage = carried.file.name, carried.file.storage
    with as_(operator), django_capture_on_commit_callbacks(execute=True):
        document_delete(actor=operator, document_id=carried.pk)
        fresh = upload(operator, change.pk, "fire_safety")
        fresh_name = fresh.file.name
        document_delete(actor=operator, document_id=fresh.pk)
    assert storage.exists(name)  # still the filed filing's document
    assert not storage.exists(fresh_name)
    assert needs(change.pk)["fire_safety"] == ("missing", ())


# --- API -------------------------------------------------------------------------------------------------

def test_api_change_filing_shows_what_carries_over_and_refuses_a_move_out(change, operator):
    client = token(operator)
    url = f"/api/v1/filings/{change.pk}/"
    documents = client.get(url + "documents/").json()
    assert len(documents) == 5 and all(d["carried_over"] and d["carried_from"] for d in documents)
    r = client.patch(url, {"service_types": ["full_day", "hourly"]}, format="json")
    assert r.status_code == 200, r.json()
    states = {n["doc_type"]: (n["state"], n["because"]) for n in r.json()["document_needs"]}
    assert states["business_licence"] == ("renew", ["服务类型"]) and states["fire_safety"] == ("carried", [])
    moved = client.patch(url, {"region": "330105001"}, format="json")
    assert moved.status_code == 400 and moved.json()["code"] == "move_out_of_district"
    assert moved.json()["fields"]["region"][0]["code"] == "move_out_of_district"
    inside = client.patch(url, {"region": "330106002", "lease_end": "2031-12-31"}, format="json")
    assert inside.status_code == 200 and inside.json()["region"] == "330106002"
    assert client.patch(url, {"region": "33"}, format="json").json()["fields"]["region"][0]["code"] == "value_invalid"
    assert client.patch(url, {"fees": {"full_day": 1}}, format="json").json()["code"] == "not_changeable"


def test_api_termination_takes_the_staff_settlement_plan(filed, institution, operator):
    client = token(operator)
    created = client.post("/api/v1/filings/", {"institution": institution.pk, "kind": "termination"}, format="json")
    url = f"/api/v1/filings/{created.json()['id']}/"
    assert created.json()["document_needs"] == []  # a termination files its plans, not the setting materials
    r = client.patch(url, {"termination_date": timezone.localdate().isoformat(), "placement_plan": "转入北山街道托育中心"},
                     format="json")
    failed = {c["code"] for c in client.get(url + "check/").json() if not c["passed"]}
    assert "staff_settlement" in failed
    bad = client.patch(url, {"staff_settlement_plan": "  "}, format="json")
    assert bad.status_code == 400 and bad.json()["fields"]["staff_settlement_plan"][0]["code"] == "required"
    r = client.patch(url, {"staff_settlement_plan": "保育人员由北山街道托育中心录用"}, format="json")
    assert r.status_code == 200 and r.json()["staff_settlement_plan"] == "保育人员由北山街道托育中心录用"
    assert "staff_settlement" not in {c["code"] for c in client.get(url + "check/").json() if not c["passed"]}


# --- pages -----------------------------------------------------------------------------------------------

def client_for(client_class, user):
    c = client_class()
    c.force_login(user)
    return c


def test_documents_step_and_checklist_show_carried_and_renewed_materials(client, change, operator, reviewer):
    op = client_for(type(client), operator)
    basic = op.get(reverse("registry:filing_step", args=[change.pk, "basic"]))
    form = basic.context["form"]
    assert [c[0] for c in form.fields["region"].widget.choices] == ["330106", "330106001", "330106002"]
    assert 'data-testid="change-scope"' in basic.content.decode()
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data.update(region="330105001")
    refused = op.post(reverse("registry:filing_step", args=[change.pk, "basic"]), data).content.decode()
    assert "迁往其他区县不属于变更备案" in refused and "不在本区县" in refused
    data.update(region="330106001", name="西湖区大星星托育园")
    assert op.post(reverse("registry:filing_step", args=[change.pk, "basic"]), data).status_code == 302

    page = op.get(reverse("registry:filing_step", args=[change.pk, "documents"])).content.decode()
    assert 'data-doc="business_licence" data-state="renew"' in page and "须重新提交（因变更「机构名称」）" in page
    assert 'data-doc="fire_safety" data-state="carried"' in page
    assert page.count('data-testid="carried"') == 5  # every carried copy is labelled in the list
    checklist = op.get(reverse("registry:filing_step", args=[change.pk, "checklist"])).content.decode()
    assert "因变更「机构名称」须重新提交：营业执照/法人登记证书" in checklist

    # The lease step of a change filing: the lease only (no fees, no areas).
    premises = op.get(reverse("registry:filing_step", args=[change.pk, "premises"]))
    assert set(premises.context["form"].fields) == {"premises_type", "lease_start", "lease_end"}
    r = op.post(reverse("registry:filing_step", args=[change.pk, "premises"]),
                {"premises_type": "leased", "lease_start": "2026-07-01", "lease_end": "2034-06-30"})
    assert r.status_code == 302, r.content.decode()
    assert reload(change.pk).lease_end == dt.date(2034, 6, 30)

    op.post(reverse("registry:filing_step", args=[change.pk, "documents"]),
            {"doc_type": "business_licence", "file": SimpleUploadedFile("licence.pdf", pdf_bytes("licence"))})
    op.post(reverse("registry:filing_step", args=[change.pk, "documents"]),
            {"doc_type": "premises_proof", "file": SimpleUploadedFile("lease.pdf", pdf_bytes("lease"))})
    op.post(reverse("registry:filing_step", args=[change.pk, "commitment"]), {"signer": "王园长", "agree": "on"})
    op.post(reverse("registry:filing_submit", args=[change.pk]))
    assert reload(change.pk).status == FilingStatus.SUBMITTED
    review = client_for(type(client), reviewer).get(reverse("registry:review_detail", args=[change.pk])).content.decode()
    assert 'data-doc="business_licence" data-state="uploaded"' in review
    assert 'data-doc="hygiene_report" data-state="carried"' in review and "沿用已备案材料" in review
    assert "租赁截止" in review and "2034-06-30" in review


def test_termination_pages_take_the_staff_settlement_and_conclude_without_a_receipt(
        client, filed, institution, operator, reviewer):
    op = client_for(type(client), operator)
    r = op.post(reverse("registry:filing_new", args=["termination"]), follow=True)
    assert "工作人员安置方案" in r.content.decode()
    with scopes_disabled():
        term = Filing.objects.get(institution=institution, kind="termination")
    step = reverse("registry:filing_step", args=[term.pk, "termination"])
    bad = op.post(step, {"termination_date": timezone.localdate().isoformat(), "placement_plan": "转入北山街道托育中心"})
    assert "请填写工作人员安置方案。" in bad.content.decode()
    r = op.post(step, {"termination_date": timezone.localdate().isoformat(), "placement_plan": "转入北山街道托育中心",
                       "staff_settlement_plan": "保育人员 4 名由北山街道托育中心录用，其余协商解除劳动合同"})
    assert r.status_code == 302
    op.post(reverse("registry:filing_step", args=[term.pk, "commitment"]), {"signer": "王园长", "agree": "on"})
    op.post(reverse("registry:filing_submit", args=[term.pk]))
    assert reload(term.pk).status == FilingStatus.SUBMITTED

    rv = client_for(type(client), reviewer)
    page = rv.get(reverse("registry:review_detail", args=[term.pk])).content.decode()
    assert "保育人员 4 名由北山街道托育中心录用" in page and 'data-testid="staff-settlement"' in page
    button = page.split('data-testid="accept">', 1)[1].split("<", 1)[0]
    assert button == "办结终止备案"
    assert "不出具备案回执" in page and "出具回执" not in button
    done = rv.post(reverse("registry:review_accept", args=[term.pk]), {"version": reload(term.pk).version},
                   follow=True).content.decode()
    history = done.split('data-testid="history"', 1)[1]
    assert "<strong>办结终止备案</strong>" in history and "<strong>通过备案</strong>" not in history
    assert reload(term.pk).receipt_no == ""
