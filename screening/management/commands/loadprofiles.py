from django.core.management.base import BaseCommand, CommandError

from screening.services import ProfilesFileError, country_profiles_load


class Command(BaseCommand):
    help = "Load (create or update) the country profiles from fixtures/country_profiles.yaml."

    def add_arguments(self, parser):
        parser.add_argument("--file", help="another profiles file")

    def handle(self, *args, **options):
        try:
            count = country_profiles_load(path=options.get("file"))
        except ProfilesFileError as exc:
            raise CommandError("invalid country profiles:\n- " + "\n- ".join(exc.problems)) from exc
        self.stdout.write(f"Loaded {count} country profiles.")
