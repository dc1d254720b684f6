"""``core.reverse.cached_reverse`` and the ``{% url %}`` builtin built on it give exactly Django's URLs."""

from __future__ import annotations

import pytest
from django.template import Context, Engine, Template
from django.test import RequestFactory
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse, set_script_prefix

from core import reverse as fast
from core.templatetags.fast_url import CachedURLNode


def _int_views(resolver=None, namespace=""):
    """(view name, number of int arguments) of every named pattern whose converters are all int."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            if getattr(entry.pattern, "converters", {}) and not all(
                    type(c).__name__ == "IntConverter" for c in entry.pattern.converters.values()):
                continue
            yield from _int_views(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            converters = getattr(entry.pattern, "converters", {})
            if converters and all(type(c).__name__ == "IntConverter" for c in converters.values()):
                yield f"{namespace}{entry.name}", len(converters)


VIEWS = sorted(set(_int_views()))


def test_the_project_has_views_with_integer_arguments():
    names = dict(VIEWS)
    assert names["registry:institution_detail"] == 1
    assert len(VIEWS) > 20


@pytest.mark.parametrize(("name", "count"), VIEWS)
@pytest.mark.parametrize("numbers", [(0, 7, 12), (1, 2, 3), (987654, 10**12, 5)])
def test_every_integer_view_reverses_as_django_does(name, count, numbers):
    args = list(numbers[:count])
    try:
        expected = reverse(name, args=args)
    except NoReverseMatch:  # a pattern that also needs keyword arguments: both refuse
        with pytest.raises(NoReverseMatch):
            fast.cached_reverse(name, args=args)
        return
    assert fast.cached_reverse(name, args=args) == expected
    assert fast.cached_reverse(name, args=args) == expected  # from the template the first call made


def test_other_arguments_take_djangos_path():
    assert fast.cached_reverse("registry:filing_new", args=["new"]) == reverse("registry:filing_new", args=["new"])
    with pytest.raises(NoReverseMatch):
        fast.cached_reverse("registry:institution_detail", args=[-1])
    with pytest.raises(NoReverseMatch):
        fast.cached_reverse("registry:no_such_view", args=[1])
    with pytest.raises(NoReverseMatch):  # True is not a whole number here, as in Django
        fast.cached_reverse("registry:institution_detail", args=[True])


def test_the_script_prefix_is_part_of_the_template():
    try:
        set_script_prefix("/platform/")
        assert fast.cached_reverse("registry:institution_detail", args=[5]) == "/platform/registry/institutions/5/"
    finally:
        set_script_prefix("/")
    assert fast.cached_reverse("registry:institution_detail", args=[5]) == "/registry/institutions/5/"


def test_the_url_tag_is_the_cached_one_and_renders_as_djangos():
    from django.template import engines

    engine = engines["django"].engine
    source = ("{% for i in ids %}<a href=\"{% url 'registry:institution_detail' i %}\">{% endfor %}"
              "{% url 'registry:filing_new' 'new' %}{% url 'registry:institution_detail' 3 as link %}[{{ link }}]"
              "{% url 'registry:no_such_view' 1 as missing %}[{{ missing }}]")
    ours = engine.from_string(source)
    assert any(isinstance(node, CachedURLNode) for node in ours.nodelist.get_nodes_by_type(CachedURLNode))
    plain = Template(source, engine=Engine(libraries={}, builtins=[]))
    request = RequestFactory().get("/")
    context = {"ids": [1, 22, 333], "request": request}
    assert ours.render(Context(context)) == plain.render(Context(context))
    assert '<a href="/registry/institutions/22/">' in ours.render(Context(context))
