"""HTML forms of the complaint and incident pages. Fields are read by ``supervision.inputs_complaints``
(``ParsedField``), the parsers the API's serializers use, so a page and the API answer the same bad
input with the same code; the services check the rules (DomainError → form errors)."""

from __future__ import annotations

from django import forms

from core.inputs import ParsedField

from . import inputs_complaints as inputs
from .models import ComplaintOutcome, ComplaintStatus, IncidentKind, IncidentSeverity, IncidentStatus

TEXTAREA = forms.Textarea(attrs={"rows": 4})
SHORT_TEXTAREA = forms.Textarea(attrs={"rows": 2})


class PublicComplaintForm(forms.Form):
    institution = ParsedField(inputs.PUBLIC_COMPLAINT["institution"], widget=forms.HiddenInput)
    text = ParsedField(inputs.PUBLIC_COMPLAINT["text"], label="投诉内容", widget=forms.Textarea(attrs={"rows": 6}),
                       help_text=f"请写明发生的时间、地点和经过（{inputs.TEXT_MIN_LENGTH}–{inputs.TEXT_MAX_LENGTH} 字）。"
                                 "请勿填写儿童的身份证号等个人信息。")
    contact_name = ParsedField(inputs.PUBLIC_COMPLAINT["contact_name"], label="联系人（选填）",
                               widget=forms.TextInput)
    contact_phone = ParsedField(inputs.PUBLIC_COMPLAINT["contact_phone"], label="联系电话（选填）",
                                widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
                                help_text="仅供卫生健康部门核实情况时联系您，不会告知被投诉机构，也不会公开。")


class TrackForm(forms.Form):
    code = ParsedField(inputs.TRACK["code"], label="查询码",
                       widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "如 ABCD-EFGH-JKMN"}))


class ComplaintFilterForm(forms.Form):
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *ComplaintStatus.choices])
    overdue = forms.ChoiceField(label="期限", required=False,
                                choices=[("", "全部"), ("true", "已超期"), ("false", "未超期")])


class AssignForm(forms.Form):
    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"] = forms.TypedChoiceField(
            label="承办人", coerce=int, choices=[(u.pk, u.get_full_name() or u.username) for u in people])


class NoteForm(forms.Form):
    text = ParsedField(inputs.NOTE["text"], label="内部备注（投诉人看不到）", widget=SHORT_TEXTAREA)


class ReplyForm(forms.Form):
    public_reply = ParsedField(inputs.REPLY["public_reply"], label="给投诉人的答复（投诉人凭查询码可见）",
                               widget=TEXTAREA)


class CloseForm(forms.Form):
    outcome = ParsedField(inputs.CLOSE["outcome"], label="核查结论",
                          widget=forms.Select(choices=[("", "请选择"), *ComplaintOutcome.choices]))
    public_reply = ParsedField(inputs.CLOSE["public_reply"], label="答复（已答复的可留空）", widget=TEXTAREA)


class LinkForm(forms.Form):
    followup_reference = ParsedField(inputs.LINK["followup_reference"], label="后续检查（编号或说明）",
                                     widget=forms.TextInput)
    followup_inspection_id = ParsedField(inputs.LINK["followup_inspection_id"], label="检查编号（选填）",
                                         widget=forms.NumberInput)


class ReasonForm(forms.Form):
    reason = ParsedField(inputs.REASON["reason"], label="原因", widget=SHORT_TEXTAREA)


class IncidentForm(forms.Form):
    kind = ParsedField(inputs.INCIDENT["kind"], label="事件类别",
                       widget=forms.Select(choices=[("", "请选择"), *IncidentKind.choices]))
    severity = ParsedField(inputs.INCIDENT["severity"], label="严重程度",
                           widget=forms.Select(choices=[("", "请选择"), *IncidentSeverity.choices]))
    children_affected = ParsedField(inputs.INCIDENT["children_affected"], label="涉及儿童人数",
                                    widget=forms.NumberInput(attrs={"min": 0}))
    occurred_at = ParsedField(inputs.INCIDENT["occurred_at"], label="发生时间",
                              widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    description = ParsedField(inputs.INCIDENT["description"], label="事件经过及已采取的措施", widget=TEXTAREA,
                              help_text="请勿填写儿童的身份证号；如需指明儿童，请用姓氏或班级。")


class FollowUpForm(forms.Form):
    text = ParsedField(inputs.FOLLOW_UP["text"], label="跟进情况", widget=TEXTAREA)


class ResolutionForm(forms.Form):
    resolution = ParsedField(inputs.RESOLUTION["resolution"], label="处置结果", widget=TEXTAREA)


class IncidentFilterForm(forms.Form):
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *IncidentStatus.choices])
    kind = forms.ChoiceField(label="类别", required=False, choices=[("", "全部"), *IncidentKind.choices])
    review = forms.ChoiceField(label="从业禁止审查", required=False, choices=[("", "全部"), ("pending", "待审查")])
