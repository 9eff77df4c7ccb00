"""manage.py demo_setup: a demo organisation, two demo users and a few demo screenings. DEBUG only.

Creates (once; running it again changes nothing but the users' passwords) the organisation "Demo NGO", the users
`demo-caseworker` (caseworker) and `demo-supervisor` (supervisor, who may sign in to the admin), and the
screenings of fixtures/demo_cases.yaml (copies of public example cases), created by the demo caseworker with
references "DEMO-pub-01" etc. The password is $DEMO_PASSWORD, or the documented demo password
"refuge-demo-2026". `make run` calls it after loading the country profiles.

Demo accounts have a known password, so it refuses (CommandError) unless this is clearly a development
database (review D13): DEBUG on, the database SQLite or PostgreSQL on this machine, and no organisation in it but
the demo one. `--i-know-this-is-not-production` overrides the check for a disposable database elsewhere.

The demo supervisor must sign in with a second factor: it gets an authenticator-app (TOTP) device, kept across
runs, whose secret and otpauth URL are printed; `demo_setup --code` prints the code valid now instead.
"""

from __future__ import annotations

import os
from base64 import b32encode
from pathlib import Path

import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.shortcuts import resolve_url
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from screening import services
from screening.auth import Actor
from screening.management.command_base import AppCommand
from screening.models import Membership, Organisation, Role, Screening

ORGANISATION = "Demo NGO"
USERS = (("demo-caseworker", Role.CASEWORKER), ("demo-supervisor", Role.SUPERVISOR))
DEFAULT_PASSWORD = "refuge-demo-2026"  # documented in README.md; used only with DEBUG on
PASSWORD_ENV = "DEMO_PASSWORD"
CASES_FILE = Path(settings.BASE_DIR) / "fixtures" / "demo_cases.yaml"
LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})  # "" is PostgreSQL's local socket
OVERRIDE_FLAG = "--i-know-this-is-not-production"
SUPERVISOR = "demo-supervisor"
DEMO_DEVICE = "Demo authenticator"


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def production_signs() -> list[str]:
    """Why the configured database may be a real one (empty: clearly a development database)."""
    signs = []
    if not settings.DEBUG:
        signs.append("DEBUG is off")
    database = connection.settings_dict
    if not database["ENGINE"].endswith("sqlite3") and (database.get("HOST") or "") not in LOCAL_HOSTS:
        signs.append(f"the database is on another host ({database.get('HOST')})")
    others = Organisation.objects.exclude(name=ORGANISATION).count()
    if others:
        signs.append(f"the database holds {others} other organisation(s)")
    return signs


class Command(AppCommand):
    help = (
        f"Development databases only (DEBUG on, a local database, no other organisation; or {OVERRIDE_FLAG}): "
        f"create the organisation {ORGANISATION!r}, the users demo-caseworker and demo-supervisor "
        f"(password ${PASSWORD_ENV} or {DEFAULT_PASSWORD!r}) and the demo screenings of fixtures/demo_cases.yaml. "
        "Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url", default="http://127.0.0.1:8000", help="where the server runs, for the sign-in link"
        )
        parser.add_argument("--file", default=str(CASES_FILE), help="another demo cases file")
        parser.add_argument(
            OVERRIDE_FLAG,
            action="store_true",
            dest="not_production",
            help="run although the database may not be a development one (a disposable staging database)",
        )
        parser.add_argument(
            "--code", action="store_true", help="only print the demo supervisor's two-factor code valid now"
        )

    def handle(self, *args, **options):
        signs = production_signs()
        if signs and not options["not_production"]:
            raise CommandError(
                "demo_setup refused: demo accounts have a known password, and this does not look like a "
                f"development database: {'; '.join(signs)}. Use the local settings on a local database, or "
                f"add {OVERRIDE_FLAG} if this database is disposable."
            )
        if options["code"]:
            device = TOTPDevice.objects.filter(user__username=SUPERVISOR, name=DEMO_DEVICE, confirmed=True).first()
            if device is None:
                raise CommandError("No demo supervisor with an authenticator device: run demo_setup first.")
            self.stdout.write(current_code(device))
            return
        password = os.environ.get(PASSWORD_ENV) or DEFAULT_PASSWORD
        cases = self._cases(Path(options["file"]))
        with transaction.atomic():
            organisation, created = Organisation.objects.get_or_create(name=ORGANISATION)
            self.stdout.write(f"{'Created' if created else 'Found'} the organisation {ORGANISATION!r}.")
            users = {role: self._user(organisation, username, role, password) for username, role in USERS}
            actor = Actor(organisation=organisation, user=users[Role.CASEWORKER], role=Role.CASEWORKER)
            made = 0
            for case in cases:
                reference = case["reference"]
                if Screening.objects.filter(organisation=organisation, reference=reference).exists():
                    continue
                try:
                    services.screening_create(
                        actor=actor,
                        answers=case["answers"],
                        reference=reference,
                        language=case.get("language", "en"),
                        respondent=case.get("respondent", "caseworker"),
                        status=case.get("status", "draft"),
                        apply_country_profile=bool(case.get("apply_country_profile", False)),
                    )
                except services.ScreeningInvalid as exc:
                    raise CommandError(f"{reference}: invalid answers: {exc}") from exc
                made += 1
        total = Screening.objects.filter(organisation=organisation, reference__in=[c["reference"] for c in cases])
        self.stdout.write(f"Created {made} demo screenings ({total.count()} in all).")
        login = resolve_url(settings.LOGIN_URL)
        if not login.startswith(("http://", "https://")):
            login = options["base_url"].rstrip("/") + "/" + login.lstrip("/")
        self.stdout.write("")
        self.stdout.write(f"Sign in at {login}")
        for username, role in USERS:
            self.stdout.write(f"  {username} ({role}), password: {password}")
        device = self._authenticator(users[Role.SUPERVISOR])
        secret = b32encode(device.bin_key).decode("ascii")
        self.stdout.write(f"{SUPERVISOR} then needs a two-factor code: add this key to an authenticator app")
        self.stdout.write(f"  key: {secret}")
        self.stdout.write(f"  otpauth URL: {device.config_url}")
        self.stdout.write("or print the code valid now with: python manage.py demo_setup --code")

    @staticmethod
    def _authenticator(user) -> TOTPDevice:
        """The demo supervisor's authenticator device, made once (an app set up with it keeps working)."""
        device = TOTPDevice.objects.filter(user=user, name=DEMO_DEVICE).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=DEMO_DEVICE, confirmed=True)
        return device

    def _cases(self, path: Path) -> list[dict]:
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        cases = (document or {}).get("cases")
        if not isinstance(cases, list) or not all(isinstance(c, dict) and c.get("reference") for c in cases):
            raise CommandError(f"{path}: expected `cases`, a list of mappings each with a `reference`")
        return cases

    def _user(self, organisation: Organisation, username: str, role: str, password: str):
        User = get_user_model()
        user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
        if user is None:
            user = services.user_create(organisation=organisation, username=username, password=password, role=role)
            self.stdout.write(f"Created the user {username} ({role}).")
        else:
            membership = Membership.objects.filter(user=user).first()
            if membership is None or membership.organisation_id != organisation.pk:
                raise CommandError(
                    f"The user {username!r} exists and is not a member of {ORGANISATION!r}: not touched."
                )
            if membership.role != role:
                membership.role = role
                membership.save(update_fields=["role"])
            user.set_password(password)  # so the password printed below is always the one that works
            user.is_active = True
            user.save(update_fields=["password", "is_active"])
        services.user_staff_sync(user=user)
        return user
