from django.core.management.base import BaseCommand, CommandError

from portfolios.pricefiles import PriceFileError, price_records
from portfolios.services import prices_load


class Command(BaseCommand):
    help = (
        "Load price bars from a CSV file (gzip allowed): symbol, timestamp (ISO 8601, or a date for that "
        "day's close), open, high, low, close, volume. Streaming, idempotent (bars are upserted by asset "
        "and timestamp), with a progress bar; rejected rows are listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, file: str, batch_size: int | None, no_progress: bool, **options):
        try:
            with price_records(file, progress=False if no_progress else None) as records:
                result = prices_load(records=records, source=file, batch_size=batch_size)
        except PriceFileError as exc:
            raise CommandError(str(exc)) from exc
        for line, reason in result.rejections:
            self.stderr.write(f"line {line}: {reason}")
        if result.rows_rejected > len(result.rejections):
            self.stderr.write(f"... and {result.rows_rejected - len(result.rejections)} more rejected rows")
        self.stdout.write(
            f"read {result.rows_read} rows: {result.rows_written} bars written for {result.assets} assets, "
            f"{result.rows_rejected} rejected (load {result.load_id})"
        )
