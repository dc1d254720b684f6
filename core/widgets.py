"""Form widgets that render without Django's template engine, byte for byte what the template renders.

Django renders a ``<select>`` through ``django/forms/widgets/select.html``, which includes
``select_option.html`` (and ``attrs.html``) once per option: a filter form with a district's 30
townships and four other choice filters renders about a hundred templates per page, a quarter of the
page's CPU (``docs/benchmarks.md``). ``FastSelect`` builds the same context (``get_context``: the
same ``optgroups``, attributes and selection rules) and writes the same HTML in Python, escaping as
the template's autoescape does. ``tests/core/test_widgets.py`` compares it with Django's rendering.

A project that overrides those templates (none here) must not use it.
"""

from __future__ import annotations

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, mark_safe


def _formatted(value) -> str:
    # {{ value|stringformat:'s' }}: the filter keeps a safe value safe, anything else is escaped
    return f"{value}" if isinstance(value, SafeData) else escape(f"{value}")


def _attrs(attrs) -> str:
    # attrs.html: {% if value is not False %} name{% if value is not True %}="value"{% endif %}{% endif %}
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            out.append(f" {conditional_escape(name)}")
        else:
            out.append(f' {conditional_escape(name)}="{_formatted(value)}"')
    return "".join(out)


def _option(option) -> str:
    # select_option.html (its file ends with a newline, which the include keeps)
    return (f'<option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
            f'{conditional_escape(option["label"])}</option>\n')


def _plain_options(widget) -> bool:
    return all(option.get("template_name") == SELECT_OPTION for _, options, _ in widget["optgroups"] for option in options)


SELECT_OPTION = "django/forms/widgets/select_option.html"


def _select_html(widget) -> str:
    # select.html
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            parts.append("\n  ")
            parts.append(_option(option))
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _input_html(widget) -> str:
    # input.html (Django's renderer strips the output, the file's last newline with it)
    value = "" if widget["value"] is None else f' value="{_formatted(widget["value"])}"'
    return (f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
            f'{value}{_attrs(widget["attrs"])}>')


def _included_input_html(widget) -> str:
    # text.html, hidden.html, number.html, ...: the include of input.html (and a newline, stripped)
    return _input_html(widget)


def _textarea_html(widget) -> str:
    # textarea.html
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


class FastSelect(forms.Select):
    """``forms.Select`` rendered in Python (see the module docstring)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        return mark_safe(_select_html(widget))  # every value above is escaped


def fast_select(widget):
    """``widget`` rendered by ``FastSelect`` when it is a plain ``forms.Select`` (not a subclass with
    templates of its own); anything else is returned unchanged."""
    if type(widget) is forms.Select:
        widget.__class__ = FastSelect  # same state, same context; only the rendering differs
    return widget


# Django's widget templates that ``FastFormRenderer`` writes in Python (the same bytes: tests/core/test_widgets.py).
_IN_PYTHON = {
    "django/forms/widgets/input.html": _input_html,
    "django/forms/widgets/text.html": _included_input_html,
    "django/forms/widgets/number.html": _included_input_html,
    "django/forms/widgets/email.html": _included_input_html,
    "django/forms/widgets/url.html": _included_input_html,
    "django/forms/widgets/password.html": _included_input_html,
    "django/forms/widgets/date.html": _included_input_html,
    "django/forms/widgets/hidden.html": _included_input_html,
    "django/forms/widgets/textarea.html": _textarea_html,
    "django/forms/widgets/select.html": _select_html,
}


class FastFormRenderer(DjangoTemplates):
    """The project's ``FORM_RENDERER``: Django's, except that the plain widgets above (inputs, hidden
    inputs, text areas, selects) are written in Python instead of through their templates — every
    form on every page, and django-bootstrap5's fields, which render their widgets through it."""

    def render(self, template_name, context, request=None):
        write = _IN_PYTHON.get(template_name)
        widget = context.get("widget")
        if write is None or widget is None or (write is _select_html and not _plain_options(widget)):
            return super().render(template_name, context, request=request)
        return mark_safe(write(widget))  # every value is escaped where it is written


__all__ = ["FastFormRenderer", "FastSelect", "fast_select"]
