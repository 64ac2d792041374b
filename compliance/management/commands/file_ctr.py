"""`manage.py file_ctr --date D [--dry-run] [--output PATH] [--by EMAIL]`: write the approved CTRs
of a business day as a FinCEN CTRX batch (checked against the schema and the business rules; an
invalid batch is never written)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from ...services.filings import ctrs_to_file
from ._bsa import parse_date
from ._filing_command import write_batch


class Command(BaseCommand):
    help = "Write the approved CTRs of a business day as a FinCEN BSA XML (CTRX) batch."

    def add_arguments(self, parser):
        parser.add_argument("--date", required=True, help="the CTR business date (YYYY-MM-DD)")
        parser.add_argument("--dry-run", action="store_true", help="build and check the batch, write nothing")
        parser.add_argument("--output", help="the file (or directory) to write")
        parser.add_argument("--by", help="the email of the filing officer")

    def handle(self, *args, **options):
        day = parse_date(options["date"], "--date")
        write_batch(self, kind="ctr", record_ids=[c.pk for c in ctrs_to_file(on=day)], options=options)
