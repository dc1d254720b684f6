"""The registry's home pages (registered with ``core.dashboard`` in ``RegistryConfig.ready``): the
figures come from ``registry.selectors.dashboard``, confined to the active assignment."""

from __future__ import annotations

from .selectors.dashboard import operator_dashboard, scope_dashboard


def operator_home(request) -> dict:
    return operator_dashboard(institution_id=request.assignment.institution_id)


def scope_home(request) -> dict:
    return scope_dashboard(scope=request.tenant_scope)
