"""`manage.py compliance_report --month YYYY-MM [--output FILE]`: print the monthly compliance
report and write it as CSV."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ...services import compliance_report


class Command(BaseCommand):
    help = "The monthly compliance report (printed, and written as CSV)."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--output", help="the CSV file (default: FINCEN_FILING_DIR/compliance_report_YYYY-MM.csv)")

    def handle(self, *args, **options):
        try:
            month = dt.date.fromisoformat(options["month"] + "-01")
        except ValueError as exc:
            raise CommandError("--month: use YYYY-MM") from exc
        report = compliance_report(month=month)
        path = Path(options["output"] or Path(settings.FINCEN_FILING_DIR) / f"compliance_report_{month:%Y-%m}.csv")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(report.csv(), encoding="utf-8")
        self.stdout.write(report.text())
        self.stdout.write(f"\nCSV written to {path}")
