"""manage.py purge_screenings --older-than DAYS [--dry-run] [--organisation ORG]: retention.

Hard-deletes (answers included) the screenings created more than DAYS ago, organisation by organisation, each
deletion audited ("purged"). Run it from cron with the retention period agreed with the organisations.
"""

import argparse

from django.core.management.base import CommandError

from screening.management.command_base import AppCommand
from screening.models import Organisation
from screening.selectors import organisation_find
from screening.services import screenings_purge


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except (TypeError, ValueError) as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days") from exc
    if value < 1:
        raise argparse.ArgumentTypeError("DAYS must be a positive whole number")
    return value


class Command(AppCommand):
    help = (
        "Hard-delete the screenings created more than DAYS ago (per organisation, every deletion audited). "
        "--dry-run only counts them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", dest="days", type=positive_int, required=True, metavar="DAYS")
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")
        parser.add_argument("--organisation", metavar="ORG", help="only this organisation (name or id)")

    def handle(self, *args, **options):
        try:
            days = positive_int(str(options["days"]))  # argparse has checked it, unless given directly as days=
        except argparse.ArgumentTypeError as exc:
            raise CommandError(f"--older-than: {exc}") from exc
        if options["organisation"]:
            organisation = organisation_find(name_or_id=options["organisation"])
            if organisation is None:
                raise CommandError(f"No organisation named (or with the id) {options['organisation']!r}.")
            organisations = [organisation]
        else:
            organisations = list(Organisation.objects.order_by("name"))
        dry_run = options["dry_run"]
        verb = "would be deleted (dry run)" if dry_run else "deleted"
        total = 0
        for organisation in organisations:
            ids = screenings_purge(organisation=organisation, older_than_days=days, dry_run=dry_run)
            total += len(ids)
            self.stdout.write(f"{organisation.name}: {len(ids)} screening{'' if len(ids) == 1 else 's'} {verb}")
        self.stdout.write(f"Total: {total} screening{'' if total == 1 else 's'} older than {days} days {verb}")
