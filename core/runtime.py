"""The web process's garbage collector, tuned once the application is loaded (``childcare.wsgi``).

A request allocates thousands of container objects (querysets, model instances, template nodes,
serializer fields) that mostly die by reference counting when the response is sent. CPython's
default thresholds (700, 10, 10) still start a young collection about once a request and a
middle-generation one every ten, and each of those walks the request's live objects; the rare full
collection walks the ~220,000 objects the loaded project holds (80 ms here). Measured in process
(400 requests of a page, national data set): collector time 0.83 ms a request on the API roster
(10 % of its CPU) and 0.79 ms on the review page; frozen, 0.43 and 0.35 ms; frozen with (5000, 10,
100), 0.26 and 0.23 ms, in young collections of about 1.5 ms every eight requests. Larger young
thresholds collect no less in all (each request leaves a few hundred objects in reference cycles,
which only the collector frees) but in longer pauses: 50,000 cost 20 ms every 70 requests.

``tune_gc()`` therefore

1. imports the URLconf (and with it every view, serializer and form module) so those objects exist;
2. freezes everything alive (``gc.freeze()``): the loaded project moves to a permanent generation
   that no collection walks again;
3. raises the young threshold (``GC_THRESHOLD``, default ``5000,10,100``) so that a request's own
   objects are mostly freed by reference counting before a collection runs; cycles are still
   collected, a little later.

Setting ``GC_THRESHOLD`` to ``default`` keeps CPython's thresholds (the freeze still applies).
Celery workers and management commands keep the interpreter's defaults: they are not called here.
"""

from __future__ import annotations

import gc
import os
from importlib import import_module

DEFAULT_THRESHOLD = (5_000, 10, 100)


def parse_threshold(value: str | None) -> tuple[int, ...] | None:
    """``"50000,20,100"`` -> ``(50000, 20, 100)``; ``"default"`` -> ``None`` (keep CPython's);
    unset -> ``DEFAULT_THRESHOLD``. Anything else is a configuration error."""
    if value is None or value.strip() == "":
        return DEFAULT_THRESHOLD
    if value.strip().lower() == "default":
        return None
    try:
        parts = tuple(int(p) for p in value.split(","))
    except ValueError:
        parts = ()
    if not 1 <= len(parts) <= 3 or any(p < 1 for p in parts):
        raise ValueError(f"GC_THRESHOLD must be 1 to 3 positive integers separated by commas, or 'default': {value!r}")
    return parts


def tune_gc() -> None:
    from django.conf import settings

    threshold = parse_threshold(os.environ.get("GC_THRESHOLD"))
    import_module(settings.ROOT_URLCONF)  # every view module, before the freeze
    gc.collect()
    gc.freeze()
    if threshold is not None:
        gc.set_threshold(*threshold)
