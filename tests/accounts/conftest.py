import uuid

import pytest
from django.conf import settings as django_settings


@pytest.fixture
def isolated_cache(settings):
    """The real Redis cache, under a key prefix of this test's own (others share the server)."""
    caches = {name: dict(conf) for name, conf in django_settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = caches
    yield
