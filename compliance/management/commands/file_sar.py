"""`manage.py file_sar --case N | --all-approved [--dry-run] [--output PATH] [--by EMAIL]`: write
approved SARs as a FinCEN SARX batch (checked against the schema and the business rules; an
invalid batch is never written)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from ...services.filings import sars_to_file
from ._filing_command import write_batch


class Command(BaseCommand):
    help = "Write approved SARs as a FinCEN BSA XML (SARX) batch."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--case", type=int, help="the approved SAR of this case")
        group.add_argument("--all-approved", action="store_true", help="every approved SAR")
        parser.add_argument("--dry-run", action="store_true", help="build and check the batch, write nothing")
        parser.add_argument("--output", help="the file (or directory) to write")
        parser.add_argument("--by", help="the email of the filing BSA officer")

    def handle(self, *args, **options):
        sars = sars_to_file(case_id=options["case"]) if options["case"] else sars_to_file()
        write_batch(self, kind="sar", record_ids=[s.pk for s in sars], options=options)
