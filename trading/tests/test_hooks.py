"""What compliance, fraud, accounts and portfolios reach trading through."""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Restriction
from accounts.services import restriction_set
from blockguardian.models import OutboxTask
from portfolios import selectors as ledger_selectors
from trading import receivers, selectors, services
from trading.models import SourceStatus, Status, Wallet
from trading.tests.factories import funded_portfolio, verified_bank_account

pytestmark = pytest.mark.django_db


def test_compliance_marks_a_listed_wallet_unusable_for_good(customer):
    wallet = services.wallet_register(
        user=customer, address="0x" + "ab" * 20, currency="ETH", verification_method="test_transfer"
    )
    assert OutboxTask.objects.filter(task_name="compliance.screen_wallet").get().kwargs["wallet_id"] == wallet.pk

    services.wallet_mark_unusable(wallet_id=wallet.pk, reason="The address is on the OFAC SDN list.")
    services.wallet_mark_unusable(wallet_id=wallet.pk, reason="again")

    wallet.refresh_from_db()
    assert wallet.unusable and wallet.status == SourceStatus.REFUSED
    assert wallet.status_reason == "The address is on the OFAC SDN list."
    with pytest.raises(Exception, match="not waiting"):
        services.wallet_test_transfer_confirm(wallet=wallet, amount=wallet.test_amount)


def test_compliance_refuses_a_bank_account_whose_holder_is_listed(customer, market_open):
    portfolio = funded_portfolio(customer, "100.00")
    account = verified_bank_account(customer)
    assert services.screening_refuse(
        kind="bank_account_holder", reference=f"trading.linkedbankaccount:{account.pk}", reason="listed"
    )
    account.refresh_from_db()
    assert account.status == SourceStatus.REFUSED
    with pytest.raises(Exception, match="not verified"):
        services.transfer_request(
            user=customer, portfolio=portfolio, type="deposit", method="ach", amount="10.00", bank_account=account
        )
    assert not services.screening_refuse(kind="issuer", reference="portfolios.asset:1", reason="listed")


def test_a_blocked_customer_s_open_orders_are_cancelled(customer, stock, market_open):
    portfolio = funded_portfolio(customer, "1000.00")
    tx = services.order_place(
        user=customer, portfolio=portfolio, side="buy", asset=stock, quantity="2", order_type="limit", limit_price="50"
    )
    receivers.on_restriction_changed(None, user=customer, old=Restriction.NONE, new=Restriction.BLOCKED)
    assert OutboxTask.objects.filter(task_name="trading.cancel_open_transactions").exists()

    restriction_set(user=customer, state=Restriction.BLOCKED, reason="confirmed match", acting_user=None)
    items = selectors.blocked_property_list(user=customer, as_of=dt.date(2026, 3, 4))
    assert items == [
        {
            "app": "trading",
            "kind": "transaction",
            "description": f"open buy {tx.pk}: cash reserved",
            "amount": "100.00",
            "currency": "USD",
        }
    ]
    from trading.tasks import cancel_open_transactions

    assert cancel_open_transactions(user_id=str(customer.pk)) == 1
    tx.refresh_from_db()
    assert tx.status == Status.CANCELLED
    balances = ledger_selectors.cash_balances(portfolio=portfolio)
    # Released cash of a blocked customer is held in blocked funds.
    assert balances.reserved == 0 and balances.available + balances.blocked == Decimal("1000.00")
    assert selectors.blocked_property_list(user=customer, as_of=dt.date(2026, 3, 4)) == []


def test_a_price_load_queues_the_limit_order_task():
    receivers.on_prices_loaded(None, load_id=1, asset_ids=[3, 1])
    assert OutboxTask.objects.get(task_name="trading.cross_limit_orders").kwargs == {"asset_ids": [1, 3]}


def test_wallet_addresses_are_validated(customer):
    with pytest.raises(Exception, match="not a valid ETH address"):
        services.wallet_register(user=customer, address="0x1234", currency="ETH")
    with pytest.raises(Exception, match="EVM"):
        services.wallet_register(user=customer, address="bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", currency="BTC")
    services.wallet_register(
        user=customer,
        address="bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
        currency="BTC",
        verification_method="test_transfer",
    )
    assert Wallet.objects.filter(user=customer).count() == 1


def test_export_and_erasure_of_trading_data(customer, market_open):
    from blockguardian import datarights

    portfolio = funded_portfolio(customer, "100.00")
    account = verified_bank_account(customer)
    services.transfer_request(
        user=customer, portfolio=portfolio, type="withdrawal", method="ach", amount="10.00", bank_account=account
    )
    exported = {h.app_label: h for h in datarights.handlers()}["trading"].exporter(customer)
    assert exported["bank_accounts"][0]["account_last4"] == "6789"
    assert exported["transactions"][0]["amount"] == "10.00"
    assert "routing" not in str(exported) and "000123456789" not in str(exported)

    from trading.datarights import erase_trading, veto_erasure

    assert veto_erasure(customer) is None
    erase_trading(customer)
    account.refresh_from_db()
    assert account.holder_name == "***"


def test_micro_deposit_verification_fails_for_good_after_the_attempts(customer, settings):
    from trading.errors import DuplicateFundingSource, FundingSourceStateError, VerificationFailed

    settings.TRADING_MICRO_DEPOSIT_MAX_ATTEMPTS = 2
    account = services.bank_account_link(
        user=customer, holder_name="Avery Jordan", routing_number="021000021", account_number="99887766"
    )
    for _ in range(2):
        with pytest.raises(VerificationFailed):
            services.bank_account_verify(account=account, amounts=["0.00", "1.00"])
    account.refresh_from_db()
    assert account.status == SourceStatus.FAILED and account.verify_attempts == 2
    with pytest.raises(FundingSourceStateError):
        services.bank_account_verify(account=account, amounts=[account.micro_deposit_1, account.micro_deposit_2])
    with pytest.raises(DuplicateFundingSource):
        services.bank_account_link(
            user=customer, holder_name="Avery Jordan", routing_number="021000021", account_number="99887766"
        )


def test_a_wallet_is_verified_by_the_exact_test_amount(customer):
    from trading.errors import VerificationFailed

    wallet = services.wallet_register(
        user=customer, address="0x" + "cd" * 20, currency="USDC", verification_method="test_transfer"
    )
    with pytest.raises(VerificationFailed):
        services.wallet_test_transfer_confirm(wallet=wallet, amount=wallet.test_amount + Decimal("0.00000001"))
    wallet = services.wallet_test_transfer_confirm(wallet=wallet, amount=wallet.test_amount)
    assert wallet.status == SourceStatus.VERIFIED and wallet.is_usable
