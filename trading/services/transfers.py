"""Deposits and withdrawals through linked bank accounts, ACH returns, branch cash, system
postings (dividends, fees, interest) and the bank legs lending uses.

ACH deposit: booked at once as unsettled cash (`filled`), `settled` by the settlement job, and may
be `returned` even after settlement. Wire deposit: settled at once. Withdrawals pay settled cash
out (ACH: `filled` until its settlement date; wire: `settled`). Outgoing wires of
`TRADING_WIRE_RECORD_THRESHOLD` or more record originator and beneficiary (31 CFR 1010.410(f)).
Crypto deposit and withdrawal: a quantity of the asset moved from or to the customer's own
verified wallet, `settled` at once (T+0), no cash moving (`crypto_transfer_request`).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.selectors import customer_identity
from accounts.services import restriction_assert_allows
from blockguardian.calendar import business_date, ctr_business_day
from blockguardian.crypto import encrypt_str, last_four
from blockguardian.money import has_places, quantize_cash, to_decimal
from fraud.events import EventType, MoneyMovementEvent
from fraud.events import Method as FraudMethod
from portfolios import services as ledger
from portfolios.models import Asset, AssetClass
from portfolios.prices import latest_price

from ..errors import (
    FundingSourceStateError,
    InvalidTransfer,
    ReferenceConflict,
    TransactionStateError,
    TypeNotAllowed,
)
from ..models import (
    BranchCashTransaction,
    CashDirection,
    LinkedBankAccount,
    Method,
    Source,
    Status,
    Transaction,
    TransactionType,
    Wallet,
)
from ..signals import ach_returned
from ._common import fraud_assess, fraud_follow_up, kyc_assert, lock_transaction

logger = structlog.get_logger(__name__)

RETURN_CODE = re.compile(r"^R\d{2}$")


def transfer_amount(value: Any, name: str = "amount") -> Decimal:
    try:
        amount = to_decimal(value)
    except (TypeError, ValueError) as exc:
        raise InvalidTransfer(f"{name} must be a decimal number", errors={name: ["not a decimal number"]}) from exc
    if not amount.is_finite() or amount <= 0:
        raise InvalidTransfer(f"{name} must be positive", errors={name: ["must be positive"]})
    if not has_places(amount, 2):
        raise InvalidTransfer(f"{name} has more than 2 decimal places", errors={name: ["at most 2 decimal places"]})
    return quantize_cash(amount)


def _wire_details(*, user: Any, bank_account: LinkedBankAccount, amount: Decimal) -> dict | None:
    """Originator and beneficiary of an outgoing wire at or above the threshold."""
    if amount < settings.TRADING_WIRE_RECORD_THRESHOLD:
        return None
    identity = customer_identity(user=user) or {}
    return {
        "originator": {
            "name": identity.get("full_name") or user.get_full_name(),
            "address": identity.get("address_lines", []),
            "account": f"customer:{user.pk}",
            "country": identity.get("country") or "",
        },
        "originator_institution": settings.TRADING_INSTITUTION_NAME,
        "beneficiary": {
            "name": bank_account.holder_name,
            "account_last4": bank_account.account_last4,
            "account_type": bank_account.account_type,
        },
        # Linked accounts are verified by ABA routing number and micro-deposits: US institutions.
        "beneficiary_institution": {
            "name": bank_account.bank_name,
            "routing_last4": bank_account.routing_last4,
            "country": "US",
        },
        "amount": str(amount),
        "currency": "USD",
    }


def _transfer_allowed(*, user: Any, portfolio: Any, type: str, amount: Decimal, field: str) -> bool:
    """The checks every customer transfer passes before fraud is asked: the transfer limit (the
    error names `field`), an open portfolio, the restriction and KYC. True for a deposit."""
    if amount > settings.TRADING_MAX_TRANSFER_AMOUNT:
        raise InvalidTransfer(
            f"transfers above {settings.TRADING_MAX_TRANSFER_AMOUNT} are arranged with operations",
            errors={field: ["above the limit"]},
        )
    if not portfolio.is_open:
        raise TransactionStateError("This portfolio is closed.")
    deposit = type == TransactionType.DEPOSIT
    restriction_assert_allows(user=user, movement="credit" if deposit else "debit")
    kyc_assert(user=user, amount=amount)
    return deposit


def transfer_request(
    *,
    user: Any,
    portfolio: Any,
    type: str,
    method: str,
    amount: Any,
    bank_account: LinkedBankAccount | None = None,
    wallet: Any = None,
    quantity: Any = None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> Transaction:
    """A customer's deposit or withdrawal through a verified linked bank account (ACH or wire),
    or of a crypto `quantity` through a verified wallet (`method="crypto"`, see
    `crypto_transfer_request`).

    Refused (nothing stored but the fraud decision): another type or method, a bank account that
    is not the customer's own and verified, an amount that is not positive dollars and cents or
    above `TRADING_MAX_TRANSFER_AMOUNT`, KYC not verified, a restriction, and (withdrawals) not
    enough available settled cash. A fraud `review`: `pending_review` (a withdrawal's cash is
    reserved meanwhile). Must be called outside any transaction.
    """
    if type not in (TransactionType.DEPOSIT, TransactionType.WITHDRAWAL):
        raise TypeNotAllowed()
    if method == Method.CASH:
        raise TypeNotAllowed(
            "Physical cash is taken only by operations staff at a branch.", errors={"method": ["not by customers"]}
        )
    if method == Method.CRYPTO:
        return crypto_transfer_request(
            user=user,
            portfolio=portfolio,
            type=type,
            quantity=quantity,
            wallet=wallet,
            bank_account=bank_account,
            ip=ip,
            user_agent=user_agent,
        )
    if method not in (Method.ACH, Method.WIRE):
        raise InvalidTransfer("method must be ach or wire", errors={"method": ["ach or wire"]})
    if wallet is not None:
        raise InvalidTransfer("a bank transfer takes a bank account", errors={"wallet_id": ["not for ach or wire"]})
    if bank_account is None:
        raise InvalidTransfer("a bank account is required", errors={"bank_account_id": ["required"]})
    if bank_account.user_id != user.pk or not bank_account.is_usable:
        raise FundingSourceStateError("This bank account is not verified for transfers.")
    amount = transfer_amount(amount)
    deposit = _transfer_allowed(user=user, portfolio=portfolio, type=type, amount=amount, field="amount")
    moment = timezone.now()
    event = MoneyMovementEvent(
        customer=user,
        portfolio_id=portfolio.pk,
        type=EventType.DEPOSIT if deposit else EventType.WITHDRAWAL,
        method=method,
        amount=amount,
        asset=None,
        destination=bank_account.destination,
        occurred_at=moment,
        ip=ip,
        user_agent=user_agent,
    )
    decision = fraud_assess(event)
    with transaction.atomic():
        tx = Transaction.objects.create(
            user=user,
            portfolio=portfolio,
            type=type,
            method=method,
            status=Status.PENDING_REVIEW if decision.needs_review else Status.PENDING,
            source=Source.API,
            amount=amount,
            bank_account=bank_account,
            wire_details=None
            if deposit or method != Method.WIRE
            else _wire_details(user=user, bank_account=bank_account, amount=amount),
            fraud_decision_id=decision.id,
            ip_address=ip or None,
            user_agent=(user_agent or "")[:300],
            requested_at=moment,
        )
        if decision.needs_review:
            if not deposit:
                tx.reservation = ledger.cash_reserve(
                    portfolio=portfolio.pk, amount=amount, reference=tx.ledger_reference, executed_at=moment
                )
                tx.save(update_fields=["reservation", "updated_at"])
        else:
            transfer_book(tx, executed_at=moment)
        fraud_follow_up(event=event, reference=tx.ledger_reference, decision_id=decision.id)
    return tx


def _wallet_asset(wallet: Wallet) -> Asset:
    """The crypto asset a wallet holds: its currency `BTC` is the asset `BTC-USD` (or `BTC`)."""
    asset = (
        Asset.objects.filter(asset_class=AssetClass.CRYPTO, symbol__in=[f"{wallet.currency}-USD", wallet.currency])
        .order_by("symbol")
        .first()
    )
    if asset is None or not asset.tradable:
        raise InvalidTransfer(
            f"{wallet.currency} is not held on this platform.", errors={"wallet_id": ["currency not offered"]}
        )
    return asset


def crypto_transfer_request(
    *,
    user: Any,
    portfolio: Any,
    type: str,
    quantity: Any,
    wallet: Wallet | None,
    bank_account: LinkedBankAccount | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> Transaction:
    """Crypto moved between the customer's own verified wallet and a portfolio (no cash moves).

    The wallet must be the customer's (the caller resolves it: another customer's is 404),
    verified and not marked unusable by compliance; its currency is the asset (`BTC` → `BTC-USD`).
    `quantity` is in the asset's units; the transfer is valued at the latest price (the
    `amount` stored, the fraud event's amount, the KYC limit and the cost basis of a deposit's
    lot). Crypto settles T+0: an accepted transfer is `settled` at once. Refused (nothing stored
    but the fraud decision): a bank account given, a quantity that is not positive or too fine,
    a value above `TRADING_MAX_TRANSFER_AMOUNT`, KYC, a restriction, and (withdrawals) more than
    the settled, unreserved quantity held. A fraud `review`: `pending_review` (a withdrawal's
    quantity is reserved meanwhile). The withdrawal goes only to an address compliance screened
    when it was registered (a listed address is marked unusable and refused here).
    """
    if bank_account is not None:
        raise InvalidTransfer("a crypto transfer takes a wallet", errors={"bank_account_id": ["not for crypto"]})
    if wallet is None:
        raise InvalidTransfer("a wallet is required", errors={"wallet_id": ["required"]})
    if wallet.user_id != user.pk or not wallet.is_usable:
        raise FundingSourceStateError("This wallet is not verified for transfers.")
    asset = _wallet_asset(wallet)
    quantity = _crypto_quantity(quantity, asset=asset)
    price = latest_price(asset).price
    amount = quantize_cash(quantity * price)
    if amount <= 0:
        raise InvalidTransfer("the transfer's value rounds to zero", errors={"quantity": ["too small"]})
    deposit = _transfer_allowed(user=user, portfolio=portfolio, type=type, amount=amount, field="quantity")
    moment = timezone.now()
    event = MoneyMovementEvent(
        customer=user,
        portfolio_id=portfolio.pk,
        type=EventType.DEPOSIT if deposit else EventType.WITHDRAWAL,
        method=FraudMethod.CRYPTO,
        amount=amount,
        asset=asset.symbol,
        destination=wallet.destination,
        occurred_at=moment,
        ip=ip,
        user_agent=user_agent,
    )
    decision = fraud_assess(event)
    with transaction.atomic():
        tx = Transaction.objects.create(
            user=user,
            portfolio=portfolio,
            type=type,
            method=Method.CRYPTO,
            status=Status.PENDING_REVIEW if decision.needs_review else Status.PENDING,
            source=Source.API,
            asset=asset,
            quantity=quantity,
            price=price,
            amount=amount,
            wallet=wallet,
            fraud_decision_id=decision.id,
            ip_address=ip or None,
            user_agent=(user_agent or "")[:300],
            requested_at=moment,
        )
        if decision.needs_review:
            if not deposit:
                tx.reservation = ledger.quantity_reserve(
                    portfolio=portfolio.pk, asset=asset, quantity=quantity, reference=tx.ledger_reference
                )
                tx.save(update_fields=["reservation", "updated_at"])
        else:
            transfer_book(tx, executed_at=moment)
        fraud_follow_up(event=event, reference=tx.ledger_reference, decision_id=decision.id)
    return tx


def _crypto_quantity(value: Any, *, asset: Asset) -> Decimal:
    try:
        quantity = to_decimal(value)
    except (TypeError, ValueError) as exc:
        raise InvalidTransfer("quantity must be a decimal number", errors={"quantity": ["required"]}) from exc
    if not quantity.is_finite() or quantity <= 0:
        raise InvalidTransfer("quantity must be positive", errors={"quantity": ["must be positive"]})
    if not has_places(quantity, asset.quantity_places):
        raise InvalidTransfer(
            f"{asset.symbol} moves in at most {asset.quantity_places} decimal places",
            errors={"quantity": [f"at most {asset.quantity_places} decimal places"]},
        )
    return quantity


def _crypto_book(tx: Transaction, *, executed_at: dt.datetime, reference: str):
    if tx.type == TransactionType.DEPOSIT:
        return ledger.crypto_transfer_in(
            portfolio=tx.portfolio_id,
            asset=tx.asset,
            quantity=tx.quantity,
            price=tx.price,
            executed_at=executed_at,
            reference=reference,
        )
    if tx.reservation_id:
        ledger.reservation_release(reservation=tx.reservation_id, executed_at=executed_at)
    return ledger.crypto_transfer_out(
        portfolio=tx.portfolio_id,
        asset=tx.asset,
        quantity=tx.quantity,
        price=tx.price,
        executed_at=executed_at,
        reference=reference,
    )


def transfer_book(tx: Transaction, *, executed_at: dt.datetime) -> None:
    """Book an accepted deposit or withdrawal (the row is locked or new) through portfolios."""
    reference = f"{tx.ledger_reference}:book"
    if tx.method == Method.CRYPTO:
        entry = _crypto_book(tx, executed_at=executed_at, reference=reference)
    elif tx.type == TransactionType.DEPOSIT:
        entry = ledger.cash_deposit(
            portfolio=tx.portfolio_id, amount=tx.amount, method=tx.method, executed_at=executed_at, reference=reference
        )
    else:
        entry = ledger.cash_withdraw(
            portfolio=tx.portfolio_id,
            amount=tx.amount,
            method=tx.method,
            executed_at=executed_at,
            reservation=tx.reservation_id,
            reference=reference,
        )
    tx.entry = entry
    tx.executed_at = executed_at
    tx.trade_date = business_date(executed_at)
    if tx.method == Method.ACH:
        tx.status = Status.FILLED
        tx.settlement_date = entry.settlement_date or ledger.ach_settlement_date(executed_at=executed_at)
    else:
        tx.status = Status.SETTLED
        tx.settlement_date = tx.trade_date
        tx.settled_at = executed_at
    tx.save(
        update_fields=["entry", "executed_at", "trade_date", "status", "settlement_date", "settled_at", "updated_at"]
    )


# --- ACH returns ------------------------------------------------------------------------------


def ach_return_process(
    *, transaction_id: int, return_code: str, executed_at: dt.datetime | None = None, acting_user: Any = None
) -> Transaction:
    """The bank returned an ACH deposit or a loan repayment debit (R01 and the like), before or
    after settlement. A deposit is reversed by `portfolios.services.deposit_return` (what was
    already spent becomes a shortfall operations see); the return is recorded for fraud as an
    `ach_return` event. Anything else, or a second return: `TransactionStateError` (409)."""
    return_code = (return_code or "").strip().upper()
    if not RETURN_CODE.match(return_code):
        raise InvalidTransfer("return_code must look like R01", errors={"return_code": ["R followed by 2 digits"]})
    with transaction.atomic():
        tx = lock_transaction(transaction_id)
        returnable = tx.method == Method.ACH and tx.type in (TransactionType.DEPOSIT, TransactionType.LOAN_REPAYMENT)
        if not returnable or tx.status not in (Status.FILLED, Status.SETTLED):
            raise TransactionStateError(f"A {tx.status} {tx.method} {tx.type} cannot be returned.")
        moment = executed_at or timezone.now()
        if tx.type == TransactionType.DEPOSIT:
            tx.reversal_entry = ledger.deposit_return(
                deposit=tx.entry_id,
                executed_at=moment,
                return_code=return_code,
                reference=f"{tx.ledger_reference}:return",
                acting_user=acting_user,
            )
        tx.status = Status.RETURNED
        tx.return_code = return_code
        tx.closed_at = moment
        tx.save(update_fields=["reversal_entry", "status", "return_code", "closed_at", "updated_at"])
        event = MoneyMovementEvent(
            customer=tx.user,
            portfolio_id=tx.portfolio_id,
            type=EventType.ACH_RETURN,
            method=FraudMethod.ACH,
            amount=tx.amount,
            asset=None,
            destination=tx.bank_account.destination if tx.bank_account_id else None,
            occurred_at=moment,
        )
        fraud_follow_up(event=event, reference=f"{tx.ledger_reference}:return", decision_id=None)
        transaction.on_commit(
            lambda: ach_returned.send(
                sender=Transaction,
                transaction_id=tx.pk,
                type=tx.type,
                reference=tx.reference,
                return_code=return_code,
            )
        )
    return tx


# --- branch cash ------------------------------------------------------------------------------


def branch_cash_record(
    *,
    acting_user: Any,
    portfolio: Any,
    direction: str,
    amount: Any,
    branch: str,
    conductor: dict,
    occurred_at: dt.datetime | None = None,
    source: str = Source.BRANCH,
    reference: str = "",
) -> Transaction:
    """Physical currency in or out at a branch, recorded by operations with the conductor's
    identity (name, date of birth, address, ID type and number, verified) and on whose behalf.

    Cash in is booked as settled cash, cash out from available settled cash. Recorded for fraud
    (the customer's aggregate) but not assessed: staff verified the person in front of them.
    """
    if direction not in CashDirection.values:
        raise InvalidTransfer("direction must be in or out", errors={"direction": ["in or out"]})
    amount = transfer_amount(amount)
    branch = (branch or "").strip()
    if not branch:
        raise InvalidTransfer("the branch is required", errors={"branch": ["required"]})
    missing = [k for k in ("name", "id_type", "id_number") if not str(conductor.get(k) or "").strip()]
    if missing:
        raise InvalidTransfer(
            "the conductor's identity is incomplete", errors={f"conductor.{k}": ["required"] for k in missing}
        )
    if not conductor.get("identity_verified"):
        raise InvalidTransfer(
            "the conductor's identity must be verified before cash is taken or paid out",
            errors={"conductor.identity_verified": ["must be true"]},
        )
    moment = occurred_at or timezone.now()
    customer = portfolio.owner
    deposit = direction == CashDirection.IN
    with transaction.atomic():
        tx = Transaction.objects.create(
            user=customer,
            portfolio=portfolio,
            type=TransactionType.DEPOSIT if deposit else TransactionType.WITHDRAWAL,
            method=Method.CASH,
            status=Status.PENDING,
            source=source,
            amount=amount,
            reference=reference,
            requested_at=moment,
            created_by=acting_user if getattr(acting_user, "pk", None) else None,
        )
        transfer_book(tx, executed_at=moment)
        BranchCashTransaction.objects.create(
            transaction=tx,
            direction=direction,
            amount=amount,
            branch=branch[:100],
            occurred_at=moment,
            ctr_business_day=ctr_business_day(moment),
            customer=customer,
            conductor_is_customer=bool(conductor.get("is_customer", True)),
            conductor_name=str(conductor["name"]).strip()[:200],
            conductor_date_of_birth=conductor.get("date_of_birth"),
            conductor_address=str(conductor.get("address") or "")[:300],
            conductor_id_type=str(conductor["id_type"])[:32],
            conductor_id_number_encrypted=encrypt_str(str(conductor["id_number"])),
            conductor_id_last4=last_four(str(conductor["id_number"])),
            conductor_id_issuer=str(conductor.get("id_issuer") or "")[:100],
            on_behalf_of_name=str(conductor.get("on_behalf_of") or "")[:200],
            identity_verified=True,
            recorded_by=acting_user if getattr(acting_user, "pk", None) else None,
        )
        if source != Source.IMPORT:
            event = MoneyMovementEvent(
                customer=customer,
                portfolio_id=portfolio.pk,
                type=EventType.DEPOSIT if deposit else EventType.WITHDRAWAL,
                method=FraudMethod.CASH,
                amount=amount,
                asset=None,
                destination=f"branch:{branch[:50]}",
                occurred_at=moment,
            )
            fraud_follow_up(event=event, reference=tx.ledger_reference, decision_id=None)
    return tx


# --- system postings -------------------------------------------------------------------------

_SYSTEM = {
    TransactionType.DIVIDEND: "dividend_credit",
    TransactionType.FEE: "fee_charge",
    TransactionType.INTEREST: "interest_credit",
}


@transaction.atomic
def system_posting_create(
    *,
    portfolio: Any,
    type: str,
    amount: Any,
    asset: Any = None,
    executed_at: dt.datetime | None = None,
    reference: str = "",
    memo: str = "",
    acting_user: Any = None,
) -> Transaction:
    """A dividend, fee or interest posted by the platform (never by a customer): settled at once.
    `reference` (unique) makes a retried job safe."""
    if type not in _SYSTEM:
        raise TypeNotAllowed("only dividends, fees and interest are posted by the system")
    amount = transfer_amount(amount)
    moment = executed_at or timezone.now()
    if reference and Transaction.objects.filter(reference=reference).exists():
        raise ReferenceConflict(f"{reference!r} was already posted.")
    tx = Transaction.objects.create(
        user=portfolio.owner,
        portfolio=portfolio,
        type=type,
        method=Method.INTERNAL,
        status=Status.PENDING,
        source=Source.SYSTEM,
        asset=asset,
        amount=amount,
        reference=reference,
        memo=memo[:300],
        requested_at=moment,
    )
    kwargs = {"portfolio": portfolio.pk, "amount": amount, "executed_at": moment, "memo": memo}
    if type == TransactionType.DIVIDEND:
        kwargs["asset"] = asset
    entry = getattr(ledger, _SYSTEM[type])(reference=f"{tx.ledger_reference}:book", acting_user=acting_user, **kwargs)
    tx.entry = entry
    tx.status = Status.SETTLED
    tx.executed_at = tx.settled_at = moment
    tx.trade_date = tx.settlement_date = business_date(moment)
    tx.save()
    return tx


# --- bank legs for lending ---------------------------------------------------------------------


def _bank_leg(*, type: str, bank_account: LinkedBankAccount, amount: Any, reference: str, memo: str) -> Transaction:
    amount = transfer_amount(amount)
    reference = (reference or "").strip()
    if not reference:
        raise InvalidTransfer("a reference is required", errors={"reference": ["required"]})
    existing = Transaction.objects.filter(reference=reference).first()
    if existing is not None:
        return _same_leg(existing, type=type, bank_account=bank_account, amount=amount)
    bank_account = LinkedBankAccount.objects.select_related("user").get(pk=bank_account.pk)
    if not bank_account.is_usable:
        raise FundingSourceStateError("This bank account is not verified for transfers.")
    if type == TransactionType.LOAN_DISBURSEMENT:
        restriction_assert_allows(user=bank_account.user, movement="credit")
    moment = timezone.now()
    try:
        with transaction.atomic():
            return Transaction.objects.create(
                user=bank_account.user,
                portfolio=None,
                type=type,
                method=Method.ACH,
                status=Status.FILLED,
                source=Source.LENDING,
                amount=amount,
                bank_account=bank_account,
                reference=reference[:200],
                memo=(memo or "")[:300],
                requested_at=moment,
                executed_at=moment,
                trade_date=business_date(moment),
                settlement_date=ledger.ach_settlement_date(executed_at=moment),
            )
    except IntegrityError:
        existing = Transaction.objects.get(reference=reference)
        return _same_leg(existing, type=type, bank_account=bank_account, amount=amount)


def _same_leg(existing: Transaction, *, type: str, bank_account: LinkedBankAccount, amount: Decimal) -> Transaction:
    if existing.type != type or existing.bank_account_id != bank_account.pk or existing.amount != amount:
        raise ReferenceConflict(f"The reference {existing.reference!r} was used for a different transfer.")
    return existing


def bank_disbursement_send(
    *, bank_account: LinkedBankAccount, amount: Decimal, reference: str, memo: str = ""
) -> Transaction:
    """An outgoing ACH credit of the institution's funds to the customer's verified linked account
    (a loan disbursement): a `loan_disbursement` transaction without portfolio cash, `filled`
    until its ACH settlement date. Idempotent per `reference` (the same reference with other
    terms: `ReferenceConflict`, 409). Refused for a blocked customer or an unusable account."""
    return _bank_leg(
        type=TransactionType.LOAN_DISBURSEMENT, bank_account=bank_account, amount=amount, reference=reference, memo=memo
    )


def bank_repayment_collect(
    *, bank_account: LinkedBankAccount, amount: Decimal, reference: str, memo: str = ""
) -> Transaction:
    """An ACH debit of the customer's verified linked account to repay a loan (`loan_repayment`),
    `filled` until settled; it may be returned later (`ach_return_process`, then the
    `ach_returned` signal). Idempotent per `reference`."""
    return _bank_leg(
        type=TransactionType.LOAN_REPAYMENT, bank_account=bank_account, amount=amount, reference=reference, memo=memo
    )
