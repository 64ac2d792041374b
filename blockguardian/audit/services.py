"""The sealed audit trail: seal new entries, verify the chain, anchor its head, and audit bulk writes.

Sealing (`audit_seal_pending`, run by beat) is asynchronous: writers only insert their audit entries;
a single sealer (a PostgreSQL advisory lock; on SQLite writes are serial anyway) later gives each
committed entry, in id order, a seal holding the previous seal's hash and its own.

Entry ids are taken from a sequence when the row is inserted, but transactions commit in any order,
so a lower id can become visible after a higher one. The sealer therefore never seals past a gap in
the ids until the gap is settled: it waits until every transaction that was writing to the audit
table when the gap was seen has ended (see `_writers_end`: a writer holds the table's lock from before
its id is taken until it ends). Every entry that will ever fill the gap is then visible: the range is
read again and sealed; ids still missing were rolled back and are passed over for good. If those
writers do not end within `AUDIT_SEAL_GAP_WAIT_SECONDS` (a long transaction), the run seals up to the
gap and stops; the next run tries again. Writers never wait for the sealer, and the sealer only ever
waits for writers that are still open. (A timestamp grace period was rejected: a transaction can stay
open longer than any grace.)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from auditlog.cid import get_cid
from auditlog.context import auditlog_value
from auditlog.diff import get_mask_function, model_instance_diff
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction

from ..models import AuditSeal
from .canonical import ENTRY_FIELDS, GENESIS_HASH, seal_hash
from .masking import context_live, neutral_repr

logger = structlog.get_logger(__name__)

# pg_advisory_xact_lock key of the sealer ("audit" in ASCII).
SEALER_LOCK_KEY = 0x6175646974

ACTIONS = {
    "create": LogEntry.Action.CREATE,
    "update": LogEntry.Action.UPDATE,
    "delete": LogEntry.Action.DELETE,
}


def _entries():
    return LogEntry.objects.values(*ENTRY_FIELDS)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


# --- sealing -------------------------------------------------------------------------------------


@dataclass
class SealRun:
    """What one sealing run did."""

    status: str = "ok"  # ok | busy (another sealer holds the lock) | waiting (a gap is still open)
    sealed: int = 0
    ids_skipped: int = 0  # ids never committed (rolled back), passed over once settled
    head_seq: int = 0
    head_entry_id: int = 0


def _sealer_lock() -> bool:
    if not _postgres():
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEALER_LOCK_KEY])
        return bool(cursor.fetchone()[0])


def _writers_end(*, wait_seconds: float) -> bool:
    """Wait until every other transaction that has written to the audit log and is still open has
    ended; False if time runs out.

    A transaction takes its lock on the audit table when its INSERT starts, before the sequence gives
    the row its id, and keeps it until it ends: every transaction that holds an id not visible yet is
    among those holding the lock now. Once they have ended, their rows are visible (a lock is released
    only after the commit is visible to new snapshots) or were rolled back.
    """
    if not _postgres():
        return True  # SQLite: one writer at a time, a transaction commits before the next one starts
    locks = (
        "FROM pg_locks WHERE locktype = 'relation' AND relation = to_regclass(%s) "
        "AND mode = 'RowExclusiveLock' AND pid IS DISTINCT FROM pg_backend_pid()"
    )
    table = LogEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(array_agg(DISTINCT virtualtransaction), '{{}}') {locks}", [table])
        writers = list(cursor.fetchone()[0])
        deadline = time.monotonic() + wait_seconds
        while writers:
            cursor.execute(
                f"SELECT coalesce(array_agg(DISTINCT virtualtransaction), '{{}}') {locks} "
                "AND virtualtransaction = ANY(%s)",
                [table, writers],
            )
            writers = list(cursor.fetchone()[0])
            if not writers:
                break
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
    return True


def _seal_batch(*, run: SealRun, batch: int, gap_wait: float) -> bool:
    """Seal the next entries (inside the caller's transaction); True when there is nothing more now."""
    head = AuditSeal.objects.order_by("-seq").values("seq", "entry_id", "hash").first()
    seq, after, prev = (head["seq"], head["entry_id"], head["hash"]) if head else (0, 0, GENESIS_HASH)
    rows = list(_entries().filter(id__gt=after).order_by("id")[:batch])
    run.head_seq, run.head_entry_id = seq, after
    if not rows:
        return True
    last_id, fetched = rows[-1]["id"], len(rows)
    stop = False
    if last_id - after != len(rows):  # a gap: some id in (after, last_id] is not visible (yet)
        if _writers_end(wait_seconds=gap_wait):
            # Entries that committed while we waited are read again with the rest of the range.
            rows = list(_entries().filter(id__gt=after, id__lte=last_id).order_by("id"))
            run.ids_skipped += last_id - after - len(rows)
        else:
            contiguous = [row for i, row in enumerate(rows) if row["id"] == after + 1 + i]
            rows, stop = contiguous, True
            run.status = "waiting"
    seals = []
    for row in rows:
        seq += 1
        digest = seal_hash(prev_hash=prev, entry=row)
        seals.append(AuditSeal(seq=seq, entry_id=row["id"], prev_hash=prev, hash=digest))
        prev = digest
    AuditSeal.objects.bulk_create(seals, batch_size=1000)
    run.sealed += len(seals)
    if seals:
        run.head_seq, run.head_entry_id = seals[-1].seq, seals[-1].entry_id
    return stop or fetched < batch


def audit_seal_pending(
    *,
    max_seconds: float | None = None,
    batch: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> SealRun:
    """Seal every committed entry not sealed yet, in id order (idempotent; one sealer at a time)."""
    budget = settings.AUDIT_SEAL_MAX_SECONDS if max_seconds is None else max_seconds
    batch = batch or settings.AUDIT_SEAL_BATCH
    gap_wait = settings.AUDIT_SEAL_GAP_WAIT_SECONDS
    deadline = time.monotonic() + budget
    run = SealRun()
    while True:
        with transaction.atomic():
            if not _sealer_lock():
                run.status = "busy"
                break
            before = run.sealed
            done = _seal_batch(run=run, batch=batch, gap_wait=gap_wait)
        if progress is not None and run.sealed > before:
            progress(run.sealed - before)
        if done or run.sealed == before or run.status == "waiting" or time.monotonic() >= deadline:
            break
    if run.sealed:
        logger.info("audit_sealed", sealed=run.sealed, head_seq=run.head_seq, status=run.status)
    return run


# --- verification --------------------------------------------------------------------------------


@dataclass
class ChainProblem:
    entry_id: int
    kind: str  # edited | deleted | inserted | relinked | reordered
    detail: str

    def __str__(self) -> str:
        return f"audit entry {self.entry_id}: {self.detail}"


@dataclass
class ChainReport:
    seals: int = 0
    unsealed: int = 0
    head_seq: int = 0
    head_entry_id: int = 0
    head_hash: str = GENESIS_HASH
    problem: ChainProblem | None = None
    anchors: dict[str, str] = field(default_factory=dict)  # head entry id -> verification result
    anchor_problem: ChainProblem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None and self.anchor_problem is None


def audit_chain_verify(*, progress: Callable[[int], None] | None = None, chunk: int = 2000) -> ChainReport:
    """Recompute the chain from the entries as they are now; the first broken entry is named.

    * edited: the entry's fields no longer give its seal's hash;
    * deleted: a seal names an entry that is gone;
    * inserted: an entry sits between sealed entries (or before the first) without a seal;
    * relinked / reordered: a seal does not follow the one before it (a seal was altered, removed or
      added).
    Entries after the head are not sealed yet and are counted, not judged.
    """
    report = ChainReport()
    entries = _entries().order_by("id").iterator(chunk_size=chunk)
    seals = (
        AuditSeal.objects.order_by("seq").values_list("seq", "entry_id", "prev_hash", "hash").iterator(chunk_size=chunk)
    )
    current = next(entries, None)
    prev_hash, prev_entry = GENESIS_HASH, 0
    for seq, entry_id, sealed_prev, sealed_hash in seals:
        problem = None
        if seq != report.seals + 1 or entry_id <= prev_entry:
            problem = ChainProblem(entry_id, "reordered", f"seal {seq} is out of sequence after seal {report.seals}")
        elif sealed_prev != prev_hash:
            problem = ChainProblem(entry_id, "relinked", "its seal does not follow the previous seal")
        else:
            while current is not None and current["id"] < entry_id:
                if current["id"] > prev_entry:
                    problem = ChainProblem(current["id"], "inserted", "present between sealed entries, never sealed")
                    break
                current = next(entries, None)
            if problem is None:
                if current is None or current["id"] != entry_id:
                    problem = ChainProblem(entry_id, "deleted", "sealed, but no longer in the audit log")
                elif seal_hash(prev_hash=prev_hash, entry=current) != sealed_hash:
                    problem = ChainProblem(entry_id, "edited", "its content no longer matches its seal")
        if problem is not None:
            report.problem = problem
            return report
        report.seals += 1
        report.head_seq, report.head_entry_id, report.head_hash = seq, entry_id, sealed_hash
        prev_hash, prev_entry = sealed_hash, entry_id
        current = next(entries, None)
        if progress is not None:
            progress(1)
    report.unsealed = LogEntry.objects.filter(id__gt=prev_entry).count()
    return report


# --- anchoring the head --------------------------------------------------------------------------


def head_anchor_payload(*, seal: AuditSeal) -> dict[str, Any]:
    """What is anchored for a head (no personal data: positions and a hash)."""
    return {"entry_id": seal.entry_id, "seq": seal.seq, "hash": seal.hash}


@transaction.atomic
def audit_head_anchor() -> AuditSeal | None:
    """Anchor the current head of the chain on the blockchain (daily); None when nothing is sealed.

    Idempotent: anchoring the same head twice keeps the first record."""
    from blockguardian.chain.services import anchor_record_enqueue

    head = AuditSeal.objects.order_by("-seq").first()
    if head is None:
        return None
    anchor_record_enqueue(
        kind=settings.AUDIT_HEAD_ANCHOR_KIND, record_id=head.entry_id, payload=head_anchor_payload(seal=head)
    )
    logger.info("audit_head_anchored", seq=head.seq, entry_id=head.entry_id)
    return head


def audit_anchors_verify(report: ChainReport) -> ChainReport:
    """Check every anchored head against the chain: the seal at that entry must still have the hash
    that was anchored (`verified`); `pending` and `unavailable` are reported, not failures."""
    from blockguardian.chain.models import AnchoredRecord
    from blockguardian.chain.services import MISMATCH, anchor_verify_many

    kind = settings.AUDIT_HEAD_ANCHOR_KIND
    anchored = sorted(AnchoredRecord.objects.filter(kind=kind).values_list("record_id", flat=True), key=int)
    seals = {str(s.entry_id): s for s in AuditSeal.objects.filter(entry_id__in=[int(r) for r in anchored])}
    for record_id in anchored:
        if record_id not in seals:
            report.anchors[record_id] = "missing"
            report.anchor_problem = report.anchor_problem or ChainProblem(
                int(record_id), "deleted", "an anchored head whose seal is gone"
            )
    payloads = {rid: head_anchor_payload(seal=seals[rid]) for rid in anchored if rid in seals}
    if payloads:
        results = anchor_verify_many(kind=kind, payloads=payloads)
        report.anchors.update(results)
        for record_id in anchored:
            if results.get(record_id) == MISMATCH and report.anchor_problem is None:
                report.anchor_problem = ChainProblem(
                    int(record_id), "edited", "its seal differs from the head anchored on the blockchain"
                )
    return report


# --- explicit entries for bulk writes ------------------------------------------------------------


def _actor_id(acting_user) -> int | None:
    if acting_user is not None:
        return acting_user.pk
    try:
        context = auditlog_value.get()
    except LookupError:
        return None
    if not context_live(context):
        return None
    actor = context.get("actor")
    return getattr(actor, "pk", None) or context.get("actor_id")


def _filter_changes(model: type[models.Model], changes: Mapping[str, Any]) -> dict[str, list]:
    """`changes` ({field: (old, new)}) reduced to what the model's registration logs, masked alike."""
    if not auditlog.contains(model):
        return {name: [str(old), str(new)] for name, (old, new) in changes.items()}
    rules = auditlog.get_model_fields(model)
    include, exclude, masked = rules["include_fields"], rules["exclude_fields"], rules["mask_fields"]
    mask = get_mask_function(rules.get("mask_callable"))
    out = {}
    for name, (old, new) in changes.items():
        if (include and name not in include) or name in exclude:
            continue
        old, new = str(old), str(new)
        out[name] = [mask(old), mask(new)] if name in masked else [old, new]
    return out


def audit_bulk(
    *,
    model: type[models.Model],
    object_pks: Iterable[Any],
    action: str,
    changes: Mapping[str, Any] | None = None,
    acting_user=None,
    reason: str = "",
) -> int:
    """Audit entries for a bulk write that auditlog's signals do not see (`queryset.update()`,
    `bulk_create`, `bulk_update`): one entry per object, with `changes` ({field: (old, new)}) logged
    as the model's registration says (excluded fields left out, masked fields masked). Call it inside
    the service's transaction. Returns the number of entries written."""
    content_type = ContentType.objects.get_for_model(model)
    filtered = _filter_changes(model, changes or {})
    actor_id, cid = _actor_id(acting_user), get_cid()
    extra = {"bulk": True, **({"reason": reason} if reason else {})}
    entries = [
        LogEntry(
            content_type=content_type,
            object_pk=str(pk),
            object_id=pk if isinstance(pk, int) else None,
            object_repr=neutral_repr(app_label=content_type.app_label, model_name=content_type.model, object_pk=pk),
            action=ACTIONS[action],
            changes=filtered,
            changes_text="",
            actor_id=actor_id,
            cid=cid,
            additional_data=extra,
        )
        for pk in object_pks
    ]
    LogEntry.objects.bulk_create(entries, batch_size=500)
    return len(entries)


def audit_bulk_created(*, instances: Iterable[models.Model], acting_user=None, reason: str = "") -> int:
    """`audit_bulk` for rows just written with `bulk_create` (their primary keys set): one create entry
    each, with their field values as auditlog itself would log them."""
    instances = list(instances)
    if not instances:
        return 0
    model = type(instances[0])
    if not auditlog.contains(model):
        raise ValueError(f"{model._meta.label} is not registered with auditlog: register it (with its masks) first")
    content_type = ContentType.objects.get_for_model(model)
    actor_id, cid = _actor_id(acting_user), get_cid()
    extra = {"bulk": True, **({"reason": reason} if reason else {})}
    entries = [
        LogEntry(
            content_type=content_type,
            object_pk=str(obj.pk),
            object_id=obj.pk if isinstance(obj.pk, int) else None,
            object_repr=neutral_repr(app_label=content_type.app_label, model_name=content_type.model, object_pk=obj.pk),
            action=LogEntry.Action.CREATE,
            changes=model_instance_diff(None, obj) or {},
            changes_text="",
            actor_id=actor_id,
            cid=cid,
            additional_data=extra,
        )
        for obj in instances
    ]
    LogEntry.objects.bulk_create(entries, batch_size=500)
    return len(entries)


def audit_event(
    *,
    model: type[models.Model],
    event: str,
    data: Mapping[str, Any],
    action: str = "update",
    acting_user=None,
    object_pk: str = "",
) -> LogEntry:
    """One entry for an event that is not the change of one object (a purge, an import): counts and
    ids in `data`, never contents or personal data. Filed under `model` so the admin finds it."""
    content_type = ContentType.objects.get_for_model(model)
    return LogEntry.objects.create(
        content_type=content_type,
        object_pk=object_pk or event,
        object_repr=f"{event} ({content_type.app_label}.{content_type.model})",
        action=ACTIONS[action],
        changes={key: ["", str(value)] for key, value in data.items()},
        changes_text="",
        actor_id=_actor_id(acting_user),
        cid=get_cid(),
        additional_data={"event": event, **dict(data)},
    )
