"""Import historical activity from a legacy or branch/ATM system.

    manage.py import_transactions FILE.csv [--report REJECTED.csv] [--batch N]

The file is read as a stream and booked in batches (`TRADING_IMPORT_BATCH` rows, one database
transaction each, rows in time order within a batch) through the same ledger services as live
activity, so every ledger invariant holds; what the dates say is settled is settled at once.
Re-running is safe: a row whose `external_id` was imported before is skipped. Rejected rows are
listed with their line and reason in the report (default FILE.rejected.csv); nothing of them is
kept. Imported rows are not fraud-assessed; monitoring reads `executed_at`.

CSV columns (header row; any order; extra columns ignored):

    external_id            yes   the row's id in the source system (idempotency key)
    customer_external_id   yes   the customer's external id (accounts' import_customers)
    portfolio              yes   the portfolio id (one of that customer's)
    type                   yes   buy | sell | deposit | withdrawal | dividend | fee | interest
    method                 transfers: ach | wire | cash
    amount                 cash rows: dollars and cents
    asset, quantity, price, fee   trades (asset: symbol); dividends name the asset
    executed_at            yes   ISO 8601, in the past (naive = America/New_York)
    branch, conductor_name, conductor_date_of_birth, conductor_address, conductor_id_type,
    conductor_id_number, conductor_id_issuer, conductor_is_customer, on_behalf_of,
    conductor_identity_verified   physical cash rows (identity must be verified: true)
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from trading.services.imports import ImportResult, import_batch


class Command(BaseCommand):
    help = "Import historical transactions from a CSV file (see the module docstring for the format)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--report", default=None, help="Where to write rejected rows (CSV).")
        parser.add_argument("--batch", type=int, default=None, help="Rows per transaction.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, file: str, report: str | None, batch: int | None, no_progress: bool, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file} does not exist")
        size = batch or settings.TRADING_IMPORT_BATCH
        result = ImportResult()
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or "external_id" not in reader.fieldnames:
                raise CommandError("the file needs a header row with at least external_id")
            rows: list[tuple[int, dict]] = []
            progress = tqdm(unit="rows", disable=no_progress, file=self.stderr)
            for line, row in enumerate(reader, start=2):
                rows.append((line, row))
                if len(rows) >= size:
                    import_batch(rows, result=result)
                    progress.update(len(rows))
                    rows = []
            if rows:
                import_batch(rows, result=result)
                progress.update(len(rows))
            progress.close()
        report_path = Path(report) if report else path.with_suffix(".rejected.csv")
        with report_path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["line", "external_id", "reason"])
            writer.writerows(sorted(result.rejected))
        self.stdout.write(
            f"read {result.read}, imported {result.imported}, already imported {result.skipped}, "
            f"rejected {len(result.rejected)} (report: {report_path})"
        )
