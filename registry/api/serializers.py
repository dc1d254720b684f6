"""Serializers of the registry API: output shapes, and input shapes. Every input a service takes
(the registration push, claims, contact phone, reasons, the filing form, classes, return notice,
commitment, staff) is read by ``registry.inputs`` (``ParsedSerializerMixin``): the same parsers as
the pages' forms, so the same bad input gets the same field code; services take the typed result.
An input serializer's declared fields document the schema; its ``parsers`` decide."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from core.inputs import ParsedSerializerMixin
from core.serialization import FastReadMixin
from core.validators import validate_id_number, validate_uscc

from .. import inputs
from ..limits import MAX_BASIS_LENGTH, MAX_CLASSES, MAX_QUALIFICATIONS, MAX_REASON_LENGTH, MAX_RETURN_REASONS
from ..models import (
    ClaimEvidenceKind,
    ClassType,
    DocumentType,
    Education,
    Filing,
    FilingClass,
    FilingDocument,
    FilingEvent,
    FilingKind,
    Institution,
    InstitutionClaim,
    InstitutionNature,
    QualificationType,
    ReceiptStatus,
    Registration,
    Staff,
    StaffConflictFlag,
    StaffQualification,
    StaffRole,
)


class ModelSerializer(FastReadMixin, serializers.ModelSerializer):
    """A choice column that may be blank answers "" — and the schema's enum says so (BlankEnum):
    DRF drops ``allow_blank`` from read-only fields, so the published enum used to refuse it.
    Output at list speed (``core.serialization.FastReadMixin``: DRF's output, a fraction of its CPU)."""

    def include_extra_kwargs(self, kwargs, extra_kwargs):
        blank_choice = bool(kwargs.get("allow_blank")) and "choices" in kwargs
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if blank_choice:
            kwargs["allow_blank"] = True
        return kwargs


ErrorSerializer = inline_serializer("RegistryError", {
    "code": serializers.CharField(help_text="稳定的错误代码，如 uscc_checksum、not_found、conflict"),
    "message": serializers.CharField(help_text="中文说明"),
    "fields": serializers.DictField(child=serializers.ListField(child=serializers.DictField()),
                                    help_text="字段 → [{code, message}]"),
})


# --- institutions and registrations -----------------------------------------------------------------

class InstitutionSerializer(ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    nature_label = serializers.CharField(source="get_nature_display", read_only=True)
    region_name = serializers.CharField(source="region.full_name", read_only=True)
    registration_authority = serializers.CharField(read_only=True)

    class Meta:
        model = Institution
        fields = ["id", "uscc", "name", "nature", "nature_label", "registration_authority", "kind", "kind_label",
                  "status", "status_label", "region", "region_name", "district", "address", "latitude",
                  "longitude", "legal_representative", "principal_name", "contact_phone", "service_types",
                  "total_slots", "registered_on", "business_scope", "current_filing", "filed_on", "receipt_no",
                  "created_at", "updated_at"]
        read_only_fields = fields


class UnfiledInstitutionSerializer(ModelSerializer):
    days_waited = serializers.IntegerField(read_only=True, allow_null=True, help_text="自登记日起已等待的天数")
    region_name = serializers.CharField(source="region.full_name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Institution
        fields = ["id", "uscc", "name", "nature", "status", "status_label", "region", "region_name",
                  "registered_on", "days_waited"]
        read_only_fields = fields


class ContactSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers, required_fields = inputs.CONTACT, ("contact_phone",)
    contact_phone = serializers.CharField(max_length=32, allow_blank=True,
                                          help_text="手机号码或带区号的固定电话；空字符串清除（phone_invalid）")


class ReasonSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers, required_fields = inputs.STATUS_REASON, ("reason",)
    reason = serializers.CharField(help_text="原因（必填：reason_required；不超过 300 字：reason_too_long；"
                                             "将通知机构举办者）")


class RegistrationPushSerializer(ParsedSerializerMixin, serializers.Serializer):
    """The registration authorities' push contract (field names are fixed; others: unknown_field),
    read by ``registry.inputs.REGISTRATION``."""

    parsers, required_fields = inputs.REGISTRATION, inputs.REGISTRATION_REQUIRED

    uscc = serializers.CharField(max_length=32, validators=[validate_uscc], help_text="统一社会信用代码（18 位）")
    name = serializers.CharField(max_length=200)
    nature = serializers.ChoiceField(choices=InstitutionNature.choices,
                                     help_text="public_institution 事业单位 | social_organisation 社会服务机构 | "
                                               "enterprise 企业（nature_invalid）")
    legal_representative = serializers.CharField(max_length=64)
    address = serializers.CharField(max_length=300)
    district = serializers.RegexField(r"^\d{6}(\d{3})?$", help_text="所在区划代码：区县（6 位）或其下乡镇街道（9 位）"
                                                                   "（district_invalid、district_out_of_scope）")
    registered_on = serializers.DateField(help_text="登记日期（YYYY-MM-DD；date_invalid、date_in_future）")
    business_scope = serializers.CharField(allow_blank=True, required=False, default="",
                                           help_text="业务/经营范围；企业须包含“托育”（business_scope_missing_childcare）")


class RegistrationResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="institution_id", help_text="机构 id（/api/v1/institutions/{id}/）")
    registration_id = serializers.IntegerField(source="pk")
    uscc = serializers.CharField()
    name = serializers.CharField()
    nature = serializers.CharField()
    district = serializers.CharField(source="region_id", help_text="机构所在区划代码")
    institution_status = serializers.CharField(source="institution.status")
    push_count = serializers.IntegerField()
    created = serializers.BooleanField(help_text="本次推送是否新建")


class RegistrationSerializer(ModelSerializer):
    institution_status = serializers.CharField(source="institution.status", read_only=True)
    pushed_by = serializers.CharField(source="pushed_by.username", read_only=True)

    class Meta:
        model = Registration
        fields = ["id", "institution", "institution_status", "uscc", "name", "nature", "legal_representative",
                  "address", "region", "registered_on", "business_scope", "push_count", "pushed_by",
                  "received_at", "updated_at"]
        read_only_fields = fields


# --- claims --------------------------------------------------------------------------------------------

class ClaimFactsSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    nature = serializers.ChoiceField(choices=InstitutionNature.choices)
    legal_representative = serializers.CharField(max_length=64)
    address = serializers.CharField(max_length=300)
    district = serializers.CharField(max_length=12)
    registered_on = serializers.DateField()
    business_scope = serializers.CharField(allow_blank=True, required=False, default="")


class ClaimCreateSerializer(ParsedSerializerMixin, serializers.Serializer):
    """A claim (``registry.inputs.CLAIM``): ``facts`` are the push contract's fields and codes, their
    errors named ``facts.<field>``."""

    parsers, required_fields = inputs.CLAIM, ("uscc",)
    uscc = serializers.CharField(max_length=32, validators=[validate_uscc])
    facts = ClaimFactsSerializer(required=False, help_text="尚无登记信息时，填写登记信息以建立机构")


class ClaimRejectSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers, required_fields = inputs.CLAIM_REJECT, ("note",)
    note = serializers.CharField(max_length=300, help_text="驳回原因（必填：note_required）")


class ClaimEvidenceSerializer(serializers.Serializer):
    evidence_kind = serializers.ChoiceField(choices=ClaimEvidenceKind.choices,
                                            help_text="authorisation_letter 授权委托书；legal_representative 法定代表人确认书")
    evidence = serializers.FileField(help_text="扫描件：PDF、JPEG 或 PNG（按文件内容判断）")


class ClaimSerializer(ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    institution_uscc = serializers.CharField(source="institution.uscc", read_only=True)
    user_name = serializers.CharField(source="user.__str__", read_only=True)
    has_evidence = serializers.SerializerMethodField(help_text="是否已上传证明材料（确认认领的前提）")

    class Meta:
        model = InstitutionClaim
        fields = ["id", "institution", "institution_name", "institution_uscc", "user", "user_name", "status",
                  "status_label", "note", "has_evidence", "evidence_kind", "evidence_name", "evidence_content_type",
                  "evidence_size", "decided_by", "decided_at", "created_at"]
        read_only_fields = fields

    def get_has_evidence(self, obj) -> bool:
        return bool(obj.evidence_file)


# --- staff ---------------------------------------------------------------------------------------------

class QualificationSerializer(ModelSerializer):
    type = serializers.ChoiceField(choices=QualificationType.choices)
    expires_on = serializers.DateField(required=False, allow_null=True)

    class Meta:
        model = StaffQualification
        fields = ["type", "number", "expires_on"]


class ConflictBriefSerializer(ModelSerializer):
    class Meta:
        model = StaffConflictFlag
        fields = ["id", "other_institution_name", "other_district_name", "created_at"]
        read_only_fields = fields


class StaffSerializer(ModelSerializer):
    """Output: the ID number only masked (reveal it with POST .../reveal/)."""

    role_label = serializers.CharField(source="get_role_display", read_only=True)
    qualifications = QualificationSerializer(source="qualification_items", many=True, read_only=True)
    conflicts = ConflictBriefSerializer(source="open_conflicts", many=True, read_only=True,
                                        help_text="未处理的多机构任职（挂靠）预警")

    class Meta:
        model = Staff
        fields = ["id", "institution", "name", "id_number_masked", "role", "role_label", "education",
                  "years_experience", "health_certificate_date", "criminal_record_checked",
                  "criminal_record_checked_on", "start_date", "end_date", "qualifications", "conflicts",
                  "created_at", "updated_at"]
        read_only_fields = fields


class StaffWriteSerializer(ParsedSerializerMixin, serializers.Serializer):
    """A roster row (``registry.inputs.STAFF``); create and PUT need name, id_number, role, start_date."""

    parsers = inputs.STAFF
    required_fields = inputs.STAFF_REQUIRED

    name = serializers.CharField(max_length=64)
    id_number = serializers.CharField(max_length=24, validators=[validate_id_number],
                                      help_text="居民身份证号码（18 位，校验位可为 X）")
    role = serializers.ChoiceField(choices=StaffRole.choices)
    education = serializers.ChoiceField(choices=Education.choices, required=False, allow_blank=True)
    years_experience = serializers.IntegerField(min_value=0, max_value=60, required=False)
    health_certificate_date = serializers.DateField(required=False, allow_null=True)
    criminal_record_checked = serializers.BooleanField(required=False)
    criminal_record_checked_on = serializers.DateField(required=False, allow_null=True)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)
    qualifications = QualificationSerializer(many=True, required=False, max_length=MAX_QUALIFICATIONS)


class StaffEndSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers, required_fields = inputs.STAFF_END, ("end_date",)
    end_date = serializers.DateField()


class RevealSerializer(serializers.Serializer):
    id_number = serializers.CharField(help_text="完整身份证号码（本次查看已记入安全日志）")


class StaffConflictSerializer(ModelSerializer):
    staff_name = serializers.CharField(source="staff.name", read_only=True)
    staff_id_number_masked = serializers.CharField(source="staff.id_number_masked", read_only=True)
    institution = serializers.IntegerField(source="staff.institution_id", read_only=True)
    institution_name = serializers.CharField(source="staff.institution.name", read_only=True)

    class Meta:
        model = StaffConflictFlag
        fields = ["id", "staff", "staff_name", "staff_id_number_masked", "institution", "institution_name",
                  "other_institution_name", "other_district_name", "resolved_at", "created_at"]
        read_only_fields = fields


# --- filings -------------------------------------------------------------------------------------------

class FilingClassSerializer(ModelSerializer):
    class_type = serializers.ChoiceField(choices=ClassType.choices)

    class Meta:
        model = FilingClass
        fields = ["name", "class_type", "planned_children", "carers", "min_age_months", "max_age_months"]


class FilingListSerializer(ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    institution_uscc = serializers.CharField(source="institution.uscc", read_only=True)
    # Declared: the model's conditional unique constraint would make DRF query outside any scope.
    receipt_no = serializers.CharField(read_only=True)
    receipt_status = serializers.SerializerMethodField(
        help_text="决定出具的文书（通过：备案回执和基本条件告知书；不予备案：不予备案告知书）：none 无（未决定、撤回或终止备案）、pending 生成中、ready 可下载、failed 生成失败")

    class Meta:
        model = Filing
        fields = ["id", "institution", "institution_name", "institution_uscc", "kind", "kind_label", "status",
                  "status_label", "version", "name", "institution_kind", "region", "total_slots", "submitted_at",
                  "due_at", "decided_at", "receipt_no", "receipt_status", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=ReceiptStatus.values))
    def get_receipt_status(self, obj) -> str:
        from ..selectors.filings import receipt_state

        return str(receipt_state(obj))


FORM_FIELDS = list(inputs.FILING_FORM)  # the filing form's fields, in the form's order


class SnapshotQualificationSerializer(serializers.Serializer):
    type = serializers.CharField()
    label = serializers.CharField()
    number = serializers.CharField(allow_blank=True)
    expires_on = serializers.DateField(allow_null=True)
    expired = serializers.BooleanField()


class SnapshotStaffSerializer(serializers.Serializer):
    """One person of the roster as submitted: masked ID only (never the full number or its index)."""

    name = serializers.CharField()
    role = serializers.CharField()
    role_label = serializers.CharField()
    id_number_masked = serializers.CharField()
    education = serializers.CharField(allow_blank=True)
    years_experience = serializers.IntegerField(allow_null=True)
    health_certificate_date = serializers.DateField(allow_null=True)
    criminal_record_checked = serializers.BooleanField(allow_null=True,
                                                       help_text="无犯罪记录证明；null：提交时尚未记录此项")
    criminal_record_checked_on = serializers.DateField(allow_null=True)
    qualifications = SnapshotQualificationSerializer(many=True)


class DocumentNeedSerializer(serializers.Serializer):
    """One material the filing requires and where it stands."""

    doc_type = serializers.CharField()
    label = serializers.CharField()
    state = serializers.ChoiceField(
        choices=["uploaded", "carried", "renew", "missing"],
        help_text="uploaded 已上传 | carried 沿用已备案材料（变更备案）| renew 因变更须重新提交 | missing 未上传")
    because = serializers.ListField(child=serializers.CharField(), help_text="要求重新提交的变更事项")


class FilingSerializer(FilingListSerializer):
    classes = FilingClassSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField(help_text="当前状态下可执行的操作")
    document_needs = serializers.SerializerMethodField(
        help_text="应提交的材料及其状态（按备案办法顺序）；变更备案只须重新提交变更涉及的材料")
    staff_snapshot = serializers.SerializerMethodField(help_text="提交时的人员名册（身份证号已脱敏）")
    pending_termination_date = serializers.SerializerMethodField(
        help_text="终止备案已通过、尚未到终止日期时的终止日期；其余为 null")

    class Meta(FilingListSerializer.Meta):
        fields = [*FilingListSerializer.Meta.fields, *FORM_FIELDS[2:], "classes", "changes", "check_results",
                  "commitment_signer", "commitment_accepted_at", "commitment_ip", "return_reasons",
                  "notice_due_at", "rejection_reasons", "rejection_basis", "staff_snapshot",
                  "pending_termination_date", "document_needs", "allowed_actions"]
        fields = list(dict.fromkeys(fields))
        read_only_fields = fields

    def get_allowed_actions(self, obj) -> list[str]:
        from ..workflow import allowed_actions

        return allowed_actions(obj.status, obj.kind)

    @extend_schema_field(DocumentNeedSerializer(many=True))
    def get_document_needs(self, obj) -> list[dict]:
        from ..selectors.filings import filing_document_needs

        return [{"doc_type": n.doc_type, "label": n.label, "state": n.state, "because": list(n.because)}
                for n in filing_document_needs(filing=obj)]

    @extend_schema_field(SnapshotStaffSerializer(many=True))
    def get_staff_snapshot(self, obj) -> list[dict]:
        from ..selectors.filings import staff_snapshot_rows

        return SnapshotStaffSerializer(staff_snapshot_rows(filing=obj), many=True).data

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_pending_termination_date(self, obj):
        from ..selectors.filings import pending_termination

        return pending_termination(filing=obj)


class FilingCreateSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers, required_fields = inputs.FILING_CREATE, ("institution", "kind")
    defaults = {"kind": FilingKind.INITIAL}
    institution = serializers.IntegerField(help_text="机构 id")
    kind = serializers.ChoiceField(choices=FilingKind.choices, default=FilingKind.INITIAL)


class FilingFormSerializer(ParsedSerializerMixin, serializers.ModelSerializer):
    """The filing form (PATCH: any subset), read by ``registry.inputs.FILING_FORM``; the service
    then decides which fields this filing kind may change."""

    parsers = inputs.FILING_FORM

    fees = serializers.DictField(child=serializers.IntegerField(min_value=0), required=False,
                                 help_text="收费标准：服务类型 → 每月（计时/临时托：每小时/每日）金额，单位：分")

    class Meta:
        model = Filing
        fields = FORM_FIELDS
        extra_kwargs = {f: {"required": False} for f in FORM_FIELDS}


class VersionSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = inputs.VERSION  # the pages' hidden version reads through the same parser
    expected_version = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                                help_text="乐观锁：页面读取时的版本号；已被他人修改则返回 409")


class ReturnSerializer(VersionSerializer):
    """The return notice (``registry.inputs.RETURN``): blank items dropped; at most 50 (max_length)
    of 500 characters (too_long, named ``reasons[i]``)."""

    parsers, required_fields = {**inputs.RETURN, **inputs.VERSION}, ("reasons",)
    reasons = serializers.ListField(child=serializers.CharField(max_length=MAX_REASON_LENGTH), allow_empty=True,
                                    max_length=MAX_RETURN_REASONS,
                                    help_text=f"退回补正事项（一次性告知；最多 {MAX_RETURN_REASONS} 项）")


class RejectSerializer(VersionSerializer):
    """The non-compliance decision (``registry.inputs.REJECT``): the reasons (blank items dropped;
    none at all is ``reasons_required``, at most 50 of 500 characters) and the basis
    (``basis_required``, at most 1,000 characters)."""

    parsers, required_fields = {**inputs.REJECT, **inputs.VERSION}, ("reasons",)
    defaults = {"basis": ""}
    reasons = serializers.ListField(child=serializers.CharField(max_length=MAX_REASON_LENGTH), allow_empty=True,
                                    max_length=MAX_RETURN_REASONS,
                                    help_text=f"不符合备案条件的理由，逐项（必填；最多 {MAX_RETURN_REASONS} 项）")
    basis = serializers.CharField(max_length=MAX_BASIS_LENGTH, allow_blank=True, required=False, default="",
                                  help_text="依据（必填）：所依据的规定及条款")


class ClassesSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers, required_fields = inputs.CLASSES, ("classes",)
    classes = FilingClassSerializer(many=True, max_length=MAX_CLASSES, help_text=f"最多 {MAX_CLASSES} 个班级")


class CommitmentSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers, required_fields = inputs.COMMITMENT, ("signer",)
    signer = serializers.CharField(max_length=64, help_text="承诺人姓名")


class CheckSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    passed = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)


class FilingEventSerializer(ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = FilingEvent
        fields = ["id", "action", "from_status", "to_status", "actor", "actor_name", "reason", "items",
                  "created_at"]
        read_only_fields = fields

    def get_actor_name(self, obj) -> str:
        return str(obj.actor) if obj.actor_id else ""


class DocumentSerializer(ModelSerializer):
    doc_type_label = serializers.CharField(source="get_doc_type_display", read_only=True)
    download_url = serializers.SerializerMethodField()
    carried_over = serializers.SerializerMethodField(help_text="true：变更备案沿用的已备案材料（carried_from 为原材料 id）")

    class Meta:
        model = FilingDocument
        fields = ["id", "filing", "doc_type", "doc_type_label", "original_name", "content_type", "size", "sha256",
                  "uploaded_by", "uploaded_at", "carried_over", "carried_from", "download_url"]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        return f"/api/v1/filings/{obj.filing_id}/documents/{obj.pk}/"

    def get_carried_over(self, obj) -> bool:
        return obj.carried_from_id is not None


class DocumentUploadSerializer(serializers.Serializer):
    doc_type = serializers.ChoiceField(choices=DocumentType.choices)
    # Empty files reach the service, which answers document_empty (the one upload rule, pages and API).
    file = serializers.FileField(allow_empty_file=True, max_length=None,
                                 help_text="PDF、JPEG 或 PNG（按文件内容判断），不超过 UPLOAD_MAX_BYTES")
