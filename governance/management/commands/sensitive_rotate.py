"""Re-encrypt every encrypted value under the current key (SENSITIVE_DATA_KEY_ID).

    manage.py sensitive_rotate [--batch-size 1000] [--reindex]

Resumable: run it again after a crash, it continues where it stopped. Once it reports no
value left under another key, the old key may be removed from SENSITIVE_DATA_KEYS. With
--reindex it also recomputes every blind index under the current SENSITIVE_INDEX_KEY, one
model at a time in one transaction that blocks writes: run that with the portal stopped
(see governance/sensitive_rotation.py)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.sensitive import keyring
from governance.sensitive_rotation import (
    indexes_recompute,
    models_with_encrypted_fields,
    values_reencrypt,
    values_under_other_keys,
)


class Command(BaseCommand):
    help = "Re-encrypt encrypted fields under SENSITIVE_DATA_KEY_ID, in batches, resumably."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument(
            "--reindex",
            action="store_true",
            help="Also recompute every blind index under SENSITIVE_INDEX_KEY (portal stopped).",
        )

    def handle(self, *args, batch_size: int, reindex: bool, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        self.stdout.write(f"Current key id: {keyring().active_id}")
        for model in models_with_encrypted_fields():
            label = model._meta.label
            rewritten = values_reencrypt(model, batch_size=batch_size)
            left = values_under_other_keys(model)
            self.stdout.write(f"{label}: {rewritten} values re-encrypted, {left} under other keys")
            if left:
                raise CommandError(f"{label}: {left} values are still under other keys")
            if reindex:
                changed = indexes_recompute(model, batch_size=batch_size)
                self.stdout.write(f"{label}: {changed} blind indexes recomputed")
