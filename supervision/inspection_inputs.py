"""Input fields of inspections and rectification, each read by one parser (``core.inputs``): the API's
serializers and the pages' forms read with these tables, the services check typed values against
them (``check_parsed``) and add their rules (dates in order, ids in the district, a reason)."""

from __future__ import annotations

from core import inputs

from .models import Department, Dimension, Grade, Origin, Result, Severity

ID = dict(low=1, high=2**31 - 1)


def _rates(value):
    """``{"A": 5, "B": 10, "C": 30, "D": 100}``: percent per grade, each 0–100 (any grade omitted
    takes the region's default)."""
    from django.core.exceptions import ValidationError

    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise ValidationError("抽查比例应为 {\"A\": 5, \"B\": 10, ...} 形式（百分比）。", code=inputs.VALUE_INVALID)
    out = {}
    for key, rate in value.items():
        if key not in Grade.values:
            raise ValidationError(f"未知等级“{key}”：等级为 A、B、C、D。", code="rate_grade_invalid")
        if isinstance(rate, bool) or not isinstance(rate, int) or not 0 <= rate <= 100:
            raise ValidationError(f"{key} 级的抽查比例应为 0 到 100 之间的整数（百分比）。", code="rate_invalid")
        out[key] = rate
    return out


_rates.required = False  # type: ignore[attr-defined]

PLAN = {
    "name": inputs.text(max_length=100, required=True, label="计划名称"),
    "period_start": inputs.date(required=True, label="检查期间起始日"),
    "period_end": inputs.date(required=True, label="检查期间截止日"),
    "departments": inputs.choice_list(Department.choices, label="参与部门"),
    "rates": _rates,
    "inspectors_per_inspection": inputs.integer(low=2, high=10, label="每次检查人数"),
    "seed": inputs.integer(low=0, high=2**62, required=False, label="随机种子"),
}
PLAN_REQUIRED = ("name", "period_start", "period_end", "inspectors_per_inspection")

DRAW = {
    "reason": inputs.text(max_length=300, label="重新抽取原因"),
    "seed": inputs.integer(low=0, high=2**62, required=False, label="随机种子"),
}

def _id_list(value):
    from django.core.exceptions import ValidationError

    if not isinstance(value, list) or not value or len(value) > 10:
        raise ValidationError("请选择 2 至 10 名检查人员。", code=inputs.VALUE_INVALID)
    out = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item < 2**31:
            raise ValidationError("检查人员编号无效。", code=inputs.VALUE_INVALID)
        out.append(item)
    return out


_id_list.required = True  # type: ignore[attr-defined]


TARGETED = {
    "institution_id": inputs.integer(**ID, label="机构"),
    "origin": inputs.choice([(v, label) for v, label in Origin.choices if v != Origin.RANDOM], label="来源"),
    "reference": inputs.text(max_length=300, required=True, label="来源说明"),
    "inspector_ids": _id_list,
    # The complaint or incident the inspection follows (its origin then is that; linked in the same
    # transaction).
    "complaint_id": inputs.integer(**ID, required=False, label="投诉"),
    "incident_id": inputs.integer(**ID, required=False, label="突发事件"),
}
TARGETED_REQUIRED = ("institution_id", "origin", "reference", "inspector_ids")

INSPECTOR = {
    "name": inputs.text(max_length=64, required=True, label="姓名"),
    "department": inputs.choice(Department.choices, label="部门"),
    "user_id": inputs.integer(**ID, required=False, label="登录账号"),
}
INSPECTOR_REQUIRED = ("name", "department")

CONFLICT = {
    "institution_id": inputs.integer(**ID, required=False, label="机构"),
    "uscc": inputs.uscc(required=False),
    "note": inputs.text(max_length=200, label="说明"),
}

FINDINGS = {
    "findings": inputs.list_of({
        "item_id": inputs.integer(**ID, label="检查项目"),
        "result": inputs.choice(Result.choices, label="结果"),
        "note": inputs.text(max_length=500, label="说明"),
    }, required=("item_id", "result"), max_items=200),
}

SIGN = {
    "inspector_id": inputs.integer(**ID, label="检查人员"),
    "inspected_on": inputs.date(label="检查日期"),
    "conclusion": inputs.text(max_length=2000, label="检查结论"),
}
SIGN_REQUIRED = ("inspector_id",)

CANCEL = {"reason": inputs.text(max_length=300, required=True, label="原因")}

CHECKLIST = {
    "reason": inputs.text(max_length=300, required=True, label="修订说明"),
    "items": inputs.list_of({
        "code": inputs.text(max_length=40, required=True, label="编号"),
        "dimension": inputs.choice(Dimension.choices, label="维度"),
        "text": inputs.text(max_length=300, required=True, label="检查内容"),
        "basis": inputs.text(max_length=300, required=True, label="法规依据"),
        "severity": inputs.choice(Severity.choices, label="严重程度"),
    }, required=("code", "dimension", "text", "basis", "severity"), max_items=200),
}

REPLY = {"text": inputs.text(max_length=2000, required=True, label="整改情况")}
ACCEPT = {"reason": inputs.text(max_length=500, label="核验意见")}
REJECT = {
    "reason": inputs.text(max_length=500, required=True, label="不通过理由"),
    "new_due_on": inputs.date(required=True, label="新的整改期限"),
}
