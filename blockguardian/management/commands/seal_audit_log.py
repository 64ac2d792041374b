from auditlog.models import LogEntry
from django.core.management.base import BaseCommand

from blockguardian.audit.services import audit_head_anchor, audit_seal_pending
from blockguardian.models import AuditSeal


class Command(BaseCommand):
    help = "Seal the audit entries waiting for a seal now (what beat does), optionally anchoring the head."

    def add_arguments(self, parser):
        parser.add_argument("--anchor", action="store_true", help="then anchor the chain's head on the blockchain")

    def handle(self, *args, anchor: bool, **options):
        from tqdm import tqdm

        waiting = max(0, LogEntry.objects.count() - AuditSeal.objects.count())
        with tqdm(total=waiting, desc="sealing", disable=options.get("verbosity", 1) < 1) as bar:
            run = audit_seal_pending(max_seconds=3600, progress=bar.update)
        self.stdout.write(
            f"sealed {run.sealed} entries; head: seal {run.head_seq}, entry {run.head_entry_id} ({run.status})"
        )
        if anchor:
            head = audit_head_anchor()
            self.stdout.write(f"anchoring head seal {head.seq}" if head else "nothing sealed to anchor")
