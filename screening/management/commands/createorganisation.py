"""manage.py createorganisation NAME: create an organisation (a tenant: its screenings are visible to it alone)."""

from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from screening.management.command_base import AppCommand
from screening.models import Organisation
from screening.services import organisation_create

NAME_MAX_LENGTH = Organisation._meta.get_field("name").max_length


class Command(AppCommand):
    help = "Create an organisation; prints its id and name."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the organisation's name (unique)")

    def handle(self, *args, **options):
        name = options["name"].strip()
        if not name:
            raise CommandError("The organisation name must not be blank.")
        if len(name) > NAME_MAX_LENGTH:
            raise CommandError(f"The organisation name must be at most {NAME_MAX_LENGTH} characters.")
        if Organisation.objects.filter(name=name).exists():
            raise CommandError(f"An organisation named {name!r} already exists.")
        try:
            with transaction.atomic():
                organisation = organisation_create(name=name)
        except IntegrityError as exc:  # created concurrently
            raise CommandError(f"An organisation named {name!r} already exists.") from exc
        self.stdout.write(f"Created organisation {organisation.id}: {organisation.name}")
