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
    assert "is-invalid" in posted and "请填写" in posted


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
    assert r.status_code == 200 and "is-invalid" in r.content.decode() and "请填写" in r.content.decode()


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


# --- the home page's next action and what is due ------------------------------------------------------

def _next_panel(html: str) -> str:
    return html.split('data-testid="next-steps"', 1)[1].split("</div>\n</div>", 1)[0]


def test_home_offers_the_next_action_at_each_stage(client, operator, institution):
    import datetime as dt

    from django.utils import timezone

    from registry.models import FilingStatus, Institution, InstitutionStatus
    from tests.factories import StaffFactory

    as_user(client, operator)
    for home in ("/", reverse("registry:operator_home")):
        panel = _next_panel(client.get(home).content.decode())
        assert ">开始备案</button>" in panel and reverse("registry:filing_new", args=["initial"]) in panel
        assert ">从业人员名册</a>" in panel and 'data-testid="nothing-due"' in panel

    # 开始备案 → a draft: the home now says 继续备案 and links to what is left (the checklist).
    client.post(reverse("registry:filing_new", args=["initial"]))
    with scopes_disabled():
        filing = Filing.objects.get(institution=institution)
    panel = _next_panel(client.get("/").content.decode())
    assert ">继续备案</a>" in panel and reverse("registry:filing_step", args=[filing.pk, "checklist"]) in panel
    assert "开始备案" not in panel

    # Returned with reasons: 补正材料, and the count is due.
    with scopes_disabled():
        Filing.objects.filter(pk=filing.pk).update(status=FilingStatus.RETURNED, return_reasons=["甲", "乙"])
    panel = _next_panel(client.get("/").content.decode())
    assert ">补正材料</a>" in panel and "被退回，需补正 2 项后重新提交" in panel

    # Submitted: nothing to do but wait, with the commission's deadline.
    due_at = timezone.now() + dt.timedelta(days=6)
    with scopes_disabled():
        Filing.objects.filter(pk=filing.pk).update(status=FilingStatus.SUBMITTED, due_at=due_at)
    panel = _next_panel(client.get("/").content.decode())
    assert ">查看审核进度</a>" in panel and f"{timezone.localtime(due_at):%Y-%m-%d} 前出具回执" in panel

    # Filed, with a roster falling due: 变更备案, and each due item, most urgent first.
    today = timezone.localdate()
    with scopes_disabled():
        Filing.objects.filter(pk=filing.pk).update(status=FilingStatus.ACCEPTED, premises_type="leased",
                                                   lease_start=today - dt.timedelta(days=1000),
                                                   lease_end=today + dt.timedelta(days=60))
        Institution.objects.filter(pk=institution.pk).update(status=InstitutionStatus.FILED, current_filing=filing)
        StaffFactory(institution=institution, name="过期甲", health_certificate_date=today - dt.timedelta(days=400),
                     criminal_record_checked=True)
        StaffFactory(institution=institution, name="将到期乙", health_certificate_date=today - dt.timedelta(days=350),
                     criminal_record_checked=True)
        StaffFactory(institution=institution, name="未查丙", criminal_record_checked=False)
    panel = _next_panel(client.get("/").content.decode())
    assert ">变更备案</button>" in panel
    levels = [line.split('"')[0] for line in panel.split('data-level="')[1:]]
    assert levels == sorted(levels, key=["danger", "warning", "info"].index)
    assert "1 名人员健康合格证明缺失或已过期，不得上岗：过期甲" in panel
    assert "1 名人员健康合格证明将于 30 日内到期" in panel and "将到期乙" in panel
    assert "1 名人员尚未登记无犯罪记录证明：未查丙" in panel
    assert f"场地租赁合同将于 {today + dt.timedelta(days=60):%Y-%m-%d} 到期" in panel


# --- the checklist: failures first, each with its fix; the documents still missing ----------------------

def test_checklist_lists_failures_first_each_linking_to_its_fix(client, operator, institution):
    from tests.e2e.data import make_roster

    with scopes_disabled():
        make_roster(institution)
        filing = FilingFactory(institution=institution, total_slots=10, premises_type="owned",
                               hygiene_evaluation_passed=True)
        FilingClassFactory(filing=filing, class_type="infant", planned_children=12, carers=4)  # over 10, short of carers
    as_user(client, operator)
    page = client.get(reverse("registry:filing_step", args=[filing.pk, "checklist"])).content.decode()
    items = page.split('data-testid="checklist"', 1)[1].split("</ul>", 1)[0].split("<li ")[1:]
    passed = [i.split('data-passed="', 1)[1][0] for i in items]
    assert passed == sorted(passed) and passed.count("0") >= 4  # every failure before every pass
    failed = {i.split('data-code="', 1)[1].split('"', 1)[0]: i for i in items if 'data-passed="0"' in i}
    step = lambda s: reverse("registry:filing_step", args=[filing.pk, s])  # noqa: E731
    assert step("classes") in failed["class_size"] and "去「班级设置」修改" in failed["class_size"]
    assert step("classes") in failed["total_slots"]
    assert step("documents") in failed["documents"] and step("commitment") in failed["commitment"]
    assert all("fix-link" not in i for i in items if 'data-passed="1"' in i)
    assert f'{len(failed)} 项未通过' in page


def test_checklist_sends_roster_failures_to_the_roster(client, operator, institution):
    with scopes_disabled():
        filing = FilingFactory(institution=institution)
    as_user(client, operator)
    page = client.get(reverse("registry:filing_step", args=[filing.pk, "checklist"])).content.decode()
    principal = page.split('data-code="principal"', 1)[1].split("</li>", 1)[0]
    assert reverse("registry:staff_list") in principal and "去从业人员名册修改" in principal


def test_documents_step_marks_the_missing_materials_in_the_order_of_the_rules(client, operator, institution):
    from tests.factories import FilingDocumentFactory

    with scopes_disabled():
        filing = FilingFactory(institution=institution, meals_served=True)
        FilingDocumentFactory(filing=filing, doc_type="premises_proof")
        FilingDocumentFactory(filing=filing, doc_type="fire_safety")
    as_user(client, operator)
    page = client.get(reverse("registry:filing_step", args=[filing.pk, "documents"])).content.decode()
    listing = page.split('data-testid="required-documents"', 1)[1].split("</ol>", 1)[0]
    rows = [(r.split('"', 1)[0], r.split('data-uploaded="', 1)[1][0]) for r in listing.split('data-code="')[1:]]
    assert rows == [("business_licence", "0"), ("premises_proof", "1"), ("staff_certificates", "0"),
                    ("hygiene_report", "0"), ("fire_safety", "1"), ("food_licence", "0")]
    assert "还缺 4 项" in page
    # The upload form starts on the first missing material.
    assert '<option value="business_licence" selected>' in page


# --- the commitment: the full letter, and why a signature was voided --------------------------------------

def test_commitment_step_shows_the_full_letter_and_why_a_signature_was_voided(client, operator, institution):
    with scopes_disabled():
        filing = FilingFactory(institution=institution, legal_representative="李四", contact_phone="13800138000")
    as_user(client, operator)
    url = reverse("registry:filing_step", args=[filing.pk, "commitment"])
    page = client.get(url).content.decode()
    letter = page.split('data-testid="commitment-text"', 1)[1].split("</article>", 1)[0]
    assert "托育机构备案承诺书" in letter and "西湖区卫生健康局：" in letter
    assert f"本机构（西湖区小星星托育园，统一社会信用代码 {institution.uscc}）现申请办理备案" in letter
    assert "一、本机构提交的备案书" in letter and "无犯罪记录证明" in letter and "七、自觉接受" in letter
    assert 'data-testid="commitment-voided"' not in page

    assert client.post(url, {"signer": "王园长", "agree": "on"}).status_code == 302
    assert 'data-testid="commitment-signed"' in client.get(url).content.decode()
    # An edit after signing voids it, and the step says which edit.
    basic = reverse("registry:filing_step", args=[filing.pk, "basic"])
    client.post(basic, {**browser_post_data(client.get(basic).content.decode()), "name": "西湖区小星星托育中心",
                        "total_slots": 12, "save_only": "1"})
    page = client.get(url).content.decode()
    voided = page.split('data-testid="commitment-voided"', 1)[1].split("</div>", 1)[0]
    assert "此前的签署已失效" in voided and "修改了机构名称、托位数" in voided
    checklist = client.get(reverse("registry:filing_step", args=[filing.pk, "checklist"])).content.decode()
    assert "因修改了机构名称、托位数而失效" in checklist
    # A new document voids the new signature, and says so.
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.post(url, {"signer": "王园长", "agree": "on"})
    client.post(reverse("registry:filing_step", args=[filing.pk, "documents"]),
                {"doc_type": "fire_safety", "file": SimpleUploadedFile("fire.pdf", b"%PDF-1.4\n%x\n")})
    assert "上传了材料「消防安全检查合格证明」" in client.get(url).content.decode()


def test_a_termination_signs_the_termination_letter(client, operator, institution):
    with scopes_disabled():
        filing = FilingFactory(institution=institution, kind="termination")
    as_user(client, operator)
    letter = client.get(reverse("registry:filing_step", args=[filing.pk, "commitment"])).content.decode()
    assert "现申请办理终止备案" in letter and "妥善安置在托婴幼儿" in letter and "视频监控" not in letter


# --- claim: the claimant's evidence, seen by the district's reviewers only ---------------------------------

def test_the_reviewer_sees_the_claimants_evidence_before_confirming(client, institution, reviewer, other_reviewer,
                                                                    django_user_model, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from registry.models import InstitutionClaim
    from tests.e2e.data import png_bytes

    settings.MEDIA_ROOT = tmp_path
    claimant = django_user_model.objects.create_user("claimant_ev", password="Passw0rd!2026")
    as_user(client, claimant)
    page = client.post(reverse("registry:claim"), {"step": "lookup", "uscc": institution.uscc}).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="evidence_kind"' in page and "授权委托书" in page
    r = client.post(reverse("registry:claim"), {"step": "confirm", "uscc": institution.uscc,
                                                "evidence_kind": "authorisation_letter",
                                                "evidence": SimpleUploadedFile("授权委托书.png", png_bytes())})
    assert r.status_code == 302
    with scopes_disabled():
        claim = InstitutionClaim.objects.get(user=claimant)
    evidence_url = reverse("registry:claim_evidence", args=[claim.pk])
    assert evidence_url in client.get(reverse("registry:claim")).content.decode()  # "my claims" links it

    rv = Client()
    rv.force_login(reviewer)
    listing = rv.get(reverse("registry:claim_list")).content.decode()
    row = listing.split('data-testid="claim-row"', 1)[1].split("</tr>", 1)[0]
    assert "授权委托书（法定代表人签字并加盖公章）" in row and evidence_url in row and 'data-testid="evidence-image"' in row
    assert "/media/" not in listing
    shown = rv.get(evidence_url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert shown["Content-Disposition"].startswith("inline") and shown["Cache-Control"] == "private, no-store"
    assert b"".join(shown.streaming_content).startswith(b"\x89PNG")
    assert client.get(evidence_url).status_code == 200  # the claimant's own
    # Nobody else: another district's reviewer, another signed-up user.
    other = Client()
    other.force_login(other_reviewer)
    assert other.get(evidence_url).status_code == 404
    stranger = Client()
    stranger.force_login(django_user_model.objects.create_user("stranger_ev", password="Passw0rd!2026"))
    assert stranger.get(evidence_url).status_code == 404
    assert rv.post(reverse("registry:claim_confirm", args=[claim.pk])).status_code == 302
    with scopes_disabled():
        assert InstitutionClaim.objects.get(pk=claim.pk).status == "confirmed"


def test_a_claim_without_evidence_offers_no_confirm_button(client, institution, reviewer, django_user_model):
    from registry.models import InstitutionClaim

    with scopes_disabled():
        claim = InstitutionClaim(institution=institution,
                                 user=django_user_model.objects.create_user("no_ev", password="Passw0rd!2026"))
        claim.set_region(institution.region)
        claim.save()
    as_user(client, reviewer)
    row = client.get(reverse("registry:claim_list")).content.decode().split('data-testid="claim-row"', 1)[1]
    row = row.split("</tr>", 1)[0]
    assert "未上传" in row and "待申请人上传证明材料" in row and ">确认</button>" not in row
    r = client.post(reverse("registry:claim_confirm", args=[claim.pk]), follow=True)
    assert "申请人尚未上传授权委托书或法定代表人确认书" in r.content.decode()
