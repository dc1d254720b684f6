from rest_framework import generics, serializers

from core.api import TenantScopedMixin
from regions.models import Region
from regions.selectors import region_children


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent", "full_name"]


class RegionListView(TenantScopedMixin, generics.ListAPIView):
    """Children of a region (`?parent=<code>`); without `parent`, the provinces."""

    serializer_class = RegionSerializer

    def get_queryset(self):
        return region_children(parent_code=self.request.query_params.get("parent"))
