"""Re-encrypt personal data with the active key (the first of FIELD_ENCRYPTION_KEYS) and algorithm.

Rotation without downtime (docs/security.md, docs/operations.md): prepend a new key to
FIELD_ENCRYPTION_KEYS (keep the old ones: every key of the ring decrypts, the ciphertext names its
key id ``v1:<key id>:<alg>:…``), deploy — new writes now use the new key while old rows still
read — then run this command. It walks every encrypted column (every ``*_encrypted`` field of every
model, found, not listed) by primary key in batches, one short transaction per batch that locks
only that batch's rows (``SELECT … FOR UPDATE``: a concurrent edit of the same row waits for the
batch, then wins; reads never wait), and skips values already under the active key and algorithm —
so it is idempotent, and resumable: stopped anywhere, run it again. It ends by counting what is
left; remove an old key from the ring only once nothing is (``--check`` exits 1 while anything is).

Blind indexes do not change: their key (BLIND_INDEX_KEY) is separate and is not rotated, so matching
(a roster against the blacklist, a child across provinces) goes on during and after the rotation.
The audit trail's snapshots (pghistory) keep the ciphertext as it was when they were written: they
are append-only, so an old key stays in the ring, decrypt-only, until those months are archived.
"""

from __future__ import annotations

from collections.abc import Iterator

import pghistory
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django_scopes import scopes_disabled

from core import crypto

SUFFIX = "_encrypted"


def targets() -> list[tuple[type[models.Model], str]]:
    """(model, field) of every encrypted column outside the audit trail."""
    import pghistory.models
    from django.apps import apps

    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed or issubclass(model, pghistory.models.Event):
            continue
        for field in model._meta.concrete_fields:
            if field.name.endswith(SUFFIX) and isinstance(field, models.TextField | models.CharField):
                found.append((model, field.name))
    return sorted(found, key=lambda t: (t[0]._meta.label, t[1]))


def active() -> tuple[str, str]:
    key_id = crypto.key_ring()[0][0]
    alg = "sm4" if settings.FIELD_ENCRYPTION_ALGORITHM == "sm4-gcm" else "aes"
    return key_id, alg


def current_prefix() -> str:
    key_id, alg = active()
    return f"{crypto.PREFIX}:{key_id}:{alg}:"


def needs_rotation(token: str, key_id: str, alg: str) -> bool:
    if not token:
        return False
    parts = token.split(":", 3)
    return len(parts) != 4 or parts[1] != key_id or parts[2] != alg


def stale_count(model, field: str) -> int:
    """Rows of ``model`` whose ``field`` is not under the active key and algorithm."""
    with scopes_disabled():
        return (model._base_manager.exclude(**{field: ""})
                .exclude(**{f"{field}__startswith": current_prefix()}).count())


def rotation_batches(model, field: str, *, batch_size: int = 500, dry_run: bool = False) -> Iterator[int]:
    """Re-encrypt ``model.field`` batch by batch, yielding the rows changed after each committed batch
    (a caller may do other work between batches: the test serves pages there)."""
    key_id, alg = active()
    last_pk = 0
    with scopes_disabled():
        manager = model._base_manager
        while True:
            with transaction.atomic():
                rows = list(manager.select_for_update().filter(pk__gt=last_pk).exclude(**{field: ""})
                            .order_by("pk").only("pk", field)[:batch_size])
                if not rows:
                    return
                last_pk = rows[-1].pk
                stale = [r for r in rows if needs_rotation(getattr(r, field), key_id, alg)]
                for row in stale:
                    setattr(row, field, crypto.encrypt(crypto.decrypt(getattr(row, field))))
                if stale and not dry_run:
                    manager.bulk_update(stale, [field])
            yield len(stale)


def rotate_model(model, field: str, *, batch_size: int = 500, dry_run: bool = False) -> int:
    return sum(rotation_batches(model, field, batch_size=batch_size, dry_run=dry_run))


class Command(BaseCommand):
    help = "Re-encrypt every encrypted column with the active field-encryption key (batched, idempotent, resumable)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--dry-run", action="store_true", help="Count what would change; write nothing.")
        parser.add_argument("--check", action="store_true",
                            help="Write nothing; exit 1 while any row is not under the active key.")

    def handle(self, *args, batch_size: int, dry_run: bool, check: bool, **options):
        key_id, alg = active()
        self.stdout.write(f"Active key: {key_id} ({alg})")
        # Audited: each re-encrypted row's history event carries this context (the key change itself).
        with pghistory.context(command="rotate_field_keys", key_id=key_id, algorithm=alg):
            left = self._run(batch_size=batch_size, dry_run=dry_run, check=check)
        if check and left:
            raise CommandError(f"{left} rows are not under the active key yet: run rotate_field_keys")
        self.stdout.write(f"left on other keys: {left}")

    def _run(self, *, batch_size: int, dry_run: bool, check: bool) -> int:
        key_id, alg = active()
        left = 0
        for model, field in targets():
            label = f"{model._meta.label}.{field}"
            if not check:
                count = rotate_model(model, field, batch_size=batch_size, dry_run=dry_run)
                self.stdout.write(f"{label}: {'would re-encrypt' if dry_run else 're-encrypted'} {count}")
            remaining = stale_count(model, field)
            left += remaining
            if check or remaining:
                self.stdout.write(f"{label}: {remaining} rows not under {key_id} ({alg})")
        return left
