"""core.widgets.FastSelect writes exactly the HTML Django's select templates write."""

import pytest
from django import forms
from django.utils.safestring import mark_safe

from core.widgets import FastSelect, fast_select

CASES = [
    ("plain", [("", "全部"), ("440306001", "新安街道"), ("440306002", "西乡街道")], None, {}),
    ("selected", [("", "全部"), ("filed", "已备案"), ("suspended", "暂停")], "filed", {"class": "form-select"}),
    ("escaped", [("a&b", 'x<y> "q"'), ("c", mark_safe("<b>安全</b>")), (mark_safe("<v>"), "v")], "a&b",
     {"data-x": 'he said "hi" & left', "title": mark_safe("<t>")}),
    ("boolean attrs", [(1, "一"), (2, "二")], 2, {"required": True, "disabled": False, "id": "id_n"}),
    ("groups", [("", "—"), ("广东", [("440300", "深圳市"), ("440100", "广州市")]), ("其他", [("x", "X")])],
     "440100", {}),
    ("nothing", [], None, {}),
]


@pytest.mark.parametrize(("case", "choices", "value", "attrs"), CASES, ids=[c[0] for c in CASES])
def test_the_same_html_as_django(case, choices, value, attrs):
    expected = forms.Select(attrs=dict(attrs), choices=choices).render("n&m", value)
    got = FastSelect(attrs=dict(attrs), choices=choices).render("n&m", value)
    assert got == expected
    assert "<option" in got or not choices


def test_a_multiple_select_and_a_bound_form_field():
    class F(forms.Form):
        kind = forms.ChoiceField(choices=[("", "全部"), ("full_day", "全日托"), ("half_day", "半日托")], required=False)

    plain = F({"kind": "half_day"})
    fast = F({"kind": "half_day"})
    fast_select(fast.fields["kind"].widget)
    assert isinstance(fast.fields["kind"].widget, FastSelect)
    assert str(fast["kind"]) == str(plain["kind"]) and 'value="half_day" selected' in str(fast["kind"])


def test_only_plain_selects_are_swapped():
    radio = forms.RadioSelect(choices=[("a", "A")])
    multiple = forms.SelectMultiple(choices=[("a", "A")])
    assert type(fast_select(radio)) is forms.RadioSelect
    assert type(fast_select(multiple)) is forms.SelectMultiple
