"""The project's WSGI application, wrapped to say what each request cost (benchmarks only).

``bench/load.py`` runs gunicorn with ``bench.wsgi:application``. Every response then carries:

- ``X-Bench-Cpu-Us``: CPU time of the thread that served the request (``time.thread_time``), from
  the moment the request reached Django until the response headers were ready, in microseconds:
  middleware, scope resolution, view, ORM, templates or serializers, psycopg's own work. Waiting
  for PostgreSQL is not CPU time, so other processes on the machine (test suites, PostgreSQL
  itself) do not inflate it the way they inflate wall-clock latency;
- ``X-Bench-Queries``: statements the request sent through Django (as ``CaptureQueriesContext``
  counts them), and ``X-Bench-Tenant-Sets``: how many of them first sent the tenant setting
  (``core.db``'s ``set_config``, a round trip of its own);
- ``X-Bench-Sql-Us``: wall time spent inside those statements (and the tenant settings), i.e. the
  request's SQL as the app waited for it.

The production entry point stays ``childcare.wsgi``; nothing here is imported by the app.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childcare.settings")

from django.db import connection

from childcare.wsgi import application as _django  # the production entry point, its GC tuning included


def application(environ, start_response):
    from core.tenancy import tenant_setting

    stats = {"queries": 0, "sql": 0.0, "tenant": 0}

    def measure(execute, sql, params, many, context):
        wrapper = context["connection"]
        if not getattr(wrapper, "tenant_guard_paused", True) and wrapper.tenant_setting_sent != tenant_setting():
            stats["tenant"] += 1  # core.db sends app.tenant before this statement
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            stats["sql"] += time.perf_counter() - started
            stats["queries"] += 1

    cpu_started = time.thread_time()

    def start_response_with_costs(status, headers, exc_info=None):
        cpu = time.thread_time() - cpu_started
        headers = [*headers,
                   ("X-Bench-Cpu-Us", str(round(cpu * 1e6))),
                   ("X-Bench-Queries", str(stats["queries"])),
                   ("X-Bench-Tenant-Sets", str(stats["tenant"])),
                   ("X-Bench-Sql-Us", str(round(stats["sql"] * 1e6)))]
        return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

    # Outermost wrapper (before core.db's tenant guard), so the SQL time includes the set_config.
    wrappers = connection.execute_wrappers
    wrappers.insert(0, measure)
    try:
        return _django(environ, start_response_with_costs)
    finally:
        wrappers.remove(measure)
