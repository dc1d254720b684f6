"""Key rotation without downtime: a new key (and SM4-GCM) is put at the head of the ring, then
``rotate_field_keys`` re-encrypts every encrypted column in batches while pages and the API keep
serving between the batches; every row ends under the new key, blind indexes still match, nothing
is lost, and the old key can then leave the ring."""

from __future__ import annotations

import base64
import datetime as dt
import os

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from core import crypto
from core.management.commands.rotate_field_keys import rotation_batches, stale_count, targets
from tests.factories import (
    InstitutionFactory,
    StaffFactory,
    UserFactory,
    make_blacklist_entry,
    make_enrolment,
    make_id_number,
    make_uscc,
)

pytestmark = pytest.mark.django_db

OLD = f"k2025:{base64.b64encode(os.urandom(32)).decode()}"
NEW = f"k2026:{base64.b64encode(os.urandom(32)).decode()}"


@pytest.fixture
def old_ring(settings):
    settings.FIELD_ENCRYPTION_KEYS = OLD
    settings.FIELD_ENCRYPTION_ALGORITHM = "aes-256-gcm"
    return settings


@pytest.fixture
def world(old_ring, regions, make_account):
    """Rows in every encrypted column, all under the old key (AES)."""
    with scopes_disabled():
        xihu = InstitutionFactory(uscc=make_uscc("330106", seed=61))
        staff = [StaffFactory(institution=xihu, id_number=make_id_number(seq=100 + i)) for i in range(7)]
        user = UserFactory(username="rot_phone")
        user.set_phone("13800138000")
        user.save(update_fields=["phone_encrypted", "phone_hash", "phone_masked"])
        child = make_enrolment(xihu, seq=7, id_region="330106")
        banned = make_blacklist_entry(id_number=make_id_number("441900", seq=9))
    return {"institution": xihu, "staff": staff, "user": user, "child": child, "banned": banned,
            "op": make_account("op_rot", "operator", xihu.uscc),
            "reviewer": make_account("rev_rot", "district_reviewer", "330106")}


def _api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _all_ciphertexts():
    with scopes_disabled():
        return {(m._meta.label, f): list(m._base_manager.exclude(**{f: ""}).values_list(f, flat=True))
                for m, f in targets()}


def test_every_encrypted_column_is_a_target():
    found = {f"{m._meta.label}.{f}" for m, f in targets()}
    assert found >= {"registry.Staff.id_number_encrypted", "accounts.User.phone_encrypted",
                     "subsidies.Enrolment.id_number_encrypted", "supervision.BlacklistEntry.id_number_encrypted",
                     "supervision.Complaint.contact_phone_encrypted"}
    assert not any("History" in name for name in found)  # the audit trail is append-only: never rewritten


def test_rotation_to_sm4_while_pages_and_api_keep_serving(world, settings):
    from registry.models import Staff

    xihu, staff, reviewer, op = world["institution"], world["staff"], world["reviewer"], world["op"]
    numbers = {s.pk: make_id_number(seq=100 + i) for i, s in enumerate(staff)}
    hashes = {s.pk: s.id_number_hash for s in staff}
    before = _all_ciphertexts()
    assert {crypto.key_id_of(c) for cs in before.values() for c in cs} == {"k2025"}

    # Deploy: the new key heads the ring and SM4-GCM is selected; the old key still decrypts.
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},{OLD}"
    settings.FIELD_ENCRYPTION_ALGORITHM = "sm4-gcm"
    rev, opc = _api(reviewer), _api(op)
    added = None
    steps = 0
    for changed in rotation_batches(Staff, "id_number_encrypted", batch_size=2):
        steps += 1
        assert changed <= 2
        # Between batches: pages and API answer, old-key and new-key rows alike.
        page = opc.get("/registry/my/staff/")
        assert page.status_code == 200 and staff[0].name in page.content.decode()
        for s in (staff[0], staff[-1]):  # one rotated early, one late
            reveal = rev.post(f"/api/v1/institutions/{xihu.pk}/staff/{s.pk}/reveal/")
            assert reveal.status_code == 200 and reveal.json() == {"id_number": numbers[s.pk]}
            with scopes_disabled():  # matching by blind index is untouched by the rotation
                assert Staff.objects.filter(id_number_hash=crypto.blind_index(numbers[s.pk])).exists()
        if added is None:  # a write during the rotation takes the new key at once
            body = {"name": "钱多多", "id_number": make_id_number(seq=199), "role": "caregiver",
                    "start_date": "2024-09-01",
                    "health_certificate_date": (timezone.localdate() - dt.timedelta(days=10)).isoformat(),
                    "qualifications": [{"type": "childcare", "number": "YY-9", "expires_on": "2029-01-01"}]}
            created = opc.post(f"/api/v1/institutions/{xihu.pk}/staff/", body, format="json")
            assert created.status_code == 201, created.json()
            added = created.json()["id"]
            with scopes_disabled():
                assert Staff.objects.get(pk=added).id_number_encrypted.startswith("v1:k2026:sm4:")
    assert steps >= 4  # 8 rows in batches of 2: the pages above really ran between batches

    # The rest of the columns, by the command; then nothing is left on the old key.
    call_command("rotate_field_keys", "--batch-size", "3")
    call_command("rotate_field_keys", "--check")
    after = _all_ciphertexts()
    for target, values in after.items():
        assert all(v.startswith("v1:k2026:sm4:") for v in values), target
        assert len(values) == len(before[target]) + (1 if target[0] == "registry.Staff" else 0), target
    # The key change is in the audit trail: the re-encrypted rows' history names the command and key.
    from accounts.models import UserHistory

    rotated = UserHistory.objects.filter(pgh_obj_id=world["user"].pk, pgh_label="update").last()
    assert rotated.pgh_context.metadata["command"] == "rotate_field_keys"
    assert rotated.pgh_context.metadata["key_id"] == "k2026"
    # Idempotent: a second run rewrites nothing.
    call_command("rotate_field_keys")
    assert _all_ciphertexts() == after

    # The old key leaves the ring: every value still reads, indexes still match.
    settings.FIELD_ENCRYPTION_KEYS = NEW
    with scopes_disabled():
        for s in Staff.objects.filter(pk__in=numbers):
            assert s.id_number == numbers[s.pk] and s.id_number_hash == hashes[s.pk]
        world["user"].refresh_from_db()
        assert world["user"].phone == "13800138000"
        world["child"].refresh_from_db()
        assert crypto.decrypt(world["child"].id_number_encrypted) == make_id_number("330106", born=world["child"].birth_date,
                                                                                    seq=7)
        world["banned"].refresh_from_db()
        assert crypto.decrypt(world["banned"].id_number_encrypted) == make_id_number("441900", seq=9)
    reveal = _api(reviewer).post(f"/api/v1/institutions/{xihu.pk}/staff/{staff[0].pk}/reveal/")
    assert reveal.json() == {"id_number": numbers[staff[0].pk]}


def test_an_interrupted_rotation_resumes(world, settings):
    from registry.models import Staff

    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},{OLD}"
    batches = rotation_batches(Staff, "id_number_encrypted", batch_size=3)
    assert next(batches) == 3
    batches.close()  # stopped after one batch (a deploy, a crash)
    assert stale_count(Staff, "id_number_encrypted") == 4
    with pytest.raises(CommandError, match="not under the active key"):
        call_command("rotate_field_keys", "--check")
    call_command("rotate_field_keys")  # run again: it skips what is done and finishes
    assert stale_count(Staff, "id_number_encrypted") == 0
    call_command("rotate_field_keys", "--check")
