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
