"""The registry's home pages (registered with ``core.dashboard`` in ``RegistryConfig.ready``): the
figures come from ``registry.selectors.dashboard``, confined to the active assignment."""

from __future__ import annotations

from .selectors.dashboard import operator_dashboard, scope_dashboard


def operator_home(request) -> dict:
    from .views.operator import next_steps

    institution_id = request.assignment.institution_id
    context = operator_dashboard(institution_id=institution_id)
    return {**context, **next_steps(institution_id=institution_id, filings=context["filings"],
                                    institution=context["institution"])}


def scope_home(request) -> dict:
    return scope_dashboard(scope=request.tenant_scope)
