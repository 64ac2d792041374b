"""The audit chain's head anchored on the blockchain, and `verify_audit_chain --against-chain`."""

from __future__ import annotations

from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.tests.factories import UserFactory
from blockguardian.audit.canonical import ENTRY_FIELDS, seal_hash
from blockguardian.audit.services import (
    audit_anchors_verify,
    audit_chain_verify,
    audit_head_anchor,
    audit_seal_pending,
)
from blockguardian.chain.models import AnchoredRecord
from blockguardian.chain.testing import chain_state_reset
from blockguardian.models import AuditSeal

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _chain_state(settings):
    settings.CHAIN_UNAVAILABLE_COOLDOWN_SECONDS = 0
    chain_state_reset()
    yield
    chain_state_reset()


def _sealed_chain(users: int = 3) -> AuditSeal:
    UserFactory.create_batch(users)
    audit_seal_pending()
    return AuditSeal.objects.order_by("-seq").first()


def _verify(*args) -> str:
    out = StringIO()
    call_command("verify_audit_chain", *args, verbosity=0, stdout=out)
    return out.getvalue()


def _rewrite_entry_and_its_seal(entry_id: int) -> None:
    """What someone with write access to the database would do to hide an edit: recompute the seal."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE auditlog_logentry SET changes_text = 'rewritten' WHERE id = %s", [entry_id])
    seal = AuditSeal.objects.get(entry_id=entry_id)
    entry = LogEntry.objects.filter(pk=entry_id).values(*ENTRY_FIELDS).get()
    AuditSeal.objects.filter(pk=seal.pk).update(hash=seal_hash(prev_hash=seal.prev_hash, entry=entry))


def test_the_daily_job_anchors_the_head_once():
    head = _sealed_chain()

    assert audit_head_anchor() == head
    assert audit_head_anchor() == head  # the same head again: the first record is kept

    record = AnchoredRecord.objects.get(kind="audit_head")
    assert record.record_id == str(head.entry_id)


def test_nothing_is_anchored_before_anything_is_sealed():
    assert audit_head_anchor() is None
    assert not AnchoredRecord.objects.filter(kind="audit_head").exists()


def test_anchored_heads_verify_against_the_chain():
    _sealed_chain()
    audit_head_anchor()

    report = audit_anchors_verify(audit_chain_verify())

    assert report.ok and set(report.anchors.values()) == {"verified"}
    assert "1 verified" in _verify("--against-chain")


def test_an_altered_anchored_head_passes_the_local_check_but_not_the_chain():
    head = _sealed_chain()
    audit_head_anchor()
    audit_anchors_verify(audit_chain_verify())  # anchored now
    _rewrite_entry_and_its_seal(head.entry_id)

    assert audit_chain_verify().ok  # the rewrite is consistent on its own
    with pytest.raises(CommandError, match=f"audit entry {head.entry_id}: .*anchored on the blockchain"):
        _verify("--against-chain")


def test_an_earlier_anchored_head_is_still_checked_after_the_chain_grew():
    first = _sealed_chain()
    audit_head_anchor()
    UserFactory()
    audit_seal_pending()
    audit_head_anchor()
    audit_anchors_verify(audit_chain_verify())
    # Rewriting the older head means rewriting every seal after it, as a forger would.
    _rewrite_entry_and_its_seal(first.entry_id)
    prev = AuditSeal.objects.get(entry_id=first.entry_id).hash
    for seal in AuditSeal.objects.filter(seq__gt=first.seq).order_by("seq"):
        entry = LogEntry.objects.filter(pk=seal.entry_id).values(*ENTRY_FIELDS).get()
        digest = seal_hash(prev_hash=prev, entry=entry)
        AuditSeal.objects.filter(pk=seal.pk).update(prev_hash=prev, hash=digest)
        prev = digest

    report = audit_anchors_verify(audit_chain_verify())

    assert report.problem is None
    assert report.anchor_problem.entry_id == first.entry_id
