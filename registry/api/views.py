"""Registry API views: thin — parse with a serializer, call one service or selector, serialize.

Every view mixes in ``TenantScopedMixin`` first, so token callers act in their scope; rows
outside it answer 404. Errors: ``{"code", "message", "fields"}`` (core.api.exception_handler).
"""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import REVIEWERS, Role
from core.api import KeysetPagination, Pagination, TenantScopedMixin, fake, parse_for_roles
from core.audit import client_ip
from core.errors import DomainError
from core.permissions import require_role

from ..models import (
    Filing,
    FilingDocument,
    FilingStatus,
    Institution,
    InstitutionClaim,
    ReceiptStatus,
    Registration,
    Staff,
    StaffConflictFlag,
)
from ..selectors import filings as filing_selectors
from ..selectors import institutions as selectors
from ..services import documents as document_services
from ..services import filings as filing_services
from ..services import institutions as institution_services
from ..services import staff as staff_services
from ..workflow import CLAIM, FILING, INSTITUTION, OPERATORS, ClaimAction, FilingAction, InstitutionAction
from . import serializers as s
from .filters import ClaimFilter, FilingFilter, InstitutionFilter, RegistrationFilter, StaffFilter

E = s.ErrorSerializer
ERRORS = {400: OpenApiResponse(E, description="数据有误（fields 标注字段与错误代码）"),
          403: OpenApiResponse(E, description="角色不允许该操作"),
          404: OpenApiResponse(E, description="不存在或不在管辖范围内"),
          409: OpenApiResponse(E, description="状态不允许或已被他人修改（conflict / invalid_transition）")}



def errors(*codes: int) -> dict:
    return {c: ERRORS[c] for c in codes}


class IsRegistrationAuthority(BasePermission):
    message = "只有登记机关接口账号可以推送登记信息。"

    def has_permission(self, request, view):
        if request.method != "POST":
            return True
        assignment = getattr(request, "assignment", None)
        return assignment is not None and assignment.role == Role.REGISTRATION_AUTHORITY


# --- institutions ----------------------------------------------------------------------------------

@extend_schema_view(
    list=extend_schema(tags=["institutions"], summary="机构列表（本辖区）"),
    retrieve=extend_schema(tags=["institutions"], summary="机构详情", responses={200: s.InstitutionSerializer,
                                                                               **errors(404)}),
)
class InstitutionViewSet(TenantScopedMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.InstitutionSerializer
    filterset_class = InstitutionFilter
    pagination_class = KeysetPagination  # a scope can hold every institution in the country

    def get_queryset(self):
        if fake(self):
            return Institution._base_manager.none()
        return selectors.institution_api_rows(selectors.institution_list(filters={}))

    def get_object(self):
        return selectors.institution_get(institution_id=self.kwargs["pk"])

    @extend_schema(tags=["institutions"], summary="已登记未备案的机构（含已等待天数）",
                   responses={200: s.UnfiledInstitutionSerializer(many=True)})
    @action(detail=False, methods=["get"], filterset_class=None, serializer_class=s.UnfiledInstitutionSerializer,
            pagination_class=Pagination)
    def unfiled(self, request):
        page = self.paginate_queryset(selectors.unfiled_institutions())
        return self.get_paginated_response(s.UnfiledInstitutionSerializer(page, many=True).data)

    @extend_schema(tags=["institutions"], summary="更新联系电话", request=s.ContactSerializer,
                   responses={200: s.InstitutionSerializer, **errors(400, 403, 404)})
    @action(detail=True, methods=["post"], filterset_class=None, serializer_class=s.ContactSerializer)
    def contact(self, request, pk=None):
        data = parse_for_roles(request, s.ContactSerializer, roles=institution_services.CONTACT_EDITORS,
                               obj=selectors.institution_get(institution_id=int(pk)))
        institution = institution_services.institution_update_contact(
            actor=request.user, institution_id=int(pk), data=data)
        return Response(s.InstitutionSerializer(institution).data)

    def _status_move(self, request, pk, service, action):
        institution = selectors.institution_get(institution_id=int(pk))  # out of scope → 404 before anything else
        data = parse_for_roles(request, s.ReasonSerializer, roles=INSTITUTION.roles_for(action), obj=institution)
        institution = service(actor=request.user, institution_id=int(pk), reason=data["reason"])
        return Response(s.InstitutionSerializer(selectors.institution_get(institution_id=institution.pk)).data)

    @extend_schema(tags=["institutions"], summary="暂停服务（已备案 → 暂停服务；区县审核员/管理员）",
                   description="必须填写原因（reason_required）；只能暂停已备案的机构（409 invalid_transition）。"
                               "通知机构举办者，变更记入变更历史（含原因）。",
                   request=s.ReasonSerializer, responses={200: s.InstitutionSerializer, **errors(400, 403, 404, 409)})
    @action(detail=True, methods=["post"], filterset_class=None, serializer_class=s.ReasonSerializer)
    def suspend(self, request, pk=None):
        return self._status_move(request, pk, institution_services.institution_suspend, InstitutionAction.SUSPEND)

    @extend_schema(tags=["institutions"], summary="恢复服务（暂停服务 → 已备案；区县审核员/管理员）",
                   description="必须填写原因（reason_required）；只能恢复暂停服务的机构（409 invalid_transition）。",
                   request=s.ReasonSerializer, responses={200: s.InstitutionSerializer, **errors(400, 403, 404, 409)})
    @action(detail=True, methods=["post"], filterset_class=None, serializer_class=s.ReasonSerializer)
    def resume(self, request, pk=None):
        return self._status_move(request, pk, institution_services.institution_resume, InstitutionAction.RESUME)


# --- registrations (push by registration authorities) --------------------------------------------

class RegistrationView(TenantScopedMixin, generics.ListAPIView):
    permission_classes = [*generics.ListAPIView.permission_classes, IsRegistrationAuthority]
    machine_access = True  # the one registry view an interface account reaches
    serializer_class = s.RegistrationSerializer
    filterset_class = RegistrationFilter

    def get_queryset(self):
        if fake(self):
            return Registration._base_manager.none()
        return selectors.registration_list()

    @extend_schema(tags=["registrations"], summary="登记信息列表（本辖区）")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["registrations"], summary="推送登记信息（登记机关接口账号）",
        description="按统一社会信用代码幂等：首次推送新建（201），再次推送更新登记信息及机构尚未备案的事实（200，"
                    "push_count 加 1）。字段错误代码：required、too_long、unknown_field、uscc_checksum（及其他 uscc_*）、"
                    "nature_invalid、district_invalid、date_invalid、date_in_future、"
                    "business_scope_missing_childcare、district_out_of_scope。",
        request=s.RegistrationPushSerializer,
        responses={201: s.RegistrationResultSerializer, 200: s.RegistrationResultSerializer,
                   **errors(400, 403)},
    )
    def post(self, request, *args, **kwargs):
        data = s.RegistrationPushSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        registration, created = institution_services.registration_push(actor=request.user,
                                                                       data=data.validated_data)
        registration.created = created
        return Response(s.RegistrationResultSerializer(registration).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


# --- claims ----------------------------------------------------------------------------------------

class ClaimViewSet(TenantScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Operators claim institutions; district reviewers confirm or reject in their district."""

    serializer_class = s.ClaimSerializer
    filterset_class = ClaimFilter

    def _own(self) -> bool:
        assignment = getattr(self.request, "assignment", None)
        return assignment is None or assignment.role == Role.OPERATOR

    def get_queryset(self):
        if fake(self):
            return InstitutionClaim._base_manager.none()
        return selectors.claim_list()

    def _own_claims(self) -> list[InstitutionClaim]:
        """A claimant reads their own claims wherever the institution is: the named cross-tenant read
        ``claims_of_user``, evaluated (inside ``scopes_disabled``) before anything is serialised."""
        filters = self.filterset_class(self.request.query_params, queryset=InstitutionClaim._base_manager.none())
        if not filters.is_valid():
            raise exceptions.ValidationError(filters.errors)
        return selectors.claims_of_user(user=self.request.user, status=filters.form.cleaned_data.get("status"))

    def get_object(self):
        if self._own():
            pk = str(self.kwargs["pk"])
            claims = selectors.claims_of_user(user=self.request.user, claim_id=int(pk)) if pk.isdigit() else []
            if not claims:
                raise DomainError("not_found", "认领申请不存在。", status_code=404)
            return claims[0]
        return selectors.claim_get(claim_id=self.kwargs["pk"])

    @extend_schema(tags=["claims"], summary="认领申请列表（举办者：本人的；区县：本辖区的）")
    def list(self, request, *args, **kwargs):
        if not self._own():
            return super().list(request, *args, **kwargs)
        page = self.paginate_queryset(self._own_claims())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(tags=["claims"], summary="认领申请详情", responses={200: s.ClaimSerializer, **errors(404)})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(tags=["claims"], summary="按统一社会信用代码认领机构", request=s.ClaimCreateSerializer,
                   responses={201: s.ClaimSerializer, **errors(400)})
    def create(self, request):
        data = s.ClaimCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        claim = institution_services.institution_claim(actor=request.user, uscc=data.validated_data["uscc"],
                                                       facts=data.validated_data.get("facts"))
        # Read back as the claimant's own claim: they may not hold a scope over the institution yet.
        (own,) = selectors.claims_of_user(user=request.user, claim_id=claim.pk)
        return Response(s.ClaimSerializer(own).data, status=status.HTTP_201_CREATED)

    @extend_schema(tags=["claims"], summary="认领证明材料：GET 查看（本辖区审核人员或申请人本人）；"
                                            "POST 上传或更换（申请人本人，multipart：evidence_kind, evidence）",
                   request={"multipart/form-data": s.ClaimEvidenceSerializer},
                   responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 201: s.ClaimSerializer,
                              **errors(400, 404, 409)})
    @action(detail=True, methods=["get", "post"], filterset_class=None, pagination_class=None)
    def evidence(self, request, pk=None):
        if request.method == "POST":
            data = s.ClaimEvidenceSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            claim = institution_services.claim_attach_evidence(
                actor=request.user, claim_id=int(pk), evidence_kind=data.validated_data["evidence_kind"],
                evidence=data.validated_data["evidence"])
            return Response(s.ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)
        assignment = getattr(request, "assignment", None)
        claim = selectors.claim_evidence_get(claim_id=int(pk), user=request.user,
                                             as_reviewer=assignment is not None and assignment.role in REVIEWERS)
        response = FileResponse(claim.evidence_file.open("rb"), content_type=claim.evidence_content_type,
                                as_attachment=True, filename=claim.evidence_name or "evidence")
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(tags=["claims"], summary="确认认领（授予举办者账号；须已上传证明材料）", request=None,
                   responses={200: s.ClaimSerializer, **errors(403, 404, 409)})
    @action(detail=True, methods=["post"], filterset_class=None)
    def confirm(self, request, pk=None):
        claim = institution_services.claim_confirm(actor=request.user, claim_id=int(pk))
        return Response(s.ClaimSerializer(claim).data)

    @extend_schema(tags=["claims"], summary="驳回认领", request=s.ClaimRejectSerializer,
                   responses={200: s.ClaimSerializer, **errors(400, 403, 404, 409)})
    @action(detail=True, methods=["post"], filterset_class=None)
    def reject(self, request, pk=None):
        data = parse_for_roles(request, s.ClaimRejectSerializer, roles=CLAIM.roles_for(ClaimAction.REJECT),
                               obj=selectors.claim_get(claim_id=int(pk)))
        claim = institution_services.claim_reject(actor=request.user, claim_id=int(pk), note=data["note"])
        return Response(s.ClaimSerializer(claim).data)


# --- staff -----------------------------------------------------------------------------------------

class StaffListView(TenantScopedMixin, generics.ListAPIView):
    serializer_class = s.StaffSerializer
    filterset_class = StaffFilter

    def get_queryset(self):
        if fake(self):
            return Staff._base_manager.none()
        return selectors.staff_list(institution_id=self.kwargs["institution_id"])

    @extend_schema(tags=["staff"], summary="从业人员名册（身份证号码脱敏）", responses={200: s.StaffSerializer(many=True),
                                                                              **errors(404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(tags=["staff"], summary="新增从业人员", request=s.StaffWriteSerializer,
                   responses={201: s.StaffSerializer, **errors(400, 403, 404)})
    def post(self, request, institution_id: int):
        institution = selectors.institution_get(institution_id=institution_id)
        data = parse_for_roles(request, s.StaffWriteSerializer, roles=staff_services.STAFF_EDITORS, obj=institution)
        staff = staff_services.staff_create(actor=request.user, institution_id=institution_id, data=data)
        return Response(s.StaffSerializer(selectors.staff_get(staff_id=staff.pk)).data,
                        status=status.HTTP_201_CREATED)


class StaffDetailView(TenantScopedMixin, APIView):
    @extend_schema(tags=["staff"], summary="从业人员详情", responses={200: s.StaffSerializer, **errors(404)})
    def get(self, request, institution_id: int, staff_id: int):
        return Response(s.StaffSerializer(selectors.staff_get(staff_id=staff_id, institution_id=institution_id)).data)

    def _update(self, request, institution_id: int, staff_id: int, partial: bool):
        staff = selectors.staff_get(staff_id=staff_id, institution_id=institution_id)
        require_role(request.user, staff_services.STAFF_EDITORS, staff)  # the role before the body
        data = s.StaffWriteSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        staff_services.staff_update(actor=request.user, staff_id=staff_id, data=data.validated_data)
        return Response(s.StaffSerializer(selectors.staff_get(staff_id=staff_id)).data)

    @extend_schema(tags=["staff"], summary="修改从业人员", request=s.StaffWriteSerializer,
                   responses={200: s.StaffSerializer, **errors(400, 403, 404)})
    def put(self, request, institution_id: int, staff_id: int):
        return self._update(request, institution_id, staff_id, partial=False)

    @extend_schema(tags=["staff"], summary="修改从业人员（部分字段）", request=s.StaffWriteSerializer,
                   responses={200: s.StaffSerializer, **errors(400, 403, 404)})
    def patch(self, request, institution_id: int, staff_id: int):
        return self._update(request, institution_id, staff_id, partial=True)


class StaffRevealView(TenantScopedMixin, APIView):
    @extend_schema(tags=["staff"], summary="查看完整身份证号码（记入安全日志）", request=None,
                   responses={200: s.RevealSerializer, **errors(403, 404)})
    def post(self, request, institution_id: int, staff_id: int):
        selectors.staff_get(staff_id=staff_id, institution_id=institution_id)
        number = staff_services.staff_reveal_id_number(actor=request.user, staff_id=staff_id, request=request)
        response = Response({"id_number": number})
        response["Cache-Control"] = "no-store"
        return response


class StaffEndView(TenantScopedMixin, APIView):
    @extend_schema(tags=["staff"], summary="登记离职", request=s.StaffEndSerializer,
                   responses={200: s.StaffSerializer, **errors(400, 403, 404)})
    def post(self, request, institution_id: int, staff_id: int):
        staff = selectors.staff_get(staff_id=staff_id, institution_id=institution_id)
        data = parse_for_roles(request, s.StaffEndSerializer, roles=staff_services.STAFF_EDITORS, obj=staff)
        staff_services.staff_end(actor=request.user, staff_id=staff_id, end_date=data["end_date"])
        return Response(s.StaffSerializer(selectors.staff_get(staff_id=staff_id)).data)


class StaffConflictListView(TenantScopedMixin, generics.ListAPIView):
    serializer_class = s.StaffConflictSerializer
    filterset_class = None

    def get_queryset(self):
        if fake(self):
            return StaffConflictFlag._base_manager.none()
        return selectors.staff_conflict_list()

    @extend_schema(tags=["staff"], summary="多机构任职（挂靠）预警（本辖区人员）")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- filings ---------------------------------------------------------------------------------------

def _version(request) -> int | None:
    data = s.VersionSerializer(data=request.data or {})
    data.is_valid(raise_exception=True)
    return data.validated_data.get("expected_version")


def _refuse_fields_not_in_form(data) -> None:
    """PATCH names only form fields: a read-only field (status, receipt_no, version …) or an unknown
    one is an error on that field, never silently ignored."""
    if not hasattr(data, "keys"):
        raise DomainError("invalid", "请求内容应为 JSON 对象。")
    errors = {}
    for name in data:
        if name in s.FORM_FIELDS:
            continue
        if name in s.FilingSerializer.Meta.fields:
            errors[name] = [("read_only", "该字段为只读，只能通过相应的操作改变（如提交、审核）。")]
        else:
            errors[name] = [("unknown_field", "未知字段。")]
    if errors:
        first = next(iter(errors.values()))[0][0]
        raise DomainError(first, "提交的数据有误，请检查标注的字段。", fields=errors)


TRANSITION = dict(request=s.VersionSerializer, responses={200: s.FilingSerializer, **errors(400, 403, 404, 409)})


@extend_schema_view(
    list=extend_schema(tags=["filings"], summary="备案列表（本辖区 / 本机构）"),
    retrieve=extend_schema(tags=["filings"], summary="备案详情", responses={200: s.FilingSerializer, **errors(404)}),
)
class FilingViewSet(TenantScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    filterset_class = FilingFilter
    pagination_class = KeysetPagination

    def get_serializer_class(self):
        return s.FilingListSerializer if self.action == "list" else s.FilingSerializer

    def get_queryset(self):
        if fake(self):
            return Filing._base_manager.none()
        qs = filing_selectors.filing_list(actor=self.request.user)
        return filing_selectors.filing_api_list_rows(qs) if self.action == "list" else qs

    def get_object(self) -> Filing:
        return filing_selectors.filing_get(filing_id=int(self.kwargs["pk"]))

    def _detail(self, filing_id: int) -> Response:
        filing = filing_selectors.filing_get(filing_id=filing_id)
        return Response(s.FilingSerializer(filing).data)

    @extend_schema(tags=["filings"], summary="新建备案（草稿，按机构现有信息预填）", request=s.FilingCreateSerializer,
                   responses={201: s.FilingSerializer, **errors(400, 403, 404, 409)})
    def create(self, request):
        data = parse_for_roles(request, s.FilingCreateSerializer, roles=OPERATORS, obj=None)
        filing = filing_services.filing_create(actor=request.user, institution_id=data["institution"],
                                               kind=data["kind"])
        return Response(s.FilingSerializer(filing_selectors.filing_get(filing_id=filing.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(tags=["filings"], summary="填写备案书（部分字段）", request=s.FilingFormSerializer,
                   responses={200: s.FilingSerializer, **errors(400, 403, 404, 409)})
    def partial_update(self, request, pk=None):
        require_role(request.user, OPERATORS, self.get_object())  # the role before the body (core.api.parse_for_roles)
        _refuse_fields_not_in_form(request.data)
        data = s.FilingFormSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        filing_services.filing_update_form(actor=request.user, filing_id=int(pk), data=data.validated_data)
        return self._detail(int(pk))

    @extend_schema(tags=["filings"], summary="备案条件检查清单", request=None,
                   responses={200: s.CheckSerializer(many=True), **errors(404)})
    @action(detail=True, methods=["get", "post"], filterset_class=None, pagination_class=None)
    def check(self, request, pk=None):
        filing = self.get_object()
        return Response(s.CheckSerializer(filing_services.filing_run_checks(filing=filing), many=True).data)

    @extend_schema(tags=["filings"], summary="提交备案（草稿→已提交，退回→重新提交）", **TRANSITION)
    @action(detail=True, methods=["post"], filterset_class=None)
    def submit(self, request, pk=None):
        filing_services.filing_submit(actor=request.user, filing_id=int(pk), expected_version=_version(request))
        return self._detail(int(pk))

    @extend_schema(tags=["filings"], summary="通过备案（出具备案回执；终止备案：办结，不出具回执）", **TRANSITION)
    @action(detail=True, methods=["post"], filterset_class=None)
    def accept(self, request, pk=None):
        filing_services.filing_accept(actor=request.user, filing_id=int(pk), expected_version=_version(request))
        return self._detail(int(pk))

    @extend_schema(tags=["filings"], summary="退回补正（一次性告知全部事项）", request=s.ReturnSerializer,
                   responses=TRANSITION["responses"])
    @action(detail=True, methods=["post"], url_path="return", filterset_class=None)
    def return_(self, request, pk=None):
        data = parse_for_roles(request, s.ReturnSerializer, roles=FILING.roles_for(FilingAction.RETURN),
                               obj=self.get_object())
        filing_services.filing_return(actor=request.user, filing_id=int(pk), reasons=data["reasons"],
                                      expected_version=data.get("expected_version"))
        return self._detail(int(pk))

    @extend_schema(tags=["filings"], summary="不予备案（书面告知不符合备案条件的理由和依据）", request=s.RejectSerializer,
                   description="已提交或补正后重新提交的备案（终止备案除外：409 invalid_transition）。"
                               "理由（reasons_required）和依据（basis_required）必填；出具不予备案告知书"
                               "（GET …/rejection.pdf），通知机构举办者。初次备案的机构恢复为已登记未备案，可重新备案。",
                   responses=TRANSITION["responses"])
    @action(detail=True, methods=["post"], filterset_class=None)
    def reject(self, request, pk=None):
        data = parse_for_roles(request, s.RejectSerializer, roles=FILING.roles_for(FilingAction.REJECT),
                               obj=self.get_object())
        filing_services.filing_reject(actor=request.user, filing_id=int(pk), reasons=data["reasons"],
                                      basis=data["basis"], expected_version=data.get("expected_version"))
        return self._detail(int(pk))

    @extend_schema(tags=["filings"], summary="撤回备案", request=None, responses=TRANSITION["responses"])
    @action(detail=True, methods=["post"], filterset_class=None)
    def withdraw(self, request, pk=None):
        filing_services.filing_withdraw(actor=request.user, filing_id=int(pk))
        return self._detail(int(pk))

    @extend_schema(tags=["filings"], summary="设置班级（整体替换）", request=s.ClassesSerializer,
                   responses={200: s.FilingSerializer, **errors(400, 403, 404, 409)})
    @action(detail=True, methods=["put"], filterset_class=None)
    def classes(self, request, pk=None):
        data = parse_for_roles(request, s.ClassesSerializer, roles=OPERATORS, obj=self.get_object())
        filing_services.filing_set_classes(actor=request.user, filing_id=int(pk), classes=data["classes"])
        return self._detail(int(pk))

    @extend_schema(tags=["filings"], summary="签署备案承诺书", request=s.CommitmentSerializer,
                   responses={200: s.FilingSerializer, **errors(400, 403, 404, 409)})
    @action(detail=True, methods=["post"], filterset_class=None)
    def commitment(self, request, pk=None):
        data = parse_for_roles(request, s.CommitmentSerializer, roles=OPERATORS, obj=self.get_object())
        filing_services.filing_sign_commitment(actor=request.user, filing_id=int(pk), signer=data["signer"],
                                               ip=client_ip(request))
        return self._detail(int(pk))

    @extend_schema(tags=["filings"], summary="流转记录", responses={200: s.FilingEventSerializer(many=True),
                                                                  **errors(404)})
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def events(self, request, pk=None):
        filing = self.get_object()
        return Response(s.FilingEventSerializer(filing_selectors.filing_history(filing=filing), many=True).data)


class _PdfView(TenantScopedMixin, APIView):
    """A stored receipt or notice. Rendered by Celery after the accept (the filing's
    ``receipt_status``): while pending or failed this answers 409 ``receipt_pending`` /
    ``receipt_failed``, never a render inside the request."""

    field = ""
    title = ""

    def get(self, request, pk: int):
        filing = filing_selectors.filing_get(filing_id=pk)
        if filing.status != FilingStatus.ACCEPTED:
            raise DomainError("not_issued", f"该备案尚未通过，没有{self.title}。", status_code=409)
        if not filing.receipt_no:  # an accepted termination: nothing is issued
            raise DomainError("no_receipt", f"该备案没有{self.title}（终止备案不出具回执）。", status_code=404)
        state = filing_selectors.receipt_state(filing)
        if state == ReceiptStatus.PENDING:
            raise DomainError("receipt_pending", f"{self.title}生成中，请稍后再试（receipt_status 变为 ready 后可下载）。",
                              status_code=409)
        if state != ReceiptStatus.READY:
            raise DomainError("receipt_failed", f"{self.title}生成失败，请联系审核人员重新生成。", status_code=409)
        response = FileResponse(getattr(filing, self.field).open("rb"), content_type="application/pdf",
                                filename=f"{filing.receipt_no}-{self.field}.pdf")
        response["X-Content-Type-Options"] = "nosniff"
        return response


class ReceiptPdfView(_PdfView):
    field, title = "receipt_pdf", "备案回执"

    @extend_schema(tags=["filings"], summary="备案回执（PDF）",
                   responses={(200, "application/pdf"): OpenApiTypes.BINARY, **errors(404, 409)})
    def get(self, request, pk: int):
        return super().get(request, pk)


class NoticePdfView(_PdfView):
    field, title = "notice_pdf", "基本条件告知书"

    @extend_schema(tags=["filings"], summary="基本条件告知书（PDF）",
                   responses={(200, "application/pdf"): OpenApiTypes.BINARY, **errors(404, 409)})
    def get(self, request, pk: int):
        return super().get(request, pk)


class RejectionPdfView(TenantScopedMixin, APIView):
    """The stored 不予备案告知书, rendered by Celery after the decision (``receipt_status``, as the
    receipt): 409 ``not_issued`` before a rejection, ``receipt_pending`` / ``receipt_failed`` until
    it is stored."""

    @extend_schema(tags=["filings"], summary="不予备案告知书（PDF）",
                   responses={(200, "application/pdf"): OpenApiTypes.BINARY, **errors(404, 409)})
    def get(self, request, pk: int):
        filing = filing_selectors.filing_get(filing_id=pk)
        if filing.status != FilingStatus.REJECTED:
            raise DomainError("not_issued", "该备案未被决定不予备案，没有不予备案告知书。", status_code=409)
        state = filing_selectors.receipt_state(filing)
        if state == ReceiptStatus.PENDING:
            raise DomainError("receipt_pending", "不予备案告知书生成中，请稍后再试（receipt_status 变为 ready 后可下载）。",
                              status_code=409)
        if state != ReceiptStatus.READY:
            raise DomainError("receipt_failed", "不予备案告知书生成失败，请联系审核人员重新生成。", status_code=409)
        response = FileResponse(filing.rejection_pdf.open("rb"), content_type="application/pdf",
                                filename=f"{filing.pk}-rejection.pdf")
        response["X-Content-Type-Options"] = "nosniff"
        return response


# --- filing documents ------------------------------------------------------------------------------

class DocumentListView(TenantScopedMixin, generics.ListAPIView):
    serializer_class = s.DocumentSerializer
    filterset_class = None
    pagination_class = None

    def get_queryset(self):
        if fake(self):
            return FilingDocument._base_manager.none()
        filing_selectors.filing_get(filing_id=self.kwargs["pk"])  # 404 outside scope
        return selectors.document_list(filing_id=self.kwargs["pk"])

    @extend_schema(tags=["documents"], summary="备案材料列表", responses={200: s.DocumentSerializer(many=True),
                                                                     **errors(404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(tags=["documents"], summary="上传备案材料（multipart：doc_type, file）",
                   description="只接受 PDF、JPEG、PNG，按文件内容判断。错误代码：document_type_not_allowed、"
                               "document_too_large、document_empty；只有草稿或已退回的备案可以上传。",
                   request={"multipart/form-data": s.DocumentUploadSerializer},
                   responses={201: s.DocumentSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, pk: int):
        data = parse_for_roles(request, s.DocumentUploadSerializer, roles=OPERATORS,
                               obj=filing_selectors.filing_get(filing_id=pk))
        doc = document_services.document_upload(actor=request.user, filing_id=pk, doc_type=data["doc_type"],
                                                uploaded_file=data["file"])
        return Response(s.DocumentSerializer(doc).data, status=status.HTTP_201_CREATED)


class DocumentDetailView(TenantScopedMixin, APIView):
    @extend_schema(tags=["documents"], summary="下载备案材料",
                   responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **errors(404)})
    def get(self, request, pk: int, document_id: int):
        doc = selectors.document_get(document_id=document_id, filing_id=pk)
        response = FileResponse(doc.file.open("rb"), content_type=doc.content_type, as_attachment=True,
                                filename=doc.original_name)
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @extend_schema(tags=["documents"], summary="删除备案材料", responses={204: None, **errors(403, 404, 409)})
    def delete(self, request, pk: int, document_id: int):
        selectors.document_get(document_id=document_id, filing_id=pk)
        document_services.document_delete(actor=request.user, document_id=document_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
