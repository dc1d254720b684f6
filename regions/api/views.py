"""GET /api/v1/regions/ (children, filtered) and GET /api/v1/regions/<code>/.

The region tree is public reference data (GB/T 2260): every signed-in user may read all of it,
so these views are not tenant-filtered.
"""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers

from core.api import TenantScopedMixin
from regions.models import Region, RegionLevel
from regions.selectors import region_get_or_404, region_search

ERROR_SCHEMA = inline_serializer("RegionError", {
    "code": serializers.CharField(help_text="稳定的错误代码，如 region_not_found"),
    "message": serializers.CharField(help_text="中文说明"),
    "fields": serializers.DictField(),
})


class RegionSerializer(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    has_children = serializers.BooleanField(read_only=True, help_text="是否有下级区划")

    class Meta:
        model = Region
        fields = ["code", "name", "level", "level_label", "parent", "full_name", "tenant_district",
                  "has_children"]


class RegionDetailSerializer(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    is_tenant = serializers.BooleanField(read_only=True, help_text="是否为备案机关辖区（区县，或不设区县的市的乡镇）")

    class Meta:
        model = Region
        fields = ["code", "name", "level", "level_label", "parent", "province", "city", "tenant_district",
                  "full_name", "is_tenant"]


class RegionQuerySerializer(serializers.Serializer):
    parent = serializers.RegexField(r"^\d{6}(\d{3})?$", required=False,
                                    error_messages={"invalid": "区划代码应为 6 位或 9 位数字。"})
    level = serializers.ChoiceField(choices=RegionLevel.choices, required=False)
    q = serializers.CharField(required=False, max_length=32, trim_whitespace=True)


@extend_schema(
    tags=["regions"],
    summary="行政区划列表",
    description=(
        "`parent` 的直接下级；同时给出 `level` 时为 `parent` 之下该级别的全部区划"
        "（如 `?parent=330000&level=county` 为浙江省全部区县）。不给 `parent` 时为各省，"
        "给出 `level` 或 `q` 时在全国范围内查找。`q`：名称包含。"
    ),
    parameters=[
        OpenApiParameter("parent", str, description="上级区划代码（6 或 9 位）"),
        OpenApiParameter("level", str, enum=RegionLevel.values, description="级别"),
        OpenApiParameter("q", str, description="名称包含"),
    ],
    responses={200: RegionSerializer(many=True),
               400: OpenApiResponse(ERROR_SCHEMA, description="查询参数无效"),
               404: OpenApiResponse(ERROR_SCHEMA, description="上级区划不存在（code = region_not_found）")},
)
class RegionListView(TenantScopedMixin, generics.ListAPIView):
    """Children of a region, filtered; see ``regions.selectors.region_search``."""

    serializer_class = RegionSerializer
    machine_access = True  # reference data: interface accounts look up district codes for their pushes
    administrator_access = True  # public reference data (GB/T 2260), no business row

    def get_queryset(self):
        params = RegionQuerySerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        return region_search(parent_code=data.get("parent"), level=data.get("level"), q=data.get("q"))


@extend_schema(
    tags=["regions"],
    summary="行政区划详情",
    description="一个区划及其所属省、市和备案机关辖区（`tenant_district`）。",
    responses={200: RegionDetailSerializer,
               404: OpenApiResponse(ERROR_SCHEMA, description="区划不存在（code = region_not_found）")},
)
class RegionDetailView(TenantScopedMixin, generics.RetrieveAPIView):
    """One region by code; 404 ``region_not_found`` when absent."""

    serializer_class = RegionDetailSerializer
    lookup_url_kwarg = "code"
    machine_access = True
    administrator_access = True  # public reference data (GB/T 2260), no business row

    def get_object(self):
        return region_get_or_404(code=self.kwargs["code"])
