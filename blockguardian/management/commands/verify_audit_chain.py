from auditlog.models import LogEntry
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from blockguardian.audit.services import audit_anchors_verify, audit_chain_verify, audit_seal_pending
from blockguardian.models import AuditSeal


class Command(BaseCommand):
    help = (
        "Prove the audit trail's hash chain from the entries as they are now, naming the first broken "
        "entry (edited, deleted or inserted); with --against-chain, also check the heads anchored on the "
        "blockchain. Exit status 1 when anything is broken."
    )

    def add_arguments(self, parser):
        parser.add_argument("--against-chain", action="store_true", help="also verify the anchored heads")
        parser.add_argument("--seal-first", action="store_true", help="seal what is waiting before verifying")

    def handle(self, *args, against_chain: bool, seal_first: bool, **options):
        quiet = options.get("verbosity", 1) < 1
        if seal_first:
            with tqdm(total=LogEntry.objects.count() - AuditSeal.objects.count(), desc="sealing", disable=quiet) as bar:
                run = audit_seal_pending(progress=bar.update)
            self.stdout.write(f"sealed {run.sealed} entries ({run.status})")
        with tqdm(total=AuditSeal.objects.count(), desc="verifying", unit="seal", disable=quiet) as bar:
            report = audit_chain_verify(progress=bar.update)
        if against_chain and report.problem is None:
            audit_anchors_verify(report)
        self.stdout.write(
            f"{report.seals} seals checked; head: seal {report.head_seq}, entry {report.head_entry_id}, "
            f"hash {report.head_hash}; {report.unsealed} entries not sealed yet"
        )
        if against_chain:
            counts: dict[str, int] = {}
            for result in report.anchors.values():
                counts[result] = counts.get(result, 0) + 1
            summary = ", ".join(f"{n} {result}" for result, n in sorted(counts.items())) or "none anchored yet"
            self.stdout.write(f"anchored heads: {summary}")
        problem = report.problem or report.anchor_problem
        if problem is not None:
            raise CommandError(f"audit chain broken at {problem} ({problem.kind})")
        self.stdout.write(self.style.SUCCESS("audit chain intact"))
