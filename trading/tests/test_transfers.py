"""Deposits, withdrawals, ACH returns, wires, fraud outcomes, lending's bank legs, branch cash."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from blockguardian.errors import ApplicationError
from fraud.models import StoredDecision
from portfolios import selectors as ledger_selectors
from portfolios.verification import ledger_problems
from trading import selectors, services
from trading.errors import ReferenceConflict, RequestRefused, TransactionStateError
from trading.models import BranchCashTransaction, Status, Transaction, TransactionType
from trading.tests.factories import funded_portfolio, ny, verified_bank_account

pytestmark = pytest.mark.django_db


def transfer(customer, portfolio, account, type_, amount, method="ach"):
    return services.transfer_request(
        user=customer, portfolio=portfolio, type=type_, method=method, amount=amount, bank_account=account
    )


def test_an_ach_deposit_is_unsettled_until_the_settlement_job(customer, market_open):
    portfolio = funded_portfolio(customer)
    account = verified_bank_account(customer)
    tx = transfer(customer, portfolio, account, "deposit", "500.00")

    assert tx.status == Status.FILLED and tx.settlement_date == dt.date(2026, 3, 5)
    balances = ledger_selectors.cash_balances(portfolio=portfolio)
    assert (balances.available, balances.unsettled) == (0, Decimal("500.00"))
    with pytest.raises(ApplicationError, match="available settled cash"):
        transfer(customer, portfolio, account, "withdrawal", "100.00")

    market_open.move_to(ny(2026, 3, 5, 18))
    services.settlement_run()
    tx.refresh_from_db()
    assert tx.status == Status.SETTLED
    assert ledger_selectors.cash_balances(portfolio=portfolio).available == Decimal("500.00")
    out = transfer(customer, portfolio, account, "withdrawal", "100.00")
    assert out.status == Status.FILLED and out.settlement_date == dt.date(2026, 3, 6)


def test_an_ach_return_after_a_buy_with_its_funds_leaves_a_visible_shortfall(customer, stock, market_open):
    portfolio = funded_portfolio(customer)
    account = verified_bank_account(customer)
    deposit = transfer(customer, portfolio, account, "deposit", "1000.00")
    market_open.move_to(ny(2026, 3, 5, 18))
    services.settlement_run()
    market_open.move_to(ny(2026, 3, 6, 11))
    services.order_place(user=customer, portfolio=portfolio, side="buy", asset=stock, quantity="8")

    returned = services.ach_return_process(transaction_id=deposit.pk, return_code="R01")

    assert returned.status == Status.RETURNED and returned.return_code == "R01"
    balances = ledger_selectors.cash_balances(portfolio=portfolio)
    assert balances.available == 0 and balances.owed == Decimal("800.00")
    assert ledger_problems() == []
    assert selectors.shortfall_list() == [
        {"portfolio_id": portfolio.pk, "user_id": str(customer.pk), "owed": Decimal("800.00"), "return": deposit.pk}
    ]
    with pytest.raises(TransactionStateError):
        services.ach_return_process(transaction_id=deposit.pk, return_code="R01")


def test_a_wire_withdrawal_of_3000_records_originator_and_beneficiary(customer, market_open):
    portfolio = funded_portfolio(customer, "5000.00")
    account = verified_bank_account(customer)
    small = transfer(customer, portfolio, account, "withdrawal", "2999.99", method="wire")
    large = transfer(customer, portfolio, account, "withdrawal", "2000.01", method="wire")
    assert small.wire_details is None and small.status == Status.SETTLED
    assert large.wire_details is None

    portfolio = funded_portfolio(customer, "5000.00", name="Second")
    tx = transfer(customer, portfolio, account, "withdrawal", "3000.00", method="wire")
    assert tx.wire_details["originator"]["name"] == "Avery Jordan"
    assert tx.wire_details["beneficiary"] == {
        "name": "Avery Jordan",
        "account_last4": "6789",
        "account_type": "checking",
    }
    assert tx.wire_details["amount"] == "3000.00"


def test_a_recorded_wire_names_the_countries_monitoring_screens(customer, market_open):
    from accounts.models import KycRecord

    KycRecord.objects.filter(user=customer).update(country="GB")
    tx = transfer(
        customer,
        funded_portfolio(customer, "5000.00"),
        verified_bank_account(customer),
        "withdrawal",
        "3000.00",
        method="wire",
    )

    assert tx.wire_details["originator"]["country"] == "GB"
    assert tx.wire_details["beneficiary_institution"]["country"] == "US"


def test_customers_cannot_post_dividends_fees_or_cash(customer, market_open):
    portfolio = funded_portfolio(customer, "100.00")
    account = verified_bank_account(customer)
    for type_ in ("dividend", "fee", "interest"):
        with pytest.raises(ApplicationError) as caught:
            transfer(customer, portfolio, account, type_, "10.00")
        assert caught.value.code == "transaction_type_not_allowed"
    with pytest.raises(ApplicationError) as caught:
        transfer(customer, portfolio, account, "deposit", "10.00", method="cash")
    assert caught.value.code == "transaction_type_not_allowed"
    assert not Transaction.objects.filter(portfolio=portfolio).exists()


def test_a_fraud_block_refuses_and_keeps_only_the_decision(customer, settings, market_open):
    portfolio = funded_portfolio(customer, "100.00")
    account = verified_bank_account(customer)
    settings.FRAUD_THRESHOLDS = {**settings.FRAUD_THRESHOLDS, "review_score": 0, "block_score": 0}

    with pytest.raises(RequestRefused) as caught:
        transfer(customer, portfolio, account, "withdrawal", "50.00")

    assert caught.value.detail == "We are unable to process this request. Please contact customer support."
    assert not Transaction.objects.exists()
    assert StoredDecision.objects.filter(customer=customer, event_type="withdrawal", decision="block").count() == 1


def test_a_fraud_review_holds_a_withdrawal_with_its_cash_reserved(customer, settings, market_open):
    portfolio = funded_portfolio(customer, "100.00")
    account = verified_bank_account(customer)
    settings.FRAUD_THRESHOLDS = {**settings.FRAUD_THRESHOLDS, "review_score": 0, "block_score": 6000}

    tx = transfer(customer, portfolio, account, "withdrawal", "60.00")

    assert tx.status == Status.PENDING_REVIEW
    assert ledger_selectors.cash_balances(portfolio=portfolio).reserved == Decimal("60.00")
    services.review_resolve(reference=tx.ledger_reference, outcome="released")
    tx.refresh_from_db()
    balances = ledger_selectors.cash_balances(portfolio=portfolio)
    assert tx.status == Status.FILLED and (balances.available, balances.reserved) == (Decimal("40.00"), 0)


def test_a_refused_review_cancels_and_releases(customer, settings, stock, market_open):
    portfolio = funded_portfolio(customer, "2000.00")
    settings.FRAUD_THRESHOLDS = {**settings.FRAUD_THRESHOLDS, "review_score": 0, "block_score": 6000}
    tx = services.order_place(user=customer, portfolio=portfolio, side="buy", asset=stock, quantity="10")
    assert tx.status == Status.PENDING_REVIEW

    services.review_resolve(reference=tx.ledger_reference, outcome="refused")

    tx.refresh_from_db()
    assert tx.status == Status.CANCELLED
    assert ledger_selectors.cash_balances(portfolio=portfolio).available == Decimal("2000.00")


def test_bank_legs_for_lending_are_idempotent_per_reference(customer, market_open):
    account = verified_bank_account(customer)
    first = services.bank_disbursement_send(bank_account=account, amount=Decimal("2500.00"), reference="loan:7:disb")
    again = services.bank_disbursement_send(bank_account=account, amount=Decimal("2500.00"), reference="loan:7:disb")
    assert first.pk == again.pk and first.type == TransactionType.LOAN_DISBURSEMENT and first.portfolio is None
    with pytest.raises(ReferenceConflict):
        services.bank_disbursement_send(bank_account=account, amount=Decimal("1.00"), reference="loan:7:disb")
    assert selectors.bank_account_verified_get(user=customer, bank_account_id=account.pk) == account


def test_a_repayment_debit_can_be_returned_and_lending_hears_it(customer, market_open):
    from trading.signals import ach_returned

    account = verified_bank_account(customer)
    repayment = services.bank_repayment_collect(bank_account=account, amount=Decimal("150.00"), reference="loan:7:p1")
    heard = []
    ach_returned.connect(lambda sender, **kw: heard.append(kw), weak=False, dispatch_uid="test-heard")
    try:
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            services.ach_return_process(transaction_id=repayment.pk, return_code="R09")
    finally:
        ach_returned.disconnect(dispatch_uid="test-heard")
    repayment.refresh_from_db()
    assert repayment.status == Status.RETURNED
    assert heard[0]["reference"] == "loan:7:p1" and heard[0]["return_code"] == "R09"


def test_an_unverified_bank_account_is_not_found_for_lending(customer):
    from trading.errors import BankAccountNotFound

    account = services.bank_account_link(
        user=customer, holder_name="Avery Jordan", routing_number="021000021", account_number="55554444"
    )
    with pytest.raises(BankAccountNotFound) as caught:
        selectors.bank_account_verified_get(user=customer, bank_account_id=account.pk)
    assert caught.value.status == 404


def test_branch_cash_records_the_conductor(customer):
    from accounts.tests.factories import StaffUserFactory

    portfolio = funded_portfolio(customer)
    clerk = StaffUserFactory()
    with time_machine.travel(ny(2026, 3, 7, 10), tick=False):  # a Saturday counts toward Monday
        tx = services.branch_cash_record(
            acting_user=clerk,
            portfolio=portfolio,
            direction="in",
            amount="9500.00",
            branch="Main St",
            conductor={
                "name": "Sam Courier",
                "id_type": "drivers_license",
                "id_number": "D1234567",
                "identity_verified": True,
                "is_customer": False,
                "on_behalf_of": "Avery Jordan",
            },
        )
    cash = BranchCashTransaction.objects.get(transaction=tx)
    assert tx.method == "cash" and tx.status == Status.SETTLED
    assert cash.ctr_business_day == dt.date(2026, 3, 9) and cash.conductor_id_last4 == "4567"
    assert "D1234567" not in cash.conductor_id_number_encrypted
    assert ledger_selectors.cash_balances(portfolio=portfolio).available == Decimal("9500.00")


def test_system_postings_are_settled_at_once(customer, stock):
    portfolio = funded_portfolio(customer, "100.00")
    dividend = services.system_posting_create(
        portfolio=portfolio, type="dividend", asset=stock, amount="12.34", reference="div:ACME:2026Q1:1"
    )
    fee = services.system_posting_create(portfolio=portfolio, type="fee", amount="1.00")
    assert dividend.status == fee.status == Status.SETTLED
    assert ledger_selectors.cash_balances(portfolio=portfolio).available == Decimal("111.34")
    with pytest.raises(ReferenceConflict):
        services.system_posting_create(
            portfolio=portfolio, type="dividend", asset=stock, amount="12.34", reference="div:ACME:2026Q1:1"
        )


def test_a_released_review_fills_the_held_order(customer, settings, stock, market_open):
    from trading.receivers import on_fraud_review_resolved
    from trading.tasks import review_resolved

    portfolio = funded_portfolio(customer, "2000.00")
    settings.FRAUD_THRESHOLDS = {**settings.FRAUD_THRESHOLDS, "review_score": 0, "block_score": 6000}
    tx = services.order_place(user=customer, portfolio=portfolio, side="buy", asset=stock, quantity="10")
    on_fraud_review_resolved(None, reference=tx.ledger_reference, outcome="released")
    from blockguardian.models import OutboxTask

    assert OutboxTask.objects.get(task_name="trading.review_resolved").kwargs == {
        "reference": tx.ledger_reference,
        "outcome": "released",
    }

    review_resolved(reference=tx.ledger_reference, outcome="released")
    review_resolved(reference=tx.ledger_reference, outcome="released")  # idempotent

    tx.refresh_from_db()
    balances = ledger_selectors.cash_balances(portfolio=portfolio)
    assert tx.status == Status.FILLED and (balances.available, balances.reserved) == (Decimal("1000.00"), 0)
