"""The ``{% url %}`` tag, unchanged in syntax and output, resolving through ``core.reverse.cached_reverse``.

Loaded as a template builtin (``TEMPLATES[...]["OPTIONS"]["builtins"]``), so it replaces Django's tag in
every template: a list's per-row links cost a string join instead of a ``reverse()`` each.
"""

from __future__ import annotations

from django import template
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape

from core.reverse import cached_reverse, current_app_of

register = template.Library()


class CachedURLNode(URLNode):
    def render(self, context):
        if self.kwargs:
            return super().render(context)
        args = [arg.resolve(context) for arg in self.args]
        view_name = self.view_name.resolve(context)
        current_app = current_app_of(getattr(context, "request", None))
        url = ""
        try:
            url = cached_reverse(view_name, args=args, current_app=current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = django_url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
