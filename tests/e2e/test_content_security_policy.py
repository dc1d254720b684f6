"""Under the Content Security Policy (scripts from the platform only) the pages still work in a real
browser: the roster form adds certificate rows, a destructive form asks first, and no page the user
walks through reports a policy violation."""

from __future__ import annotations

from django.utils import timezone
from django_scopes import scopes_disabled

from registry.models import FilingStatus, Institution, InstitutionStatus
from tests.conftest import PASSWORD
from tests.factories import FilingFactory, InstitutionFactory


def test_operator_pages_work_under_the_policy_without_violations(page, shot, browser_login, make_account, regions):
    with scopes_disabled():
        institution = InstitutionFactory(name="西湖区安全策略托育园", service_types=["full_day"], total_slots=10,
                                         status=InstitutionStatus.FILED)
        filing = FilingFactory(institution=institution, status=FilingStatus.ACCEPTED, decided_at=timezone.now(),
                               receipt_no="330106-2026-00091", name=institution.name)
        Institution.objects.filter(pk=institution.pk).update(current_filing=filing, receipt_no=filing.receipt_no)
    operator = make_account("op_csp", "operator", institution.uscc)
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)

    browser_login(page, operator.username, PASSWORD)
    page.goto("/registry/my/staff/add/")
    rows = page.locator("#qual-rows tr")
    before = rows.count()
    page.get_by_role("button", name="再添加一项证书").click()
    assert rows.count() == before + 1, "the add-row button runs from static/js/app.js"
    assert page.locator("#id_quals-TOTAL_FORMS").input_value() == str(before + 1)
    shot(page, "staff-form-row-added")

    page.goto("/registry/")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="终止备案").click()
    assert asked == ["确定要申请终止备案吗？"]
    assert page.get_by_test_id("institution-status").inner_text() == "已备案", "dismissed: nothing filed"
    assert violations == [], violations
