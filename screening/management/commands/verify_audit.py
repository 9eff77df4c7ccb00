"""manage.py verify_audit [--organisation ORG|platform]: walk the audit hash chains, report the first broken link."""

from django.core.management.base import CommandError

from screening import audit_chain
from screening.management.command_base import AppCommand
from screening.selectors import organisation_find


class Command(AppCommand):
    help = (
        "Check the audit trail's hash chains (one per organisation, one for the platform): exit 0 with "
        "'OK, N events in M chains', or print each chain's first broken link (event id, time) and exit 1."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--organisation", metavar="ORG", help="only this organisation's chain (name or id), or 'platform'"
        )

    def handle(self, *args, **options):
        key = options["organisation"]
        if key is None:
            chains = audit_chain.chains()
        elif key.strip().lower() == audit_chain.PLATFORM:
            chains = audit_chain.chains(platform_only=True)
        else:
            organisation = organisation_find(name_or_id=key)
            if organisation is None:
                raise CommandError(f"No organisation named (or with the id) {key!r}.")
            chains = audit_chain.chains(organisation=organisation)
        total, broken = 0, []
        for chain, organisation_id in chains:
            count, link = audit_chain.verify_chain(chain, organisation_id)
            total += count
            if link is not None:
                broken.append(link)
            elif options["verbosity"] >= 2:
                head = audit_chain.head_of(chain)
                self.stdout.write(
                    f"{chain}: {count} events, head {head.head_seq if head else 0} {head.head_hash if head else ''}"
                )
        if broken:
            for link in broken:
                self.stderr.write(f"BROKEN {link}")
            raise SystemExit(1)
        self.stdout.write(f"OK, {total} events in {len(chains)} chains")
