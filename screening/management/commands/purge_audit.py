"""manage.py purge_audit [--older-than-days N] [--dry-run]: audit-trail retention (review D22)."""

from django.conf import settings
from django.core.management.base import CommandError

from screening import audit_retention
from screening.management.command_base import AppCommand


class Command(AppCommand):
    help = (
        "Delete audit events older than N days (default AUDIT_RETENTION_DAYS), oldest first in each chain; "
        "the chains stay verifiable from the oldest kept event. Run daily, with clearsessions."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-days",
            type=int,
            default=None,
            metavar="N",
            help=f"default: AUDIT_RETENTION_DAYS; at least {audit_retention.MIN_DAYS}",
        )
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args, **options):
        days = options["older_than_days"]
        days = settings.AUDIT_RETENTION_DAYS if days is None else days
        try:
            results = audit_retention.purge(older_than_days=days, dry_run=options["dry_run"])
        except ValueError as exc:
            raise CommandError(f"--older-than-days {days}: {exc}.") from exc
        verb = "would delete" if options["dry_run"] else "deleted"
        for result in results:
            if result.deleted:
                self.stdout.write(f"{result.chain}: {verb} {result.deleted} events older than {days} days")
        total = sum(r.deleted for r in results)
        self.stdout.write(f"{verb.capitalize()} {total} audit events older than {days} days in {len(results)} chains.")
