"""core.widgets: FastSelect and the project's form renderer write exactly the HTML Django's widget templates write."""

import datetime as dt

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from core.widgets import FastFormRenderer, FastSelect, fast_select

DJANGO = DjangoTemplates()  # Django's own renderer: the templates

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
    expected = forms.Select(attrs=dict(attrs), choices=choices).render("n&m", value, renderer=DJANGO)
    got = FastSelect(attrs=dict(attrs), choices=choices).render("n&m", value)
    assert got == expected
    assert forms.Select(attrs=dict(attrs), choices=choices).render("n&m", value, renderer=FastFormRenderer()) == expected
    assert "<option" in got or not choices


def test_a_multiple_select_and_a_bound_form_field():
    class F(forms.Form):
        kind = forms.ChoiceField(choices=[("", "全部"), ("full_day", "全日托"), ("half_day", "半日托")], required=False)

    plain = F({"kind": "half_day"}, renderer=DJANGO)
    fast = F({"kind": "half_day"}, renderer=DJANGO)
    fast_select(fast.fields["kind"].widget)
    assert isinstance(fast.fields["kind"].widget, FastSelect)
    assert str(fast["kind"]) == str(plain["kind"]) and 'value="half_day" selected' in str(fast["kind"])


def test_only_plain_selects_are_swapped():
    radio = forms.RadioSelect(choices=[("a", "A")])
    multiple = forms.SelectMultiple(choices=[("a", "A")])
    assert type(fast_select(radio)) is forms.RadioSelect
    assert type(fast_select(multiple)) is forms.SelectMultiple


ATTRS = [{}, {"class": "form-control", "required": True, "disabled": False}, {"data-x": 'a "b" & <c>', "title": mark_safe("<t>")}]
WIDGETS = [forms.TextInput, forms.NumberInput, forms.EmailInput, forms.URLInput, forms.HiddenInput, forms.DateInput,
           forms.Textarea, forms.NullBooleanSelect, forms.SelectMultiple]
VALUES = [None, "", "plain", 'x<y> & "q"', mark_safe("<b>safe</b>"), 0, 12, dt.date(2026, 11, 28), ["a", "b"]]


@pytest.mark.parametrize("widget_class", WIDGETS, ids=lambda w: w.__name__)
@pytest.mark.parametrize("attrs", ATTRS, ids=["none", "booleans", "escaped"])
def test_the_renderer_writes_djangos_html(widget_class, attrs):
    kwargs = {"choices": [("a", "A"), ("b", "<B>")]} if widget_class is forms.SelectMultiple else {}
    for value in VALUES:
        widget = widget_class(attrs=dict(attrs), **kwargs)
        try:
            expected = widget.render("n&m", value, attrs={"id": "id_n"}, renderer=DJANGO)
        except TypeError:  # Django's own widget refuses the value (a list for a yes/no select): so does ours
            with pytest.raises(TypeError):
                widget.render("n&m", value, attrs={"id": "id_n"}, renderer=FastFormRenderer())
            continue
        assert widget.render("n&m", value, attrs={"id": "id_n"}, renderer=FastFormRenderer()) == expected, value


def test_the_password_input_and_other_templates_still_render():
    renderer = FastFormRenderer()
    assert forms.PasswordInput().render("p", "secret", renderer=renderer) == forms.PasswordInput().render(
        "p", "secret", renderer=DJANGO)
    for widget in (forms.CheckboxInput(), forms.RadioSelect(choices=[("a", "A")]), forms.ClearableFileInput()):
        assert widget.render("w", "a", renderer=renderer) == widget.render("w", "a", renderer=DJANGO)


def test_it_is_the_projects_renderer_and_forms_render_the_same():
    from django.conf import settings
    from django.forms.renderers import get_default_renderer

    class F(forms.Form):
        name = forms.CharField(max_length=10, help_text="名称")
        note = forms.CharField(widget=forms.Textarea, required=False)
        version = forms.IntegerField(widget=forms.HiddenInput)
        kind = forms.ChoiceField(choices=[("a", "甲"), ("b", "乙")])

    assert settings.FORM_RENDERER == "core.widgets.FastFormRenderer"
    assert isinstance(get_default_renderer(), FastFormRenderer)
    data = {"name": "<x>", "note": "a & b", "version": "3", "kind": "b"}
    assert str(F(data)) == str(F(data, renderer=DJANGO))
    assert F(data).as_p() == F(data, renderer=DJANGO).as_p()
