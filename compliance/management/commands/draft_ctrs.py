"""`manage.py draft_ctrs [--date D | --since D --until D]`: draft the CTRs of CTR business days
(the daily job's work, by hand). Without dates: the days the daily job drafts. Re-runnable: a day
drafted again refreshes its drafts and never makes a second CTR."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from blockguardian.calendar import is_fed_business_day

from ...services import ctr_days_to_draft, ctr_draft_for_day
from ._bsa import parse_date


class Command(BaseCommand):
    help = "Draft the CTRs of CTR business days (each person's cash in and out above the threshold)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="one CTR business date (YYYY-MM-DD)")
        parser.add_argument("--since", help="first CTR business date of a range (YYYY-MM-DD)")
        parser.add_argument("--until", help="last CTR business date of a range (YYYY-MM-DD)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def _days(self, options) -> list[dt.date]:
        if options["date"] and (options["since"] or options["until"]):
            raise CommandError("use --date or --since/--until, not both")
        if options["date"]:
            return [parse_date(options["date"], "--date")]
        if options["since"] or options["until"]:
            if not (options["since"] and options["until"]):
                raise CommandError("--since and --until go together")
            since, until = parse_date(options["since"], "--since"), parse_date(options["until"], "--until")
            if until < since:
                raise CommandError("--until is before --since")
            days = [since + dt.timedelta(days=n) for n in range((until - since).days + 1)]
            return [day for day in days if is_fed_business_day(day)]
        return ctr_days_to_draft()

    def handle(self, *args, **options):
        days = self._days(options)
        bar = tqdm(
            total=len(days), unit=" day", desc="CTR drafts", disable=options["no_progress"], file=self.stderr._out
        )
        try:
            for day in days:
                bar.set_postfix_str(day.isoformat())
                result = ctr_draft_for_day(business_day=day)
                bar.update(1)
                line = f"{day}: {len(result.drafted)} draft(s), {len(result.unchanged)} already approved or filed"
                if result.needs_amendment:
                    ids = ", ".join(str(pk) for pk in result.needs_amendment)
                    line += f", {len(result.needs_amendment)} changed after approval (CTR {ids}: amend)"
                self.stdout.write(line)
        finally:
            bar.close()
