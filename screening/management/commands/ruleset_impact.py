"""manage.py ruleset_impact --to VERSION [--from VERSION] [--organisation ORG] [--format text|json|csv]
                         [--workers N]

Evaluates stored screenings under another ruleset version without storing anything, and reports how many would
change and how (per outcome: gained, lost, strengthened, weakened), with the changed screenings by reference.
Never prints answer values."""

from __future__ import annotations

import csv
import json
import sys

from django.core.management.base import CommandError

from rules import RulesetError
from screening.management.command_base import AppCommand

from ...impact import ruleset_impact
from ...models import Organisation


class Command(AppCommand):
    help = "Report what a ruleset version would change in stored screenings (nothing is stored)."

    def add_arguments(self, parser):
        parser.add_argument("--to", dest="to_version", required=True, help="Target ruleset version, e.g. 1.1.0")
        parser.add_argument("--from", dest="from_version", help="Only screenings assessed under this version")
        parser.add_argument("--organisation", help="Only this organisation's screenings (its name)")
        parser.add_argument("--format", choices=("text", "json", "csv"), default="text")
        parser.add_argument("--workers", type=int, default=1, help="evaluating processes (default 1: none)")

    def handle(self, *args, to_version, from_version, organisation, format, workers=1, **options):
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        org = None
        if organisation:
            org = Organisation.objects.filter(name=organisation).first()
            if org is None:
                raise CommandError(f"No organisation named {organisation!r}.")
        try:
            report = ruleset_impact(to_version=to_version, from_version=from_version, organisation=org, workers=workers)
        except RulesetError as exc:
            raise CommandError(f"Cannot load ruleset version {to_version!r}: {exc.problems[0]}") from None
        data = report.as_dict()
        if format == "json":
            self.stdout.write(json.dumps(data, indent=2))
        elif format == "csv":
            writer = csv.writer(self.stdout)
            writer.writerow(["screening", "reference", "from_version", "change", "outcome", "from", "to"])
            for item in data["changed_screenings"]:
                ref = (item["id"], item["reference"], item["from_version"])
                for oid in item["added"]:
                    writer.writerow([*ref, "gained", oid, "", ""])
                for oid in item["removed"]:
                    writer.writerow([*ref, "lost", oid, "", ""])
                for key in ("strengthened", "weakened"):
                    for change in item[key]:
                        writer.writerow([*ref, key, change["id"], change["from"], change["to"]])
        else:
            self._text(data)

    def _text(self, data: dict) -> None:
        w = self.stdout.write
        scope = f" of {data['organisation']}" if data["organisation"] else ""
        since = f" assessed under {data['from_version']}" if data["from_version"] else ""
        w(f"Ruleset impact: {data['screenings']} stored screenings{scope}{since} evaluated under {data['to_version']}")
        w(f"  unchanged: {data['unchanged']}")
        w(f"  changed:   {data['changed']}")
        if data["by_outcome"]:
            w("")
            w(f"  {'outcome':<58} {'gained':>7} {'lost':>7} {'stronger':>9} {'weaker':>7}")
            for oid, c in data["by_outcome"].items():
                w(f"  {oid:<58} {c['gained']:>7} {c['lost']:>7} {c['strengthened']:>9} {c['weakened']:>7}")
        if data["changed_screenings"]:
            w("")
            w("  changed screenings (reference or id):")
            for item in data["changed_screenings"]:
                label = item["reference"] or item["id"]
                parts = [f"+{o}" for o in item["added"]] + [f"-{o}" for o in item["removed"]]
                parts += [f"{c['id']} {c['from']}→{c['to']}" for c in item["strengthened"] + item["weakened"]]
                w(f"    {label} ({item['from_version']}): {', '.join(parts)}")
        sys.stdout.flush()
