"""GB/T 2260 region tree, population per year, and per-region policy parameters.

Codes: province ``330000``, city ``330100``, county ``330106`` (six digits), township nine
digits (``330106001``). Every region stores its ancestors' codes so scope filters are equalities.
The *tenant district* of a region is the health commission that files institutions there: the
county, or the township itself in cities without counties (Dongguan, Zhongshan, Danzhou, Jiayuguan).
"""

from __future__ import annotations

from django.db import models

from core import tenancy
from core.audit import track


class RegionLevel(models.TextChoices):
    PROVINCE = "province", "省级"
    CITY = "city", "地级"
    COUNTY = "county", "县级"
    TOWNSHIP = "township", "乡级"


# Renames and removals are recorded; the inserts are the dated data file itself (load_regions).
@track(events=("update", "delete"))
class Region(models.Model):
    code = models.CharField("区划代码", max_length=12, primary_key=True)
    name = models.CharField("名称", max_length=64)
    level = models.CharField("级别", max_length=10, choices=RegionLevel.choices, db_index=True)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="children", verbose_name="上级")
    province = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name="所属省")
    city = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name="所属市")
    tenant_district = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", verbose_name="备案机关辖区")
    full_name = models.CharField("全称", max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "行政区划"
        indexes = [models.Index(fields=["parent", "code"])]

    def __str__(self) -> str:
        return self.full_name or self.name

    @property
    def tenant_level(self) -> str:
        if self.level == RegionLevel.PROVINCE:
            return tenancy.PROVINCE
        if self.level == RegionLevel.CITY:
            return tenancy.CITY
        return tenancy.DISTRICT

    @property
    def tenant_district_code(self) -> str | None:
        return self.tenant_district_id

    @property
    def is_tenant(self) -> bool:
        return self.tenant_district_id == self.code


@track()
class Population(models.Model):
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="populations",
                               verbose_name="区划")
    year = models.PositiveSmallIntegerField("年份")
    population = models.PositiveIntegerField("常住人口")
    source = models.CharField("来源", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "人口"
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="population_region_year_uniq")]


@track()
class PolicyParameter(models.Model):
    """A configurable number of domain.md overridden for a region (and everything under it)."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="policy_parameters",
                               verbose_name="区划")
    key = models.CharField("参数", max_length=80)
    value = models.JSONField("取值")
    note = models.CharField("依据", max_length=300, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "地方政策参数"
        constraints = [models.UniqueConstraint(fields=["region", "key"], name="policy_region_key_uniq")]
