"""`manage.py draft_ctrs [--date D | --from D1 --to D2]`: draft the CTRs of CTR business days (the
daily job's work, by hand). `--from/--to` drafts every business day of a range (a backfill after an
outage, the first run over imported history), reading the range's cash a month at a time; without
dates: the days the daily job drafts. Re-runnable: a day drafted again refreshes its drafts and
never makes a second CTR. (`--since/--until` are the former names of `--from/--to`.)"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from ...services.ctr import CtrDayResult, ctr_business_days, ctr_days_to_draft, ctr_draft_for_day, ctr_draft_for_days
from ._bsa import parse_date


class Command(BaseCommand):
    help = "Draft the CTRs of CTR business days (each person's cash in and out above the threshold)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="one CTR business date (YYYY-MM-DD)")
        parser.add_argument("--from", "--since", dest="first", help="first CTR business date of a range (YYYY-MM-DD)")
        parser.add_argument("--to", "--until", dest="last", help="last CTR business date of a range (YYYY-MM-DD)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        if options["date"] and (options["first"] or options["last"]):
            raise CommandError("use --date or --from/--to, not both")
        if options["date"]:
            day = parse_date(options["date"], "--date")
            self._line(ctr_draft_for_day(business_day=day))
            return
        if options["first"] or options["last"]:
            if not (options["first"] and options["last"]):
                raise CommandError("--from and --to go together (a range needs both ends)")
            first, last = parse_date(options["first"], "--from"), parse_date(options["last"], "--to")
            if last < first:
                raise CommandError(f"--from {first} is after --to {last}")
        else:
            days = ctr_days_to_draft()
            if not days:
                return
            first, last = days[0], days[-1]
        bar = tqdm(
            total=len(ctr_business_days(first_day=first, last_day=last)),
            unit=" day",
            desc="CTR drafts",
            disable=options["no_progress"],
            file=self.stderr._out,
        )
        try:

            def on_day(result: CtrDayResult) -> None:
                bar.set_postfix_str(result.business_day.isoformat())
                bar.update(1)
                self._line(result)

            ctr_draft_for_days(first_day=first, last_day=last, on_day=on_day)
        finally:
            bar.close()

    def _line(self, result: CtrDayResult) -> None:
        line = (
            f"{result.business_day}: {len(result.drafted)} draft(s), {len(result.unchanged)} already approved or filed"
        )
        if result.needs_amendment:
            ids = ", ".join(str(pk) for pk in result.needs_amendment)
            line += f", {len(result.needs_amendment)} changed after approval (CTR {ids}: amend)"
        self.stdout.write(line)
