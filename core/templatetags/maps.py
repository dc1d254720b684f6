"""``{% map_tiles as tiles %}``: the map's base layers from settings, for any page with a Leaflet map
(``static/portal/map.js`` reads them from ``data-tiles`` / ``data-labels``).

Tianditu WMTS (``vec_w`` vector + ``cva_w`` labels, CGCS2000 ≈ WGS-84) when ``TIANDITU_KEY`` is set;
otherwise ``{}``: the page shows markers and lists without a base layer.
"""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


def tiles() -> dict:
    key = getattr(settings, "TIANDITU_KEY", "")
    if not key:
        return {}
    url = settings.TIANDITU_URL
    return {"base": url.replace("{layer}", "vec").replace("{key}", key),
            "labels": url.replace("{layer}", "cva").replace("{key}", key)}


@register.simple_tag
def map_tiles() -> dict:
    return tiles()
