"""Every export route is declared: either it carries personal (or payee) data and asks for a
permission and a reason (``core.exports.PERSONAL_EXPORTS``), or it is declared open, with why."""

from __future__ import annotations

from django.urls import reverse

from core.exports import OPEN_EXPORTS, PERSONAL_EXPORTS, export_audit_target, export_reason
from tests.cross_tenant import iter_routes


def _looks_like_export(route) -> bool:
    text = f"{route.template} {route.name}".lower()
    return any(word in text for word in ("export", ".csv", ".xlsx", "download", "open-data/<"))


def test_every_export_route_is_declared_personal_or_open():
    undeclared = [str(r) for r in iter_routes() if _looks_like_export(r)
                  and r.name not in PERSONAL_EXPORTS and r.name not in OPEN_EXPORTS]
    assert not undeclared, ("export routes in neither core.exports.PERSONAL_EXPORTS (reason + permission + "
                            f"audit) nor OPEN_EXPORTS: {undeclared}")


def test_declared_exports_exist_and_are_not_both():
    names = {r.name for r in iter_routes()}
    assert set(PERSONAL_EXPORTS) <= names and set(OPEN_EXPORTS) <= names
    assert not set(PERSONAL_EXPORTS) & set(OPEN_EXPORTS)
    assert reverse("api-payout-batch-export", args=[1])


def test_the_reason_is_normalised_and_kept_in_the_target():
    assert export_reason("  报送  财政 ") == "报送 财政"
    assert export_audit_target("x:1:xlsx", "报送财政") == "x:1:xlsx 事由：报送财政"
    assert len(export_audit_target("x" * 150, "事" * 100)) == 200
