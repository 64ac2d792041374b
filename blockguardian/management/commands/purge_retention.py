import datetime as dt

from django.core.management.base import BaseCommand

from blockguardian.legalhold import legal_hold_purge


class Command(BaseCommand):
    help = (
        "Purge the legal-hold records whose retention date has passed, unless vetoed (a legal order, or "
        "an open matter about the subject). Prints counts per record class; --dry-run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count what would be purged, purge nothing")
        parser.add_argument("--today", type=dt.date.fromisoformat, help="as of this date (YYYY-MM-DD)")

    def handle(self, *args, dry_run: bool, today: dt.date | None, **options):
        result = legal_hold_purge(today=today, dry_run=dry_run)
        verb = "would purge" if dry_run else "purged"
        self.stdout.write(f"as of {result.as_of}: {verb} {result.total} records")
        for record_class in sorted(set(result.purged) | set(result.vetoed)):
            self.stdout.write(
                f"  {record_class}: {verb} {result.purged.get(record_class, 0)}, "
                f"kept by a veto {result.vetoed.get(record_class, 0)}"
            )
