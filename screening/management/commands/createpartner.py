"""manage.py createpartner ORG NAME [--scope SCOPE] [--expires-in-days N]: API credentials for a partner system.

The token is printed once, alone on the last line of stdout (`... | tail -n1`); only its SHA-256 is stored.
"""

from datetime import timedelta

from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.utils import timezone

from screening.management.command_base import AppCommand
from screening.models import PartnerClient, Scope
from screening.selectors import organisation_find, partner_client_find
from screening.services import partner_client_create

NAME_MAX_LENGTH = PartnerClient._meta.get_field("name").max_length
MAX_DAYS = 3650


class Command(AppCommand):
    help = (
        "Create a partner client (API token) of an organisation (ORG: its name or id). The token is printed "
        "once, alone on the last line of the output; it cannot be shown again."
    )

    def add_arguments(self, parser):
        parser.add_argument("organisation", metavar="ORG", help="organisation name or id")
        parser.add_argument("name", help="the partner system's name (unique within the organisation)")
        parser.add_argument("--scope", choices=Scope.values, default=Scope.FULL, help="default: full")
        parser.add_argument(
            "--expires-in-days",
            type=int,
            metavar="N",
            help=f"the token stops working after N days (1-{MAX_DAYS}); default: never",
        )

    def handle(self, *args, **options):
        scope = options["scope"]
        if scope not in Scope.values:
            raise CommandError(f"Unknown scope {scope!r}: use one of {', '.join(Scope.values)}.")
        organisation = organisation_find(name_or_id=options["organisation"])
        if organisation is None:
            raise CommandError(f"No organisation named (or with the id) {options['organisation']!r}.")
        days = options["expires_in_days"]
        if days is not None and not 1 <= days <= MAX_DAYS:
            raise CommandError(f"--expires-in-days must be a whole number of days from 1 to {MAX_DAYS}.")
        expires_at = timezone.now() + timedelta(days=days) if days is not None else None
        name = options["name"].strip()
        if not name or len(name) > NAME_MAX_LENGTH:
            raise CommandError(f"The client name must be 1 to {NAME_MAX_LENGTH} characters.")
        if partner_client_find(organisation=organisation, name=name) is not None:
            raise CommandError(f"{organisation.name} already has a partner client named {name!r}.")
        try:
            with transaction.atomic():
                client, token = partner_client_create(
                    organisation=organisation, name=name, scope=scope, expires_at=expires_at
                )
        except IntegrityError as exc:  # created concurrently
            raise CommandError(f"{organisation.name} already has a partner client named {name!r}.") from exc
        expiry = f", expires {client.expires_at.isoformat(timespec='seconds')}" if client.expires_at else ""
        self.stdout.write(
            f"Created partner client {client.name!r} of {organisation.name} (id {client.id}, scope {client.scope}"
            f"{expiry}).\n"
            "Send the token below as 'Authorization: Token <token>'. It is shown only now and cannot be\n"
            f"recovered: store it safely. Revoke it with `manage.py revokepartner --id {client.id}`."
        )
        self.stdout.write(token)
