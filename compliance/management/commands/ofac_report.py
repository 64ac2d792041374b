"""`manage.py ofac_report`: OFAC reports — list those due, prepare the annual report, write a
report's document, record a filing."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from blockguardian.calendar import business_date
from blockguardian.errors import ApplicationError

from ...models import OfacReport
from ...selectors import ofac_report_list_due
from ...services import ofac_annual_report_prepare, ofac_report_mark_filed, ofac_report_write


class Command(BaseCommand):
    help = (
        "OFAC reports: --due lists draft reports by due date; --annual YEAR prepares the report of "
        "blocked property as of 30 June; --write ID writes a report's document; --filed ID records "
        "its filing (--by EMAIL, --reference R)."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--due", action="store_true", help="draft reports, earliest due first")
        group.add_argument("--annual", type=int, metavar="YEAR")
        group.add_argument("--write", type=int, metavar="ID")
        group.add_argument("--filed", type=int, metavar="ID")
        parser.add_argument("--within-days", type=int, default=None, help="with --due: due within N days")
        parser.add_argument("--output", help="with --write or --annual: the file to write")
        parser.add_argument("--by", help="with --filed: the email of the officer who filed it")
        parser.add_argument("--reference", default="", help="with --filed: OFAC's reference")

    def handle(self, *args, **options):
        try:
            if options["due"]:
                self._due(options["within_days"])
            elif options["annual"]:
                report = ofac_annual_report_prepare(year=options["annual"])
                path = ofac_report_write(report=report, output=options["output"])
                self.stdout.write(
                    f"Annual report {report.pk} as of {report.event_date} ({report.payload['count']} blocked "
                    f"item(s)), due {report.due_date}: written to {path}"
                )
            elif options["write"]:
                path = ofac_report_write(report=self._report(options["write"]), output=options["output"])
                self.stdout.write(f"Written to {path}")
            else:
                if not options["by"]:
                    raise CommandError("--filed needs --by EMAIL")
                officer = get_user_model().objects.filter(email=options["by"].lower()).first()
                if officer is None:
                    raise CommandError(f"no user {options['by']}")
                report = ofac_report_mark_filed(
                    report=self._report(options["filed"]), acting_user=officer, filing_reference=options["reference"]
                )
                self.stdout.write(f"Report {report.pk} marked filed.")
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc

    def _report(self, pk: int) -> OfacReport:
        report = OfacReport.objects.filter(pk=pk).first()
        if report is None:
            raise CommandError(f"no OFAC report {pk}")
        return report

    def _due(self, within_days: int | None) -> None:
        today = business_date()
        limit = today + dt.timedelta(days=within_days) if within_days is not None else None
        reports = list(ofac_report_list_due(on_or_before=limit))
        if not reports:
            self.stdout.write("No OFAC report to file.")
        for report in reports:
            late = " OVERDUE" if report.due_date < today else ""
            self.stdout.write(
                f"{report.pk:>6}  {report.kind:<24} due {report.due_date}{late}  event {report.event_date}"
            )
