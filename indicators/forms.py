from django import forms

from core.inputs import ParsedField

from .inputs import PARSERS


class DashboardQuery(forms.Form):
    region = ParsedField(PARSERS["region"], label="区划代码")
    as_of = ParsedField(PARSERS["as_of"], label="统计日期", widget=forms.DateInput(attrs={"type": "date"}))
    indicator = ParsedField(PARSERS["indicator"], label="指标", widget=forms.HiddenInput)
