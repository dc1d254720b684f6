"""The concurrency guard of ``WorkflowModel`` (django-fsm's, with the status fields found once per model)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django_fsm import ConcurrentTransition, FSMFieldMixin
from django_scopes import scopes_disabled

from core.workflow import _state_fields
from registry.models import Filing, Institution
from tests.factories import FilingFactory


def test_the_status_fields_are_django_fsms_own():
    for model in (Filing, Institution):
        expected = [f for f in model._meta.fields if isinstance(f, FSMFieldMixin)]
        assert list(_state_fields(model)) == expected
        assert expected, model


@pytest.mark.django_db
def test_a_row_whose_status_moved_since_it_was_read_is_not_saved(regions):
    with scopes_disabled():
        filing = FilingFactory(status="submitted")
        stale = Filing.objects.get(pk=filing.pk)
        fresh = Filing.objects.get(pk=filing.pk)
        fresh.move_to("accepted")
        fresh.save()
        stale.name = "another name"
        with pytest.raises(ConcurrentTransition), transaction.atomic():
            stale.save()
        assert Filing.objects.get(pk=filing.pk).name == filing.name
        # read again, the row saves
        again = Filing.objects.get(pk=filing.pk)
        again.name = "another name"
        again.save()
        assert Filing.objects.get(pk=filing.pk).name == "another name"
