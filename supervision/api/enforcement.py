"""Enforcement API: penalties, emergency closures and grades. Thin — parse with a serializer (the
parsers of ``supervision.enforcement_inputs``), call one service or selector, serialize.

Readers: penalties and closures — the district's commission staff and city viewers, and an
operator for its own institution (the scoped managers confine each); grades — commission staff
only. Writes: the services decide (district admin; closure items: the district's reviewers,
inspectors and admin). Rows outside the scope answer 404; errors ``{"code", "message", "fields"}``.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core import inputs as core_inputs
from core.api import TenantScopedMixin, fake, parse_for_roles, role_permission
from core.inputs import ParsedSerializerMixin
from core.roles import Role
from core.serialization import FastReadMixin

from .. import enforcement_inputs as inputs
from ..grading import explain
from ..models import Closure, ClosureItem, ClosureStatus, InstitutionGrade, Penalty, PenaltyStatus
from ..selectors import enforcement as selectors
from ..selectors import grades as grade_selectors
from ..services import closures as closure_services
from ..services import penalties as penalty_services
from ..workflow import (
    CLOSURE,
    CLOSURE_TRACKERS,
    ENFORCEMENT_READERS,
    ENFORCERS,
    PENALTY,
    ClosureAction,
    PenaltyAction,
)
from .serializers import ErrorSerializer

E = ErrorSerializer
ERRORS = {400: OpenApiResponse(E, description="数据有误（fields 标注字段与错误代码）"),
          403: OpenApiResponse(E, description="角色不允许该操作"),
          404: OpenApiResponse(E, description="不存在或不在管辖范围内"),
          409: OpenApiResponse(E, description="状态不允许、重复或已被他人修改")}
TAGS = ["enforcement"]
INSTITUTION_ID = {"institution_id": core_inputs.integer(low=1, high=2**62, label="机构")}


def errors(*codes: int) -> dict:
    return {c: ERRORS[c] for c in codes}


CaseReaders = role_permission(ENFORCEMENT_READERS | {Role.OPERATOR}, "您当前的角色不能查看行政处罚和关停处置。")
GradeReaders = role_permission(ENFORCEMENT_READERS, "您当前的角色不能查看风险信用等级。")


class Cases(TenantScopedMixin):
    permission_classes = [*APIView.permission_classes, CaseReaders]


class Grades(TenantScopedMixin):
    permission_classes = [*APIView.permission_classes, GradeReaders]



# --- serializers -------------------------------------------------------------------------------------

class PenaltySerializer(FastReadMixin, serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)

    class Meta:
        model = Penalty
        fields = ["id", "institution", "institution_name", "kind", "kind_label", "decision_number", "decided_on",
                  "legal_basis", "facts", "amount_fen", "person_name", "id_number_masked", "banned_until",
                  "blacklist_entry", "status", "status_label", "version", "end_reason", "ended_at", "created_at"]
        read_only_fields = fields


class PenaltyCreateSerializer(ParsedSerializerMixin, serializers.Serializer):
    """``{"institution_id", "kind", "decision_number", "decided_on", "legal_basis", "facts"?,
    "amount_fen"? (fine), "person_name"?, "id_number"?, "banned_until"? (ban of a person)}``."""

    parsers = {**INSTITUTION_ID, **inputs.PENALTY}
    required_fields = ("institution_id", *inputs.PENALTY_REQUIRED)
    institution_id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Penalty._meta.get_field("kind").choices)
    decision_number = serializers.CharField()
    decided_on = serializers.DateField()
    legal_basis = serializers.CharField()
    facts = serializers.CharField(required=False)
    amount_fen = serializers.IntegerField(required=False, help_text="罚款金额，单位：分（整数）")
    person_name = serializers.CharField(required=False)
    id_number = serializers.CharField(required=False)
    banned_until = serializers.DateField(required=False, allow_null=True)


class EndSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = {**inputs.END_REASON, **inputs.VERSION}
    reason = serializers.CharField(help_text="原因（必填）")
    expected_version = serializers.IntegerField(required=False)


class ClosureItemSerializer(FastReadMixin, serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ClosureItem
        fields = ["kind", "kind_label", "status", "status_label", "note", "updated_at"]
        read_only_fields = fields


class ClosureSerializer(FastReadMixin, serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    items = ClosureItemSerializer(many=True, read_only=True)

    class Meta:
        model = Closure
        fields = ["id", "institution", "institution_name", "reason", "started_on", "children_enrolled",
                  "children_placed", "status", "status_label", "version", "items", "end_reason", "ended_at",
                  "created_at"]
        read_only_fields = fields


class ClosureCreateSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = {**INSTITUTION_ID, **inputs.CLOSURE}
    required_fields = ("institution_id", *inputs.CLOSURE_REQUIRED)
    institution_id = serializers.IntegerField()
    reason = serializers.CharField()
    started_on = serializers.DateField()
    children_enrolled = serializers.IntegerField()


class ClosureItemUpdateSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = {**inputs.CLOSURE_ITEM, **inputs.VERSION}
    required_fields = inputs.CLOSURE_ITEM_REQUIRED
    kind = serializers.CharField(help_text="children_placed / families_told / refunds")
    status = serializers.CharField(help_text="pending / in_progress / done")
    note = serializers.CharField(required=False)
    children_placed = serializers.IntegerField(required=False, help_text="已安置人数（随 children_placed 事项）")
    expected_version = serializers.IntegerField(required=False)


class GradeSerializer(FastReadMixin, serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    grade_label = serializers.CharField(source="get_grade_display", read_only=True)
    breakdown = serializers.SerializerMethodField(help_text="[{code, label, count, points, forces_d, note}]")

    class Meta:
        model = InstitutionGrade
        fields = ["institution", "institution_name", "grade", "grade_label", "score", "forced_d", "breakdown",
                  "computed_at", "changed_at"]
        read_only_fields = fields

    def get_breakdown(self, obj) -> list[dict]:
        return explain(obj.breakdown)


# --- views -------------------------------------------------------------------------------------------

def _penalty(penalty_id: int):
    return PenaltySerializer(selectors.penalty_get(penalty_id=penalty_id)).data


def _closure(closure_id: int):
    closure = selectors.closure_get(closure_id=closure_id)
    return ClosureSerializer(closure).data


class PenaltyListView(Cases, generics.ListAPIView):
    serializer_class = PenaltySerializer

    def get_queryset(self):
        if fake(self):
            return Penalty._base_manager.none()
        status_ = self.request.query_params.get("status")
        return selectors.penalty_list(status=status_ if status_ in PenaltyStatus.values else None)

    @extend_schema(tags=TAGS, summary="行政处罚（本辖区；举办者：本机构）", responses={200: PenaltySerializer(many=True)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(tags=TAGS, summary="作出行政处罚（区县管理员）", request=PenaltyCreateSerializer,
                   description="罚款须 amount_fen（分）；从业禁止须 person_name、id_number（同时列入全国从业禁止名单）；"
                               "责令停业整顿同时暂停机构服务（仅已备案机构，否则 409 not_in_service）。",
                   responses={201: PenaltySerializer, **errors(400, 403, 404, 409)})
    def post(self, request):
        values = parse_for_roles(request, PenaltyCreateSerializer, roles=ENFORCERS, obj=None)
        institution_id = values.pop("institution_id")
        penalty = penalty_services.penalty_issue(actor=request.user, institution_id=institution_id, data=values)
        return Response(_penalty(penalty.pk), status=status.HTTP_201_CREATED)


class PenaltyDetailView(Cases, APIView):
    @extend_schema(tags=TAGS, summary="行政处罚详情", responses={200: PenaltySerializer, **errors(403, 404)})
    def get(self, request, penalty_id: int):
        return Response(_penalty(penalty_id))


def _penalty_end_view(service, action, summary: str):
    class View(Cases, APIView):
        @extend_schema(tags=TAGS, summary=summary, request=EndSerializer,
                       responses={200: PenaltySerializer, **errors(400, 403, 404, 409)})
        def post(self, request, penalty_id: int):
            penalty = selectors.penalty_get(penalty_id=penalty_id)  # out of scope → 404 first
            data = parse_for_roles(request, EndSerializer, roles=PENALTY.roles_for(action), obj=penalty)
            service(actor=request.user, penalty_id=penalty_id, reason=data.get("reason", ""),
                    expected_version=data.get("expected_version"))
            return Response(_penalty(penalty_id))

    return View


PenaltyConcludeView = _penalty_end_view(penalty_services.penalty_conclude, PenaltyAction.CONCLUDE,
                                        "行政处罚执行完毕（区县管理员）")
PenaltyWithdrawView = _penalty_end_view(penalty_services.penalty_withdraw, PenaltyAction.WITHDRAW,
                                        "撤销行政处罚（区县管理员）")


class ClosureListView(Cases, generics.ListAPIView):
    serializer_class = ClosureSerializer

    def get_queryset(self):
        if fake(self):
            return Closure._base_manager.none()
        status_ = self.request.query_params.get("status")
        return (selectors.closure_list(status=status_ if status_ in ClosureStatus.values else None)
                .prefetch_related("items"))

    @extend_schema(tags=TAGS, summary="关停应急处置（本辖区；举办者：本机构）", responses={200: ClosureSerializer(many=True)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(tags=TAGS, summary="启动关停应急处置（区县管理员）", request=ClosureCreateSerializer,
                   responses={201: ClosureSerializer, **errors(400, 403, 404, 409)})
    def post(self, request):
        values = parse_for_roles(request, ClosureCreateSerializer, roles=ENFORCERS, obj=None)
        institution_id = values.pop("institution_id")
        closure = closure_services.closure_open(actor=request.user, institution_id=institution_id, data=values)
        return Response(_closure(closure.pk), status=status.HTTP_201_CREATED)


class ClosureDetailView(Cases, APIView):
    @extend_schema(tags=TAGS, summary="关停应急处置及安置清单", responses={200: ClosureSerializer, **errors(403, 404)})
    def get(self, request, closure_id: int):
        return Response(_closure(closure_id))


class ClosureItemView(Cases, APIView):
    @extend_schema(tags=TAGS, summary="更新安置事项（区县审核员、检查员、管理员）", request=ClosureItemUpdateSerializer,
                   responses={200: ClosureSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, closure_id: int):
        closure = selectors.closure_get(closure_id=closure_id)
        values = parse_for_roles(request, ClosureItemUpdateSerializer, roles=CLOSURE_TRACKERS, obj=closure)
        version = values.pop("expected_version", None)
        closure_services.closure_item_update(actor=request.user, closure_id=closure_id, data=values,
                                             expected_version=version)
        return Response(_closure(closure_id))


def _closure_end_view(service, action, summary: str):
    class View(Cases, APIView):
        @extend_schema(tags=TAGS, summary=summary, request=EndSerializer,
                       responses={200: ClosureSerializer, **errors(400, 403, 404, 409)})
        def post(self, request, closure_id: int):
            closure = selectors.closure_get(closure_id=closure_id)
            data = parse_for_roles(request, EndSerializer, roles=CLOSURE.roles_for(action), obj=closure)
            service(actor=request.user, closure_id=closure_id, reason=data.get("reason", ""),
                    expected_version=data.get("expected_version"))
            return Response(_closure(closure_id))

    return View


ClosureCompleteView = _closure_end_view(closure_services.closure_complete, ClosureAction.COMPLETE,
                                        "关停应急处置办结（须安置清单全部完成）")
ClosureCancelView = _closure_end_view(closure_services.closure_cancel, ClosureAction.CANCEL, "撤销关停应急处置")


class GradeListView(Grades, generics.ListAPIView):
    serializer_class = GradeSerializer

    def get_queryset(self):
        if fake(self):
            return InstitutionGrade._base_manager.none()
        grade = self.request.query_params.get("grade")
        return grade_selectors.grade_list(grade=grade if grade in {"A", "B", "C", "D"} else None)

    @extend_schema(tags=TAGS, summary="风险信用等级（本辖区，D 级在前）", responses={200: GradeSerializer(many=True)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class InstitutionGradeView(Grades, APIView):
    @extend_schema(tags=TAGS, summary="机构的风险信用等级与计分明细",
                   description="尚未评级的机构答 200，grade 为 null。",
                   responses={200: GradeSerializer, **errors(403, 404)})
    def get(self, request, institution_id: int):
        found = grade_selectors.grade_get(institution_id=institution_id)
        if found["grade"] is None:
            return Response({"institution": institution_id, "institution_name": found["institution"].name,
                             "grade": None, "breakdown": []})
        return Response(GradeSerializer(found["grade"]).data)


urlpatterns = [
    path("penalties/", PenaltyListView.as_view(), name="api-penalties"),
    path("penalties/<int:penalty_id>/", PenaltyDetailView.as_view(), name="api-penalty"),
    path("penalties/<int:penalty_id>/conclude/", PenaltyConcludeView.as_view(), name="api-penalty-conclude"),
    path("penalties/<int:penalty_id>/withdraw/", PenaltyWithdrawView.as_view(), name="api-penalty-withdraw"),
    path("closures/", ClosureListView.as_view(), name="api-closures"),
    path("closures/<int:closure_id>/", ClosureDetailView.as_view(), name="api-closure"),
    path("closures/<int:closure_id>/items/", ClosureItemView.as_view(), name="api-closure-items"),
    path("closures/<int:closure_id>/complete/", ClosureCompleteView.as_view(), name="api-closure-complete"),
    path("closures/<int:closure_id>/cancel/", ClosureCancelView.as_view(), name="api-closure-cancel"),
    path("grades/", GradeListView.as_view(), name="api-grades"),
    path("institutions/<int:institution_id>/grade/", InstitutionGradeView.as_view(), name="api-grade"),
]
