"""/api/v1/public/: the portal's anonymous API. Thin: parse (``portal.inputs``), one selector, answer.

No authentication at all (no session, no token: a public answer never depends on who asks), limited per
client IP (``PUBLIC_RATE_LIMITS``: 429 ``rate_limited`` with ``Retry-After``), cacheable.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import error_response
from registry.selectors.public import public_search

from .http import cacheable, over_limit
from .inputs import parse_search

_Q = OpenApiParameter
PARAMETERS = [
    _Q("lat", OpenApiTypes.NUMBER, description="纬度（WGS-84，中国境内），与 lng 同时提供：按距离由近到远"),
    _Q("lng", OpenApiTypes.NUMBER, description="经度（WGS-84，中国境内）"),
    _Q("radius_km", OpenApiTypes.NUMBER, description="半径（公里，0.1–200，默认 10；须有位置）"),
    _Q("age_months", OpenApiTypes.INT, description="婴幼儿月龄（0–35）：有收托该月龄班级的机构"),
    _Q("inclusive", OpenApiTypes.BOOL, description="普惠性托育机构"),
    _Q("district", OpenApiTypes.STR, description="省、市或区县的行政区划代码（6 位）"),
    _Q("township", OpenApiTypes.STR, description="乡镇（街道）代码（9 位）"),
    _Q("q", OpenApiTypes.STR, description="机构名称包含"),
    _Q("service_type", OpenApiTypes.STR, enum=["full_day", "half_day", "hourly", "occasional"]),
    _Q("fee_min", OpenApiTypes.INT, description="月收费下限（元）"),
    _Q("fee_max", OpenApiTypes.INT, description="月收费上限（元）"),
    _Q("page", OpenApiTypes.INT), _Q("page_size", OpenApiTypes.INT, description="每页条数（≤ 50）"),
]
ERROR = inline_serializer("PublicError", {"code": serializers.CharField(), "message": serializers.CharField(),
                                          "fields": serializers.DictField()})


class PublicInstitutionSearchView(APIView):
    """Filed institutions near a point or in a region, for families (no login)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(parameters=PARAMETERS, responses={
        200: OpenApiResponse(OpenApiTypes.OBJECT, description="count, page, page_size, results（有位置时含 distance_km）"),
        400: OpenApiResponse(ERROR, description="查询条件有误（fields 标注参数与代码）"),
        429: OpenApiResponse(ERROR, description="请求过于频繁（Retry-After 秒）")})
    def get(self, request):
        verdict = over_limit(request._request, "public", settings.PUBLIC_RATE_LIMITS)
        if verdict is not None:
            response = error_response("rate_limited", "请求过于频繁，请稍后再试。", status_code=429)
            response["Retry-After"] = str(verdict.retry_after)
            return response
        page = public_search(**parse_search(request.query_params))  # a DomainError is the 400 shape
        return cacheable(Response(page))
