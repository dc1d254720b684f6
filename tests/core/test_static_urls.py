"""``core.staticfiles``: each static file's URL is computed once per storage, with the same result."""

from __future__ import annotations

from unittest import mock

from django.contrib.staticfiles import storage as django_storage
from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static
from django.test import override_settings

from core.staticfiles import MAX_URLS, StaticFilesStorage


def test_a_static_url_is_computed_once_and_is_djangos():
    store = StaticFilesStorage()
    expected = django_storage.StaticFilesStorage().url("css/app.css")
    with mock.patch.object(django_storage.StaticFilesStorage, "url", autospec=True,
                           side_effect=django_storage.StaticFilesStorage.url) as computed:
        assert store.url("css/app.css") == expected
        assert store.url("css/app.css") == expected
        assert store.url("js/app.js").endswith("js/app.js")
    assert computed.call_count == 2  # once per file


def test_the_settings_storage_remembers_and_a_new_static_url_is_honoured():
    assert isinstance(staticfiles_storage, StaticFilesStorage)
    assert static("css/app.css") == "/static/css/app.css"
    with override_settings(STATIC_URL="/assets/"):  # Django makes a new storage: no remembered URL
        assert static("css/app.css") == "/assets/css/app.css"
    assert static("css/app.css") == "/static/css/app.css"


def test_the_remembered_urls_are_bounded():
    store = StaticFilesStorage()
    for i in range(MAX_URLS + 10):
        store.url(f"f{i}.css")
    assert len(store._remembered_urls) == MAX_URLS
    assert store.url(f"f{MAX_URLS + 5}.css").endswith(f"f{MAX_URLS + 5}.css")
