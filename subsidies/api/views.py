"""Subsidies API views: thin — parse with a serializer, call one service or selector, serialize.

Every view mixes in ``TenantScopedMixin`` first (rows outside the caller's scope answer 404); reads
are open to ``workflow.READERS`` (operators: their institution's; commission staff and city admins:
their region's); each service decides who may write. Errors: ``{"code", "message", "fields"}``.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import TenantScopedMixin, error_response, fake, parse_for_roles, role_permission
from core.errors import DomainError
from core.permissions import require_role

from ..models import Certification, Enrolment, PayoutBatch, SubsidyBudget, SubsidyClaim
from ..selectors import certifications as cert_selectors
from ..selectors import claims as claim_selectors
from ..selectors import enrolments as enrolment_selectors
from ..selectors.policies import budgets_visible
from ..services import certifications as cert_services
from ..services import claims as claim_services
from ..services import enrolments as enrolment_services
from ..services import payouts as payout_services
from ..workflow import (
    BATCH,
    BATCH_READERS,
    CERTIFICATION,
    CLAIM,
    DISTRICT_DECIDERS,
    OPERATORS,
    PAYERS,
    READERS,
    BatchAction,
    CertificationAction,
    ClaimAction,
)
from . import serializers as s

E = s.ErrorSerializer
ERRORS = {400: OpenApiResponse(E, description="数据有误（fields 标注字段与错误代码）"),
          403: OpenApiResponse(E, description="角色不允许该操作"),
          404: OpenApiResponse(E, description="不存在或不在管辖范围内"),
          409: OpenApiResponse(E, description="状态不允许、超出预算、重复或已被他人修改")}
TAGS = ["subsidies"]


def errors(*codes: int) -> dict:
    return {c: ERRORS[c] for c in codes}



SubsidyReaders = role_permission(READERS, "您当前的角色不能使用补助功能。")


class Readers(TenantScopedMixin):
    permission_classes = [*APIView.permission_classes, SubsidyReaders]


# Payout batches are read by the same roles as their page (``workflow.BATCH_READERS``).
BatchReaders = role_permission(BATCH_READERS, "您当前的角色不能查看拨付批次。")


class BatchScoped(TenantScopedMixin):
    permission_classes = [*APIView.permission_classes, BatchReaders]


# --- certifications ------------------------------------------------------------------------------------------

def _cert(cert_id: int) -> dict:
    return s.CertificationSerializer(cert_selectors.certification_get(certification_id=cert_id)).data


class InstitutionCertificationsView(Readers, generics.ListAPIView):
    serializer_class = s.CertificationSerializer

    def get_queryset(self):
        if fake(self):
            return Certification._base_manager.none()
        enrolment_selectors.institution_get(institution_id=self.kwargs["institution_id"])
        return cert_selectors.certification_list().filter(institution_id=self.kwargs["institution_id"])

    @extend_schema(tags=TAGS, summary="机构的普惠认定（历次）", responses={200: s.CertificationSerializer(many=True),
                                                                 **errors(403, 404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(tags=TAGS, summary="申请普惠认定（机构举办者；附收费标准，自动核验指导价）",
                   request=s.CertificationApplySerializer,
                   responses={201: s.CertificationSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, institution_id: int):
        institution = enrolment_selectors.institution_get(institution_id=institution_id)
        data = parse_for_roles(request, s.CertificationApplySerializer, roles=OPERATORS, obj=institution)
        cert = cert_services.certification_apply(actor=request.user, institution_id=institution_id,
                                                 fees=data["fees"] or {})
        return Response(_cert(cert.pk), status=status.HTTP_201_CREATED)


class CertificationDetailView(Readers, APIView):
    @extend_schema(tags=TAGS, summary="普惠认定详情", responses={200: s.CertificationSerializer, **errors(403, 404)})
    def get(self, request, certification_id: int):
        return Response(_cert(certification_id))


class _CertificationMove(Readers, APIView):
    """One certification action: 404 out of scope, then the transition's roles before the body is read."""
    serializer = None
    action: str = ""

    def act(self, request, certification_id: int, data: dict):
        raise NotImplementedError

    def post(self, request, certification_id: int):
        cert = cert_selectors.certification_get(certification_id=certification_id)  # 404 before anything else
        data = parse_for_roles(request, self.serializer, roles=CERTIFICATION.roles_for(self.action), obj=cert)
        self.act(request, certification_id, data)
        return Response(_cert(certification_id))


class CertificationResubmitView(_CertificationMove):
    action = CertificationAction.RESUBMIT
    serializer = s.ResubmitSerializer

    @extend_schema(tags=TAGS, summary="重新提交（已退回 → 待审核）", request=s.ResubmitSerializer,
                   responses={200: s.CertificationSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, certification_id: int):
        return super().post(request, certification_id)

    def act(self, request, certification_id, data):
        cert_services.certification_resubmit(actor=request.user, certification_id=certification_id,
                                             fees=data.get("fees") or {}, expected_version=data.get("expected_version"))


class CertificationReturnView(_CertificationMove):
    action = CertificationAction.RETURN
    serializer = s.ReturnSerializer

    @extend_schema(tags=TAGS, summary="退回（区县；逐项列明理由）", request=s.ReturnSerializer,
                   responses={200: s.CertificationSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, certification_id: int):
        return super().post(request, certification_id)

    def act(self, request, certification_id, data):
        cert_services.certification_return(actor=request.user, certification_id=certification_id,
                                           reasons=data["reasons"], expected_version=data.get("expected_version"))


class CertificationAcceptView(_CertificationMove):
    action = CertificationAction.ACCEPT
    serializer = s.AcceptSerializer

    @extend_schema(tags=TAGS, summary="认定（区县；核验未通过答 checks_failed）", request=s.AcceptSerializer,
                   responses={200: s.CertificationSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, certification_id: int):
        return super().post(request, certification_id)

    def act(self, request, certification_id, data):
        cert_services.certification_accept(actor=request.user, certification_id=certification_id,
                                           period_start=data["period_start"], period_end=data["period_end"],
                                           review_on=data.get("review_on"),
                                           expected_version=data.get("expected_version"))


class CertificationRevokeView(_CertificationMove):
    action = CertificationAction.REVOKE
    serializer = s.RevokeSerializer

    @extend_schema(tags=TAGS, summary="撤销认定（区县；处罚、收费超标或其他，须说明）", request=s.RevokeSerializer,
                   responses={200: s.CertificationSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, certification_id: int):
        return super().post(request, certification_id)

    def act(self, request, certification_id, data):
        cert_services.certification_revoke(actor=request.user, certification_id=certification_id,
                                           cause=data["cause"], reason=data.get("reason", ""),
                                           expected_version=data.get("expected_version"))


# --- enrolments -----------------------------------------------------------------------------------------------

class EnrolmentListView(Readers, generics.ListAPIView):
    serializer_class = s.EnrolmentSerializer

    def get_queryset(self):
        if fake(self):
            return Enrolment._base_manager.none()
        enrolment_selectors.institution_get(institution_id=self.kwargs["institution_id"])
        return enrolment_selectors.enrolment_list(institution_id=self.kwargs["institution_id"])

    @extend_schema(tags=TAGS, summary="在托婴幼儿（身份证号脱敏）", responses={200: s.EnrolmentSerializer(many=True),
                                                                  **errors(403, 404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(tags=TAGS, summary="登记在托婴幼儿（机构举办者）", request=s.EnrolmentCreateSerializer,
                   description="核验：出生日期与身份证号一致；入托时满6个月未满36个月（age_below_min / age_over_max）；"
                               "班型符合月龄（class_age_mismatch）；该班型在托人数不超过备案托位（over_capacity）；"
                               "同一婴幼儿在本机构期间不重叠（409 enrolment_duplicate）。",
                   responses={201: s.EnrolmentSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, institution_id: int):
        institution = enrolment_selectors.institution_get(institution_id=institution_id)
        data = parse_for_roles(request, s.EnrolmentCreateSerializer, roles=OPERATORS, obj=institution)
        enrolment = enrolment_services.enrolment_create(actor=request.user, institution_id=institution_id, data=data)
        return Response(s.EnrolmentSerializer(enrolment).data, status=status.HTTP_201_CREATED)


class EnrolmentImportView(Readers, APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(tags=TAGS, summary="从 Excel 批量导入在托婴幼儿（全部成功才导入）",
                   description="表头一行，其后每行：婴幼儿姓名、身份证号、出生日期、班型、入托日期、离托日期。"
                               "任一行有误则一行也不导入，答 400 import_refused 与逐行报告 rows。",
                   request={"multipart/form-data": {"type": "object", "properties": {"file": {"type": "string",
                                                                                           "format": "binary"}}}},
                   responses={200: OpenApiResponse(description="{imported, rows}"), **errors(400, 403, 404)})
    def post(self, request, institution_id: int):
        institution = enrolment_selectors.institution_get(institution_id=institution_id)
        require_role(request.user, OPERATORS, institution)  # the role before the file (as parse_for_roles)
        upload = request.FILES.get("file")
        if upload is None:
            return error_response("file_required", "请上传 Excel 文件。", {"file": [{"code": "required",
                                                                             "message": "请上传文件。"}]})
        if upload.size > 5 * 1024 * 1024:
            return error_response("file_too_large", "文件不能超过 5 MB。", status_code=413)
        try:
            result = enrolment_services.enrolment_import(actor=request.user, institution_id=institution_id,
                                                         content=upload.read())
        except DomainError as exc:
            report = getattr(exc, "report", None)
            if report is None:
                raise
            return Response({"code": exc.code, "message": exc.message, "fields": {}, "rows": report},
                            status=status.HTTP_400_BAD_REQUEST)
        return Response(result)


class EnrolmentRevealView(Readers, APIView):
    @extend_schema(tags=TAGS, summary="查看完整身份证号（区县审核人员；每次记入安全日志）", request=None,
                   responses={200: s.IdNumberSerializer, **errors(403, 404)})
    def post(self, request, enrolment_id: int):
        number = enrolment_services.enrolment_reveal_id_number(actor=request.user, enrolment_id=enrolment_id,
                                                               request=request)
        response = Response({"id_number": number})
        response["Cache-Control"] = "no-store"
        return response


# --- claims ----------------------------------------------------------------------------------------------------

def _claim(claim_id: int) -> dict:
    return s.ClaimSerializer(claim_selectors.claim_get(claim_id=claim_id)).data


class ClaimListView(Readers, generics.ListAPIView):
    serializer_class = s.ClaimSerializer

    def get_queryset(self):
        if fake(self):
            return SubsidyClaim._base_manager.none()
        return claim_selectors.claim_list(status=self.request.query_params.get("status") or None)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "with_lines": False}

    @extend_schema(tags=TAGS, summary="补助申请（lines 仅在详情中给出）",
                   responses={200: s.ClaimSerializer(many=True), **errors(403)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(tags=TAGS, summary="生成补助申请（运营：某月；建设：新增托位）", request=s.ClaimCreateSerializer,
                   description="运营补助按月、按在托婴幼儿逐人计算（每行 eligible_days、counts、reason）；"
                               "金额 = 计补人月 × 标准（分），按政策比例分摊到各级。建设补助：新增托位 × 标准，"
                               "每个托位只补一次（slots_exceed_new）。",
                   responses={201: s.ClaimSerializer, **errors(400, 403, 404, 409)})
    def post(self, request):
        data = parse_for_roles(request, s.ClaimCreateSerializer, roles=claim_services.CREATORS, obj=None)
        enrolment_selectors.institution_get(institution_id=data["institution"])
        if data["kind"] == "operating":
            if data.get("period") is None:
                return error_response("required", "运营补助须填写所属月份。",
                                      {"period": [{"code": "required", "message": "请填写所属月份。"}]})
            claim = claim_services.operating_claim_create(actor=request.user, institution_id=data["institution"],
                                                          period=data["period"])
        else:
            if data.get("slots") is None:
                return error_response("required", "建设补助须填写新增托位数。",
                                      {"slots": [{"code": "required", "message": "请填写新增托位数。"}]})
            claim = claim_services.construction_claim_create(actor=request.user, institution_id=data["institution"],
                                                             slots=data["slots"])
        return Response(_claim(claim.pk), status=status.HTTP_201_CREATED)


class ClaimDetailView(Readers, APIView):
    @extend_schema(tags=TAGS, summary="补助申请详情（含逐人明细与原因）", responses={200: s.ClaimSerializer,
                                                                     **errors(403, 404)})
    def get(self, request, subsidy_claim_id: int):
        return Response(_claim(subsidy_claim_id))


class _ClaimMove(Readers, APIView):
    """One claim action. The caller's role is checked before the body is read (``core.api.parse_for_roles``):
    ``roles``: those of the workflow transitions the endpoint takes, or the service's own set — the same
    sets the services check, written once."""
    serializer = s.VersionSerializer
    roles: frozenset = frozenset()

    def act(self, request, claim_id: int, data: dict):
        raise NotImplementedError

    def post(self, request, subsidy_claim_id: int):
        claim = claim_selectors.claim_get(claim_id=subsidy_claim_id)
        data = parse_for_roles(request, self.serializer, roles=self.roles, obj=claim)
        self.act(request, subsidy_claim_id, data)
        return Response(_claim(subsidy_claim_id))


class ClaimSubmitView(_ClaimMove):
    roles = CLAIM.roles_for(ClaimAction.SUBMIT)

    @extend_schema(tags=TAGS, summary="提交（机构举办者；按最新在托记录重新计算）", request=s.VersionSerializer,
                   responses={200: s.ClaimSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, subsidy_claim_id: int):
        return super().post(request, subsidy_claim_id)

    def act(self, request, claim_id, data):
        claim_services.claim_submit(actor=request.user, claim_id=claim_id, expected_version=data.get("expected_version"))


class ClaimApproveView(_ClaimMove):
    roles = CLAIM.roles_for(ClaimAction.APPROVE, ClaimAction.CITY_APPROVE)  # the district's step, then the city's

    @extend_schema(tags=TAGS, summary="审核通过（待区县审核 → 区县已审核；区县已审核 → 市级已审核）",
                   description="区县审核时各级承担金额计入当年预算；超出剩余预算答 409 budget_exceeded（两人同时审核亦然）；"
                               "有待核定的重复申报答 409 duplicate_unresolved。",
                   request=s.VersionSerializer, responses={200: s.ClaimSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, subsidy_claim_id: int):
        return super().post(request, subsidy_claim_id)

    def act(self, request, claim_id, data):
        claim_services.claim_approve(actor=request.user, claim_id=claim_id,
                                     expected_version=data.get("expected_version"))


class ClaimReturnView(_ClaimMove):
    serializer = s.ReturnSerializer
    roles = CLAIM.roles_for(ClaimAction.RETURN, ClaimAction.CITY_RETURN)

    @extend_schema(tags=TAGS, summary="退回（区县或市级；逐项列明理由）", request=s.ReturnSerializer,
                   responses={200: s.ClaimSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, subsidy_claim_id: int):
        return super().post(request, subsidy_claim_id)

    def act(self, request, claim_id, data):
        claim_services.claim_return(actor=request.user, claim_id=claim_id, reasons=data["reasons"],
                                    expected_version=data.get("expected_version"))


class ClaimRecomputeView(_ClaimMove):
    roles = claim_services.CREATORS

    @extend_schema(tags=TAGS, summary="重新计算（草稿或已退回的运营补助）", request=s.VersionSerializer,
                   responses={200: s.ClaimSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, subsidy_claim_id: int):
        return super().post(request, subsidy_claim_id)

    def act(self, request, claim_id, data):
        claim_services.claim_recompute(actor=request.user, claim_id=claim_id)


class ClaimClawbackView(_ClaimMove):
    serializer = s.ClawbackSerializer
    roles = PAYERS

    @extend_schema(tags=TAGS, summary="追回（已拨付；以负数计入下一批次）", request=s.ClawbackSerializer,
                   responses={200: s.ClaimSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, subsidy_claim_id: int):
        return super().post(request, subsidy_claim_id)

    def act(self, request, claim_id, data):
        claim_services.claim_clawback(actor=request.user, claim_id=claim_id, amount_fen=data["amount_fen"],
                                      reason=data.get("reason", ""))


class ClaimDocumentView(Readers, APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(tags=TAGS, summary="上传建设补助佐证材料（PDF、JPEG 或 PNG，按内容判断）",
                   request={"multipart/form-data": {"type": "object", "properties": {"file": {"type": "string",
                                                                                           "format": "binary"}}}},
                   responses={201: s.ClaimDocumentSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, subsidy_claim_id: int):
        claim = claim_selectors.claim_get(claim_id=subsidy_claim_id)
        require_role(request.user, OPERATORS, claim)  # the role before the file (as parse_for_roles)
        upload = request.FILES.get("file")
        if upload is None:
            return error_response("file_required", "请上传文件。", {"file": [{"code": "required",
                                                                       "message": "请上传文件。"}]})
        doc = claim_services.claim_document_upload(actor=request.user, claim_id=subsidy_claim_id,
                                                   uploaded_file=upload)
        return Response(s.ClaimDocumentSerializer(doc).data, status=status.HTTP_201_CREATED)


class LineYieldView(Readers, APIView):
    @extend_schema(tags=TAGS, summary="核定重复申报：本机构不计该月（区县审核人员）", request=s.ReasonSerializer,
                   responses={200: s.LineSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, line_id: int):
        data = parse_for_roles(request, s.ReasonSerializer, roles=DISTRICT_DECIDERS, obj=None)
        line = claim_services.line_yield(actor=request.user, line_id=line_id, reason=data.get("reason", ""))
        line.refresh_from_db()
        return Response(s.LineSerializer(line).data)


# --- batches and budgets ------------------------------------------------------------------------------------------

def _batch(batch_id: int) -> dict:
    return s.BatchSerializer(claim_selectors.batch_get(batch_id=batch_id)).data


class BatchListView(BatchScoped, generics.ListAPIView):
    serializer_class = s.BatchSerializer

    def get_queryset(self):
        if fake(self):
            return PayoutBatch._base_manager.none()
        return claim_selectors.batch_list()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "with_items": False}

    @extend_schema(tags=TAGS, summary="拨付批次", responses={200: s.BatchSerializer(many=True), **errors(403)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(tags=TAGS, summary="创建拨付批次（区县或市级管理员）", request=s.BatchCreateSerializer,
                   responses={201: s.BatchSerializer, **errors(400, 403, 404, 409)})
    def post(self, request):
        data = parse_for_roles(request, s.BatchCreateSerializer, roles=PAYERS, obj=None)
        batch = payout_services.payout_batch_create(actor=request.user, district=data.get("district") or None,
                                                    claim_ids=data["claims"], title=data.get("title") or "")
        return Response(_batch(batch.pk), status=status.HTTP_201_CREATED)


class BatchDetailView(BatchScoped, APIView):
    @extend_schema(tags=TAGS, summary="拨付批次详情", responses={200: s.BatchSerializer, **errors(403, 404)})
    def get(self, request, batch_id: int):
        return Response(_batch(batch_id))


class BatchPayView(Readers, APIView):
    @extend_schema(tags=TAGS, summary="标记已拨付（须银行流水号）", request=s.PaySerializer,
                   responses={200: s.BatchSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, batch_id: int):
        batch = claim_selectors.batch_get(batch_id=batch_id)
        data = parse_for_roles(request, s.PaySerializer, roles=BATCH.roles_for(BatchAction.PAY), obj=batch)
        payout_services.payout_batch_pay(actor=request.user, batch_id=batch_id,
                                         bank_reference=data.get("bank_reference") or "", paid_on=data.get("paid_on"),
                                         expected_version=data.get("expected_version"))
        return Response(_batch(batch_id))


class BatchExportView(Readers, APIView):
    @extend_schema(tags=TAGS, summary="导出拨付批次（.xlsx：明细、合计行、校验行；须填写导出事由，记入安全日志）",
                   parameters=[OpenApiParameter("reason", str, required=True,
                                                description="导出事由，4–100 字（export_reason_required、"
                                                            "export_reason_too_long）")],
                   responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): bytes,
                              **errors(400, 403, 404)})
    def get(self, request, batch_id: int):
        name, content = payout_services.payout_batch_export(actor=request.user, batch_id=batch_id,
                                                            reason=request.query_params.get("reason", ""),
                                                            request=request)
        response = HttpResponse(content,
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response


class BudgetListView(Readers, generics.ListAPIView):
    serializer_class = s.BudgetSerializer

    def get_queryset(self):
        if fake(self):
            return SubsidyBudget.objects.none()
        year = self.request.query_params.get("year")
        year = int(year) if year and year.isdigit() and len(year) == 4 else timezone.localdate().year
        return budgets_visible(getattr(self.request, "tenant_scope", None), year=year)

    @extend_schema(tags=TAGS, summary="补助年度预算（已占用与剩余；?year=YYYY）",
                   responses={200: s.BudgetSerializer(many=True), **errors(403)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
