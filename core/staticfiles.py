"""Static file storages that remember each file's URL.

The layout asks for the same static files on every page (stylesheets, scripts: ``{% static %}`` four
times); each call joins, quotes and, with the manifest, looks up the hashed name again: ~45 µs a file,
0.2 ms a page. A file's URL does not change while the process runs (the manifest is read once at
start), so it is computed once per name and kept. ``settings.DEBUG`` is part of the key (the manifest
storage answers unhashed names in debug), and a new storage (a changed ``STORAGES`` or ``STATIC_URL``
in tests) starts with no URLs.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles import storage
from whitenoise.storage import CompressedManifestStaticFilesStorage as WhiteNoiseManifestStorage

MAX_URLS = 1024  # the project has a few dozen static files; past this, URLs are computed each time


class RememberedUrls:
    def url(self, name, *args, **kwargs):
        key = (name, args, tuple(kwargs.items()), settings.DEBUG)
        urls = self.__dict__.setdefault("_remembered_urls", {})
        url = urls.get(key)
        if url is None:
            url = super().url(name, *args, **kwargs)
            if len(urls) < MAX_URLS:
                urls[key] = url
        return url


class StaticFilesStorage(RememberedUrls, storage.StaticFilesStorage):
    """Django's plain static storage (development, tests)."""


class CompressedManifestStaticFilesStorage(RememberedUrls, WhiteNoiseManifestStorage):
    """WhiteNoise's hashed, compressed static storage (production)."""
