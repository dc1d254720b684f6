"""Serializers of the subsidies API. Input is read by ``subsidies.inputs`` (``ParsedSerializerMixin``);
output shows ID numbers masked only, money in integer fen."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer, inline_serializer
from rest_framework import serializers

from core.inputs import ParsedSerializerMixin
from core.serialization import FastReadMixin

from .. import inputs
from ..models import (
    Certification,
    ClaimDocument,
    ClaimLine,
    Enrolment,
    PayoutBatch,
    PayoutItem,
    SubsidyBudget,
    SubsidyClaim,
)

ErrorSerializer = inline_serializer("SubsidyError", {
    "code": serializers.CharField(help_text="稳定的错误代码，如 budget_exceeded、checks_failed、over_capacity"),
    "message": serializers.CharField(help_text="中文说明"),
    "fields": serializers.DictField(child=serializers.ListField(child=serializers.DictField())),
})


# --- certifications ------------------------------------------------------------------------------------------

class CertificationSerializer(FastReadMixin, serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)

    class Meta:
        model = Certification
        fields = ["id", "institution", "institution_name", "status", "status_label", "version", "fees",
                  "check_results", "return_reasons", "period_start", "period_end", "review_on", "revocation_cause",
                  "revocation_reason", "created_at", "updated_at"]
        read_only_fields = fields


class CertificationApplySerializer(ParsedSerializerMixin, serializers.Serializer):
    """``{"fees": {"toddler": 180000, ...}}``: fen per month by class type."""

    parsers = inputs.CERTIFICATION
    required_fields = inputs.CERTIFICATION_REQUIRED
    fees = serializers.DictField(child=serializers.IntegerField(), help_text="班型 → 月收费（分）")


class ResubmitSerializer(CertificationApplySerializer):
    parsers = {**inputs.CERTIFICATION, **inputs.VERSION}
    expected_version = serializers.IntegerField(required=False)


@extend_schema_serializer(component_name="SubsidyReturn")  # registry has a ReturnSerializer too
class ReturnSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = {**inputs.REASONS, **inputs.VERSION}
    required_fields = ("reasons",)
    reasons = serializers.ListField(child=serializers.CharField(), help_text="退回理由，逐项")
    expected_version = serializers.IntegerField(required=False)


class AcceptSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = {**inputs.ACCEPT, **inputs.VERSION}
    required_fields = ("period_start", "period_end")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    review_on = serializers.DateField(required=False)
    expected_version = serializers.IntegerField(required=False)


class RevokeSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = {**inputs.REVOKE, **inputs.VERSION}
    required_fields = ("cause", "reason")
    cause = serializers.CharField(help_text="penalty / fee_above_band / other")
    reason = serializers.CharField()
    expected_version = serializers.IntegerField(required=False)


# --- enrolments ---------------------------------------------------------------------------------------------

class EnrolmentSerializer(FastReadMixin, serializers.ModelSerializer):
    id_number = serializers.CharField(source="id_number_masked", read_only=True, help_text="脱敏显示")

    class Meta:
        model = Enrolment
        fields = ["id", "institution", "child_name", "id_number", "birth_date", "class_type", "enrolled_on",
                  "left_on", "created_at"]
        read_only_fields = fields


class IdNumberSerializer(serializers.Serializer):
    """What a reveal answers: the full ID number (never cached, always audited)."""

    id_number = serializers.CharField()


class EnrolmentCreateSerializer(ParsedSerializerMixin, serializers.Serializer):
    """``{"child_name", "id_number", "birth_date", "class_type", "enrolled_on", "left_on"}``."""

    parsers = inputs.ENROLMENT
    required_fields = inputs.ENROLMENT_REQUIRED
    child_name = serializers.CharField()
    id_number = serializers.CharField()
    birth_date = serializers.DateField()
    class_type = serializers.CharField()
    enrolled_on = serializers.DateField()
    left_on = serializers.DateField(required=False, allow_null=True)


# --- claims -------------------------------------------------------------------------------------------------

class LineSerializer(FastReadMixin, serializers.ModelSerializer):
    id_number = serializers.CharField(source="id_number_masked", read_only=True)
    reason_label = serializers.CharField(source="get_reason_display", read_only=True)

    class Meta:
        model = ClaimLine
        fields = ["id", "enrolment", "child_name", "id_number", "birth_date", "class_type", "enrolled_days",
                  "eligible_days", "excluded_days", "eligible", "duplicate", "yielded", "counts", "reason",
                  "reason_label"]
        read_only_fields = fields


class ClaimDocumentSerializer(FastReadMixin, serializers.ModelSerializer):
    class Meta:
        model = ClaimDocument
        fields = ["id", "original_name", "content_type", "size", "sha256", "created_at"]
        read_only_fields = fields


@extend_schema_serializer(component_name="SubsidyClaim")  # registry has a ClaimSerializer too
class ClaimSerializer(FastReadMixin, serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    period = serializers.SerializerMethodField()
    policy_version = serializers.IntegerField(source="policy.version", read_only=True)
    lines = serializers.SerializerMethodField()
    documents = ClaimDocumentSerializer(many=True, read_only=True)

    class Meta:
        model = SubsidyClaim
        fields = ["id", "institution", "institution_name", "kind", "period", "status", "status_label", "version",
                  "policy", "policy_version", "rate_fen", "units", "slots", "amount_fen", "province_share_fen",
                  "city_share_fen", "district_share_fen", "eligibility", "return_reasons", "budget_year", "batch",
                  "submitted_at", "approved_at", "city_approved_at", "created_at", "documents", "lines"]
        read_only_fields = fields

    def get_period(self, obj) -> str | None:
        return f"{obj.period:%Y-%m}" if obj.period else None

    def get_lines(self, obj) -> list[dict]:
        if not self.context.get("with_lines", True):
            return []
        return LineSerializer(obj.lines.all().order_by("id"), many=True).data


@extend_schema_serializer(component_name="SubsidyClaimCreate")  # registry has a ClaimCreateSerializer too
class ClaimCreateSerializer(ParsedSerializerMixin, serializers.Serializer):
    """``{"institution", "kind": "operating", "period": "YYYY-MM"}`` or
    ``{"institution", "kind": "construction", "slots"}``."""

    parsers = inputs.CLAIM
    required_fields = inputs.CLAIM_REQUIRED
    institution = serializers.IntegerField()
    kind = serializers.CharField()
    period = serializers.CharField(required=False, help_text="YYYY-MM（运营补助）")
    slots = serializers.IntegerField(required=False, help_text="新增托位数（建设补助）")


@extend_schema_serializer(component_name="SubsidyVersion")  # registry has a VersionSerializer too
class VersionSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = inputs.VERSION
    expected_version = serializers.IntegerField(required=False)


@extend_schema_serializer(component_name="SubsidyReason")  # registry has a ReasonSerializer too
class ReasonSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = inputs.REASON
    required_fields = ("reason",)
    reason = serializers.CharField()


class ClawbackSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = inputs.CLAWBACK
    required_fields = ("amount_fen", "reason")
    amount_fen = serializers.IntegerField()
    reason = serializers.CharField()


# --- batches and budgets ----------------------------------------------------------------------------------------

class PayoutItemSerializer(FastReadMixin, serializers.ModelSerializer):
    institution_name = serializers.CharField(source="claim.institution.name", read_only=True)

    class Meta:
        model = PayoutItem
        fields = ["id", "claim", "institution_name", "kind", "amount_fen", "province_share_fen", "city_share_fen",
                  "district_share_fen", "reason"]
        read_only_fields = fields


class BatchSerializer(FastReadMixin, serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    items = serializers.SerializerMethodField()

    class Meta:
        model = PayoutBatch
        fields = ["id", "title", "district", "status", "status_label", "version", "total_fen", "bank_reference",
                  "paid_on", "created_at", "items"]
        read_only_fields = fields

    def get_items(self, obj) -> list[dict]:
        if not self.context.get("with_items", True):
            return []
        return PayoutItemSerializer(obj.items.select_related("claim__institution").order_by("id"), many=True).data


class BatchCreateSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = inputs.BATCH
    required_fields = inputs.BATCH_REQUIRED
    claims = serializers.ListField(child=serializers.IntegerField(), help_text="补助申请编号")
    district = serializers.CharField(required=False, help_text="区县代码（市级管理员须指定）")
    title = serializers.CharField(required=False)


class PaySerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = {**inputs.PAY, **inputs.VERSION}
    required_fields = inputs.PAY_REQUIRED
    bank_reference = serializers.CharField()
    paid_on = serializers.DateField(required=False)
    expected_version = serializers.IntegerField(required=False)


class BudgetSerializer(FastReadMixin, serializers.ModelSerializer):
    region_name = serializers.CharField(source="region.full_name", read_only=True)
    left_fen = serializers.IntegerField(read_only=True)

    class Meta:
        model = SubsidyBudget
        fields = ["id", "region", "region_name", "year", "amount_fen", "committed_fen", "left_fen"]
        read_only_fields = fields
