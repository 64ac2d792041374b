"""What other apps start by task name through the outbox (they never import compliance)."""

from __future__ import annotations

import pytest
from django.db import transaction

from blockguardian.outbox import outbox_enqueue
from compliance.models import DigitalCurrencyAddress, OfacReport, ScreeningHit, ScreeningReview, ScreeningSubject

from . import factories

pytestmark = pytest.mark.django_db


def _enqueue(django_capture_on_commit_callbacks, task: str, **kwargs) -> None:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox_enqueue(task=task, **kwargs)


def test_a_linked_bank_account_holder_is_screened_and_kept_for_list_changes(
    sanctions_list, django_capture_on_commit_callbacks
):
    user = factories.customer()
    _enqueue(
        django_capture_on_commit_callbacks,
        "compliance.screen_party",
        kind="bank_account_holder",
        reference="trading.linkedbankaccount:7",
        name="Usama Bin Ladin",
        user_id=str(user.pk),
    )
    subject = ScreeningSubject.objects.get(key="bank_account_holder:trading.linkedbankaccount:7")
    assert subject.customer == user and subject.query_encrypted and "Ladin" not in subject.query_encrypted
    hit = ScreeningHit.objects.get(subject=subject)
    assert hit.entry.ent_num == factories.BIN_LADEN and hit.band == "confident"
    assert ScreeningReview.objects.filter(subject=subject, status="open").exists()


def test_a_registered_wallet_on_the_list_is_reported(sanctions_list, django_capture_on_commit_callbacks):
    listed = DigitalCurrencyAddress.objects.first()
    _enqueue(django_capture_on_commit_callbacks, "compliance.screen_wallet", wallet_id=9, address=listed.address)
    assert OfacReport.objects.filter(kind="rejected_transaction", entry=listed.entry).exists()


def test_a_refused_transfer_is_reported_once(sanctions_list, django_capture_on_commit_callbacks):
    for _ in range(2):
        _enqueue(
            django_capture_on_commit_callbacks,
            "compliance.report_rejected_transaction",
            transaction_reference="trading.withdrawal:55",
            description="Withdrawal to a listed wallet refused",
            ent_num=factories.BANCO_NACIONAL,
            amount="10.50",
        )
    report = OfacReport.objects.get(kind="rejected_transaction")
    assert report.payload["amount"] == "10.50" and report.entry.ent_num == factories.BANCO_NACIONAL
