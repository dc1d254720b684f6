"""Complaint and incident API: thin — parse with a serializer (``supervision.inputs_complaints``),
call one service or selector, serialize.

- Public, no login: ``POST /api/v1/public/complaints/`` (→ 201 with the tracking code) and
  ``GET /api/v1/public/complaints/{code}/`` (status, deadline, outcome, public reply only), both
  limited per client address (429 with ``Retry-After``).
- District: ``/api/v1/complaints/`` (queue, one complaint with its internal history, actions
  assign / note / reply / close / link / reopen) and ``/api/v1/incidents/`` (queue; operators
  report with POST and read their own; actions follow-up / acknowledge / close / blacklist-review).

Errors: ``{"code", "message", "fields"}`` (``core.api.exception_handler``); out of scope → 404.
"""

from __future__ import annotations

import django_filters
from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import FilterSet, TenantScopedMixin, error_response, fake, parse_for_roles, role_permission
from core.audit import client_ip
from core.inputs import ParsedSerializerMixin
from core.ratelimit import hit
from core.serialization import FastReadMixin

from .. import inputs_complaints as inputs
from ..models import (
    BlacklistReview,
    Complaint,
    ComplaintOutcome,
    ComplaintStatus,
    Incident,
    IncidentKind,
    IncidentSeverity,
    IncidentStatus,
)
from ..selectors import complaints as selectors
from ..services import complaints as services
from ..services import incidents as incident_services
from ..workflow import (
    BLACKLIST_REVIEWERS,
    COMPLAINT,
    COMPLAINT_HANDLERS,
    COMPLAINT_READERS,
    INCIDENT,
    INCIDENT_HANDLERS,
    INCIDENT_READERS,
    INCIDENT_REPORTERS,
    OPEN_COMPLAINT_STATES,
    ComplaintAction,
    IncidentAction,
)
from .serializers import ErrorSerializer as E

ERRORS = {400: OpenApiResponse(E, description="数据有误（fields 标注字段与错误代码）"),
          403: OpenApiResponse(E, description="角色不允许该操作"),
          404: OpenApiResponse(E, description="不存在或不在管辖范围内"),
          409: OpenApiResponse(E, description="状态不允许或已被他人修改"),
          429: OpenApiResponse(E, description="请求过于频繁（Retry-After 秒后再试）")}
PUBLIC_TAGS, COMPLAINT_TAGS, INCIDENT_TAGS = ["public-complaints"], ["complaints"], ["incidents"]


def errors(*codes: int) -> dict:
    return {c: ERRORS[c] for c in codes}



def _limited(request, name: str, limits):
    verdict = hit(name, client_ip(request), limits=limits)
    if verdict.allowed:
        return None
    response = error_response("rate_limited", f"请求过于频繁，请 {max(1, -(-verdict.retry_after // 60))} 分钟后再试。",
                              status_code=status.HTTP_429_TOO_MANY_REQUESTS)
    response["Retry-After"] = str(verdict.retry_after)
    return response


# --- serializers ------------------------------------------------------------------------------------------

class PublicComplaintCreateSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = inputs.PUBLIC_COMPLAINT
    required_fields = inputs.PUBLIC_COMPLAINT_REQUIRED
    institution = serializers.IntegerField(help_text="被投诉机构的 id（须为已备案或暂停服务的机构）")
    text = serializers.CharField(help_text=f"投诉内容，{inputs.TEXT_MIN_LENGTH}–{inputs.TEXT_MAX_LENGTH} 字")
    contact_name = serializers.CharField(required=False, help_text="联系人（选填）")
    contact_phone = serializers.CharField(required=False, help_text="联系电话（选填；加密保存，不公开）")


PublicComplaintSerializer = inline_serializer("PublicComplaint", {
    "code": serializers.CharField(help_text="查询码（XXXX-XXXX-XXXX）"),
    "institution_name": serializers.CharField(),
    "status": serializers.ChoiceField(choices=ComplaintStatus.choices),
    "status_label": serializers.CharField(),
    "received_at": serializers.DateTimeField(),
    "due_at": serializers.DateTimeField(help_text="办理期限"),
    "overdue": serializers.BooleanField(),
    "outcome": serializers.ChoiceField(choices=ComplaintOutcome.choices, allow_null=True),
    "outcome_label": serializers.CharField(allow_null=True),
    "public_reply": serializers.CharField(allow_null=True, help_text="卫生健康部门的答复"),
    "replied_at": serializers.DateTimeField(allow_null=True),
    "closed_at": serializers.DateTimeField(allow_null=True),
    "followup_inspection_arranged": serializers.BooleanField(help_text="是否已安排后续（专项）检查"),
})


class PublicLookup(serializers.Serializer):
    """Serializes the selector's dict (only public fields)."""

    code = serializers.CharField()
    institution_name = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    received_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    overdue = serializers.BooleanField()
    outcome = serializers.CharField(allow_null=True)
    outcome_label = serializers.CharField(allow_null=True)
    public_reply = serializers.CharField(allow_null=True)
    replied_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    followup_inspection_arranged = serializers.BooleanField()


class ComplaintSerializer(FastReadMixin, serializers.ModelSerializer):
    """A complaint for the district (the contact's phone masked)."""

    tracking_code = serializers.CharField(source="tracking_code_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    outcome_label = serializers.CharField(source="get_outcome_display", read_only=True)
    assignee_name = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = ["id", "tracking_code", "institution", "institution_name", "text", "contact_name",
                  "contact_phone_masked", "status", "status_label", "received_at", "due_at", "overdue", "assignee",
                  "assignee_name", "public_reply", "replied_at", "outcome", "outcome_label", "closed_at",
                  "followup_reference", "followup_inspection", "district", "version", "updated_at"]
        read_only_fields = fields

    def get_assignee_name(self, obj) -> str | None:
        return (obj.assignee.get_full_name() or obj.assignee.username) if obj.assignee_id else None

    def get_overdue(self, obj) -> bool:
        return selectors.is_overdue(obj)


class EventSerializer(serializers.Serializer):
    action = serializers.CharField()
    action_label = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor = serializers.CharField(allow_null=True)
    reason = serializers.CharField()
    items = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()


def _events(rows, labels) -> list[dict]:
    return [{"action": e.action, "action_label": str(labels.get(e.action, e.action)), "from_status": e.from_status,
             "to_status": e.to_status, "actor": (e.actor.get_full_name() or e.actor.username) if e.actor else None,
             "reason": e.reason, "items": e.items, "created_at": e.created_at} for e in rows]


class ComplaintDetailSerializer(ComplaintSerializer):
    history = serializers.SerializerMethodField(help_text="办理记录（含内部备注；不对投诉人公开）")

    class Meta(ComplaintSerializer.Meta):
        fields = [*ComplaintSerializer.Meta.fields, "history"]
        read_only_fields = fields

    @extend_schema_field(EventSerializer(many=True))
    def get_history(self, obj):
        return EventSerializer(_events(selectors.complaint_history(complaint=obj), dict(ComplaintAction.choices)),
                               many=True).data


class AssignSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = inputs.ASSIGN
    required_fields = ("assignee",)
    assignee = serializers.IntegerField(help_text="承办人的用户 id（本区县审核员、检查员或管理员）")
    expected_version = serializers.IntegerField(required=False)


class NoteSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = inputs.NOTE
    required_fields = ("text",)
    text = serializers.CharField(help_text="内部备注（投诉人看不到）")


class ReplySerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = {**inputs.REPLY, **inputs.VERSION}
    required_fields = ("public_reply",)
    public_reply = serializers.CharField(help_text="给投诉人的答复（凭查询码可见）")
    expected_version = serializers.IntegerField(required=False)


class CloseSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = inputs.CLOSE
    required_fields = ("outcome",)
    outcome = serializers.ChoiceField(choices=ComplaintOutcome.choices)
    public_reply = serializers.CharField(required=False, help_text="答复（此前已答复的可省略）")
    expected_version = serializers.IntegerField(required=False)


class LinkSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = inputs.LINK
    required_fields = ("followup_reference",)
    followup_reference = serializers.CharField(help_text="后续（专项）检查的编号或说明")
    followup_inspection_id = serializers.IntegerField(required=False, allow_null=True)


class ComplaintReasonSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = inputs.REASON
    required_fields = ("reason",)
    reason = serializers.CharField()


class IncidentSerializer(FastReadMixin, serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    severity_label = serializers.CharField(source="get_severity_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    blacklist_review_label = serializers.CharField(source="get_blacklist_review_display", read_only=True)

    class Meta:
        model = Incident
        fields = ["id", "institution", "institution_name", "kind", "kind_label", "severity", "severity_label",
                  "children_affected", "occurred_at", "description", "status", "status_label", "blacklist_review",
                  "blacklist_review_label", "reported_at", "closed_at", "followup_inspection", "district", "version",
                  "updated_at"]
        read_only_fields = fields


class IncidentCreateSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = inputs.INCIDENT
    required_fields = inputs.INCIDENT_REQUIRED
    kind = serializers.ChoiceField(choices=IncidentKind.choices)
    severity = serializers.ChoiceField(choices=IncidentSeverity.choices)
    children_affected = serializers.IntegerField(min_value=0)
    occurred_at = serializers.DateTimeField(help_text="发生时间（ISO 8601；无时区按北京时间），不晚于现在")
    description = serializers.CharField()


class FollowUpSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = inputs.FOLLOW_UP
    required_fields = ("text",)
    text = serializers.CharField()


class ResolutionSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = inputs.RESOLUTION
    required_fields = ("resolution",)
    resolution = serializers.CharField()
    expected_version = serializers.IntegerField(required=False)


class IncidentVersionSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = inputs.VERSION
    expected_version = serializers.IntegerField(required=False)


# --- public views -----------------------------------------------------------------------------------------

class PublicComplaintCreateView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(tags=PUBLIC_TAGS, summary="投诉举报（无需登录）", request=PublicComplaintCreateSerializer,
                   description="对已备案（或暂停服务）的机构投诉；答 201 与查询码。机构不存在或未备案答 400 "
                               "institution_invalid；内容过短 text_too_short、过长 too_long；每个网络地址限次（429）。",
                   responses={201: PublicComplaintSerializer, **errors(400, 429)})
    def post(self, request):
        limited = _limited(request, "complaint_submit", settings.COMPLAINT_RATE_LIMITS)
        if limited is not None:
            return limited
        data = PublicComplaintCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = services.complaint_submit(data=data.validated_data)
        found = selectors.public_complaint_lookup(code=complaint.tracking_code)
        return Response(PublicLookup(found).data, status=status.HTTP_201_CREATED)


class PublicComplaintDetailView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(tags=PUBLIC_TAGS, summary="凭查询码查询投诉（无需登录）",
                   description="只含状态、办理期限、核查结论与答复；不含内部备注和联系人。查询码格式不对答 400 code_invalid，"
                               "查无答 404；每个网络地址限次（429）。",
                   responses={200: PublicComplaintSerializer, **errors(400, 404, 429)})
    def get(self, request, code: str):
        limited = _limited(request, "complaint_track", settings.COMPLAINT_TRACK_RATE_LIMITS)
        if limited is not None:
            return limited
        data = TrackSerializer(data={"code": code})
        data.is_valid(raise_exception=True)
        found = selectors.public_complaint_lookup(code=data.validated_data["code"])
        if found is None:
            return error_response("not_found", "没有该查询码的投诉，请核对查询码。", status_code=status.HTTP_404_NOT_FOUND)
        response = Response(PublicLookup(found).data)
        response["Cache-Control"] = "no-store"
        return response


class TrackSerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = inputs.TRACK
    code = serializers.CharField()


# --- the district's complaints ----------------------------------------------------------------------------

ComplaintReaders = role_permission(COMPLAINT_READERS, "您当前的角色不能查看投诉举报。")
IncidentReaders = role_permission(INCIDENT_READERS, "您当前的角色不能查看突发事件。")


class ComplaintScoped(TenantScopedMixin):
    permission_classes = [*APIView.permission_classes, ComplaintReaders]


class IncidentScoped(TenantScopedMixin):
    permission_classes = [*APIView.permission_classes, IncidentReaders]


class ComplaintFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=ComplaintStatus.choices, help_text="状态")
    overdue = django_filters.BooleanFilter(method="filter_overdue", help_text="true：未办结且已超过办理期限")

    class Meta:
        model = Complaint
        fields = ["status", "overdue"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        from django.utils import timezone

        late = {"status__in": OPEN_COMPLAINT_STATES, "due_at__lt": timezone.now()}
        return queryset.filter(**late) if value else queryset.exclude(**late)


def _complaint(complaint_id: int) -> dict:
    return ComplaintDetailSerializer(selectors.complaint_get(complaint_id=complaint_id)).data


class ComplaintListView(ComplaintScoped, generics.ListAPIView):
    serializer_class = ComplaintSerializer
    filterset_class = ComplaintFilter

    def get_queryset(self):
        if fake(self):
            return Complaint._base_manager.none()
        return selectors.complaint_queue()

    @extend_schema(tags=COMPLAINT_TAGS, summary="投诉举报（本辖区；按办理期限排列）",
                   responses={200: ComplaintSerializer(many=True), **errors(403)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ComplaintDetailView(ComplaintScoped, APIView):
    @extend_schema(tags=COMPLAINT_TAGS, summary="投诉详情（含办理记录）",
                   responses={200: ComplaintDetailSerializer, **errors(403, 404)})
    def get(self, request, complaint_id: int):
        return Response(_complaint(complaint_id))


def _action(serializer_class, summary: str, description: str, call, *, roles):
    """A POST action on one complaint: 404 out of scope first, 403 for a role outside ``roles`` (the
    service's set) before the body is read, then parse, then the service."""

    class ActionView(ComplaintScoped, APIView):
        @extend_schema(tags=COMPLAINT_TAGS, summary=summary, description=description, request=serializer_class,
                       responses={200: ComplaintDetailSerializer, **errors(400, 403, 404, 409)})
        def post(self, request, complaint_id: int):
            complaint = selectors.complaint_get(complaint_id=complaint_id)
            data = parse_for_roles(request, serializer_class, roles=roles, obj=complaint)
            call(request.user, complaint_id, data)
            return Response(_complaint(complaint_id))

    ActionView.__name__ = ActionView.__qualname__ = f"Complaint{serializer_class.__name__.removesuffix('Serializer')}View"
    return ActionView


ComplaintAssignView = _action(
    AssignSerializer, "分派承办人", "待分派或办理中 → 办理中（区县管理员、审核员）；承办人不属本区县答 assignee_invalid。",
    lambda actor, pk, d: services.complaint_assign(actor=actor, complaint_id=pk, assignee_id=d["assignee"],
                                                   expected_version=d.get("expected_version")),
    roles=COMPLAINT.transition(ComplaintAction.ASSIGN).roles)
ComplaintNoteView = _action(
    NoteSerializer, "内部备注", "投诉人看不到。",
    lambda actor, pk, d: services.complaint_note(actor=actor, complaint_id=pk, text=d["text"]),
    roles=COMPLAINT_HANDLERS)
ComplaintReplyView = _action(
    ReplySerializer, "答复投诉人", "投诉人凭查询码可见；已办结答 409 complaint_closed。",
    lambda actor, pk, d: services.complaint_reply(actor=actor, complaint_id=pk, public_reply=d["public_reply"],
                                                  expected_version=d.get("expected_version")),
    roles=COMPLAINT_HANDLERS)
ComplaintCloseView = _action(
    CloseSerializer, "办结", "办理中 → 已办结（承办人或区县管理员）；须有核查结论和答复（reply_required）。",
    lambda actor, pk, d: services.complaint_close(actor=actor, complaint_id=pk, outcome=d["outcome"],
                                                  public_reply=d.get("public_reply", ""),
                                                  expected_version=d.get("expected_version")),
    roles=COMPLAINT.transition(ComplaintAction.CLOSE).roles)
ComplaintLinkView = _action(
    LinkSerializer, "关联后续检查", "记录投诉引发的专项检查（编号或说明）。",
    lambda actor, pk, d: services.complaint_link_followup(
        actor=actor, complaint_id=pk, followup_reference=d["followup_reference"],
        followup_inspection_id=d.get("followup_inspection_id")),
    roles=COMPLAINT_HANDLERS)
ComplaintReopenView = _action(
    ComplaintReasonSerializer, "重新办理", "已办结 → 办理中（区县管理员，须说明原因）。",
    lambda actor, pk, d: services.complaint_reopen(actor=actor, complaint_id=pk, reason=d["reason"]),
    roles=COMPLAINT.transition(ComplaintAction.REOPEN).roles)


# --- incidents -----------------------------------------------------------------------------------------------

class IncidentFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=IncidentStatus.choices, help_text="状态")
    kind = django_filters.ChoiceFilter(choices=IncidentKind.choices, help_text="类别")
    blacklist_review = django_filters.ChoiceFilter(choices=[(BlacklistReview.PENDING, "待审查"),
                                                            (BlacklistReview.DONE, "已审查")],
                                                   help_text="疑似虐童事件的从业禁止审查")

    class Meta:
        model = Incident
        fields = ["status", "kind", "blacklist_review"]


class IncidentDetailSerializer(IncidentSerializer):
    history = serializers.SerializerMethodField(help_text="报告、跟进记录、受理、结案与从业禁止审查")

    class Meta(IncidentSerializer.Meta):
        fields = [*IncidentSerializer.Meta.fields, "history"]
        read_only_fields = fields

    @extend_schema_field(EventSerializer(many=True))
    def get_history(self, obj):
        return EventSerializer(_events(selectors.incident_history(incident=obj), dict(IncidentAction.choices)),
                               many=True).data


def _incident(incident_id: int) -> dict:
    return IncidentDetailSerializer(selectors.incident_get(incident_id=incident_id)).data


class IncidentListView(IncidentScoped, generics.ListAPIView):
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilter

    def get_queryset(self):
        if fake(self):
            return Incident._base_manager.none()
        return selectors.incident_list()

    @extend_schema(tags=INCIDENT_TAGS, summary="突发事件（本辖区；举办者：本机构）",
                   responses={200: IncidentSerializer(many=True), **errors(403)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(tags=INCIDENT_TAGS, summary="报告突发事件（机构举办者/负责人）", request=IncidentCreateSerializer,
                   description="区县卫生健康部门即时收到通知；疑似虐童（suspected_abuse）同时开启从业禁止审查。"
                               "发生时间晚于现在答 occurred_in_future。",
                   responses={201: IncidentDetailSerializer, **errors(400, 403, 404, 409)})
    def post(self, request):
        data = parse_for_roles(request, IncidentCreateSerializer, roles=INCIDENT_REPORTERS, obj=None)
        incident = incident_services.incident_report(actor=request.user,
                                                     institution_id=request.assignment.institution_id or 0,
                                                     data=data)
        return Response(_incident(incident.pk), status=status.HTTP_201_CREATED)


class IncidentDetailView(IncidentScoped, APIView):
    @extend_schema(tags=INCIDENT_TAGS, summary="事件详情（含跟进记录）",
                   responses={200: IncidentDetailSerializer, **errors(403, 404)})
    def get(self, request, incident_id: int):
        return Response(_incident(incident_id))


def _incident_action(serializer_class, name: str, summary: str, description: str, call, *, roles):
    """As ``_action`` for one incident: 404, then 403 for a role outside ``roles``, then parse."""

    class ActionView(IncidentScoped, APIView):
        @extend_schema(tags=INCIDENT_TAGS, summary=summary, description=description, request=serializer_class,
                       responses={200: IncidentDetailSerializer, **errors(400, 403, 404, 409)})
        def post(self, request, incident_id: int):
            incident = selectors.incident_get(incident_id=incident_id)
            data = parse_for_roles(request, serializer_class, roles=roles, obj=incident)
            call(request.user, incident_id, data)
            return Response(_incident(incident_id))

    ActionView.__name__ = ActionView.__qualname__ = f"Incident{name}View"
    return ActionView


IncidentFollowUpView = _incident_action(
    FollowUpSerializer, "FollowUp", "添加跟进记录（举办者或区县）", "结案后答 409 incident_closed。",
    lambda actor, pk, d: incident_services.incident_follow_up(actor=actor, incident_id=pk, text=d["text"]),
    roles=INCIDENT_HANDLERS | INCIDENT_REPORTERS)
IncidentAcknowledgeView = _incident_action(
    IncidentVersionSerializer, "Acknowledge", "受理跟进（区县）", "已报告 → 跟进中。",
    lambda actor, pk, d: incident_services.incident_acknowledge(actor=actor, incident_id=pk,
                                                                expected_version=d.get("expected_version")),
    roles=INCIDENT.transition(IncidentAction.ACKNOWLEDGE).roles)
IncidentCloseView = _incident_action(
    ResolutionSerializer, "Close", "结案（区县）", "跟进中 → 已结案；疑似虐童须先完成从业禁止审查（blacklist_review_pending）。",
    lambda actor, pk, d: incident_services.incident_close(actor=actor, incident_id=pk, resolution=d["resolution"],
                                                          expected_version=d.get("expected_version")),
    roles=INCIDENT.transition(IncidentAction.CLOSE).roles)
IncidentBlacklistReviewView = _incident_action(
    ComplaintReasonSerializer, "BlacklistReview", "完成从业禁止审查（区县管理员）",
    "记录审查结果（已列入谁，或为何无需列入）；列入本身在从业禁止名单页面完成。没有待审查的答 409 no_blacklist_review。",
    lambda actor, pk, d: incident_services.incident_blacklist_review_done(actor=actor, incident_id=pk,
                                                                          reason=d["reason"]),
    roles=BLACKLIST_REVIEWERS)
