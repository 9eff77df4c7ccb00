"""manage.py revokepartner ORG NAME | --id UUID: revoke a partner client's token (at once, for good)."""

import uuid

from django.core.management.base import CommandError

from screening.management.command_base import AppCommand
from screening.selectors import organisation_find, partner_client_find
from screening.services import partner_client_revoke


class Command(AppCommand):
    help = "Revoke a partner client's token: by organisation (name or id) and client name, or by client id."

    def add_arguments(self, parser):
        parser.add_argument("organisation", metavar="ORG", nargs="?", help="organisation name or id")
        parser.add_argument("name", nargs="?", help="the partner client's name")
        parser.add_argument("--id", dest="client_id", metavar="UUID", help="the partner client's id instead")

    def handle(self, *args, **options):
        client_id, org_key, name = options["client_id"], options["organisation"], options["name"]
        if client_id:
            if org_key or name:
                raise CommandError("Give either ORG and NAME, or --id, not both.")
            try:
                client_id = uuid.UUID(str(client_id))
            except ValueError as exc:
                raise CommandError(f"{options['client_id']!r} is not a partner client id (a UUID).") from exc
            client = partner_client_find(client_id=client_id)
            if client is None:
                raise CommandError(f"No partner client with the id {client_id}.")
        else:
            if not (org_key and name):
                raise CommandError("Give ORG and NAME, or --id UUID.")
            organisation = organisation_find(name_or_id=org_key)
            if organisation is None:
                raise CommandError(f"No organisation named (or with the id) {org_key!r}.")
            client = partner_client_find(organisation=organisation, name=name.strip())
            if client is None:
                raise CommandError(f"{organisation.name} has no partner client named {name!r}.")
        already = client.revoked_at is not None
        client = partner_client_revoke(client=client)
        label = f"partner client {client.name!r} of {client.organisation.name}"
        when = client.revoked_at.isoformat(timespec="seconds")
        self.stdout.write(f"The {label} was already revoked ({when})." if already else f"Revoked the {label} ({when}).")
