"""Exports: which carry personal (or payee) data, and the rule for those — a permission, a reason,
an audit event with the reason.

``PERSONAL_EXPORTS`` names each such export (URL name → what it carries); its view or service calls
``export_reason`` (the reason from the page form or the API's ``reason`` parameter; refused with
400 ``export_reason_required`` / ``export_reason_too_long``) after its permission check, and records
the export with ``export_audit_target`` as the security-log target (the reason kept with it).
``OPEN_EXPORTS`` names the exports of nothing personal (aggregates, the public register) and why.
``tests/core/test_exports_policy.py`` fails for any export route in neither list.
"""

from __future__ import annotations

from .errors import DomainError

EXPORT_REASON_MIN = 4
EXPORT_REASON_MAX = 100
TARGET_MAX = 200  # accounts.AuthEvent.target

PERSONAL_EXPORTS: dict[str, str] = {
    "api-payout-batch-export": "拨付批次明细：收款机构、统一社会信用代码、金额、银行流水号（财务数据，含个体举办者名称）",
}
OPEN_EXPORTS: dict[str, str] = {
    "portal:open_data_csv": "公开名录：已备案机构的公开信息（任何人可查）",
    "portal:open_data_xlsx": "公开名录：已备案机构的公开信息（任何人可查）",
    "indicators:dashboard": "统计指标（汇总数字，无个人信息）；?format=xlsx 导出",
    "indicators:trend": "统计指标趋势（汇总数字）；?format=xlsx 导出",
    "indicators:drill": "指标明细：机构名称、信用代码、托位数（法人信息，无个人信息）；?format=xlsx 导出",
}


def export_reason(value) -> str:
    """The export's reason, stripped; a DomainError (400) when it is missing, too short or too long."""
    reason = " ".join(str(value or "").split())
    if len(reason) < EXPORT_REASON_MIN:
        raise DomainError("export_reason_required",
                          f"导出含个人信息的数据须填写导出事由（至少 {EXPORT_REASON_MIN} 个字）。",
                          fields={"reason": f"请填写导出事由（至少 {EXPORT_REASON_MIN} 个字）。"})
    if len(reason) > EXPORT_REASON_MAX:
        raise DomainError("export_reason_too_long", f"导出事由不超过 {EXPORT_REASON_MAX} 个字。",
                          fields={"reason": f"导出事由不超过 {EXPORT_REASON_MAX} 个字。"})
    return reason


def export_audit_target(target: str, reason: str) -> str:
    """The security-log target of an export: what was exported, then the reason."""
    return f"{target} 事由：{reason}"[:TARGET_MAX]
