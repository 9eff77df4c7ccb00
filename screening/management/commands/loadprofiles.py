from django.core.management.base import CommandError

from screening.management.command_base import AppCommand
from screening.services import ProfilesFileError, country_profiles_load


class Command(AppCommand):
    help = "Load (create or update) the country profiles from fixtures/country_profiles.yaml."

    def add_arguments(self, parser):
        parser.add_argument("--file", help="another profiles file")

    def handle(self, *args, **options):
        try:
            count = country_profiles_load(path=options.get("file"))
        except ProfilesFileError as exc:
            raise CommandError("invalid country profiles:\n- " + "\n- ".join(exc.problems)) from exc
        self.stdout.write(f"Loaded {count} country profiles.")
