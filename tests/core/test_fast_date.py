"""core.templatetags.fast_date: the ``date`` filter of every template gives Django's output, byte for byte."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.defaultfilters import date as django_date
from django.utils import timezone, translation

from core.templatetags import fast_date
from core.templatetags.fast_date import date as fast

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
VALUES = [
    dt.date(2026, 1, 5), dt.date(999, 12, 31), dt.date(2026, 11, 29),
    dt.datetime(2026, 11, 29, 0, 7, 3), dt.datetime(2026, 3, 9, 23, 59, 59, 999999),
    dt.datetime(2026, 11, 28, 17, 30, tzinfo=dt.UTC), dt.datetime(2026, 6, 1, 8, 5, tzinfo=SHANGHAI),
    None, "", "2026-01-01", 0, 20260101,
]
FORMATS = [
    "Y-m-d", "Y-m-d H:i", "Y-m-d H:i:s", "Y年m月d日", "Y年n月j日", "m/d", "H:i", r"\Y Y", r"Y\-m\-d", "Y%m%d",
    "d.m.Y", "DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATE_FORMAT", "N j, Y", "c", "U", "Y-m-d P", "", None, "年",
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_every_value_and_format_as_django(value, fmt):
    with translation.override("zh-hans"):
        try:
            expected = django_date(value, fmt)
        except TypeError as exc:  # Django refuses time specifiers for a plain date
            with pytest.raises(TypeError, match=re.escape(str(exc))):
                fast(value, fmt)
            return
        assert fast(value, fmt) == expected


def test_templates_use_it_and_convert_to_local_time_first():
    engine = Engine.get_default()
    assert engine.template_builtins[-1].filters["date"] is fast
    aware = dt.datetime(2026, 11, 28, 17, 30, tzinfo=dt.UTC)  # 01:30 the next day in Beijing
    with timezone.override(SHANGHAI):
        out = Template('{{ v|date:"Y-m-d H:i" }}|{{ v|date:"Y年m月d日" }}').render(Context({"v": aware}))
    assert out == "2026-11-29 01:30|2026年11月29日"


def test_the_output_is_escaped_as_djangos():
    out = Template('{{ v|date:"Y<m>d" }}').render(Context({"v": dt.date(2026, 1, 2)}))
    assert out == "2026&lt;01&gt;02"


def test_a_time_specifier_on_a_date_is_djangos_error():
    with pytest.raises((TypeError, TemplateSyntaxError)):
        Template('{{ v|date:"H:i" }}').render(Context({"v": dt.date(2026, 1, 2)}))


def test_formats_are_parsed_once_and_the_table_stays_bounded(monkeypatch):
    monkeypatch.setattr(fast_date, "_compiled", {})
    fast(dt.date(2026, 1, 2), "Y-m-d")
    assert list(fast_date._compiled) == ["Y-m-d"]
    for n in range(fast_date._MAX_FORMATS + 50):
        fast(dt.date(2026, 1, 2), f"Y-m-d {n}")
    assert len(fast_date._compiled) == fast_date._MAX_FORMATS
