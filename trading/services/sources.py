"""Linked funding sources: bank accounts (micro-deposit verification) and crypto wallets (signed
message or test transfer), with fraud's NEW_FUNDING_SOURCE event and compliance screening queued
through the outbox; the compliance hooks that refuse a listed party or wallet."""

from __future__ import annotations

import re
import secrets
from decimal import Decimal
from typing import Any

import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from blockguardian.crypto import blind_index, encrypt_str, last_four
from blockguardian.money import to_decimal
from blockguardian.outbox import outbox_enqueue
from fraud.events import EventType, MoneyMovementEvent
from fraud.events import Method as FraudMethod

from ..errors import (
    DuplicateFundingSource,
    FundingSourceLimit,
    FundingSourceStateError,
    InvalidTransfer,
    VerificationFailed,
)
from ..models import (
    OPEN_STATUSES,
    BankAccountType,
    LinkedBankAccount,
    SourceStatus,
    Transaction,
    Wallet,
    WalletVerification,
)
from ._common import fraud_assess, fraud_follow_up

logger = structlog.get_logger(__name__)

ROUTING = re.compile(r"^\d{9}$")
ACCOUNT = re.compile(r"^\d{4,17}$")
EVM_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
BTC_ADDRESS = re.compile(r"^(bc1[02-9ac-hj-np-z]{11,71}|[13][1-9A-HJ-NP-Za-km-z]{25,34})$")
GENERIC_ADDRESS = re.compile(r"^[A-Za-z0-9:_-]{20,128}$")
EVM_CURRENCIES = {"ETH", "USDC", "USDT", "DAI", "MATIC", "POL", "ARB", "OP", "BNB", "AVAX"}


def routing_number_valid(routing: str) -> bool:
    """Nine digits with the ABA checksum (3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) ≡ 0 mod 10)."""
    if not ROUTING.match(routing):
        return False
    d = [int(c) for c in routing]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])) % 10 == 0


def _micro_amount() -> Decimal:
    return Decimal(secrets.randbelow(99) + 1) / 100


def _source_event(*, user: Any, method: str, destination: str, ip: str | None, user_agent: str | None):
    return MoneyMovementEvent(
        customer=user,
        portfolio_id=None,
        type=EventType.NEW_FUNDING_SOURCE,
        method=method,
        amount=Decimal("0"),
        asset=None,
        destination=destination,
        occurred_at=timezone.now(),
        ip=ip,
        user_agent=user_agent,
    )


def bank_account_link(
    *,
    user: Any,
    holder_name: str,
    routing_number: str,
    account_number: str,
    account_type: str = BankAccountType.CHECKING,
    bank_name: str = "",
    ip: str | None = None,
    user_agent: str | None = None,
) -> LinkedBankAccount:
    """Link a bank account: numbers validated and encrypted, two micro-deposits sent for the
    customer to confirm. A new funding source is a fraud event (a `block` refuses it, a `review`
    parks it in `review`) and its holder is screened by compliance (outbox, after commit)."""
    holder_name = (holder_name or "").strip()
    routing_number = (routing_number or "").strip()
    account_number = (account_number or "").strip()
    errors = {}
    if not holder_name:
        errors["holder_name"] = ["required"]
    if not routing_number_valid(routing_number):
        errors["routing_number"] = ["nine digits with a valid ABA checksum"]
    if not ACCOUNT.match(account_number):
        errors["account_number"] = ["4 to 17 digits"]
    if account_type not in BankAccountType.values:
        errors["account_type"] = ["checking or savings"]
    if errors:
        raise InvalidTransfer("The bank account details are invalid.", errors=errors)
    index = blind_index(f"{routing_number}:{account_number}", purpose="trading.bank_account")
    if LinkedBankAccount.objects.filter(user=user, account_index=index).exists():
        raise DuplicateFundingSource()
    live = LinkedBankAccount.objects.filter(user=user).exclude(status__in=[SourceStatus.FAILED, SourceStatus.REFUSED])
    if live.count() >= settings.TRADING_MAX_BANK_ACCOUNTS:
        raise FundingSourceLimit()
    destination = f"bank_account:{index[:32]}"
    event = _source_event(user=user, method=FraudMethod.ACH, destination=destination, ip=ip, user_agent=user_agent)
    decision = fraud_assess(event)
    try:
        with transaction.atomic():
            account = _bank_account_create(
                user=user,
                holder_name=holder_name,
                bank_name=bank_name,
                account_type=account_type,
                routing_number=routing_number,
                account_number=account_number,
                index=index,
                decision=decision,
                event=event,
            )
    except IntegrityError as exc:  # the same account linked concurrently
        raise DuplicateFundingSource() from exc
    return account


def _bank_account_create(
    *, user, holder_name, bank_name, account_type, routing_number, account_number, index, decision, event
) -> LinkedBankAccount:
    first, second = _micro_amount(), _micro_amount()
    account = LinkedBankAccount.objects.create(
        user=user,
        holder_name=holder_name[:200],
        bank_name=(bank_name or "")[:200],
        account_type=account_type,
        routing_number_encrypted=encrypt_str(routing_number),
        account_number_encrypted=encrypt_str(account_number),
        routing_last4=last_four(routing_number),
        account_last4=last_four(account_number),
        account_index=index,
        status=SourceStatus.REVIEW if decision.needs_review else SourceStatus.PENDING_VERIFICATION,
        micro_deposit_1=first,
        micro_deposit_2=second,
        fraud_decision_id=decision.id,
    )
    reference = f"trading.linkedbankaccount:{account.pk}"
    outbox_enqueue(
        task="compliance.screen_party",
        kind="bank_account_holder",
        reference=reference,
        name=account.holder_name,
        user_id=str(user.pk),
    )
    fraud_follow_up(event=event, reference=reference, decision_id=decision.id)
    return account


def bank_account_verify(*, account: LinkedBankAccount, amounts: list[Any]) -> LinkedBankAccount:
    """Confirm the two micro-deposits (in any order). A wrong answer counts an attempt; after
    `TRADING_MICRO_DEPOSIT_MAX_ATTEMPTS` the verification fails for good. Only an account pending
    verification can be verified (409 otherwise)."""
    try:
        given = sorted(to_decimal(a) for a in amounts)
    except (TypeError, ValueError) as exc:
        raise InvalidTransfer("amounts must be two decimal numbers", errors={"amounts": ["two amounts"]}) from exc
    if len(given) != 2:
        raise InvalidTransfer("give both micro-deposit amounts", errors={"amounts": ["exactly two amounts"]})
    with transaction.atomic():
        locked = LinkedBankAccount.objects.select_for_update().get(pk=account.pk)
        if locked.status != SourceStatus.PENDING_VERIFICATION:
            raise FundingSourceStateError(f"This bank account is {locked.get_status_display().lower()}.")
        if given == sorted([locked.micro_deposit_1, locked.micro_deposit_2]):
            locked.status = SourceStatus.VERIFIED
            locked.verified_at = timezone.now()
            locked.save(update_fields=["status", "verified_at", "updated_at"])
            return locked
        locked.verify_attempts += 1
        if locked.verify_attempts >= settings.TRADING_MICRO_DEPOSIT_MAX_ATTEMPTS:
            locked.status = SourceStatus.FAILED
            locked.status_reason = "too many wrong micro-deposit amounts"
        locked.save(update_fields=["verify_attempts", "status", "status_reason", "updated_at"])
        left = max(settings.TRADING_MICRO_DEPOSIT_MAX_ATTEMPTS - locked.verify_attempts, 0)
    raise VerificationFailed(f"The amounts do not match; {left} attempt(s) left.")


def _address_valid(address: str, currency: str) -> bool:
    if currency in EVM_CURRENCIES:
        return bool(EVM_ADDRESS.match(address))
    if currency == "BTC":
        return bool(BTC_ADDRESS.match(address))
    return bool(GENERIC_ADDRESS.match(address))


def wallet_register(
    *,
    user: Any,
    address: str,
    currency: str,
    label: str = "",
    verification_method: str = WalletVerification.SIGNED_MESSAGE,
    ip: str | None = None,
    user_agent: str | None = None,
) -> Wallet:
    """Register a crypto address. Verification: a message signed with the address's key (EVM
    addresses) or a test transfer of the exact small amount given here. A fraud event like a new
    bank account; the address is screened against the SDN list's digital currency addresses
    (`compliance.screen_wallet`, outbox)."""
    address = (address or "").strip()
    currency = (currency or "").strip().upper()
    if not re.match(r"^[A-Z0-9]{2,16}$", currency):
        raise InvalidTransfer("currency is a ticker like BTC or ETH", errors={"currency": ["a ticker"]})
    if not _address_valid(address, currency):
        raise InvalidTransfer(f"not a valid {currency} address", errors={"address": ["invalid address"]})
    if verification_method not in WalletVerification.values:
        raise InvalidTransfer("unknown verification method", errors={"verification_method": ["invalid"]})
    if verification_method == WalletVerification.SIGNED_MESSAGE and not EVM_ADDRESS.match(address):
        raise InvalidTransfer(
            "signed-message verification is offered for EVM addresses; use a test transfer",
            errors={"verification_method": ["use test_transfer"]},
        )
    if Wallet.objects.filter(user=user, currency=currency, address__iexact=address).exists():
        raise DuplicateFundingSource()
    if Wallet.objects.filter(user=user, unusable=False).count() >= settings.TRADING_MAX_WALLETS:
        raise FundingSourceLimit()
    destination = f"wallet:{currency}:{address.lower()}"
    event = _source_event(user=user, method=FraudMethod.CRYPTO, destination=destination, ip=ip, user_agent=user_agent)
    decision = fraud_assess(event)
    try:
        with transaction.atomic():
            return _wallet_create(
                user=user,
                address=address,
                currency=currency,
                label=label,
                verification_method=verification_method,
                decision=decision,
                event=event,
            )
    except IntegrityError as exc:
        raise DuplicateFundingSource() from exc


def _wallet_create(*, user, address, currency, label, verification_method, decision, event) -> Wallet:
    wallet = Wallet.objects.create(
        user=user,
        address=address,
        currency=currency,
        label=(label or "")[:100],
        verification_method=verification_method,
        challenge=f"BlockGuardian wallet verification {secrets.token_hex(16)}",
        test_amount=(Decimal(secrets.randbelow(9000) + 1000) / Decimal(10**8))
        if verification_method == WalletVerification.TEST_TRANSFER
        else None,
        status=SourceStatus.REVIEW if decision.needs_review else SourceStatus.PENDING_VERIFICATION,
        fraud_decision_id=decision.id,
    )
    outbox_enqueue(
        task="compliance.screen_wallet",
        wallet_id=wallet.pk,
        address=address,
        currency=currency,
        user_id=str(user.pk),
    )
    fraud_follow_up(event=event, reference=f"trading.wallet:{wallet.pk}", decision_id=decision.id)
    return wallet


def wallet_verify_signature(*, wallet: Wallet, signature: str) -> Wallet:
    """Verify an EVM wallet by the signature of its challenge (EIP-191 personal message)."""
    from eth_account import Account
    from eth_account.messages import encode_defunct

    with transaction.atomic():
        locked = Wallet.objects.select_for_update().get(pk=wallet.pk)
        _assert_pending(locked, WalletVerification.SIGNED_MESSAGE)
        try:
            signer = Account.recover_message(encode_defunct(text=locked.challenge), signature=signature)
        except Exception as exc:
            raise VerificationFailed("The signature is not valid.") from exc
        if signer.lower() != locked.address.lower():
            raise VerificationFailed("The signature was not made by this address.")
        return _verified(locked)


def wallet_test_transfer_confirm(*, wallet: Wallet, amount: Any, acting_user: Any = None) -> Wallet:
    """The test transfer arrived (reported by operations or the custody system): the wallet is
    verified when the amount is exactly the one asked for."""
    with transaction.atomic():
        locked = Wallet.objects.select_for_update().get(pk=wallet.pk)
        _assert_pending(locked, WalletVerification.TEST_TRANSFER)
        if to_decimal(amount) != locked.test_amount:
            raise VerificationFailed("The amount received is not the test amount.")
        return _verified(locked)


def _assert_pending(wallet: Wallet, method: str) -> None:
    if wallet.unusable or wallet.status != SourceStatus.PENDING_VERIFICATION:
        raise FundingSourceStateError("This wallet is not waiting for verification.")
    if wallet.verification_method != method:
        raise FundingSourceStateError(f"This wallet is verified by {wallet.get_verification_method_display()}.")


def _verified(wallet: Wallet) -> Wallet:
    wallet.status = SourceStatus.VERIFIED
    wallet.verified_at = timezone.now()
    wallet.save(update_fields=["status", "verified_at", "updated_at"])
    return wallet


# --- compliance hooks ---------------------------------------------------------------------------


def _cancel_open_using(**filters: Any) -> int:
    from .orders import transaction_cancel

    count = 0
    for pk in Transaction.objects.filter(status__in=OPEN_STATUSES, **filters).values_list("pk", flat=True):
        transaction_cancel(transaction_id=pk, reason="the funding source was refused")
        count += 1
    return count


def wallet_mark_unusable(*, wallet_id: Any, reason: str, acting_user: Any = None) -> Wallet | None:
    """Compliance: a listed address is unusable for good (idempotent; None for an unknown id)."""
    with transaction.atomic():
        wallet = Wallet.objects.select_for_update().filter(pk=wallet_id).first()
        if wallet is None:
            logger.warning("wallet_mark_unusable_unknown", wallet_id=str(wallet_id))
            return None
        if not wallet.unusable:
            wallet.unusable = True
            wallet.status = SourceStatus.REFUSED
            wallet.status_reason = (reason or "")[:300]
            wallet.save(update_fields=["unusable", "status", "status_reason", "updated_at"])
        _cancel_open_using(wallet=wallet)
    return wallet


def screening_refuse(*, kind: str, reference: str, reason: str, acting_user: Any = None) -> bool:
    """Compliance: a party screening found listed. A linked bank account
    ("trading.linkedbankaccount:<id>") is refused for good and its open transfers cancelled; a
    wallet ("trading.wallet:<id>") is marked unusable. Returns False for a reference trading does
    not own (logged)."""
    prefix, _, pk = (reference or "").partition(":")
    if prefix == "trading.wallet" and pk.isdigit():
        return wallet_mark_unusable(wallet_id=int(pk), reason=reason, acting_user=acting_user) is not None
    if prefix != "trading.linkedbankaccount" or not pk.isdigit():
        logger.warning("screening_refuse_unknown_reference", kind=kind, reference=reference)
        return False
    with transaction.atomic():
        account = LinkedBankAccount.objects.select_for_update().filter(pk=int(pk)).first()
        if account is None:
            return False
        if account.status != SourceStatus.REFUSED:
            account.status = SourceStatus.REFUSED
            account.status_reason = (reason or "")[:300]
            account.save(update_fields=["status", "status_reason", "updated_at"])
        _cancel_open_using(bank_account=account)
    return True
