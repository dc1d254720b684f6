"""Re-encrypt personal data with the active key (the first of FIELD_ENCRYPTION_KEYS).

Rotation: prepend a new key to FIELD_ENCRYPTION_KEYS (keep the old ones), deploy, run this command,
then remove old keys once it reports nothing left. Batched by primary key, one transaction per
batch, idempotent (values already under the active key and algorithm are skipped). Blind indexes
do not change: their key (BLIND_INDEX_KEY) is separate and is not rotated.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django_scopes import scopes_disabled

from core import crypto

# (app_label.Model, encrypted field)
TARGETS = (("registry.Staff", "id_number_encrypted"), ("accounts.User", "phone_encrypted"))


def _active() -> tuple[str, str]:
    key_id = crypto.key_ring()[0][0]
    alg = "sm4" if settings.FIELD_ENCRYPTION_ALGORITHM == "sm4-gcm" else "aes"
    return key_id, alg


def needs_rotation(token: str, key_id: str, alg: str) -> bool:
    if not token:
        return False
    parts = token.split(":", 3)
    return len(parts) != 4 or parts[1] != key_id or parts[2] != alg


def rotate_model(model, field: str, *, batch_size: int = 500, dry_run: bool = False) -> int:
    key_id, alg = _active()
    changed = 0
    last_pk = 0
    with scopes_disabled():
        manager = model._base_manager
        while True:
            with transaction.atomic():
                rows = list(manager.select_for_update().filter(pk__gt=last_pk).exclude(**{field: ""})
                            .order_by("pk").only("pk", field)[:batch_size])
                if not rows:
                    break
                last_pk = rows[-1].pk
                stale = [r for r in rows if needs_rotation(getattr(r, field), key_id, alg)]
                for row in stale:
                    setattr(row, field, crypto.encrypt(crypto.decrypt(getattr(row, field))))
                if stale and not dry_run:
                    manager.bulk_update(stale, [field])
                changed += len(stale)
    return changed


class Command(BaseCommand):
    help = "Re-encrypt Staff ID numbers and User phones with the active field-encryption key (batched, idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--dry-run", action="store_true", help="Count what would change; write nothing.")

    def handle(self, *args, batch_size: int, dry_run: bool, **options):
        from django.apps import apps

        key_id, alg = _active()
        self.stdout.write(f"Active key: {key_id} ({alg})")
        for label, field in TARGETS:
            count = rotate_model(apps.get_model(label), field, batch_size=batch_size, dry_run=dry_run)
            verb = "would re-encrypt" if dry_run else "re-encrypted"
            self.stdout.write(f"{label}.{field}: {verb} {count}")
