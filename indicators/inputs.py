"""What the dashboards read from a query string, shared by the pages (``forms``) and the API."""

from core import inputs

PARSERS = {
    "region": inputs.text(max_length=12, label="区划代码"),
    "as_of": inputs.date(label="统计日期"),
    "indicator": inputs.text(max_length=40, label="指标"),
}
