"""The 备案承诺书 the operator signs, in full (pure text; the page shows it above the signature).

A signature covers this text and the filing's content as they were when signed: any later edit of
the form, classes or documents voids it (``registry.services.filing_form.void_commitment``).
"""

from __future__ import annotations

from dataclasses import dataclass

TITLE = "托育机构备案承诺书"

_COMMON_OPENING = ("本机构提交的{kind}书、从业人员信息及全部材料真实、合法、有效，扫描件与原件一致；"
                   "如有虚假，愿依法承担相应责任。")
_SERVICE = (
    "本机构符合《托育机构设置标准（试行）》《托育机构管理规范（试行）》规定的设置条件，并在提供托育服务期间持续符合；"
    "不再符合的，立即停止相关服务并整改。",
    "本机构场地符合国家相关安全标准和规范，已通过消防安全检查，卫生评价结论为合格；提供膳食的，依法取得食品经营许可。",
    "本机构从业人员上岗前均经健康检查合格并定期复查；保育人员、保健人员、保安人员等具备相应资格，"
    "均已提供无犯罪记录证明，无虐待、伤害儿童等违法犯罪记录。",
    "本机构建立健全安全管理、卫生保健、膳食营养、家园共育等制度；视频监控覆盖婴幼儿活动区域，录像保存不少于 90 日。",
    "备案事项（名称、地址、负责人、服务类型、托位数等）发生变更的，依法及时办理变更备案；终止服务的，"
    "提前妥善安置在托婴幼儿和工作人员，并办理终止备案。",
)
_TERMINATION = (
    "本机构已按提交的安置方案妥善安置在托婴幼儿，已依法妥善处理与工作人员的劳动关系，已结清预收费用或与家长协商一致。",
    "终止日期前，本机构继续按《托育机构管理规范（试行）》保障在托婴幼儿的安全与照护。",
)
_CLOSING = (
    "自觉接受卫生健康部门及相关部门的监督检查，如实提供有关情况和材料。",
)
_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class CommitmentText:
    title: str
    addressee: str
    preamble: str
    items: tuple[str, ...]
    closing: str


def commitment_text(*, institution_name: str, uscc: str, commission: str, kind: str, kind_label: str) -> CommitmentText:
    """The letter for one filing: ``kind`` is initial / change / termination (its label, e.g. 变更备案)."""
    body = _TERMINATION if kind == "termination" else _SERVICE
    clauses = (_COMMON_OPENING.format(kind=kind_label), *body, *_CLOSING)
    return CommitmentText(
        title=TITLE,
        addressee=f"{commission}：",
        preamble=f"本机构（{institution_name}，统一社会信用代码 {uscc}）现申请办理{kind_label}，郑重承诺如下：",
        items=tuple(f"{_NUMERALS[i]}、{clause}" for i, clause in enumerate(clauses)),
        closing="本机构知悉：违反上述承诺的，将依法承担相应法律责任，并记入信用记录、向社会公布。",
    )
