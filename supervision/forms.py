"""HTML forms of the blacklist pages. Fields are read by ``supervision.inputs`` (``ParsedField``), the
parsers the API's serializers use, so a page and the API answer the same bad input with the same
code; the services check the rules (DomainError → form errors, ``core.pages.apply_domain_error``)."""

from __future__ import annotations

from django import forms

from core import inputs as core_inputs
from core.inputs import ParsedField

from . import inputs
from .models import EntryKind, EntryStatus, HitStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 3})

LABELS = {
    "id_number": "身份证号码", "name": "姓名", "uscc": "统一社会信用代码", "legal_representative": "法定代表人",
    "legal_representative_id_number": "法定代表人身份证号码", "reason": "列入事由", "basis": "依据文书",
    "decision_number": "决定文号", "banned_until": "禁止期限至",
}
HELP = {
    "banned_until": "含当日；留空表示终身禁入。",
    "legal_representative_id_number": "填写后，该法定代表人本人也按个人与全国从业人员比对。",
    "basis": "如行政处罚决定书、法院判决书的名称。",
}
WIDGETS = {"reason": TEXTAREA, "banned_until": DATE}
ID_FIELDS = ("id_number", "legal_representative_id_number")


class EntryForm(forms.Form):
    """A listing of one ``kind`` (its fields from ``inputs.FIELDS_BY_KIND``). With ``correcting``:
    every field optional, ID numbers blank means unchanged, and ``correction_reason`` asked for."""

    def __init__(self, *args, kind: str, correcting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind, self.correcting = kind, correcting
        for name, parser in inputs.FIELDS_BY_KIND[kind].items():
            if correcting and name in ID_FIELDS:
                parser = core_inputs.id_number(required=False)
            label = "机构名称" if (name == "name" and kind == EntryKind.ORGANISATION) else LABELS[name]
            self.fields[name] = ParsedField(parser, label=label, help_text=HELP.get(name, ""),
                                            widget=WIDGETS.get(name, forms.TextInput))
        if correcting:
            self.fields["id_number" if kind == EntryKind.PERSON else "legal_representative_id_number"].help_text = \
                "不更正请留空（当前号码仅显示脱敏形式）。"
            self.fields["correction_reason"] = ParsedField(inputs.CHANGE_REASON, label="更正原因", required=True,
                                                           widget=forms.TextInput)

    def service_data(self) -> dict:
        """The typed values for the service: a correction leaves blank ID numbers out (unchanged)."""
        data = dict(self.cleaned_data)
        if self.correcting:
            for name in ID_FIELDS:
                if not data.get(name):
                    data.pop(name, None)
        return {"kind": self.kind, **data} if not self.correcting else data


class ReasonForm(forms.Form):
    reason = ParsedField(inputs.CHANGE_REASON, label="原因", required=True, widget=forms.Textarea(attrs={"rows": 2}))


class EntryFilterForm(forms.Form):
    kind = forms.ChoiceField(label="类别", required=False, choices=[("", "全部"), *EntryKind.choices])
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *EntryStatus.choices])
    q = forms.CharField(label="姓名/名称、信用代码或决定文号", required=False, max_length=100)


class HitFilterForm(forms.Form):
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *HitStatus.choices])
