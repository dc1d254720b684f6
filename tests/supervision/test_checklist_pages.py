"""The checklist pages of a district admin: the national default, copy it to the district, revise the
current version (change an item, remove one, add one) which publishes the next version while an
inspection keeps the version it used; a field error on the page; another district gets 404."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from supervision import checklist_default
from supervision.models import ChecklistTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_account):
    return make_account("xh_admin", "district_admin", "330106")


def formset_data(template, *, change=None, delete=(), add=None, reason="按本区实际修订") -> dict:
    items = list(template.items.order_by("position", "id"))
    rows = [{"code": i.code, "dimension": i.dimension, "text": i.text, "basis": i.basis, "severity": i.severity}
            for i in items]
    data = {"reason": reason}
    for n, row in enumerate(rows):
        if change and row["code"] == change[0]:
            row.update(change[1])
        for k, v in row.items():
            data[f"items-{n}-{k}"] = v
        if row["code"] in delete:
            data[f"items-{n}-DELETE"] = "on"
    total = len(rows)
    if add:
        for k, v in add.items():
            data[f"items-{total}-{k}"] = v
        total += 1
    data.update({"items-TOTAL_FORMS": str(total), "items-INITIAL_FORMS": str(len(rows)),
                 "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "1000"})
    return data


def test_copy_the_default_then_revise_it_as_a_new_version(client, admin):
    client.force_login(admin)
    listing = client.get("/supervision/checklists/").content.decode()
    assert checklist_default.NATIONAL_VERSION in listing and 'data-testid="checklist-copy"' in listing
    copied = client.post("/supervision/checklists/copy/")
    with scopes_disabled():
        first = ChecklistTemplate.objects.get(district_id="330106")
        assert first.items.count() == len(checklist_default.ITEMS)
    assert copied.status_code == 302 and copied["Location"] == f"/supervision/checklists/{first.pk}/"
    with scopes_disabled():
        items = list(first.items.order_by("position"))
    changed, removed = items[0], items[1]
    form = client.get("/supervision/checklists/revise/")
    assert form.status_code == 200 and changed.text in form.content.decode()
    with scopes_disabled():
        data = formset_data(first, change=(changed.code, {"text": "改写后的检查内容", "severity": "critical"}),
                            delete=(removed.code,),
                            add={"code": "local.1", "dimension": items[0].dimension, "text": "本区新增项目",
                                 "basis": "本区规定", "severity": "minor"})
    done = client.post("/supervision/checklists/revise/", data)
    assert done.status_code == 302
    with scopes_disabled():
        second = ChecklistTemplate.objects.get(district_id="330106", current=True)
        first.refresh_from_db()
        codes = {i.code: i for i in second.items.all()}
        first_codes = {i.code: i for i in first.items.all()}
    assert second.version == 2 and not first.current and second.based_on_id == first.pk
    assert codes[changed.code].text == "改写后的检查内容" and codes[changed.code].severity == "critical"
    assert removed.code not in codes and "local.1" in codes
    # The first version is kept as it was (inspections that used it keep it).
    assert first_codes[changed.code].text == changed.text and removed.code in first_codes
    listing = client.get("/supervision/checklists/").content.decode()
    assert "第 2 版" in listing and "第 1 版" in listing


def test_a_missing_reason_and_a_duplicate_code_are_shown_on_the_page(client, admin):
    client.force_login(admin)
    client.post("/supervision/checklists/copy/")
    with scopes_disabled():
        first = ChecklistTemplate.objects.get(district_id="330106")
        data = formset_data(first, reason="")
    response = client.post("/supervision/checklists/revise/", data)
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    with scopes_disabled():
        items = list(first.items.order_by("position"))
        dup = formset_data(first, add={"code": items[0].code, "dimension": items[0].dimension, "text": "重复",
                                       "basis": "x", "severity": "minor"})
    response = client.post("/supervision/checklists/revise/", dup)
    assert response.status_code == 200 and "编号重复" in response.content.decode()
    with scopes_disabled():
        assert ChecklistTemplate.objects.filter(district_id="330106").count() == 1


def test_another_district_gets_404_and_an_inspector_may_only_read(client, admin, make_account):
    client.force_login(admin)
    client.post("/supervision/checklists/copy/")
    with scopes_disabled():
        first = ChecklistTemplate.objects.get(district_id="330106")
    other = make_account("gs_admin", "district_admin", "330105")
    client.force_login(other)
    assert client.get(f"/supervision/checklists/{first.pk}/").status_code == 404
    inspector = make_account("xh_insp", "district_inspector", "330106")
    client.force_login(inspector)
    assert client.get(f"/supervision/checklists/{first.pk}/").status_code == 200
    assert client.get("/supervision/checklists/revise/").status_code == 403
    assert client.post("/supervision/checklists/copy/").status_code == 403
