"""`manage.py load_sanctions [DIR]`: load the OFAC SDN list (sdn.csv, alt.csv, add.csv)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from blockguardian.errors import ApplicationError

from ...screening.ofac import count_entries
from ...services import sanctions_list_load, sanctions_rescreen


class Command(BaseCommand):
    help = (
        "Load the OFAC SDN list in OFAC's legacy CSV layout (default: the copy bundled in "
        "compliance/data/ofac). Identical files change nothing; a changed list records a new "
        "version and re-screens every subject the change may affect."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?", default=None, help="directory with sdn.csv, alt.csv, add.csv")
        parser.add_argument(
            "--no-rescreen", action="store_true", help="load only; re-screening runs later from the outbox"
        )

    def handle(self, *args, **options):
        directory = options["directory"] or settings.SANCTIONS_DATA_DIR
        quiet = options["verbosity"] == 0
        try:
            total = count_entries(directory)
        except OSError as exc:
            raise CommandError(f"cannot read {directory}: {exc}") from exc
        try:
            with tqdm(total=total, desc="entries", unit="entry", disable=quiet) as bar:
                result = sanctions_list_load(directory=directory, progress=bar.update)
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc
        version = result.version
        if not result.created:
            self.stdout.write(f"Unchanged: the files equal list version {version.pk}; nothing loaded.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"List version {version.pk}: {version.entries_total} entries ({version.entries_added} added, "
                f"{version.entries_changed} changed, {version.entries_removed} removed), {version.aliases_total} "
                f"aliases, {version.addresses_total} addresses, {version.digital_currency_addresses_total} "
                "digital currency addresses."
            )
        )
        if options["no_rescreen"]:
            return
        with tqdm(desc="re-screening subjects", unit="subject", disable=quiet) as bar:
            rescreened = sanctions_rescreen(version=version, progress=bar.update)
        version.refresh_from_db()
        self.stdout.write(
            f"Re-screened {version.rescreened_subjects} subject(s) the change may affect "
            f"({version.rescreen_hits} new open hit(s))" + ("" if rescreened else "; already done by the outbox task")
        )
