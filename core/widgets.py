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


class FastSelect(forms.Select):
    """``forms.Select`` rendered in Python (see the module docstring)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
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
        return mark_safe("".join(parts))  # every value above is escaped


def fast_select(widget):
    """``widget`` rendered by ``FastSelect`` when it is a plain ``forms.Select`` (not a subclass with
    templates of its own); anything else is returned unchanged."""
    if type(widget) is forms.Select:
        widget.__class__ = FastSelect  # same state, same context; only the rendering differs
    return widget


__all__ = ["FastSelect", "fast_select"]
