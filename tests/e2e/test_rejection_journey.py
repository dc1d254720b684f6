"""Non-compliance journey (不予备案): a district reviewer decides, in a real browser, that a submitted
filing does not meet the conditions — reasons and basis, a confirmation step, then the written notice —
and the institution may file again."""

from __future__ import annotations

from django_scopes import scopes_disabled

from registry.models import Filing, FilingStatus, Institution, InstitutionStatus
from tests.conftest import PASSWORD
from tests.factories import InstitutionFactory, make_ready_filing


def test_reviewer_rejects_a_filing_with_reasons_and_basis(page, shot, browser_login, reviewer, regions, settings,
                                                          tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with scopes_disabled():
        institution = InstitutionFactory(name="西湖区不符合托育园", status=InstitutionStatus.FILING)
        filing = make_ready_filing(institution, status=FilingStatus.SUBMITTED)

    browser_login(page, reviewer.username, PASSWORD)
    page.goto(f"/registry/review/{filing.pk}/")
    shot(page, "review-page")
    form = page.get_by_test_id("reject-form")
    form.get_by_label("不予备案理由（每行一项）").fill("场地为地下室，不符合设置标准\n未提供消防验收合格证明")
    form.get_by_label("依据").fill("《托育机构设置标准（试行）》第十三条")
    page.get_by_test_id("reject").click()

    # Nothing is decided before the confirmation page's own button.
    confirm = page.get_by_test_id("reject-confirm")
    assert "场地为地下室" in confirm.inner_text() and "第十三条" in confirm.inner_text()
    with scopes_disabled():
        assert Filing.objects.get(pk=filing.pk).status == FilingStatus.SUBMITTED
    shot(page, "reject-confirm")
    page.get_by_test_id("confirm-reject").click()

    assert "已作出不予备案决定" in page.get_by_role("alert").first.inner_text()
    shot(page, "rejected")
    with scopes_disabled():
        decided = Filing.objects.get(pk=filing.pk)
        assert decided.status == FilingStatus.REJECTED
        assert decided.rejection_reasons == ["场地为地下室，不符合设置标准", "未提供消防验收合格证明"]
        # An initial filing refused: the institution may file again.
        assert Institution.objects.get(pk=institution.pk).status == InstitutionStatus.REGISTERED
