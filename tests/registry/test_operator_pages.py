"""The operator's pages as a first-week user meets them (issue 8, "Pages"): the claim page's first
visit, the class step's blank row, the home page's next action, the checklist and documents step,
the commitment step's text and its voided signature."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from registry.models import Filing
from tests.factories import FilingClassFactory, FilingFactory, InstitutionFactory

pytestmark = pytest.mark.django_db


class _FormValues(HTMLParser):
    """What a browser posts for a form as rendered: each input's value (checked boxes only), each
    select's selected option, or its first option when none is marked selected."""

    def __init__(self):
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._option: tuple[str | None, bool] | None = None
        self._option_text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.values.append((a["name"], a.get("value") or ("on" if a.get("type") == "checkbox" else "")))
        elif tag == "select":
            self._select, self._options = a.get("name"), []
        elif tag == "option" and self._select is not None:
            self._option, self._option_text = (a.get("value"), "selected" in a), ""
        elif tag == "textarea" and a.get("name"):
            self.values.append((a["name"], ""))

    def handle_data(self, data):
        if self._option is not None:
            self._option_text += data

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None:
            value, selected = self._option
            self._options.append((value if value is not None else self._option_text.strip(), selected))
            self._option = None
        elif tag == "select" and self._select is not None:
            chosen = [v for v, s in self._options if s] or [v for v, _ in self._options[:1]]
            if chosen:
                self.values.append((self._select, chosen[0]))
            self._select = None


def browser_post_data(html: str) -> dict:
    parser = _FormValues()
    parser.feed(html)
    data: dict[str, list[str]] = {}
    for name, value in parser.values:
        data.setdefault(name, []).append(value)
    return {k: v if len(v) > 1 else v[0] for k, v in data.items()}


@pytest.fixture
def institution(regions):
    with scopes_disabled():
        return InstitutionFactory(name="西湖区小星星托育园", service_types=["full_day"], total_slots=10)


@pytest.fixture
def operator(make_account, institution):
    return make_account("op_pages", "operator", institution.uscc)


def as_user(client, user):
    client.force_login(user)
    return client


# --- claim: the first visit -------------------------------------------------------------------------

def test_claim_page_first_visit_shows_no_error(client, django_user_model, regions):
    as_user(client, django_user_model.objects.create_user("newcomer", password="Passw0rd!2026"))
    page = client.get(reverse("registry:claim")).content.decode()
    assert 'name="uscc"' in page
    assert "该字段是必填项。" not in page and "is-invalid" not in page and "invalid-feedback" not in page
    # A submitted empty code still gets the required-field message.
    posted = client.post(reverse("registry:claim"), {"step": "lookup", "uscc": ""}).content.decode()
    assert "该字段是必填项。" in posted


# --- classes: the blank extra row ---------------------------------------------------------------------

def test_returning_to_the_class_step_and_saving_ignores_the_blank_row(client, operator, institution):
    with scopes_disabled():
        filing = FilingFactory(institution=institution)
        FilingClassFactory(filing=filing, class_type="infant", planned_children=10, carers=4, name="小一班")
    as_user(client, operator)
    url = reverse("registry:filing_step", args=[filing.pk, "classes"])
    page = client.get(url).content.decode()
    data = browser_post_data(page)
    assert data["classes-TOTAL_FORMS"] == "2"  # the saved class and one blank row to add another
    assert data["classes-1-class_type"] == ""  # the blank row's type starts blank, not 乳儿班
    r = client.post(url, data)  # 保存并继续, exactly what the browser sends
    assert r.status_code == 302, r.content.decode()
    assert r["Location"] == reverse("registry:filing_step", args=[filing.pk, "premises"])
    with scopes_disabled():
        assert [(c.name, c.class_type, c.planned_children) for c in filing.classes.all()] == [("小一班", "infant", 10)]

    # A half-filled extra row is still an error (a class without its numbers is not ignored).
    half = {**data, "classes-1-class_type": "toddler"}
    r = client.post(url, half)
    assert r.status_code == 200 and "该字段是必填项。" in r.content.decode()


def test_the_class_step_saves_a_filled_extra_row(client, operator, institution):
    with scopes_disabled():
        filing = FilingFactory(institution=institution)
    as_user(client, operator)
    url = reverse("registry:filing_step", args=[filing.pk, "classes"])
    data = browser_post_data(client.get(url).content.decode())
    data.update({"classes-0-name": "托小一班", "classes-0-class_type": "toddler", "classes-0-planned_children": "15",
                 "classes-0-carers": "3", "save_only": "1"})
    r = client.post(url, data)
    assert r.status_code == 302 and r["Location"] == url  # 保存并再加一行
    with scopes_disabled():
        assert Filing.objects.get(pk=filing.pk).classes.get().class_type == "toddler"
    again = browser_post_data(client.get(url).content.decode())
    assert again["classes-TOTAL_FORMS"] == "2"
    assert client.post(url, again).status_code == 302
