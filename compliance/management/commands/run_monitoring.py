"""`manage.py run_monitoring [--since D --until D] [--rule NAME ...]`: run the monitoring rules by
hand. Without dates each rule continues from its watermark; with dates the window is re-read
(the watermark stays) and detections already recorded are skipped."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from blockguardian.errors import ApplicationError

from ...services import monitoring_run
from ._bsa import parse_date


class Command(BaseCommand):
    help = "Run the transaction monitoring rules (from their watermarks, or over --since/--until dates)."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="first business date to re-read (YYYY-MM-DD)")
        parser.add_argument("--until", help="last business date to re-read (YYYY-MM-DD)")
        parser.add_argument("--rule", action="append", dest="rules", help="run only this rule (repeatable)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        since = parse_date(options["since"], "--since") if options["since"] else None
        until = parse_date(options["until"], "--until") if options["until"] else None
        if since and until and until < since:
            raise CommandError("--until is before --since")
        bar = tqdm(unit=" rows", desc="monitoring", disable=options["no_progress"], file=self.stderr._out)

        def progress(rule: str, rows: int) -> None:
            bar.set_postfix_str(rule)
            bar.update(rows)

        try:
            result = monitoring_run(rules=options["rules"], since=since, until=until, progress=progress)
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc
        finally:
            bar.close()
        for rule in result.rules:
            mode = " (shadow)" if rule.shadow else ""
            self.stdout.write(
                f"{rule.rule} v{rule.version}{mode}: {rule.rows} row(s) read, {rule.alerts} new alert(s), "
                f"{rule.duplicates} already recorded"
            )
        self.stdout.write(f"{result.alerts} new alert(s).")
