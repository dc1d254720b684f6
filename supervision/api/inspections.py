"""API of random inspections and rectification (``/api/v1/``): thin views that read input with the
parsers of ``supervision.inspection_inputs`` (``ParsedSerializerMixin``), call one service or
selector and answer the row. Errors: ``{"code", "message", "fields"}``; rows outside the scope 404.

Readers: plans, draws, roster and checklists — commission staff; inspections and orders — commission
staff, and operators for their own institution's inspections and orders (the scoped managers decide).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core import inputs as core_inputs
from core.api import TenantScopedMixin, fake, parse_for_roles, role_permission
from core.inputs import ParsedSerializerMixin
from core.roles import Role
from core.serialization import FastReadMixin

from .. import inspection_inputs as inputs
from ..models import (
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionPlan,
    Inspector,
    InspectorConflict,
    PlanDraw,
    RectificationItem,
    RectificationOrder,
    RectificationReply,
)
from ..selectors import inspections as selectors
from ..services import inspections as services
from ..services import rectification as rectification_services
from ..workflow import (
    INSPECTION,
    INSPECTION_READERS,
    INSPECTORS,
    ORDER,
    PLAN,
    PLANNERS,
    InspectionAction,
    OrderAction,
    PlanAction,
)
from .views import ERRORS

TAGS = ["inspections"]
VERSION_PARSER = {"expected_version": core_inputs.integer(low=1, high=2_147_483_647, required=False, label="版本")}


def errors(*codes: int) -> dict:
    return {c: ERRORS[c] for c in codes}


CommissionOnly = role_permission(INSPECTION_READERS, "您当前的角色不能查看监督检查。")
CommissionOrOperator = role_permission(INSPECTION_READERS | {Role.OPERATOR}, "您当前的角色不能查看监督检查。")


class Commission(TenantScopedMixin):
    permission_classes = [*APIView.permission_classes, CommissionOnly]


class Shared(TenantScopedMixin):
    permission_classes = [*APIView.permission_classes, CommissionOrOperator]



def parsed(parsers, required=(), **extra):
    """An input serializer reading ``parsers`` (documents nothing beyond them: the parsers decide)."""
    return type("Input", (ParsedSerializerMixin, serializers.Serializer),
                {"parsers": {**parsers, **extra}, "required_fields": tuple(required)})


def read(request, parsers, required=(), *, roles, obj, **extra) -> dict:
    """The body, read only once the caller's role is one of ``roles`` for ``obj`` (``None``: a new record,
    the role held anywhere): 404 out of scope, 403 outside the duty whatever the body, then 400
    (``core.api.parse_for_roles``). ``roles``: the service's own set or its transitions'."""
    return parse_for_roles(request, parsed(parsers, required, **extra), roles=roles, obj=obj)


# --- output -----------------------------------------------------------------------------------------

class ItemSerializer(FastReadMixin, serializers.ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = ["id", "code", "dimension", "text", "basis", "severity", "position"]


class TemplateSerializer(FastReadMixin, serializers.ModelSerializer):
    items = ItemSerializer(many=True, read_only=True)

    class Meta:
        model = ChecklistTemplate
        fields = ["id", "name", "version", "based_on", "national_version", "current", "change_reason", "created_at",
                  "items"]


class ConflictSerializer(FastReadMixin, serializers.ModelSerializer):
    class Meta:
        model = InspectorConflict
        fields = ["id", "institution", "uscc", "note", "created_at"]


class InspectorSerializer(FastReadMixin, serializers.ModelSerializer):
    conflicts = ConflictSerializer(many=True, read_only=True)

    class Meta:
        model = Inspector
        fields = ["id", "name", "department", "user", "active", "conflicts", "created_at"]


class PlanSerializer(FastReadMixin, serializers.ModelSerializer):
    class Meta:
        model = InspectionPlan
        fields = ["id", "name", "period_start", "period_end", "departments", "rates", "inspectors_per_inspection",
                  "seed", "status", "version", "created_at"]


class DrawSerializer(FastReadMixin, serializers.ModelSerializer):
    class Meta:
        model = PlanDraw
        fields = ["id", "plan", "number", "seed", "reason", "population", "by_grade", "created_at"]


class InspectionSerializer(FastReadMixin, serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    inspector_ids = serializers.SerializerMethodField()
    signed_inspector_ids = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = ["id", "institution", "institution_name", "origin", "reference", "plan", "draw", "grade",
                  "template", "status", "version", "inspector_ids", "signed_inspector_ids", "inspected_on",
                  "conclusion", "completed_at", "publish_due_at", "published_at", "created_at"]

    def get_inspector_ids(self, obj) -> list[int]:
        return [a.inspector_id for a in obj.assigned.all()]

    def get_signed_inspector_ids(self, obj) -> list[int]:
        return [a.inspector_id for a in obj.assigned.all() if a.signed_at]


class RectificationItemSerializer(FastReadMixin, serializers.ModelSerializer):
    class Meta:
        model = RectificationItem
        fields = ["id", "code", "text", "basis", "severity", "note", "due_at"]


class ReplySerializer(FastReadMixin, serializers.ModelSerializer):
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = RectificationReply
        fields = ["id", "text", "created_at", "decision", "decision_reason", "new_due_at", "decided_at", "evidence"]

    def get_evidence(self, obj) -> list[dict]:
        return [{"id": e.pk, "name": e.original_name, "content_type": e.content_type, "size": e.size}
                for e in obj.evidence.all()]


class OrderSerializer(FastReadMixin, serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)

    class Meta:
        model = RectificationOrder
        fields = ["id", "inspection", "institution", "institution_name", "status", "version", "due_at", "closed_at",
                  "created_at"]


class OrderDetailSerializer(OrderSerializer):
    items = RectificationItemSerializer(many=True, read_only=True)
    replies = ReplySerializer(many=True, read_only=True)

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "items", "replies"]


# --- checklists and roster --------------------------------------------------------------------------

class ChecklistView(Commission, APIView):
    @extend_schema(tags=TAGS, summary="本辖区当前检查清单（首次使用时复制国家默认清单）",
                   responses={200: TemplateSerializer, **errors(403)})
    def get(self, request):
        template = selectors.checklist_current(district_id=request.assignment.region_id)
        if template is None:
            return Response({"items": [], "version": None, "current": False})
        return Response(TemplateSerializer(template).data)

    @extend_schema(tags=TAGS, summary="修订检查清单（区县管理员；生成新版本，旧版本保留）",
                   request=parsed(inputs.CHECKLIST), responses={201: TemplateSerializer, **errors(400, 403)})
    def post(self, request):
        template = services.checklist_revise(actor=request.user, data=read(request, inputs.CHECKLIST, roles=PLANNERS,
                                                                              obj=None))
        return Response(TemplateSerializer(selectors.checklist_get(template_id=template.pk)).data,
                        status=status.HTTP_201_CREATED)


class InspectorListView(Commission, generics.ListAPIView):
    serializer_class = InspectorSerializer

    def get_queryset(self):
        return Inspector._base_manager.none() if fake(self) else selectors.inspector_list()

    @extend_schema(tags=TAGS, summary="检查人员名录", responses={200: InspectorSerializer(many=True), **errors(403)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(tags=TAGS, summary="录入检查人员（区县管理员）", request=parsed(inputs.INSPECTOR),
                   responses={201: InspectorSerializer, **errors(400, 403)})
    def post(self, request):
        inspector = services.inspector_create(actor=request.user, data=read(
            request, inputs.INSPECTOR, inputs.INSPECTOR_REQUIRED, roles=PLANNERS, obj=None))
        return Response(InspectorSerializer(selectors.inspector_get(inspector_id=inspector.pk)).data,
                        status=status.HTTP_201_CREATED)


class InspectorConflictView(Commission, APIView):
    @extend_schema(tags=TAGS, summary="申报利益冲突（机构或举办者信用代码）", request=parsed(inputs.CONFLICT),
                   responses={201: InspectorSerializer, **errors(400, 403, 404)})
    def post(self, request, inspector_id: int):
        inspector = selectors.inspector_get(inspector_id=inspector_id)
        services.conflict_declare(actor=request.user, inspector_id=inspector_id,
                                  data=read(request, inputs.CONFLICT, roles=INSPECTORS, obj=inspector))
        return Response(InspectorSerializer(selectors.inspector_get(inspector_id=inspector_id)).data,
                        status=status.HTTP_201_CREATED)


# --- plans and draws --------------------------------------------------------------------------------

class PlanListView(Commission, generics.ListAPIView):
    serializer_class = PlanSerializer

    def get_queryset(self):
        return InspectionPlan._base_manager.none() if fake(self) else selectors.plan_list()

    @extend_schema(tags=TAGS, summary="抽查计划", responses={200: PlanSerializer(many=True), **errors(403)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(tags=TAGS, summary="创建抽查计划（区县管理员）", request=parsed(inputs.PLAN),
                   description="rates 为各等级抽查比例（百分比），未给出的等级取本地区默认（A 5、B 10、C 30、D 100）；"
                               "inspectors_per_inspection ≥ 2；seed 可选，不给则随机生成并留存。",
                   responses={201: PlanSerializer, **errors(400, 403)})
    def post(self, request):
        plan = services.plan_create(actor=request.user, data=read(request, inputs.PLAN, inputs.PLAN_REQUIRED,
                                                                  roles=PLANNERS, obj=None))
        return Response(PlanSerializer(plan).data, status=status.HTTP_201_CREATED)


class PlanDetailView(Commission, APIView):
    @extend_schema(tags=TAGS, summary="抽查计划详情（含历次抽取）", responses={200: PlanSerializer, **errors(403, 404)})
    def get(self, request, plan_id: int):
        plan = selectors.plan_get(plan_id=plan_id)
        return Response({**PlanSerializer(plan).data,
                         "draws": DrawSerializer(selectors.plan_draws(plan=plan), many=True).data})


class PlanDrawView(Commission, APIView):
    @extend_schema(tags=TAGS, summary="抽取（首次）或重新抽取（须说明原因）", request=parsed(inputs.DRAW),
                   description="按等级抽取机构并随机分派检查人员（排除申报了利益冲突的）。已抽取过的计划再次抽取而不给 reason："
                               "409 redraw_reason_required；此前的抽取留档，未开始的检查取消。",
                   responses={201: DrawSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, plan_id: int):
        plan = selectors.plan_get(plan_id=plan_id)
        data = read(request, inputs.DRAW, roles=PLAN.roles_for(PlanAction.DRAW, PlanAction.REDRAW), obj=plan)
        record = services.plan_draw(actor=request.user, plan_id=plan_id, data=data)
        inspections = selectors.inspection_list(draw_id=record.pk).order_by("institution_id")
        return Response({**DrawSerializer(record).data,
                         "inspections": [{"id": i.pk, "institution_id": i.institution_id, "grade": i.grade,
                                          "inspector_ids": [a.inspector_id for a in i.assigned.all()]}
                                         for i in inspections]},
                        status=status.HTTP_201_CREATED)


# --- inspections ------------------------------------------------------------------------------------

class InspectionListView(Shared, generics.ListAPIView):
    serializer_class = InspectionSerializer

    def get_queryset(self):
        if fake(self):
            return Inspection._base_manager.none()
        return selectors.inspection_list(status=self.request.query_params.get("status") or None)

    @extend_schema(tags=TAGS, summary="监督检查", responses={200: InspectionSerializer(many=True), **errors(403)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(tags=TAGS, summary="创建专项（非随机）检查：投诉、事件、专项行动等", request=parsed(inputs.TARGETED),
                   responses={201: InspectionSerializer, **errors(400, 403)})
    def post(self, request):
        inspection = services.inspection_create_targeted(actor=request.user, data=read(
            request, inputs.TARGETED, inputs.TARGETED_REQUIRED, roles=INSPECTORS, obj=None))
        return Response(InspectionSerializer(selectors.inspection_get(inspection_id=inspection.pk)).data,
                        status=status.HTTP_201_CREATED)


def _inspection_detail(inspection_id: int) -> dict:
    inspection = selectors.inspection_get(inspection_id=inspection_id)
    sheet = selectors.inspection_sheet(inspection=inspection)
    sources = selectors.inspection_sources(inspection=inspection)
    return {**InspectionSerializer(inspection).data,
            "source_complaint": sources["complaint"].pk if sources["complaint"] else None,
            "source_incident": sources["incident"].pk if sources["incident"] else None,
            "items": [{**ItemSerializer(row["item"]).data,
                       "result": row["finding"].result if row["finding"] else None,
                       "note": row["finding"].note if row["finding"] else ""} for row in sheet]}


class InspectionDetailView(Shared, APIView):
    @extend_schema(tags=TAGS, summary="检查详情（含清单与各项结果）", responses={200: InspectionSerializer, **errors(403, 404)})
    def get(self, request, inspection_id: int):
        return Response(_inspection_detail(inspection_id))


class InspectionFindingsView(Commission, APIView):
    @extend_schema(tags=TAGS, summary="记录检查结果（符合 / 不符合 / 不适用）", request=parsed(inputs.FINDINGS),
                   responses={200: InspectionSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, inspection_id: int):
        inspection = selectors.inspection_get(inspection_id=inspection_id)
        services.findings_record(actor=request.user, inspection_id=inspection_id,
                                 data=read(request, inputs.FINDINGS, ("findings",), roles=INSPECTORS, obj=inspection))
        return Response(_inspection_detail(inspection_id))


class PhotoUploadSerializer(serializers.Serializer):
    """Documentation of the multipart body (the view reads it with the parsers)."""

    file = serializers.FileField()
    item_id = serializers.IntegerField(required=False, help_text="检查项目")


class PhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()


class InspectionPhotoView(Commission, APIView):
    @extend_schema(tags=TAGS, summary="上传检查照片（multipart：file，可选 item_id）",
                   request={"multipart/form-data": PhotoUploadSerializer},
                   responses={201: PhotoSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, inspection_id: int):
        inspection = selectors.inspection_get(inspection_id=inspection_id)
        data = read(request, {"item_id": core_inputs.integer(**inputs.ID, required=False, label="检查项目"),
                              "file": lambda v: v}, roles=INSPECTORS, obj=inspection)
        upload = request.FILES.get("file")
        if upload is None:
            return Response({"code": "file_required", "message": "请选择要上传的照片。",
                             "fields": {"file": [{"code": "file_required", "message": "请选择文件。"}]}}, status=400)
        photo = services.photo_upload(actor=request.user, inspection_id=inspection_id, uploaded_file=upload,
                                      item_id=data.get("item_id"))
        return Response({"id": photo.pk, "name": photo.original_name, "content_type": photo.content_type,
                         "size": photo.size}, status=status.HTTP_201_CREATED)


class InspectionSignView(Commission, APIView):
    @extend_schema(tags=TAGS, summary="检查人员签字（全部签字后检查完成，不符合项生成整改通知）",
                   request=parsed(inputs.SIGN), responses={200: InspectionSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, inspection_id: int):
        inspection = selectors.inspection_get(inspection_id=inspection_id)
        services.inspection_sign(actor=request.user, inspection_id=inspection_id,
                                 data=read(request, inputs.SIGN, inputs.SIGN_REQUIRED, roles=INSPECTORS, obj=inspection))
        return Response(_inspection_detail(inspection_id))


class InspectionPublishView(Commission, APIView):
    @extend_schema(tags=TAGS, summary="公示检查结果（机构公开页面）", request=None, responses={200: InspectionSerializer, **errors(403, 404, 409)})
    def post(self, request, inspection_id: int):
        inspection = selectors.inspection_get(inspection_id=inspection_id)
        read(request, {}, roles=INSPECTION.roles_for(InspectionAction.PUBLISH), obj=inspection)
        services.inspection_publish(actor=request.user, inspection_id=inspection_id)
        return Response(_inspection_detail(inspection_id))


# --- rectification ----------------------------------------------------------------------------------

class OrderListView(Shared, generics.ListAPIView):
    serializer_class = OrderSerializer

    def get_queryset(self):
        if fake(self):
            return RectificationOrder._base_manager.none()
        return selectors.order_list(status=self.request.query_params.get("status") or None)

    @extend_schema(tags=TAGS, summary="整改通知", responses={200: OrderSerializer(many=True), **errors(403)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _order(order_id: int) -> dict:
    return OrderDetailSerializer(selectors.order_get(order_id=order_id)).data


class OrderDetailView(Shared, APIView):
    @extend_schema(tags=TAGS, summary="整改通知详情（事项与回复）", responses={200: OrderDetailSerializer, **errors(403, 404)})
    def get(self, request, order_id: int):
        return Response(_order(order_id))


class OrderReplyUploadSerializer(serializers.Serializer):
    """Documentation of the multipart body (the view reads it with the parsers)."""

    text = serializers.CharField(max_length=2000, help_text="整改情况")
    files = serializers.ListField(child=serializers.FileField(), required=False)
    expected_version = serializers.IntegerField(required=False, min_value=1)


class OrderReplyView(Shared, APIView):
    @extend_schema(tags=TAGS, summary="举办者提交整改回复（multipart：text、files[]）",
                   request={"multipart/form-data": OrderReplyUploadSerializer},
                   responses={201: OrderDetailSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, order_id: int):
        order = selectors.order_get(order_id=order_id)
        data = read(request, {**inputs.REPLY, **VERSION_PARSER, "files": lambda v: v}, ("text",),
                    roles=ORDER.roles_for(OrderAction.REPLY), obj=order)
        data.pop("files", None)
        version = data.pop("expected_version", None)
        rectification_services.order_reply(actor=request.user, order_id=order_id, data=data,
                                           files=request.FILES.getlist("files"), expected_version=version)
        return Response(_order(order_id), status=status.HTTP_201_CREATED)


class OrderAcceptView(Commission, APIView):
    @extend_schema(tags=TAGS, summary="核验通过", request=parsed(inputs.ACCEPT),
                   responses={200: OrderDetailSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, order_id: int):
        order = selectors.order_get(order_id=order_id)
        data = read(request, {**inputs.ACCEPT, **VERSION_PARSER}, roles=ORDER.roles_for(OrderAction.ACCEPT), obj=order)
        version = data.pop("expected_version", None)
        rectification_services.order_accept(actor=request.user, order_id=order_id, data=data,
                                            expected_version=version)
        return Response(_order(order_id))


class OrderRejectView(Commission, APIView):
    @extend_schema(tags=TAGS, summary="核验不通过（须说明理由并给出新的整改期限）", request=parsed(inputs.REJECT),
                   responses={200: OrderDetailSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, order_id: int):
        order = selectors.order_get(order_id=order_id)
        data = read(request, {**inputs.REJECT, **VERSION_PARSER}, ("reason", "new_due_on"),
                    roles=ORDER.roles_for(OrderAction.REJECT), obj=order)
        version = data.pop("expected_version", None)
        rectification_services.order_reject(actor=request.user, order_id=order_id, data=data,
                                            expected_version=version)
        return Response(_order(order_id))
