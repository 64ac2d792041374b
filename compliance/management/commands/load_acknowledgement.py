"""`manage.py load_acknowledgement FILE [--filing N]`: record the BSA IDs of a FinCEN
acknowledgement against the batch it answers."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from blockguardian.errors import ApplicationError

from ...services import acknowledgement_load
from ._bsa import officer


class Command(BaseCommand):
    help = "Load a FinCEN acknowledgement file: BSA IDs per report, status and errors."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--filing", type=int, help="the filing it answers (default: the one that fits)")
        parser.add_argument("--by", help="the email of the BSA officer")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no file {path}")
        try:
            filing = acknowledgement_load(
                document=path.read_bytes(), filing=options["filing"], acting_user=officer(options["by"])
            )
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc
        records = filing.ctrs.all() if filing.kind == "ctr" else filing.sars.all()
        ids = ", ".join(f"{r.pk}={r.bsa_id}" for r in records.order_by("filing_position"))
        self.stdout.write(
            f"Filing {filing.pk}: {filing.status} ({filing.acknowledgement_status}); BSA IDs: {ids}; "
            f"{len(filing.acknowledgement_errors)} error(s)/warning(s)"
        )
