"""The web process's collector tuning (core.runtime), which childcare.wsgi applies once loaded."""

import gc

import pytest

from core.runtime import DEFAULT_THRESHOLD, parse_threshold, tune_gc


@pytest.mark.parametrize(("value", "expected"), [
    (None, DEFAULT_THRESHOLD),
    ("", DEFAULT_THRESHOLD),
    ("default", None),
    (" Default ", None),
    ("20000", (20000,)),
    ("20000,10,10", (20000, 10, 10)),
])
def test_threshold_setting(value, expected):
    assert parse_threshold(value) == expected


@pytest.mark.parametrize("value", ["abc", "0,10,10", "-1", "1,2,3,4", "7000,,10"])
def test_a_bad_threshold_is_refused_with_its_value(value):
    with pytest.raises(ValueError, match="GC_THRESHOLD"):
        parse_threshold(value)


@pytest.fixture
def collector_restored():
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_tune_gc_freezes_the_loaded_project_and_raises_the_young_threshold(collector_restored, monkeypatch):
    monkeypatch.delenv("GC_THRESHOLD", raising=False)
    gc.unfreeze()
    tune_gc()
    assert gc.get_freeze_count() > 10_000  # the loaded project, views included, out of every walk
    assert gc.get_threshold() == DEFAULT_THRESHOLD


def test_default_keeps_cpythons_thresholds(collector_restored, monkeypatch):
    monkeypatch.setenv("GC_THRESHOLD", "default")
    before = gc.get_threshold()
    tune_gc()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() > 0


def test_the_wsgi_entry_point_is_tuned(collector_restored):
    import importlib

    import childcare.wsgi

    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    importlib.reload(childcare.wsgi)
    assert gc.get_threshold() == DEFAULT_THRESHOLD
    assert gc.get_freeze_count() > 0
