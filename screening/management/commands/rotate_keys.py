"""manage.py rotate_keys [--batch-size N]: re-encrypt every encrypted value with the newest key.

Key rotation: put the new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), restart the app, run
this, then remove the old keys. Safe to run again (values under the newest key are left alone) and while the app
runs. Exit status 2 when it could not run (no keys, a value that no key of the list decrypts)."""

import os

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError

from screening.encryption import check_keys, configured_keys
from screening.key_rotation import RotationError, rotate_all
from screening.management.command_base import AppCommand


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


class Command(AppCommand):
    help = "Re-encrypt every encrypted answer, assessment and job input with the newest key of FIELD_ENCRYPTION_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=positive_int, default=500, metavar="N", help="rows per transaction")

    def handle(self, *args, **options):
        try:
            check_keys()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc), returncode=2) from None
        if not os.environ.get("FIELD_ENCRYPTION_KEYS"):
            self.stderr.write(
                "Warning: FIELD_ENCRYPTION_KEYS is not set in the environment: using the settings' development key."
            )
        keys = len(configured_keys())
        self.stdout.write(f"Re-encrypting with the newest of {keys} key{'' if keys == 1 else 's'} ...")
        try:
            results = rotate_all(
                batch_size=options["batch_size"], progress=lambda counts: self.stdout.write(f"  {counts.line()}")
            )
        except RotationError as exc:
            raise CommandError(
                f"{exc} Earlier batches were re-encrypted; fix the key list and run again (values already under "
                "the newest key are skipped).",
                returncode=2,
            ) from None
        rotated = sum(c.rotated for c in results)
        current = sum(c.current for c in results)
        self.stdout.write(f"Total: {rotated} re-encrypted, {current} already under the newest key.")
