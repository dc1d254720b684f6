"""``GET /api/v1/indicators/?region=&as_of=``: the dashboard of a region (default: the caller's own),
the same figures as the page and the Excel export."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import TenantScopedMixin
from core.inputs import ParsedSerializerMixin
from core.roles import COMMISSION_STAFF

from .. import selectors
from ..inputs import PARSERS


class IndicatorQuerySerializer(ParsedSerializerMixin, serializers.Serializer):
    parsers = {"region": PARSERS["region"], "as_of": PARSERS["as_of"]}
    region = serializers.CharField(required=False, help_text="区划代码（000000：全国）；缺省为本人辖区")
    as_of = serializers.DateField(required=False, help_text="统计日期 YYYY-MM-DD；缺省为今天或最近一次汇总")


class FigureSerializer(serializers.Serializer):
    numerator = serializers.FloatField(allow_null=True)
    denominator = serializers.FloatField(allow_null=True)
    value = serializers.FloatField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    target = serializers.FloatField(allow_null=True)
    status = serializers.CharField(help_text="达标状态（红 / 黄 / 绿 / 无）")


class IndicatorRowSerializer(serializers.Serializer):
    code = serializers.CharField(allow_null=True, help_text="区划代码（合计行为 null）")
    name = serializers.CharField(required=False)
    population = serializers.IntegerField(allow_null=True, required=False)
    population_year = serializers.IntegerField(allow_null=True, required=False)
    figures = serializers.DictField(child=FigureSerializer(), help_text="按指标代码")


class IndicatorInfoSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField(allow_blank=True)
    kind = serializers.CharField()
    better = serializers.CharField()
    numerator = serializers.CharField(allow_blank=True)
    denominator = serializers.CharField(allow_blank=True)
    pending_on = serializers.CharField(allow_null=True)


class DashboardSerializer(serializers.Serializer):
    """What ``Dashboard.as_api()`` answers (documentation only)."""

    region = serializers.CharField()
    name = serializers.CharField()
    as_of = serializers.DateField()
    source = serializers.CharField()
    computed_at = serializers.DateTimeField()
    child_level = serializers.CharField(allow_null=True)
    indicators = IndicatorInfoSerializer(many=True)
    total = IndicatorRowSerializer()
    rows = IndicatorRowSerializer(many=True)


def _require_reader(request) -> None:
    assignment = getattr(request, "assignment", None)
    if assignment is None or assignment.role not in COMMISSION_STAFF:
        raise PermissionDenied("您当前的角色不能查看指标。")


class IndicatorView(TenantScopedMixin, APIView):
    @extend_schema(tags=["indicators"], summary="托育服务指标（辖区及下级区划对比）",
                   parameters=[OpenApiParameter("region", str), OpenApiParameter("as_of", str)],
                   responses={200: DashboardSerializer})
    def get(self, request):
        _require_reader(request)
        query = IndicatorQuerySerializer(data={k: request.query_params[k] for k in ("region", "as_of")
                                               if k in request.query_params})
        query.is_valid(raise_exception=True)
        assignment = request.assignment
        region = selectors.region_for(scope=request._request.tenant_scope, assignment_region=assignment.region,
                                      code=query.validated_data.get("region"))
        board = selectors.dashboard(region=region, as_of=query.validated_data.get("as_of"))
        return Response(board.as_api())
