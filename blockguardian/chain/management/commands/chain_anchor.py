from django.core.management.base import BaseCommand

from blockguardian.chain.selectors import anchor_backlog
from blockguardian.chain.services import anchor_failed_retry, anchor_pending


class Command(BaseCommand):
    help = "Anchor pending records now (batches close at once), optionally retrying failed ones first."

    def add_arguments(self, parser):
        parser.add_argument("--retry-failed", action="store_true", help="put failed records back to pending first")
        parser.add_argument("--kind", help="only records of this kind")

    def handle(self, *args, retry_failed: bool, kind: str | None, **options):
        if retry_failed:
            self.stdout.write(f"{anchor_failed_retry(kind=kind)} failed records back to pending")
        run = anchor_pending(force=True, kinds=[kind] if kind else None)
        backlog = anchor_backlog()
        self.stdout.write(
            f"run: {run.status}; batches built {run.batches_built}, sent {run.batches_sent}, "
            f"anchored {run.batches_anchored} ({run.records_anchored} records), retrying {run.batches_retrying}, "
            f"failed {run.batches_failed}; re-anchored {run.reanchored}"
        )
        self.stdout.write(f"backlog: {backlog.pending} pending, {backlog.failed} failed")
        if run.status != "ok":
            raise SystemExit(1)
