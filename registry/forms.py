"""HTML forms of the registry pages. Every form whose values a service takes (claim, claim facts,
contact phone, reasons, filing steps, return notice, commitment, staff) reads its input with
``registry.inputs`` (``ParsedField``), the parsers the API's serializers use, so a page and the
API answer the same bad input with the same code; services check the business rules
(DomainError → form errors)."""

from __future__ import annotations

import re
from decimal import Decimal

import django_filters
from django import forms
from django.core.exceptions import ValidationError

from core.filters import CopiedFilters, single_form_class
from core.inputs import ParsedField, RawCheckboxInput
from core.inputs import boolean as boolean_parser
from core.inputs import decimal as decimal_parser
from core.pages import apply_domain_error  # noqa: F401 - the pages import it from here
from core.validators import validate_mobile
from core.widgets import FastSelect, fast_select
from registry import inputs
from registry.limits import MAX_CLASSES, MAX_QUALIFICATIONS
from registry.models import (
    ClaimEvidenceKind,
    ClassType,
    DocumentType,
    Education,
    FilingKind,
    FilingStatus,
    InstitutionKind,
    InstitutionNature,
    InstitutionStatus,
    PremisesType,
    QualificationType,
    ServiceType,
    StaffRole,
)
from registry.workflow import REVIEW_QUEUE_STATES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _select(choices, blank: bool = True, **attrs):
    return FastSelect(choices=[("", "—"), *choices] if blank else choices, attrs=attrs)


# --- operator sign-up and claim -----------------------------------------------------------------------

class SignupForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    display_name = forms.CharField(label="姓名", max_length=64)
    phone = forms.CharField(label="手机号", max_length=20)
    email = forms.EmailField(label="电子邮箱", required=False)
    password = forms.CharField(label="密码", widget=forms.PasswordInput, min_length=8)
    password2 = forms.CharField(label="确认密码", widget=forms.PasswordInput)

    def clean_phone(self):
        return validate_mobile(self.cleaned_data["phone"])

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", "两次输入的密码不一致。")
        return data


class ClaimForm(forms.Form):
    """Step 1 of the claim page: the credit code (step 2 confirms the registration facts or asks for them)."""

    uscc = ParsedField(inputs.CLAIM["uscc"], label="统一社会信用代码", widget=forms.TextInput(attrs={"maxlength": 18}),
                       help_text="登记机关已推送的登记信息将自动带出供您核对；尚未推送的，下一步填写登记信息。"
                                 "提交后由所在区县卫生健康部门确认。")


class ClaimEvidenceForm(forms.Form):
    """What shows the district that the claimant may act for the institution (required with a claim)."""

    evidence_kind = forms.ChoiceField(label="证明材料类型", choices=ClaimEvidenceKind.choices, widget=forms.RadioSelect)
    evidence = forms.FileField(
        label="证明材料扫描件（PDF、JPG 或 PNG）",
        help_text="代为办理的，上传法定代表人签字并加盖公章的授权委托书；法定代表人本人办理的，上传签字并加盖公章的"
                  "法定代表人确认书。仅所在区县卫生健康部门审核人员可以查看。")


def _region_choices(parent_code: str | None, *, tenants_only: bool = False) -> list[tuple[str, str]]:
    from django.db.models import F

    from regions.selectors import region_children

    qs = region_children(parent_code=parent_code)
    if tenants_only:
        qs = qs.filter(tenant_district_id=F("code"))
    return [("", "—"), *((r.code, r.name) for r in qs)]


def _within(parser, choices_of):
    """``parser``, then the picked code must be one of the select's options (the region picker):
    a code from elsewhere answers the parser's own code (``district_invalid``)."""
    def parse(value):
        code = parser(value)
        if code and code not in dict(choices_of()):
            raise ValidationError(inputs.DISTRICT_INVALID_MESSAGE, code=inputs.DISTRICT_INVALID)
        return code

    parse.required = getattr(parser, "required", False)
    return parse


class ClaimFactsForm(forms.Form):
    """Step 2 of the claim page when no registration has been pushed: the registration facts (the
    API's ``facts``, read by the same parsers: ``registry.inputs.REGISTRATION_FACTS``), the district
    and township chosen from the region tree (province → city → district → township; each select
    loads the next one's options)."""

    R = inputs.REGISTRATION_FACTS
    uscc = ParsedField(inputs.CLAIM["uscc"], widget=forms.HiddenInput)
    name = ParsedField(R["name"], label="机构名称（与登记证书或营业执照一致）",
                       widget=forms.TextInput(attrs={"maxlength": 200}))
    nature = ParsedField(R["nature"], label="机构性质", widget=_select(InstitutionNature.choices))
    legal_representative = ParsedField(R["legal_representative"], label="法定代表人",
                                       widget=forms.TextInput(attrs={"maxlength": 64}))
    address = ParsedField(R["address"], label="住所", widget=forms.TextInput(attrs={"maxlength": 300}))
    province = forms.ChoiceField(label="省（自治区、直辖市）")
    city = forms.ChoiceField(label="市（地区、州）")
    district = ParsedField(R["district"], label="区县（备案机关所在地）", widget=FastSelect)
    township = ParsedField(inputs.district_code(required=False), label="乡镇街道", widget=FastSelect)
    registered_on = ParsedField(R["registered_on"], label="登记日期", widget=DATE)
    business_scope = ParsedField(R["business_scope"], label="业务范围 / 经营范围",
                                 widget=forms.Textarea(attrs={"rows": 3}), help_text="企业的经营范围须包含“托育”。")

    def __init__(self, *args, **kwargs):
        from django.urls import reverse

        super().__init__(*args, **kwargs)
        values = self.data if self.is_bound else self.initial
        province, city, district = (str(values.get(k) or "") for k in ("province", "city", "district"))
        self.fields["province"].choices = _region_choices(None)
        self.fields["city"].choices = _region_choices(province) if province.isdigit() else [("", "—")]
        choices = {
            "district": _region_choices(city, tenants_only=True) if city.isdigit() else [("", "—")],
            "township": _region_choices(district) if district.isdigit() else [("", "—")],
        }
        for name, options in choices.items():
            field = self.fields[name]
            field.widget.choices = options
            field.parser = _within(field.parser, lambda options=options: options)
        url = reverse("registry:claim_regions")
        for name, target in (("province", "city"), ("city", "district"), ("district", "township")):
            self.fields[name].widget.attrs.update({"hx-get": url, "hx-target": f"#id_{target}", "hx-trigger": "change"})

    def facts(self) -> dict:
        """The service's ``facts``: ``district`` is the township when one is chosen, else the district."""
        d = self.cleaned_data
        return {"name": d["name"], "nature": d["nature"], "legal_representative": d["legal_representative"],
                "address": d["address"], "district": d.get("township") or d["district"],
                "registered_on": d["registered_on"], "business_scope": d["business_scope"]}


class ContactForm(forms.Form):
    contact_phone = ParsedField(inputs.CONTACT["contact_phone"], label="联系电话",
                                widget=forms.TextInput(attrs={"maxlength": 32}),
                                help_text="11 位手机号码，或带区号的固定电话（如 0571-87654321）。")


class ReasonForm(forms.Form):
    reason = ParsedField(inputs.STATUS_REASON["reason"], label="原因",
                         widget=forms.Textarea(attrs={"rows": 2, "maxlength": inputs.REASON_MAX_LENGTH}))


class ClaimRejectForm(forms.Form):
    note = ParsedField(inputs.CLAIM_REJECT["note"], label="驳回原因", widget=forms.TextInput(attrs={"maxlength": 300}))


# --- staff -----------------------------------------------------------------------------------------------

def _blank_means_unchanged(parser):
    """The edit page's ID number: left empty, the stored number stays (``""``, dropped by ``service_data``)."""
    def parse(value):
        return "" if value is None or (isinstance(value, str) and not value.strip()) else parser(value)

    parse.required = False
    return parse


class StaffForm(forms.Form):
    """A roster row, read by ``registry.inputs.STAFF`` (the API's parsers)."""

    P = inputs.STAFF
    name = ParsedField(P["name"], label="姓名", widget=forms.TextInput(attrs={"maxlength": 64}))
    id_number = ParsedField(P["id_number"], label="居民身份证号", widget=forms.TextInput(attrs={"maxlength": 18}),
                            help_text="修改时留空表示不变。")
    role = ParsedField(P["role"], label="岗位", widget=_select(StaffRole.choices, blank=False))
    education = ParsedField(P["education"], label="学历", widget=_select(Education.choices))
    years_experience = ParsedField(P["years_experience"], label="从业年限", initial=0,
                                   widget=forms.NumberInput(attrs={"min": 0, "max": 60}))
    health_certificate_date = ParsedField(P["health_certificate_date"], label="健康合格证明日期", widget=DATE)
    criminal_record_checked = ParsedField(P["criminal_record_checked"], label="已提供无犯罪记录证明",
                                          widget=RawCheckboxInput)
    criminal_record_checked_on = ParsedField(P["criminal_record_checked_on"], label="无犯罪记录证明日期",
                                             widget=DATE)
    start_date = ParsedField(P["start_date"], label="入职日期", widget=DATE)

    def __init__(self, *args, id_required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if id_required:
            self.fields["id_number"].help_text = ""
        else:
            self.fields["id_number"].parser = _blank_means_unchanged(inputs.STAFF["id_number"])
            self.fields["id_number"].required = False

    def service_data(self) -> dict:
        """The person's fields; the certificates come from ``StaffQualificationFormSet.service_data``."""
        d = dict(self.cleaned_data)
        if not d.get("id_number"):
            d.pop("id_number", None)
        return d


class StaffQualificationForm(forms.Form):
    """One certificate row (``registry.inputs.QUALIFICATION``); a row left blank is ignored, a
    half-filled one answers ``required`` on the missing cell, as the API does."""

    type = ParsedField(inputs.QUALIFICATION["type"], required=False, label="证书类型",
                       widget=_select(QualificationType.choices, **{"class": "form-select form-select-sm",
                                                                    "aria-label": "证书类型"}))
    number = ParsedField(inputs.QUALIFICATION["number"], required=False, label="证书编号", widget=forms.TextInput(
        attrs={"class": "form-control form-control-sm", "aria-label": "证书编号", "maxlength": 64}))
    expires_on = ParsedField(inputs.QUALIFICATION["expires_on"], label="有效期至", widget=forms.DateInput(
        attrs={"type": "date", "class": "form-control form-control-sm", "aria-label": "有效期至"}, format="%Y-%m-%d"))

    def _clean_fields(self):
        """A blank row is no certificate: its cells are not read (and not required)."""
        keys = ("type", "number", "expires_on")
        if not any((self.data.get(self.add_prefix(k)) or "").strip() for k in keys):
            self.cleaned_data.update({k: None for k in keys})
            return
        super()._clean_fields()


class BaseStaffQualificationFormSet(forms.BaseFormSet):
    """All of a person's certificates: the service replaces the list with exactly what is kept here."""

    @staticmethod
    def initial_from(staff) -> list[dict]:
        return [{"type": q.type, "number": q.number, "expires_on": q.expires_on} for q in staff.qualification_items()]

    def kept_forms(self) -> list[forms.Form]:
        return [f for f in self.forms if f.is_valid() and not self._should_delete_form(f)
                and f.cleaned_data.get("type")]

    def service_data(self) -> list[dict]:
        return [{"type": f.cleaned_data["type"], "number": f.cleaned_data["number"],
                 "expires_on": f.cleaned_data["expires_on"]} for f in self.kept_forms()]

    def apply_domain_error(self, error) -> None:
        """Put the service's ``qualifications[i].field`` messages on the i-th kept row."""
        kept = self.kept_forms()
        for name, messages in (error.fields or {}).items():
            match = re.fullmatch(r"qualifications\[(\d+)\]\.(\w+)", name)
            if not match or int(match[1]) >= len(kept) or match[2] not in kept[int(match[1])].fields:
                continue
            for m in messages if isinstance(messages, list | tuple) else [messages]:
                kept[int(match[1])].add_error(match[2], m.get("message", str(m)) if isinstance(m, dict) else str(m))


StaffQualificationFormSet = forms.formset_factory(
    StaffQualificationForm, formset=BaseStaffQualificationFormSet, extra=1, can_delete=True,
    max_num=MAX_QUALIFICATIONS, validate_max=True, absolute_max=MAX_QUALIFICATIONS + 1)


class StaffEndForm(forms.Form):
    end_date = ParsedField(inputs.STAFF_END["end_date"], label="离职日期", widget=DATE)


# --- filing steps ----------------------------------------------------------------------------------------

F = inputs.FILING_FORM


class FilingBasicForm(forms.Form):
    """The filing form's first step, read by ``registry.inputs.FILING_FORM`` (the API's parsers)."""

    name = ParsedField(F["name"], label="机构名称", widget=forms.TextInput(attrs={"maxlength": 200}))
    institution_kind = ParsedField(F["institution_kind"], label="机构类型",
                                   widget=_select(InstitutionKind.choices, blank=False))
    address = ParsedField(F["address"], label="地址", widget=forms.TextInput(attrs={"maxlength": 300}))
    # Left empty (no choice posted), the township stays as it is.
    region = ParsedField(_blank_means_unchanged(F["region"]), label="所在乡镇（街道）", widget=_select([], blank=False),
                         help_text="地址变更只能在本区县范围内；迁往其他区县的，须在本区县办理终止备案，并向新址所在区县重新备案。")
    latitude = ParsedField(F["latitude"], label="纬度（WGS-84）", widget=forms.NumberInput(attrs={"step": "0.000001"}))
    longitude = ParsedField(F["longitude"], label="经度（WGS-84）", widget=forms.NumberInput(attrs={"step": "0.000001"}))
    legal_representative = ParsedField(F["legal_representative"], label="法定代表人",
                                       widget=forms.TextInput(attrs={"maxlength": 64}))
    principal_name = ParsedField(F["principal_name"], label="负责人", widget=forms.TextInput(attrs={"maxlength": 64}))
    contact_phone = ParsedField(F["contact_phone"], label="联系电话", widget=forms.TextInput(attrs={"maxlength": 32}))
    service_types = ParsedField(F["service_types"], label="服务类型",
                                widget=forms.CheckboxSelectMultiple(choices=ServiceType.choices))
    total_slots = ParsedField(F["total_slots"], label="托位数", widget=forms.NumberInput(attrs={"min": 0}))
    opening_hours = ParsedField(F["opening_hours"], label="服务时间", widget=forms.TextInput(attrs={"maxlength": 100}))

    def __init__(self, *args, filing=None, **kwargs):
        super().__init__(*args, **kwargs)
        if filing is not None:
            from regions.selectors import region_children

            district = filing.district
            self.fields["region"].widget.choices = [
                (district.code, f"{district.name}（未细分到乡镇街道）"),
                *((r.code, r.name) for r in region_children(parent_code=district.code))]

    @staticmethod
    def initial_from(filing) -> dict:
        data = {name: getattr(filing, name) for name in FilingBasicForm.base_fields if name != "region"}
        data["region"] = filing.region_id
        return data

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if not (k == "region" and not v)}


class FilingClassForm(forms.Form):
    """One class row, read by ``registry.inputs.CLASS`` (the API's ``classes[i]``): the same codes.
    A row whose cells are all empty (the class type starts blank, "—") is no class."""

    C = inputs.CLASS
    name = ParsedField(C["name"], label="班级名称", widget=forms.TextInput(attrs={"maxlength": 64}))
    class_type = ParsedField(C["class_type"], label="班型", widget=_select(ClassType.choices))
    planned_children = ParsedField(C["planned_children"], label="计划收托人数",
                                   widget=forms.NumberInput(attrs={"min": 1, "max": 100}))
    carers = ParsedField(C["carers"], label="保育人员数", widget=forms.NumberInput(attrs={"min": 0, "max": 50}))
    min_age_months = ParsedField(C["min_age_months"], label="最小月龄", help_text="收托婴幼儿最小满多少个月，如乳儿班填 6。",
                                 widget=forms.NumberInput(attrs={"min": 0, "max": 36}))
    max_age_months = ParsedField(C["max_age_months"], label="月龄上限（不满）",
                                 help_text="收托婴幼儿不满多少个月，如乳儿班填 12。",
                                 widget=forms.NumberInput(attrs={"min": 1, "max": 72}))
    CELLS = ("name", "class_type", "planned_children", "carers", "min_age_months", "max_age_months")

    def blank(self) -> bool:
        return not any(str(self.data.get(self.add_prefix(k)) or "").strip() for k in self.CELLS)

    def has_changed(self):
        return not self.blank() and super().has_changed()

    def _clean_fields(self):
        if self.empty_permitted and self.blank():
            return  # an untouched extra row: no class, nothing read
        super()._clean_fields()


class BaseFilingClassFormSet(forms.BaseFormSet):
    def kept_rows(self) -> list[dict]:
        """The classes to save: filled rows not marked for deletion (empty extra rows are skipped)."""
        rows = []
        for form in self.forms:
            data = dict(form.cleaned_data or {})
            if not data or data.pop("DELETE", False):
                continue
            rows.append(data)
        return rows


FilingClassFormSet = forms.formset_factory(FilingClassForm, formset=BaseFilingClassFormSet, extra=1,
                                           can_delete=True, max_num=MAX_CLASSES, validate_max=True, absolute_max=MAX_CLASSES + 1)


# The page takes fees in yuan (the API in fen): up to FEE_MAX_FEN, two decimals.
_YUAN = decimal_parser(low=0, high=inputs.FEE_MAX_FEN // 100, places=2)


class FilingPremisesForm(forms.Form):
    building_area = ParsedField(F["building_area"], label="建筑面积（㎡）", widget=forms.NumberInput(attrs={"step": "0.01"}))
    outdoor_area = ParsedField(F["outdoor_area"], label="户外活动场地面积（㎡）",
                               widget=forms.NumberInput(attrs={"step": "0.01"}))
    premises_type = ParsedField(F["premises_type"], label="场地性质", widget=_select(PremisesType.choices))
    lease_start = ParsedField(F["lease_start"], label="租赁起始", widget=DATE)
    lease_end = ParsedField(F["lease_end"], label="租赁截止", widget=DATE)
    hygiene_evaluation_passed = ParsedField(F["hygiene_evaluation_passed"], label="卫生评价结论为合格",
                                            widget=RawCheckboxInput)
    meals_served = ParsedField(F["meals_served"], label="提供膳食", widget=RawCheckboxInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in ServiceType.choices:
            self.fields[f"fee_{value}"] = ParsedField(_YUAN, label=f"{label}收费（元）",
                                                      widget=forms.NumberInput(attrs={"step": "0.01", "min": 0}))

    @staticmethod
    def initial_from(filing) -> dict:
        data = {name: getattr(filing, name) for name in (
            "building_area", "outdoor_area", "premises_type", "lease_start", "lease_end",
            "hygiene_evaluation_passed", "meals_served")}
        for key, fen in (filing.fees or {}).items():
            data[f"fee_{key}"] = Decimal(int(fen)) / 100
        return data

    def service_data(self) -> dict:
        d = {k: v for k, v in self.cleaned_data.items() if not k.startswith("fee_")}
        if any(name.startswith("fee_") for name in self.fields):  # a change filing's step has no fees
            d["fees"] = {value: int(yuan * 100) for value, _label in ServiceType.choices
                         if (yuan := self.cleaned_data.get(f"fee_{value}")) is not None}
        return d


class FilingTerminationForm(forms.Form):
    termination_date = ParsedField(F["termination_date"], label="终止日期", widget=DATE)
    placement_plan = ParsedField(F["placement_plan"], label="在托婴幼儿安置方案", widget=forms.Textarea(attrs={"rows": 5}))
    staff_settlement_plan = ParsedField(
        F["staff_settlement_plan"], label="工作人员安置方案", widget=forms.Textarea(attrs={"rows": 5}),
        help_text="工作人员的去向、劳动关系解除或转移、经济补偿及社会保险的处理。")


class DocumentUploadForm(forms.Form):
    doc_type = forms.ChoiceField(label="材料类型", choices=DocumentType.choices)
    file = forms.FileField(label="文件（PDF、JPG 或 PNG）")


_BOOLEAN = boolean_parser()


def _ticked(value) -> bool:
    """The commitment's box: a boolean (``"maybe"`` is ``value_invalid``, never ticked) that must be True."""
    if not _BOOLEAN(value):
        raise ValidationError("请勾选承诺。", code="required")
    return True


_ticked.required = True


class CommitmentForm(forms.Form):
    signer = ParsedField(inputs.COMMITMENT["signer"], label="承诺人（签名）",
                         widget=forms.TextInput(attrs={"maxlength": 64}))
    agree = ParsedField(_ticked, label="本人承诺所填信息和提交材料真实、合法、有效，并对其真实性负责。",
                        widget=RawCheckboxInput)


class VersionForm(forms.Form):
    version = ParsedField(inputs.VERSION["expected_version"], widget=forms.HiddenInput)


def _lines(parser):
    """A textarea, one item a line, read by a list parser (the API's ``reasons``)."""
    def parse(value):
        return parser(value.splitlines() if isinstance(value, str) else value)

    parse.required = getattr(parser, "required", False)
    return parse


class RejectForm(VersionForm):
    """The non-compliance decision, read by ``registry.inputs.REJECT`` (the API's codes): every
    reason (one a line, blank lines dropped) and the legal basis; ``confirmed`` comes from the
    confirmation page the first post shows, which needs at least one reason to show."""

    reasons = ParsedField(_lines(inputs.REJECT["reasons"]), label="不予备案理由（每行一项）", required=True,
                          widget=forms.Textarea(attrs={"rows": 4}))
    basis = ParsedField(inputs.REJECT["basis"], label="依据", widget=forms.Textarea(attrs={"rows": 2}),
                        help_text="写明所依据的规定及条款，如《托育机构设置标准（试行）》第X条。")
    confirmed = ParsedField(boolean_parser(), required=False, widget=forms.HiddenInput)

    def clean_reasons(self):
        items = self.cleaned_data["reasons"]
        if not items:
            raise ValidationError("请逐项填写不符合备案条件的理由。", code="reasons_required")
        return items


class ReturnForm(VersionForm):
    """The return notice, one item a line, read by ``registry.inputs.RETURN`` (blank lines dropped;
    the service adds the failed checks and refuses a notice with no item: ``reasons_required``)."""

    reasons = ParsedField(_lines(inputs.RETURN["reasons"]), label="退回事项（每行一项）",
                          widget=forms.Textarea(attrs={"rows": 6}))


# --- filters (django-filter) ----------------------------------------------------------------------------

class SelectorFilterSet(CopiedFilters, django_filters.FilterSet):
    """A FilterSet that renders the filter form and hands the cleaned values to a selector.

    The filtering itself lives in the selector (``selector(filters=...)``), so pages and API share it.
    Its filters are shallow copies and its form takes the fields made for it without a deep copy
    (``core.filters``): a page's filter form cost ~0.8 ms a request, half of it in those copies.
    """

    def __init__(self, *args, selector=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.selector = selector

    def get_form_class(self):
        return single_form_class(super().get_form_class())  # fields made from this set's own filters

    @property
    def form(self):
        form = super().form
        for field in form.fields.values():
            css = "form-select form-select-sm" if hasattr(field, "choices") else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)
            fast_select(field.widget)  # the same HTML without a template per option
        return form

    def noop(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        filters = {k: v for k, v in self.form.cleaned_data.items() if v}
        return self.selector(filters=filters) if self.selector else queryset


class TownshipFilterSet(SelectorFilterSet):
    """A filter form with region choices: the district's townships (district level), or the filing
    districts below a city or province (``districts``, when the form declares a district filter)."""

    township = django_filters.ChoiceFilter(label="乡镇街道", choices=[], method="noop", empty_label="全部")

    def __init__(self, *args, townships=(), districts=(), selector=None, **kwargs):
        super().__init__(*args, selector=selector, **kwargs)
        if townships:
            self.filters["township"].extra["choices"] = [(r.code, r.name) for r in townships]
        else:
            del self.filters["township"]
        if "district" in self.filters:
            if districts:
                self.filters["district"].extra["choices"] = [(r.code, r.name) for r in districts]
            else:
                del self.filters["district"]


class ReviewQueueFilter(TownshipFilterSet):
    """The review queue's filter form; the filtering itself is ``review_queue(filters=...)``."""

    status = django_filters.ChoiceFilter(
        label="状态", choices=[(s.value, s.label) for s in FilingStatus if s in REVIEW_QUEUE_STATES], method="noop",
        empty_label="全部")
    township = django_filters.ChoiceFilter(label="乡镇街道", choices=[], method="noop", empty_label="全部")
    filing_kind = django_filters.ChoiceFilter(label="备案类型", choices=FilingKind.choices, method="noop",
                                              empty_label="全部")
    kind = django_filters.ChoiceFilter(label="机构类型", choices=InstitutionKind.choices, method="noop", empty_label="全部")
    overdue = django_filters.ChoiceFilter(label="期限", choices=[("1", "仅看已超期（回执或告知期限）")], method="noop",
                                          empty_label="全部")


class InstitutionFilter(TownshipFilterSet):
    q = django_filters.CharFilter(label="名称或信用代码", method="noop")
    district = django_filters.ChoiceFilter(label="区县", choices=[], method="noop", empty_label="全部")
    status = django_filters.ChoiceFilter(label="状态", choices=InstitutionStatus.choices, method="noop", empty_label="全部")
    kind = django_filters.ChoiceFilter(label="机构类型", choices=InstitutionKind.choices, method="noop", empty_label="全部")
    nature = django_filters.ChoiceFilter(label="机构性质", choices=InstitutionNature.choices, method="noop",
                                         empty_label="全部")
    township = django_filters.ChoiceFilter(label="乡镇街道", choices=[], method="noop", empty_label="全部")
