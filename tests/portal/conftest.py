import pytest


@pytest.fixture(autouse=True)
def public_region_counts_cleared():
    """The portal keeps its region counts in the shared cache for a few minutes: start each test fresh."""
    from django.core.cache import cache

    cache.delete("portal:public-region-counts")
