"""Serializers of the blacklist API. Input is read by ``supervision.inputs`` (``ParsedSerializerMixin``):
the same parsers as the pages' forms, so the same bad input gets the same field code; the declared
fields document the schema."""

from __future__ import annotations

from collections.abc import Mapping

from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from core import inputs as core_inputs
from core.inputs import ParsedSerializerMixin
from core.serialization import FastReadMixin

from .. import inputs
from ..models import BlacklistEntry, BlacklistHit, EntryKind

ErrorSerializer = inline_serializer("SupervisionError", {
    "code": serializers.CharField(help_text="稳定的错误代码，如 blacklisted、entry_duplicate、reason_required"),
    "message": serializers.CharField(help_text="中文说明"),
    "fields": serializers.DictField(child=serializers.ListField(child=serializers.DictField()),
                                    help_text="字段 → [{code, message}]"),
})

VERSION = {"expected_version": core_inputs.integer(low=1, high=2_147_483_647, required=False, label="版本")}


class EntrySerializer(FastReadMixin, serializers.ModelSerializer):
    """An entry in full (for the listing district, its city and its province: no one else reads it)."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    district_name = serializers.CharField(source="district.full_name", read_only=True)
    lifetime = serializers.BooleanField(read_only=True, help_text="终身禁入（banned_until 为空）")
    in_force = serializers.SerializerMethodField(help_text="今日是否参与比对（生效中且未届满）")

    class Meta:
        model = BlacklistEntry
        fields = ["id", "kind", "kind_label", "name", "id_number_masked", "uscc", "legal_representative", "reason",
                  "basis", "decision_number", "banned_until", "lifetime", "in_force", "status", "status_label",
                  "district", "district_name", "version", "change_reason", "ended_at", "created_at", "updated_at"]
        read_only_fields = fields

    def get_in_force(self, obj) -> bool:
        return obj.in_force()


class EntryCreateSerializer(ParsedSerializerMixin, serializers.Serializer):
    """``{"kind": "person", "id_number", "name", "reason", "basis", "decision_number"?, "banned_until"}`` or
    ``{"kind": "organisation", "uscc", "name", "legal_representative"?, "legal_representative_id_number"?,
    "reason", "basis", "decision_number"?, "banned_until"}``; ``banned_until`` null: for life."""

    kind = serializers.ChoiceField(choices=EntryKind.choices)
    id_number = serializers.CharField(required=False, help_text="个人：居民身份证号码（18 位）")
    uscc = serializers.CharField(required=False, help_text="机构：统一社会信用代码（18 位）")
    name = serializers.CharField(max_length=200, help_text="姓名或机构名称")
    legal_representative = serializers.CharField(required=False, max_length=64, help_text="机构：法定代表人")
    legal_representative_id_number = serializers.CharField(
        required=False, help_text="机构：法定代表人身份证号码（填写后其本人亦按个人比对）")
    reason = serializers.CharField(help_text="列入事由")
    basis = serializers.CharField(max_length=300, help_text="依据文书")
    decision_number = serializers.CharField(required=False, max_length=64, help_text="决定文号")
    banned_until = serializers.DateField(allow_null=True, required=False, help_text="禁止期限至（含当日）；null 为终身禁入")

    def to_internal_value(self, data):
        kind = data.get("kind") if isinstance(data, Mapping) else None
        if kind in inputs.FIELDS_BY_KIND:
            self.parsers = {**inputs.KIND, **inputs.FIELDS_BY_KIND[kind]}
            self.required_fields = ("kind", *inputs.REQUIRED_BY_KIND[kind])
        else:  # only the kind is wrong: say so, not that every other key is unknown
            self.parsers = {**inputs.KIND, **inputs.PERSON, **inputs.ORGANISATION}
            self.required_fields = ("kind",)
        return super().to_internal_value(data)


class EntryCorrectSerializer(ParsedSerializerMixin, serializers.Serializer):
    """Any of the entry's fields (of its kind), with ``correction_reason`` (required) and optionally the
    ``expected_version`` the caller read."""

    name = serializers.CharField(required=False, max_length=200)
    id_number = serializers.CharField(required=False, help_text="个人：身份证号码")
    uscc = serializers.CharField(required=False, help_text="机构：统一社会信用代码")
    legal_representative = serializers.CharField(required=False, max_length=64)
    legal_representative_id_number = serializers.CharField(required=False)
    reason = serializers.CharField(required=False)
    basis = serializers.CharField(required=False, max_length=300)
    decision_number = serializers.CharField(required=False, max_length=64)
    banned_until = serializers.DateField(required=False, allow_null=True)
    correction_reason = serializers.CharField(help_text="更正原因（必填）")
    expected_version = serializers.IntegerField(required=False, help_text="读取时的版本（version）")

    def to_internal_value(self, data):
        self.parsers = {**inputs.correction_fields(self.context["kind"]), **VERSION}
        return super().to_internal_value(data)


class EntryEndSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = {**inputs.REASON, **VERSION}
    reason = serializers.CharField(help_text="原因（必填，不超过 300 字）")
    expected_version = serializers.IntegerField(required=False, help_text="读取时的版本（version）")


class HitCloseSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = inputs.REASON
    reason = serializers.CharField(help_text="认定误报的理由（必填，不超过 300 字）")


class HitEntrySerializer(FastReadMixin, serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = BlacklistEntry
        fields = ["id", "kind", "kind_label", "name", "id_number_masked", "uscc", "banned_until", "status"]
        read_only_fields = fields


class HitSerializer(FastReadMixin, serializers.ModelSerializer):
    """One district's row of a hit. The listing district's row carries the entry; the institution
    district's row only says that a match exists (``entry`` null)."""

    seen_by_label = serializers.CharField(source="get_seen_by_display", read_only=True)
    source_label = serializers.CharField(source="get_source_display", read_only=True)
    matched_as_label = serializers.CharField(source="get_matched_as_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    institution_district_name = serializers.CharField(source="institution_district.full_name", read_only=True)
    entry = serializers.SerializerMethodField(help_text="列入地所见的名单；机构所在地为 null（仅知命中）")

    class Meta:
        model = BlacklistHit
        fields = ["id", "pair", "seen_by", "seen_by_label", "source", "source_label", "matched_as",
                  "matched_as_label", "institution_name", "institution_district", "institution_district_name",
                  "person_name", "id_number_masked", "entry", "status", "status_label", "close_reason", "closed_at",
                  "created_at"]
        read_only_fields = fields

    @extend_schema_field(HitEntrySerializer(allow_null=True))
    def get_entry(self, obj):
        entry = getattr(obj, "entry_shown", None)
        return HitEntrySerializer(entry).data if entry is not None else None
