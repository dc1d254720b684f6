"""HTML forms of the subsidy pages, read by ``subsidies.inputs`` (``ParsedField``): a page and the
API answer the same bad input with the same code; the services check the rules."""

from __future__ import annotations

from django import forms

from core.inputs import ParsedField
from registry.models import ClassType

from . import inputs
from .models import RevocationCause

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class EnrolmentForm(forms.Form):
    child_name = ParsedField(inputs.ENROLMENT["child_name"], label="婴幼儿姓名")
    id_number = ParsedField(inputs.ENROLMENT["id_number"], label="身份证号码")
    birth_date = ParsedField(inputs.ENROLMENT["birth_date"], label="出生日期", widget=DATE)
    class_type = ParsedField(inputs.ENROLMENT["class_type"], label="班型",
                             widget=forms.Select(choices=[("", "请选择"), *ClassType.choices]))
    enrolled_on = ParsedField(inputs.ENROLMENT["enrolled_on"], label="入托日期", widget=DATE)
    left_on = ParsedField(inputs.ENROLMENT["left_on"], label="离托日期（最后在托日）", required=False, widget=DATE)


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）", help_text="表头一行，其后每行：婴幼儿姓名、身份证号、出生日期、班型、入托日期、离托日期。")


class FeesForm(forms.Form):
    """A fee (fen per month) for each class type; blank: the class type is not offered."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for class_type, label in ClassType.choices:
            self.fields[class_type] = ParsedField(inputs.FEES[class_type], label=f"{label} 月收费（分）",
                                                  required=False, widget=forms.NumberInput)


class AcceptForm(forms.Form):
    period_start = ParsedField(inputs.ACCEPT["period_start"], label="认定有效期起", widget=DATE)
    period_end = ParsedField(inputs.ACCEPT["period_end"], label="认定有效期至", widget=DATE)
    review_on = ParsedField(inputs.ACCEPT["review_on"], label="复核日期", required=False, widget=DATE)


class ReasonsForm(forms.Form):
    reasons = forms.CharField(label="退回理由（每行一项）", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

    def clean_reasons(self):
        lines = [line.strip() for line in self.cleaned_data["reasons"].splitlines() if line.strip()]
        return inputs.REASONS["reasons"](lines)


class RevokeForm(forms.Form):
    cause = ParsedField(inputs.REVOKE["cause"], label="撤销原因",
                        widget=forms.Select(choices=[("", "请选择"), *RevocationCause.choices]))
    reason = ParsedField(inputs.REASON["reason"], label="说明", required=True)


class ClaimNewForm(forms.Form):
    period = ParsedField(inputs.period(), label="所属月份（YYYY-MM）", widget=forms.TextInput(attrs={"type": "month"}))


class ConstructionForm(forms.Form):
    slots = ParsedField(inputs.CLAIM["slots"], label="新增托位数", required=True, widget=forms.NumberInput)


class PayForm(forms.Form):
    bank_reference = ParsedField(inputs.PAY["bank_reference"], label="银行流水号", required=True)
    paid_on = ParsedField(inputs.PAY["paid_on"], label="拨付日期", required=False, widget=DATE)


class YieldForm(forms.Form):
    reason = ParsedField(inputs.REASON["reason"], label="核定理由", required=True)


YUAN = forms.TextInput(attrs={"inputmode": "decimal"})


class PolicyForm(forms.Form):
    """A new version of the region's policy: money typed in yuan (read into fen), shares in per cent
    (read into basis points); each field is named as the service's value so its errors land here."""

    valid_from = ParsedField(inputs.POLICY["valid_from"], label="生效日期", widget=DATE)
    construction_rate_min_fen = ParsedField(inputs.POLICY["construction_rate_min_fen"],
                                            label="建设补助下限（元/托位）", widget=YUAN)
    construction_rate_max_fen = ParsedField(inputs.POLICY["construction_rate_max_fen"],
                                            label="建设补助上限（元/托位）", widget=YUAN)
    construction_rate_fen = ParsedField(inputs.POLICY["construction_rate_fen"], label="建设补助标准（元/托位）",
                                        widget=YUAN)
    operating_rate_fen = ParsedField(inputs.POLICY["operating_rate_fen"], label="运营补助标准（元/人·月）",
                                     widget=YUAN)
    min_eligible_days = ParsedField(inputs.POLICY["min_eligible_days"], label="计入月份的最少合格天数",
                                    widget=forms.NumberInput)
    min_occupancy_bp = ParsedField(inputs.POLICY["min_occupancy_bp"], label="最低收托率（%，0 为不设）", widget=YUAN)
    province_share_bp = ParsedField(inputs.POLICY["province_share_bp"], label="省级承担（%）", widget=YUAN)
    city_share_bp = ParsedField(inputs.POLICY["city_share_bp"], label="市级承担（%）", widget=YUAN)
    district_share_bp = ParsedField(inputs.POLICY["district_share_bp"], label="区县承担（%）", widget=YUAN)
    requires_inclusive = forms.BooleanField(label="须为普惠托育机构", required=False)
    requires_filed = forms.BooleanField(label="须已备案且未暂停", required=False)
    requires_fee_within_band = forms.BooleanField(label="收费须不超过指导价上浮范围", required=False)
    requires_city_approval = forms.BooleanField(label="须市级审核", required=False)
    basis = ParsedField(inputs.POLICY["basis"], label="政策依据（文号）", required=False)

    @staticmethod
    def initial_from(policy) -> dict:
        """The form's starting values from a version in force (fen shown as yuan, basis points as %)."""
        if policy is None:
            return {"min_eligible_days": 15, "min_occupancy_bp": "0", "province_share_bp": "0",
                    "city_share_bp": "50", "district_share_bp": "50", "requires_inclusive": True,
                    "requires_filed": True, "requires_fee_within_band": True}
        out = {}
        for name in PolicyForm.base_fields:
            value = getattr(policy, name, None)
            if name.endswith("_fen"):
                value = inputs.fen_text(value)
            elif name.endswith("_bp"):
                value = inputs.bp_text(value)
            if name != "valid_from":
                out[name] = value
        return out


class GuidedPriceForm(forms.Form):
    class_type = ParsedField(inputs.GUIDED_PRICE["class_type"], label="班型",
                             widget=forms.Select(choices=[("", "请选择"), *ClassType.choices]))
    price_fen = ParsedField(inputs.GUIDED_PRICE["price_fen"], label="指导价（元/月）", widget=YUAN)
    band_bp = ParsedField(inputs.GUIDED_PRICE["band_bp"], label="收费上限（指导价的 %）", widget=YUAN,
                          initial="120")
    valid_from = ParsedField(inputs.GUIDED_PRICE["valid_from"], label="生效日期", widget=DATE)


class BudgetForm(forms.Form):
    year = ParsedField(inputs.BUDGET["year"], label="年度", widget=forms.NumberInput)
    amount_fen = ParsedField(inputs.BUDGET["amount_fen"], label="年度预算（元）", widget=YUAN)


class ClawbackForm(forms.Form):
    amount_fen = ParsedField(inputs.CLAWBACK_PAGE["amount_fen"], label="追回金额（元）", widget=YUAN)
    reason = ParsedField(inputs.CLAWBACK_PAGE["reason"], label="追回原因（必填）")
