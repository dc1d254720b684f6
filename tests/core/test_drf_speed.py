"""core.drf.install_fast_simple_callable: DRF's answers, remembered per function."""

import functools

import pytest
from rest_framework import fields
from rest_framework.fields import BuiltinSignatureError


class Row:
    def no_args(self):
        return 1

    def needs_arg(self, x):
        return x

    def defaulted(self, x=1):
        return x

    def _display(self, field):
        return field

    get_kind_display = functools.partialmethod(_display, field="kind")


def plain():
    return 1


def one(x):
    return x


@pytest.mark.parametrize("attr", ["no_args", "needs_arg", "defaulted", "get_kind_display"])
def test_answers_are_drfs_own_for_methods_and_partials(attr):
    original = fields.is_simple_callable.__wrapped__
    assert fields.is_simple_callable is not original  # installed by CoreConfig.ready()
    for _ in range(2):  # the second answer comes from the memo
        obj = getattr(Row(), attr)
        assert fields.is_simple_callable(obj) == original(obj)


def test_answers_for_functions_partials_and_non_callables():
    original = fields.is_simple_callable.__wrapped__
    for obj in (plain, one, functools.partial(one, 2), functools.partial(one), "text", 3, None, Row):
        assert fields.is_simple_callable(obj) == original(obj)
    assert fields.is_simple_callable(functools.partial(one)) is False
    assert fields.is_simple_callable(functools.partial(one, 2)) is True


def test_builtins_still_refused_as_drf_does():
    with pytest.raises(BuiltinSignatureError):
        fields.is_simple_callable(len)


def test_a_serializer_reads_choice_labels_through_it():
    from registry.api.serializers import InstitutionSerializer
    from registry.models import Institution

    row = Institution(name="甲", status="filed", kind="institution", nature="enterprise")
    data = {k: v for k, v in InstitutionSerializer(row).data.items() if k.endswith("_label")}
    assert data == {"status_label": row.get_status_display(), "kind_label": row.get_kind_display(),
                    "nature_label": row.get_nature_display()}
