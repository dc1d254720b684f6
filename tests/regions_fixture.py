"""A small real slice of the GB/T 2260 tree for tests: two districts of Hangzhou, one of Ningbo,
and Dongguan (a city without counties, where townships are the filing tenants)."""

from regions.models import Region, RegionLevel

TREE = [
    # code, name, level, parent
    ("330000", "浙江省", RegionLevel.PROVINCE, None),
    ("330100", "杭州市", RegionLevel.CITY, "330000"),
    ("330106", "西湖区", RegionLevel.COUNTY, "330100"),
    ("330106001", "北山街道", RegionLevel.TOWNSHIP, "330106"),
    ("330106002", "西溪街道", RegionLevel.TOWNSHIP, "330106"),
    ("330105", "拱墅区", RegionLevel.COUNTY, "330100"),
    ("330105001", "米市巷街道", RegionLevel.TOWNSHIP, "330105"),
    ("330200", "宁波市", RegionLevel.CITY, "330000"),
    ("330203", "海曙区", RegionLevel.COUNTY, "330200"),
    ("330203001", "南门街道", RegionLevel.TOWNSHIP, "330203"),
    ("440000", "广东省", RegionLevel.PROVINCE, None),
    ("441900", "东莞市", RegionLevel.CITY, "440000"),
    ("441900003", "东城街道", RegionLevel.TOWNSHIP, "441900"),
]
NO_COUNTY_CITIES = {"441900"}


def load_test_regions() -> dict[str, Region]:
    regions: dict[str, Region] = {}
    for code, name, level, parent in TREE:
        p = regions.get(parent) if parent else None
        province = p.province if p and p.province_id else p if p and p.level == RegionLevel.PROVINCE else None
        city = p if p and p.level == RegionLevel.CITY else (p.city if p else None)
        full_name = (p.full_name if p else "") + name
        r = Region(code=code, name=name, level=level, parent=p, province=province, city=city,
                   full_name=full_name)
        if level == RegionLevel.COUNTY:
            r.tenant_district_id = code
        elif level == RegionLevel.TOWNSHIP:
            r.tenant_district_id = code if parent in NO_COUNTY_CITIES else parent
        r.save()
        regions[code] = r
    return regions
