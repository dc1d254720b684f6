"""``migrate`` renders historical models tens of thousands of times; their status fields must not leave a
``class_prepared`` receiver each (``core.workflow.install_fsm_migration_fix``), while the real models keep
collecting their transitions (the protected status moves only through them)."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.models.signals import class_prepared
from django_fsm import FSMFieldMixin

from registry.models import Filing


def _fsm_receivers() -> int:
    count = 0
    for _key, ref, *_rest in class_prepared.receivers:
        receiver = ref() if callable(ref) and not hasattr(ref, "__func__") else ref
        if getattr(receiver, "__func__", None) is FSMFieldMixin._collect_transitions:
            count += 1
    return count


def test_historical_models_leave_no_transition_receivers(db):
    before = _fsm_receivers()
    state = MigrationLoader(connection).project_state()
    historical = state.apps  # renders every historical model (each with its status fields)
    filing = historical.get_model("registry", "Filing")
    assert filing._meta.get_field("status").__class__.__name__ == "FSMField"
    assert _fsm_receivers() == before


def test_real_models_still_collect_their_transitions():
    field = Filing._meta.get_field("status")
    transitions = list(field.get_all_transitions(Filing))
    assert transitions, "the filing's status field collected no transition"
