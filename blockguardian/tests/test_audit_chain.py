"""The sealed audit trail: seals in id order, and `verify_audit_chain` naming the first broken entry."""

from __future__ import annotations

import threading

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from accounts.tests.factories import UserFactory
from blockguardian.audit.canonical import ENTRY_FIELDS, GENESIS_HASH, seal_hash
from blockguardian.audit.services import audit_chain_verify, audit_seal_pending
from blockguardian.models import AuditSeal

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _quick_gaps(settings):
    settings.AUDIT_SEAL_GAP_WAIT_SECONDS = 2.0


def _audited_writes(count: int) -> list[int]:
    users = UserFactory.create_batch(count)
    for user in users:
        user.restriction_reason = "reviewed"
        user.save(update_fields=["restriction_reason"])
    return list(LogEntry.objects.order_by("id").values_list("id", flat=True))


def _verify(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_audit_chain", *args, verbosity=0, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_every_entry_gets_one_seal_in_id_order_linked_to_the_previous_one():
    ids = _audited_writes(3)

    run = audit_seal_pending()

    seals = list(AuditSeal.objects.order_by("seq"))
    assert run.sealed == len(ids) == len(seals)
    assert [s.entry_id for s in seals] == ids
    assert [s.seq for s in seals] == list(range(1, len(ids) + 1))
    assert seals[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in zip(seals, seals[1:], strict=False))


@pytest.mark.django_db
def test_sealing_again_seals_only_the_new_entries():
    _audited_writes(2)
    audit_seal_pending()
    first_head = AuditSeal.objects.order_by("-seq").first()

    UserFactory()
    run = audit_seal_pending()

    assert run.sealed == 1
    new = AuditSeal.objects.order_by("-seq").first()
    assert new.prev_hash == first_head.hash and new.seq == first_head.seq + 1


@pytest.mark.django_db
def test_an_intact_chain_verifies():
    _audited_writes(3)
    audit_seal_pending()
    UserFactory()  # written after the last seal: waits for the next run, not a break

    report = audit_chain_verify()

    assert report.ok and report.seals == AuditSeal.objects.count() and report.unsealed == 1
    assert "audit chain intact" in _verify()


@pytest.mark.django_db
def test_an_entry_edited_with_raw_sql_fails_verification_naming_it():
    ids = _audited_writes(3)
    audit_seal_pending()
    target = ids[2]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE auditlog_logentry SET changes_text = 'nothing happened' WHERE id = %s", [target])

    report = audit_chain_verify()

    assert report.problem.entry_id == target and report.problem.kind == "edited"
    with pytest.raises(CommandError, match=f"audit entry {target}: .*edited"):
        _verify()


@pytest.mark.django_db
def test_an_entry_deleted_with_raw_sql_fails_verification_naming_it():
    ids = _audited_writes(3)
    audit_seal_pending()
    target = ids[1]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM auditlog_logentry WHERE id = %s", [target])

    with pytest.raises(CommandError, match=f"audit entry {target}: .*deleted"):
        _verify()


@pytest.mark.django_db
def test_an_entry_inserted_between_sealed_entries_fails_verification_naming_it():
    first = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        UserFactory()  # its entry's id is used up and left empty by the rollback
        raise RuntimeError("rolled back")
    UserFactory()
    audit_seal_pending()
    sealed = list(AuditSeal.objects.order_by("seq").values_list("entry_id", flat=True))
    forged = next(i for i in range(sealed[0], sealed[-1]) if i not in sealed)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO auditlog_logentry (id, content_type_id, object_pk, object_repr, action, changes_text, "
            "changes, timestamp, additional_data) SELECT %s, content_type_id, object_pk, object_repr, action, "
            "changes_text, changes, timestamp, additional_data FROM auditlog_logentry WHERE object_pk = %s LIMIT 1",
            [forged, str(first.pk)],
        )

    report = audit_chain_verify()

    assert report.problem.entry_id == forged and report.problem.kind == "inserted"


@pytest.mark.django_db
def test_a_seal_rewritten_to_match_an_edited_entry_breaks_the_link_to_the_next_seal():
    ids = _audited_writes(3)
    audit_seal_pending()
    target = ids[1]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE auditlog_logentry SET changes_text = 'rewritten' WHERE id = %s", [target])
    seal = AuditSeal.objects.get(entry_id=target)
    entry = LogEntry.objects.filter(pk=target).values(*ENTRY_FIELDS).get()
    AuditSeal.objects.filter(pk=seal.pk).update(hash=seal_hash(prev_hash=seal.prev_hash, entry=entry))

    report = audit_chain_verify()

    assert report.problem.entry_id == ids[2] and report.problem.kind == "relinked"


@pytest.mark.django_db(transaction=True)
def test_the_sealer_does_not_pass_an_id_whose_transaction_is_still_open():
    """A lower id committing after a higher one is sealed in its place, never skipped."""
    UserFactory()  # a first entry, so the chain has a head before the race
    audit_seal_pending()
    written, release, done = threading.Event(), threading.Event(), threading.Event()

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                UserFactory()  # takes the lower id
                written.set()
                release.wait(10)
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert written.wait(10)
    UserFactory()  # the higher id, committed first
    early_id = LogEntry.objects.order_by("-id").values_list("id", flat=True).first()

    blocked = audit_seal_pending(max_seconds=5)

    release.set()
    thread.join(10)
    assert blocked.status == "waiting" and not AuditSeal.objects.filter(entry_id=early_id).exists()
    late_id = LogEntry.objects.filter(id__lt=early_id).order_by("-id").values_list("id", flat=True).first()
    audit_seal_pending()
    sealed = list(AuditSeal.objects.order_by("seq").values_list("entry_id", flat=True))
    assert sealed == list(LogEntry.objects.order_by("id").values_list("id", flat=True))
    assert sealed.index(late_id) < sealed.index(early_id)
    assert audit_chain_verify().ok


@pytest.mark.django_db(transaction=True)
def test_ids_of_rolled_back_transactions_are_passed_over_once_settled():
    UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        UserFactory()
        raise RuntimeError("rolled back")
    UserFactory()

    run = audit_seal_pending()

    assert run.status == "ok" and run.ids_skipped >= 1
    assert AuditSeal.objects.count() == LogEntry.objects.count()
    assert audit_chain_verify().ok


@pytest.mark.django_db(transaction=True)
def test_a_second_sealer_finds_the_lock_taken_and_returns_at_once():
    UserFactory()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x6175646974])
        result: list = []
        thread = threading.Thread(target=lambda: (result.append(audit_seal_pending()), connection.close()))
        thread.start()
        thread.join(10)

    assert result[0].status == "busy" and result[0].sealed == 0
