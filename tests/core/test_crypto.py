"""Field encryption: AES-256-GCM and SM4-GCM round trips, key rotation, blind index, tampering, and
``manage.py rotate_field_keys``."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.exceptions import InvalidTag
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django_scopes import scopes_disabled

from core import crypto

OLD = f"k2025:{base64.b64encode(b'o' * 32).decode()}"
NEW = f"k2026:{base64.b64encode(os.urandom(32)).decode()}"
ID_X = "11010519491231002X"


@pytest.fixture
def old_ring(settings):
    settings.FIELD_ENCRYPTION_KEYS = OLD
    settings.FIELD_ENCRYPTION_ALGORITHM = "aes-256-gcm"
    return settings


@pytest.mark.parametrize(("alg", "tag"), [("aes-256-gcm", "aes"), ("sm4-gcm", "sm4")])
def test_round_trip(settings, old_ring, alg, tag):
    settings.FIELD_ENCRYPTION_ALGORITHM = alg
    token = crypto.encrypt(ID_X)
    assert token.startswith(f"v1:k2025:{tag}:")
    assert ID_X not in token
    assert crypto.decrypt(token) == ID_X
    # A fresh nonce each time: equal plaintexts do not give equal ciphertexts.
    assert crypto.encrypt(ID_X) != token
    assert crypto.decrypt(crypto.encrypt("王芳 13800138000")) == "王芳 13800138000"


def test_empty_values(old_ring):
    assert crypto.encrypt("") == "" and crypto.encrypt(None) == ""
    assert crypto.decrypt("") == ""


def test_sm4_matches_published_test_vector():
    # GB/T 32907-2016 Appendix A.1: key = plaintext = 0123456789abcdeffedcba9876543210.
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    enc = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305 (one block: the test vector)
    assert (enc.update(key) + enc.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


@pytest.mark.parametrize("alg", ["aes-256-gcm", "sm4-gcm"])
def test_tampered_ciphertext_fails(settings, old_ring, alg):
    settings.FIELD_ENCRYPTION_ALGORITHM = alg
    token = crypto.encrypt(ID_X)
    prefix, key_id, tag, b64 = token.split(":", 3)
    raw = bytearray(base64.b64decode(b64))
    raw[-1] ^= 0x01
    with pytest.raises(InvalidTag):
        crypto.decrypt(f"{prefix}:{key_id}:{tag}:{base64.b64encode(bytes(raw)).decode()}")
    raw = bytearray(base64.b64decode(b64))
    raw[14] ^= 0x80  # inside the ciphertext body
    with pytest.raises(InvalidTag):
        crypto.decrypt(f"{prefix}:{key_id}:{tag}:{base64.b64encode(bytes(raw)).decode()}")


def test_rotation_old_key_decrypts_new_key_encrypts(settings, old_ring):
    old_token = crypto.encrypt(ID_X)
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},{OLD}"
    assert crypto.decrypt(old_token) == ID_X
    new_token = crypto.encrypt(ID_X)
    assert crypto.key_id_of(new_token) == "k2026" and crypto.key_id_of(old_token) == "k2025"
    # Once the old key is removed, its ciphertexts are refused loudly (not silently garbled).
    settings.FIELD_ENCRYPTION_KEYS = NEW
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt(old_token)
    assert crypto.decrypt(new_token) == ID_X


def test_wrong_key_under_same_id_fails(settings, old_ring):
    token = crypto.encrypt(ID_X)
    settings.FIELD_ENCRYPTION_KEYS = f"k2025:{base64.b64encode(b'x' * 32).decode()}"
    with pytest.raises(InvalidTag):
        crypto.decrypt(token)


def test_bad_key_config(settings):
    settings.FIELD_ENCRYPTION_KEYS = f"short:{base64.b64encode(b'abc').decode()}"
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")


def test_blind_index_stable_normalised_and_keyed(settings, old_ring):
    first = crypto.blind_index(ID_X)
    assert first == crypto.blind_index(" 11010519491231002x ")
    assert len(first) == 64 and first != crypto.blind_index("110105194912310010")
    # Rotating encryption keys does not change the index.
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},{OLD}"
    assert crypto.blind_index(ID_X) == first
    # A different index key gives different hashes (a leaked table cannot be matched without the key).
    settings.BLIND_INDEX_KEY = "another-secret-index-key-for-tests"
    assert crypto.blind_index(ID_X) != first
    assert crypto.blind_index("") == ""


@pytest.mark.django_db
def test_rotate_field_keys_command(settings, old_ring, regions):
    from registry.models import Staff
    from tests.factories import StaffFactory, UserFactory, make_id_number

    with scopes_disabled():
        staff = [StaffFactory(id_number=make_id_number(seq=i)) for i in range(5)]
        user = UserFactory(username="phone_user")
        user.set_phone("13800138000")
        user.save(update_fields=["phone_encrypted", "phone_hash", "phone_masked"])
    hashes = {s.pk: s.id_number_hash for s in staff}
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},{OLD}"
    call_command("rotate_field_keys", "--batch-size", "2", "--dry-run")
    with scopes_disabled():
        assert all(crypto.key_id_of(s.id_number_encrypted) == "k2025" for s in Staff.objects.all())
    call_command("rotate_field_keys", "--batch-size", "2")
    with scopes_disabled():
        rows = list(Staff.objects.all())
    assert {crypto.key_id_of(s.id_number_encrypted) for s in rows} == {"k2026"}
    assert {s.pk: s.id_number for s in rows} == {s.pk: make_id_number(seq=i) for i, s in enumerate(staff)}
    assert {s.pk: s.id_number_hash for s in rows} == hashes
    user.refresh_from_db()
    assert crypto.key_id_of(user.phone_encrypted) == "k2026" and user.phone == "13800138000"
    # Idempotent: a second run changes nothing.
    before = {s.pk: s.id_number_encrypted for s in rows}
    call_command("rotate_field_keys")
    with scopes_disabled():
        assert {s.pk: s.id_number_encrypted for s in Staff.objects.all()} == before
    # The old key can now be dropped.
    settings.FIELD_ENCRYPTION_KEYS = NEW
    with scopes_disabled():
        assert Staff.objects.get(pk=staff[0].pk).id_number == make_id_number(seq=0)
