"""Django's PostgreSQL backend, plus the active tenant scope as the session setting ``app.tenant``.

Row-level security policies on every tenant table (``core.db.rls``) read ``app.tenant``: the second
wall behind django-scopes, so that raw SQL, ``_base_manager`` look-ups, joins and related-object
access cannot cross districts either.

Before each statement the wrapper compares the scope that django-scopes holds for this thread or
task with the value last sent on this connection, and sends ``set_config`` only when they differ
(in practice once per request or task). The value is forgotten on rollback, because PostgreSQL
undoes ``set_config`` with the transaction or savepoint that made it. The ``set_config`` runs on
the raw driver cursor: it is plumbing, not one of the page's queries, so query-count assertions
and logs stay about the application's own SQL.
"""

from __future__ import annotations

from django.db.backends.postgresql import base, operations

SET_TENANT_SQL = "SELECT set_config('app.tenant', %s, false)"


def _tenant_guard(execute, sql, params, many, context):
    from core.tenancy import tenant_setting  # not at import: the backend loads before the apps

    wrapper = context["connection"]
    if wrapper.tenant_guard_paused:
        return execute(sql, params, many, context)
    wanted = tenant_setting()
    if wrapper.tenant_setting_sent != wanted:
        with wrapper.connection.cursor() as raw:
            raw.execute(SET_TENANT_SQL, [wanted])
        wrapper.tenant_setting_sent = wanted
    return execute(sql, params, many, context)


class DatabaseOperations(operations.DatabaseOperations):
    # Plain SELECTs compiled once per query shape (core/db/compiler.py).
    compiler_module = "core.db.compiler"


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant_setting_sent: str | None = None
        self.tenant_guard_paused = False
        self.execute_wrappers.append(_tenant_guard)  # first, hence outermost; never popped

    def init_connection_state(self):
        self.tenant_setting_sent = None  # a new session starts with app.tenant unset
        super().init_connection_state()

    def _rollback(self):
        self.tenant_setting_sent = None
        return super()._rollback()

    def _savepoint_rollback(self, sid):
        # ROLLBACK TO SAVEPOINT runs through the wrappers, often in a failed transaction where a
        # set_config would itself fail: send nothing now, and resend before the next statement.
        self.tenant_guard_paused = True
        try:
            return super()._savepoint_rollback(sid)
        finally:
            self.tenant_guard_paused = False
            self.tenant_setting_sent = None

    def _close(self):
        self.tenant_setting_sent = None
        return super()._close()
