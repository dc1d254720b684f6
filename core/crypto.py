"""Encryption of personal data at rest, with a key ring and a keyed blind index.

Ciphertext format (text, safe for a CharField/TextField): ``v1:<key id>:<alg>:<base64(nonce+ct)>``.
The first key of ``FIELD_ENCRYPTION_KEYS`` encrypts; every key in the ring decrypts, so keys can be
rotated by prepending a new one and re-encrypting at leisure (``manage.py rotate_field_keys``).
The blind index is HMAC-SHA256 under ``BLIND_INDEX_KEY`` of the normalised value: equal values
match in SQL without decrypting anything.

An ID number is kept as three columns ``<prefix>_encrypted`` (ciphertext), ``<prefix>_hash`` (blind
index, for matching) and ``<prefix>_masked`` (for display); ``set_id_number`` fills all three, so a
roster row and a blacklist entry of the same person match on the hash.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "v1"


@lru_cache(maxsize=8)
def _ring(spec: str) -> list[tuple[str, bytes]]:
    keys = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        key_id, _, b64 = part.partition(":")
        try:
            raw = base64.b64decode(b64, validate=True)
        except ValueError as exc:
            raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS: key {key_id!r} is not base64") from exc
        if len(raw) < 32:
            raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS: key {key_id!r} must be at least 32 bytes")
        keys.append((key_id, raw[:32]))
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty")
    return keys


def key_ring() -> list[tuple[str, bytes]]:
    return _ring(settings.FIELD_ENCRYPTION_KEYS)


def _sm4_gcm_encrypt(key: bytes, nonce: bytes, plaintext: bytes) -> bytes:
    encryptor = Cipher(algorithms.SM4(key[:16]), modes.GCM(nonce)).encryptor()
    return encryptor.update(plaintext) + encryptor.finalize() + encryptor.tag


def _sm4_gcm_decrypt(key: bytes, nonce: bytes, data: bytes) -> bytes:
    ct, tag = data[:-16], data[-16:]
    decryptor = Cipher(algorithms.SM4(key[:16]), modes.GCM(nonce, tag)).decryptor()
    return decryptor.update(ct) + decryptor.finalize()


def encrypt(plaintext: str | None) -> str:
    if plaintext in (None, ""):
        return ""
    key_id, key = key_ring()[0]
    alg = "sm4" if settings.FIELD_ENCRYPTION_ALGORITHM == "sm4-gcm" else "aes"
    nonce = os.urandom(12)
    data = plaintext.encode()
    ct = _sm4_gcm_encrypt(key, nonce, data) if alg == "sm4" else AESGCM(key).encrypt(nonce, data, None)
    return f"{PREFIX}:{key_id}:{alg}:{base64.b64encode(nonce + ct).decode()}"


def decrypt(token: str | None) -> str:
    if not token:
        return ""
    prefix, key_id, alg, b64 = token.split(":", 3)
    if prefix != PREFIX:
        raise ValueError("unknown ciphertext version")
    keys = dict(key_ring())
    if key_id not in keys:
        raise ImproperlyConfigured(f"no key {key_id!r} in FIELD_ENCRYPTION_KEYS to decrypt with")
    raw = base64.b64decode(b64)
    nonce, ct = raw[:12], raw[12:]
    if alg == "sm4":
        return _sm4_gcm_decrypt(keys[key_id], nonce, ct).decode()
    return AESGCM(keys[key_id]).decrypt(nonce, ct, None).decode()


def key_id_of(token: str) -> str:
    return token.split(":", 3)[1] if token else ""


def set_id_number(obj, number: str, *, prefix: str = "id_number") -> list[str]:
    """Store a (validated) ID number on ``obj`` as ciphertext, blind index and masked form; returns
    the three field names set (for ``save(update_fields=...)``). An empty number clears them."""
    from .validators import mask_id_number

    fields = [f"{prefix}_encrypted", f"{prefix}_hash", f"{prefix}_masked"]
    values = (encrypt(number), blind_index(number), mask_id_number(number)) if number else ("", "", "")
    for name, value in zip(fields, values, strict=True):
        setattr(obj, name, value)
    return fields


def blind_index(value: str | None) -> str:
    if not value:
        return ""
    key = settings.BLIND_INDEX_KEY.encode()
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()
