"""manage.py createuser ORG USERNAME [--role ROLE] [--noinput]: a user of one organisation, with one role.

The password is prompted twice, or read from the environment variable SCREENING_USER_PASSWORD with --noinput.
Supervisors and organisation admins get is_staff, so they can sign in to the Django admin (scoped to their
organisation there).
"""

import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from screening.management.command_base import AppCommand
from screening.models import Role
from screening.selectors import organisation_find
from screening.services import user_create, user_staff_sync

PASSWORD_ENV = "SCREENING_USER_PASSWORD"


class Command(AppCommand):
    help = (
        "Create a user of an organisation (ORG: its name or id) with a role. The password is prompted twice, "
        f"or read from ${PASSWORD_ENV} with --noinput."
    )

    def add_arguments(self, parser):
        parser.add_argument("organisation", metavar="ORG", help="organisation name or id")
        parser.add_argument("username")
        parser.add_argument("--role", choices=Role.values, default=Role.CASEWORKER, help="default: caseworker")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help=f"do not prompt: read the password from ${PASSWORD_ENV}",
        )

    def handle(self, *args, **options):
        role = options["role"]
        if role not in Role.values:
            raise CommandError(f"Unknown role {role!r}: use one of {', '.join(Role.values)}.")
        organisation = organisation_find(name_or_id=options["organisation"])
        if organisation is None:
            raise CommandError(f"No organisation named (or with the id) {options['organisation']!r}.")

        User = get_user_model()
        username = options["username"].strip()
        username_field = User._meta.get_field(User.USERNAME_FIELD)
        try:
            username = username_field.clean(username, None)
        except ValidationError as exc:
            raise CommandError(f"Invalid username: {' '.join(exc.messages)}") from exc
        if User._default_manager.filter(**{User.USERNAME_FIELD: username}).exists():
            raise CommandError(f"A user named {username!r} already exists.")

        password = self._password(options["interactive"])
        try:
            validate_password(password, user=User(**{User.USERNAME_FIELD: username}))
        except ValidationError as exc:
            raise CommandError("The password was refused:\n- " + "\n- ".join(exc.messages)) from exc

        try:
            with transaction.atomic():
                user = user_create(organisation=organisation, username=username, password=password, role=role)
                user_staff_sync(user=user)
        except IntegrityError as exc:  # created concurrently
            raise CommandError(f"A user named {username!r} already exists.") from exc
        admin = " (can sign in to the admin)" if user.is_staff else ""
        self.stdout.write(f"Created user {user.get_username()}: {role} of {organisation.name}{admin}")

    def _password(self, interactive: bool) -> str:
        if not interactive:
            password = os.environ.get(PASSWORD_ENV)
            if not password:
                raise CommandError(f"With --noinput, set the password in the environment variable {PASSWORD_ENV}.")
            return password
        password = getpass.getpass("Password: ")
        if not password:
            raise CommandError("The password must not be blank.")
        if getpass.getpass("Password (again): ") != password:
            raise CommandError("The passwords did not match.")
        return password
