"""Home page context per role. Figures come from selectors, scoped to the active assignment."""

from __future__ import annotations

from accounts.roles import ADMIN_SITE_ROLES, Role


def home_context(request) -> dict:
    assignment = getattr(request, "assignment", None)
    if assignment is None:
        return {"template": "core/home_none.html"}
    role = assignment.role
    if role == Role.OPERATOR:
        from registry.selectors.dashboard import operator_dashboard
        from registry.views.operator import next_steps

        context = operator_dashboard(institution_id=assignment.institution_id)
        return {"template": "core/home_operator.html", **context,
                **next_steps(institution_id=assignment.institution_id, filings=context["filings"],
                             institution=context["institution"])}
    if role in ADMIN_SITE_ROLES or role == Role.REGISTRATION_AUTHORITY:
        from registry.selectors.dashboard import scope_dashboard

        return {"template": "core/home_admin.html", **scope_dashboard(scope=request.tenant_scope)}
    from registry.selectors.dashboard import scope_dashboard

    return {"template": "core/home_commission.html", **scope_dashboard(scope=request.tenant_scope)}
