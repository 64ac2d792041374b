"""10,000 audited writes from 20 connections at once, sealed while they run: every entry gets exactly
one seal, in id order, with no gap in the sequence, although transactions commit out of id order."""

from __future__ import annotations

import random
import threading
import time

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from accounts.models import User
from accounts.tests.factories import UserFactory
from blockguardian.audit.services import audit_chain_verify, audit_seal_pending
from blockguardian.models import AuditSeal

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WRITERS = 20
WRITES_EACH = 500


def test_concurrent_audited_writes_are_sealed_without_gaps_or_duplicates(settings):
    settings.AUDIT_SEAL_GAP_WAIT_SECONDS = 10.0
    settings.AUDIT_SEAL_BATCH = 1000
    users = UserFactory.create_batch(WRITERS)
    user_type = ContentType.objects.get_for_model(User)
    before = LogEntry.objects.filter(content_type=user_type, action=LogEntry.Action.UPDATE).count()
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS + 1)
    writing = threading.Event()
    writing.set()

    def writer(index: int) -> None:
        rng = random.Random(index)
        try:
            user = User.objects.get(pk=users[index].pk)
            start.wait()
            done = 0
            while done < WRITES_EACH:
                size = min(rng.randint(1, 5), WRITES_EACH - done)
                with transaction.atomic():
                    for _ in range(size):
                        done += 1
                        user.restriction_reason = f"write {done}"
                        user.save(update_fields=["restriction_reason"])
                    time.sleep(rng.random() * 0.003)  # commits land out of id order
                if rng.random() < 0.05:  # some transactions roll back, leaving ids that never commit
                    try:
                        with transaction.atomic():
                            user.restriction_reason = "rolled back"
                            user.save(update_fields=["restriction_reason"])
                            raise RuntimeError
                    except RuntimeError:
                        pass
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    def sealer() -> None:
        try:
            start.wait()
            while writing.is_set():
                audit_seal_pending(max_seconds=5)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    sealing = threading.Thread(target=sealer)
    for thread in [*threads, sealing]:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    writing.clear()
    sealing.join(timeout=120)
    audit_seal_pending(max_seconds=120)

    assert errors == []
    written = LogEntry.objects.filter(content_type=user_type, action=LogEntry.Action.UPDATE).count() - before
    assert written == WRITERS * WRITES_EACH
    entry_ids = list(LogEntry.objects.order_by("id").values_list("id", flat=True))
    seals = list(AuditSeal.objects.order_by("seq").values_list("seq", "entry_id"))
    assert [entry_id for _, entry_id in seals] == entry_ids  # each entry once, in id order
    assert [seq for seq, _ in seals] == list(range(1, len(entry_ids) + 1))  # no gap in the sequence
    assert audit_chain_verify().ok
