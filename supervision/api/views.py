"""Blacklist API views: thin — parse with a serializer, call one service or selector, serialize.

Every view mixes in ``TenantScopedMixin`` first (token callers act in their scope; rows outside it
answer 404) and is open to the blacklist's readers only (``workflow.BLACKLIST_READERS``: district
reviewers, inspectors and admins, city viewers); writes are the district admin's (the services
decide). Errors: ``{"code", "message", "fields"}`` (``core.api.exception_handler``).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import TenantScopedMixin, fake, parse_for_roles, role_permission
from core.permissions import require_role

from ..models import BlacklistEntry, BlacklistHit
from ..selectors import blacklist as selectors
from ..services import blacklist as services
from ..services import hits as hit_services
from ..workflow import BLACKLIST_READERS, BLACKLIST_WRITERS, ENTRY, HIT, EntryAction, HitAction
from . import serializers as s
from .filters import EntryFilter, HitFilter

E = s.ErrorSerializer
ERRORS = {400: OpenApiResponse(E, description="数据有误（fields 标注字段与错误代码）"),
          403: OpenApiResponse(E, description="角色不允许该操作"),
          404: OpenApiResponse(E, description="不存在或不在管辖范围内"),
          409: OpenApiResponse(E, description="状态不允许、重复或已被他人修改")}
TAGS = ["blacklist"]


def errors(*codes: int) -> dict:
    return {c: ERRORS[c] for c in codes}



# The active assignment's role reads the blacklist (operators and administrative roles: 403).
BlacklistReaders = role_permission(BLACKLIST_READERS, "您当前的角色不能查看从业禁止名单。")


class Readers(TenantScopedMixin):
    permission_classes = [*APIView.permission_classes, BlacklistReaders]


def _entry(entry_id: int):
    return s.EntrySerializer(selectors.entry_get(entry_id=entry_id)).data


class EntryListView(Readers, generics.ListAPIView):
    serializer_class = s.EntrySerializer
    filterset_class = EntryFilter

    def get_queryset(self):
        if fake(self):
            return BlacklistEntry._base_manager.none()
        return selectors.entry_list()

    @extend_schema(tags=TAGS, summary="从业禁止名单（本辖区列入的；市、省可见下辖区县的）",
                   responses={200: s.EntrySerializer(many=True), **errors(403)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(tags=TAGS, summary="列入从业禁止名单（区县管理员）", request=s.EntryCreateSerializer,
                   description="个人或机构；banned_until 为 null 表示终身禁入。列入后即与全国在职人员和机构比对。"
                               "重复列入答 409 entry_duplicate；期限早于今天答 banned_until_past。",
                   responses={201: s.EntrySerializer, **errors(400, 403, 409)})
    def post(self, request):
        data = parse_for_roles(request, s.EntryCreateSerializer, roles=BLACKLIST_WRITERS, obj=None)
        entry = services.entry_create(actor=request.user, data=data)
        return Response(_entry(entry.pk), status=status.HTTP_201_CREATED)


class EntryDetailView(Readers, APIView):
    @extend_schema(tags=TAGS, summary="名单详情", responses={200: s.EntrySerializer, **errors(403, 404)})
    def get(self, request, entry_id: int):
        return Response(_entry(entry_id))

    @extend_schema(tags=TAGS, summary="更正名单（区县管理员；须说明更正原因）", request=s.EntryCorrectSerializer,
                   description="只改提交的字段；correction_reason 必填（reason_required）；已解除的名单答 409 entry_ended；"
                               "expected_version 不符答 409 conflict。",
                   responses={200: s.EntrySerializer, **errors(400, 403, 404, 409)})
    def patch(self, request, entry_id: int):
        entry = selectors.entry_get(entry_id=entry_id)
        require_role(request.user, BLACKLIST_WRITERS, entry)  # the role before the body (as parse_for_roles)
        data = s.EntryCorrectSerializer(data=request.data, context={"kind": entry.kind})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version = values.pop("expected_version", None)
        services.entry_correct(actor=request.user, entry_id=entry_id, data=values, expected_version=version)
        return Response(_entry(entry_id))


class EntryEndView(Readers, APIView):
    @extend_schema(tags=TAGS, summary="解除名单（区县管理员；须说明原因）", request=s.EntryEndSerializer,
                   description="生效中 → 已解除（已解除的答 409 invalid_transition）；解除后不再比对，已有命中记录保留。",
                   responses={200: s.EntrySerializer, **errors(400, 403, 404, 409)})
    def post(self, request, entry_id: int):
        entry = selectors.entry_get(entry_id=entry_id)  # out of scope → 404 before anything else is said
        data = parse_for_roles(request, s.EntryEndSerializer, roles=ENTRY.roles_for(EntryAction.END), obj=entry)
        services.entry_end(actor=request.user, entry_id=entry_id, reason=data.get("reason", ""),
                           expected_version=data.get("expected_version"))
        return Response(_entry(entry_id))


class HitListView(Readers, generics.ListAPIView):
    serializer_class = s.HitSerializer
    filterset_class = HitFilter

    def get_queryset(self):
        if fake(self):
            return BlacklistHit._base_manager.none()
        return selectors.hit_list()

    @extend_schema(tags=TAGS, summary="命中记录（列入地与机构所在地各见其一）",
                   description="列入地所见记录含名单（entry）；机构所在地所见记录 entry 为 null，仅知其机构或人员命中全国名单。",
                   responses={200: s.HitSerializer(many=True), **errors(403)})
    def get(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.HitSerializer(selectors.with_entries(page), many=True).data)


def _hit(hit_id: int):
    (hit,) = selectors.with_entries([selectors.hit_get(hit_id=hit_id)])
    return s.HitSerializer(hit).data


class HitDetailView(Readers, APIView):
    @extend_schema(tags=TAGS, summary="命中记录详情", responses={200: s.HitSerializer, **errors(403, 404)})
    def get(self, request, hit_id: int):
        return Response(_hit(hit_id))


class HitCloseView(Readers, APIView):
    @extend_schema(tags=TAGS, summary="认定误报（列入地区县管理员；须说明理由）", request=s.HitCloseSerializer,
                   description="待核查 → 已认定误报，两地的记录一并关闭并通知机构所在地；机构所在地答 403 "
                               "hit_listing_side_only；已关闭的答 409 invalid_transition。",
                   responses={200: s.HitSerializer, **errors(400, 403, 404, 409)})
    def post(self, request, hit_id: int):
        hit = selectors.hit_get(hit_id=hit_id)  # out of scope → 404 before anything else is said
        data = parse_for_roles(request, s.HitCloseSerializer, roles=HIT.roles_for(HitAction.CLOSE), obj=hit)
        hit_services.hit_close(actor=request.user, hit_id=hit_id, reason=data.get("reason", ""))
        return Response(_hit(hit_id))
