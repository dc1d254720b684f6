"""Evidence of a construction claim on its page: the operator uploads (checked by content, as filing
documents are); the district reviewer sees and opens it; another district gets a 404."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_scopes import scopes_disabled

from subsidies.models import ClaimDocument

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n% evidence\n"


def page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def construction(institution):
    from subsidies.services.claims import construction_claim_create

    with scopes_disabled():
        return construction_claim_create(actor=None, institution_id=institution.pk, slots=5)


def test_operator_uploads_and_district_opens(construction, operator, district_reviewer, make_account):
    url = f"/subsidies/claims/{construction.pk}/"
    op = page(operator)
    assert 'data-testid="evidence-form"' in op.get(url).content.decode()
    fake = SimpleUploadedFile("验收.pdf", b"MZ not a pdf at all", content_type="application/pdf")
    body = op.post(url + "documents/", {"file": fake}, follow=True).content.decode()
    with scopes_disabled():
        assert not ClaimDocument.objects.exists()
    assert "alert" in body
    good = SimpleUploadedFile("新增托位验收证明.pdf", PDF, content_type="application/pdf")
    r = op.post(url + "documents/", {"file": good}, follow=True)
    assert "已上传 1 份佐证材料" in r.content.decode()
    with scopes_disabled():
        doc = ClaimDocument.objects.get()
    reviewer = page(district_reviewer)
    body = reviewer.get(url).content.decode()
    assert "新增托位验收证明.pdf" in body and 'data-testid="evidence-form"' not in body
    opened = reviewer.get(f"/subsidies/documents/{doc.pk}/")
    assert opened.status_code == 200 and b"".join(opened.streaming_content) == PDF
    assert opened["Content-Type"] == "application/pdf" and opened["X-Content-Type-Options"] == "nosniff"
    assert reviewer.post(url + "documents/", {"file": good}).status_code == 403
    other = page(make_account("gs_ev_reviewer", "district_reviewer", "330105"))
    assert other.get(f"/subsidies/documents/{doc.pk}/").status_code == 404
    # Once submitted, no more uploads.
    from subsidies.services.claims import claim_submit

    with scopes_disabled():
        claim_submit(actor=operator, claim_id=construction.pk)
    late = SimpleUploadedFile("补充.pdf", PDF, content_type="application/pdf")
    body = op.post(url + "documents/", {"file": late}, follow=True).content.decode()
    assert "只有草稿或已退回的建设补助申请可以上传" in body
