"""Orders and cash movements (one `Transaction` each), their fills, linked funding sources and the
branch cash records CTRs are built from.

Only `trading.services` writes these tables. Cash and positions never live here: every movement
of money is booked through `portfolios.services`, and a transaction keeps the journal entries it
posted (`entry`, `settlement_entry`, `reversal_entry`) and its reservation.

Transaction states (DESIGN.md): `pending_review → pending → filled → settled`;
`pending_review/pending → cancelled`; `pending → expired`; `filled → failed`;
`filled/settled → returned`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from blockguardian.money import MoneyField, QuantityField


class TransactionType(models.TextChoices):
    BUY = "buy", "Buy"
    SELL = "sell", "Sell"
    DEPOSIT = "deposit", "Deposit"
    WITHDRAWAL = "withdrawal", "Withdrawal"
    DIVIDEND = "dividend", "Dividend"
    FEE = "fee", "Fee"
    INTEREST = "interest", "Interest"
    LOAN_DISBURSEMENT = "loan_disbursement", "Loan disbursement (to a linked bank account)"
    LOAN_REPAYMENT = "loan_repayment", "Loan repayment (from a linked bank account)"


ORDER_TYPES = (TransactionType.BUY, TransactionType.SELL)
CUSTOMER_TYPES = (TransactionType.BUY, TransactionType.SELL, TransactionType.DEPOSIT, TransactionType.WITHDRAWAL)


class Method(models.TextChoices):
    ACH = "ach", "ACH"
    WIRE = "wire", "Wire"
    CRYPTO = "crypto", "Crypto"
    CASH = "cash", "Physical cash"
    INTERNAL = "internal", "Internal"


class Status(models.TextChoices):
    PENDING_REVIEW = "pending_review", "Pending review"
    PENDING = "pending", "Pending"
    FILLED = "filled", "Filled"
    SETTLED = "settled", "Settled"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"
    FAILED = "failed", "Failed"
    RETURNED = "returned", "Returned"


OPEN_STATUSES = (Status.PENDING_REVIEW, Status.PENDING)


class OrderType(models.TextChoices):
    MARKET = "market", "Market"
    LIMIT = "limit", "Limit"


class TimeInForce(models.TextChoices):
    DAY = "day", "Day"
    GTC = "gtc", "Good till cancelled"


class Source(models.TextChoices):
    API = "api", "Customer API"
    BRANCH = "branch", "Branch (operations staff)"
    SYSTEM = "system", "System"
    IMPORT = "import", "Import"
    LENDING = "lending", "Lending"


class Transaction(models.Model):
    """One order (buy/sell) or cash movement of a customer.

    For orders: `quantity` or `notional` as asked, `order_type`, `limit_price`, `time_in_force`;
    once filled, `filled_quantity`, `price` (per unit, spread included), `amount` (the gross trade
    value) and `fee`. For cash movements: `amount` and `method`, with the linked `bank_account` or
    `wallet`. `expires_at` ends a day order; `queued_for` is the session a queued order waits for.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="trading_transactions")
    portfolio = models.ForeignKey(
        "portfolios.Portfolio", null=True, blank=True, on_delete=models.PROTECT, related_name="transactions"
    )
    type = models.CharField(max_length=32, choices=TransactionType.choices)
    method = models.CharField(max_length=16, choices=Method.choices, blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.API)

    asset = models.ForeignKey("portfolios.Asset", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    order_type = models.CharField(max_length=8, choices=OrderType.choices, blank=True, default="")
    time_in_force = models.CharField(max_length=8, choices=TimeInForce.choices, blank=True, default="")
    quantity = QuantityField(null=True, blank=True)
    notional = MoneyField(null=True, blank=True)
    limit_price = QuantityField(null=True, blank=True)
    filled_quantity = QuantityField(null=True, blank=True)
    price = QuantityField(null=True, blank=True)
    amount = MoneyField(null=True, blank=True)
    fee = MoneyField(default=0)
    currency = models.CharField(max_length=3, default="USD")

    bank_account = models.ForeignKey(
        "trading.LinkedBankAccount", null=True, blank=True, on_delete=models.PROTECT, related_name="transactions"
    )
    wallet = models.ForeignKey("trading.Wallet", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Outgoing wires at or above the recordkeeping threshold (31 CFR 1010.410(f)).
    wire_details = models.JSONField(null=True, blank=True)

    reservation = models.ForeignKey(
        "portfolios.Reservation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entry = models.ForeignKey(
        "portfolios.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    settlement_entry = models.ForeignKey(
        "portfolios.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reversal_entry = models.ForeignKey(
        "portfolios.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # The caller's handle: lending's loan reference, or an import's external id (unique when set).
    reference = models.CharField(max_length=200, blank=True, default="")
    memo = models.CharField(max_length=300, blank=True, default="")
    fraud_decision_id = models.BigIntegerField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True, default="")
    return_code = models.CharField(max_length=8, blank=True, default="")
    status_reason = models.CharField(max_length=300, blank=True, default="")

    requested_at = models.DateTimeField()
    queued_for = models.DateField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    executed_at = models.DateTimeField(null=True, blank=True)
    trade_date = models.DateField(null=True, blank=True)
    settlement_date = models.DateField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["portfolio", "-requested_at", "-id"], name="trading_tx_portfolio_idx"),
            models.Index(fields=["user", "status"], name="trading_tx_user_status_idx"),
            models.Index(
                fields=["asset", "status"], name="trading_tx_open_orders_idx", condition=Q(status__in=OPEN_STATUSES)
            ),
            models.Index(
                fields=["settlement_date"],
                name="trading_tx_settle_due_idx",
                condition=Q(status="filled", settlement_date__isnull=False),
            ),
            # the admin's default ordering and filters (its lists of this table)
            models.Index(fields=["-requested_at", "-id"], name="trading_tx_time_idx"),
            models.Index(fields=["status", "-requested_at"], name="trading_tx_status_time_idx"),
            models.Index(fields=["type", "-requested_at"], name="trading_tx_type_time_idx"),
            # the admin list's filters, each with the list's ordering
            models.Index(fields=["method", "-requested_at"], name="tradi_transactio_method_idx"),
            models.Index(fields=["source", "-requested_at"], name="tradi_transactio_source_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reference"], condition=~Q(reference=""), name="trading_tx_reference_unique"
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gt=0), name="trading_tx_amount_positive"
            ),
            models.CheckConstraint(condition=Q(fee__gte=0), name="trading_tx_fee_non_negative"),
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(quantity__gt=0), name="trading_tx_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(notional__isnull=True) | Q(notional__gt=0), name="trading_tx_notional_positive"
            ),
            models.CheckConstraint(
                condition=~Q(type__in=ORDER_TYPES) | (Q(asset__isnull=False) & ~Q(order_type="")),
                name="trading_tx_order_has_asset",
            ),
            models.CheckConstraint(
                condition=~Q(order_type=OrderType.LIMIT) | Q(limit_price__gt=0), name="trading_tx_limit_has_price"
            ),
            models.CheckConstraint(
                condition=Q(portfolio__isnull=False)
                | Q(type__in=[TransactionType.LOAN_DISBURSEMENT, TransactionType.LOAN_REPAYMENT]),
                name="trading_tx_portfolio_required",
            ),
        ]

    def __str__(self) -> str:
        return f"transaction {self.pk} ({self.type}, {self.status})"

    @property
    def ledger_reference(self) -> str:
        return f"trading.transaction:{self.pk}"

    @property
    def is_order(self) -> bool:
        return self.type in ORDER_TYPES


class Execution(models.Model):
    """One fill of an order (an order fills once, in full; partial fills would add rows)."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="executions")
    quantity = QuantityField()
    quote_price = QuantityField(help_text="The source's price before the spread.")
    price = QuantityField(help_text="The price filled at, spread included.")
    gross = MoneyField()
    fee = MoneyField(default=0)
    price_source = models.CharField(max_length=32, blank=True, default="")
    executed_at = models.DateTimeField()
    entry = models.OneToOneField("portfolios.JournalEntry", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["executed_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="execution_quantity_positive"),
            models.CheckConstraint(condition=Q(price__gt=0), name="execution_price_positive"),
        ]

    def __str__(self) -> str:
        return f"execution {self.pk} of transaction {self.transaction_id}"


class BankAccountType(models.TextChoices):
    CHECKING = "checking", "Checking"
    SAVINGS = "savings", "Savings"


class SourceStatus(models.TextChoices):
    PENDING_VERIFICATION = "pending_verification", "Pending verification"
    VERIFIED = "verified", "Verified"
    FAILED = "failed", "Verification failed"
    REVIEW = "review", "Under review"
    REFUSED = "refused", "Refused"


class LinkedBankAccount(models.Model):
    """A customer's account at another bank, for ACH and wires. Routing and account numbers are
    encrypted (`blockguardian.crypto`); only their last four digits are shown. Verified by two
    micro-deposits the customer confirms."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bank_accounts")
    holder_name = models.CharField(max_length=200)
    bank_name = models.CharField(max_length=200, blank=True, default="")
    account_type = models.CharField(max_length=16, choices=BankAccountType.choices, default=BankAccountType.CHECKING)
    routing_number_encrypted = models.TextField()
    account_number_encrypted = models.TextField()
    routing_last4 = models.CharField(max_length=4)
    account_last4 = models.CharField(max_length=4)
    account_index = models.CharField(max_length=64, db_index=True, help_text="Blind index of routing+account.")
    status = models.CharField(max_length=24, choices=SourceStatus.choices, default=SourceStatus.PENDING_VERIFICATION)
    status_reason = models.CharField(max_length=300, blank=True, default="")
    micro_deposit_1 = MoneyField()
    micro_deposit_2 = MoneyField()
    verify_attempts = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)
    fraud_decision_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "account_index"], name="bank_account_user_unique"),
            models.CheckConstraint(
                condition=Q(micro_deposit_1__gt=0, micro_deposit_1__lt=1, micro_deposit_2__gt=0, micro_deposit_2__lt=1),
                name="bank_account_micro_deposits_cents",
            ),
        ]

    def __str__(self) -> str:
        return f"bank account {self.pk} (…{self.account_last4})"

    @property
    def destination(self) -> str:
        """The stable identifier fraud sees (the blind index: equal accounts match across users)."""
        return f"bank_account:{self.account_index[:32]}"

    @property
    def is_usable(self) -> bool:
        return self.status == SourceStatus.VERIFIED


class WalletVerification(models.TextChoices):
    SIGNED_MESSAGE = "signed_message", "Signed message"
    TEST_TRANSFER = "test_transfer", "Test transfer"


class Wallet(models.Model):
    """A crypto address the customer registered. Verified by a message signed with the address's
    key (EVM addresses) or by a test transfer of a small amount; screened against the SDN list's
    digital currency addresses and marked unusable for good when listed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="wallets")
    address = models.CharField(max_length=128)
    currency = models.CharField(max_length=16)
    label = models.CharField(max_length=100, blank=True, default="")
    verification_method = models.CharField(max_length=16, choices=WalletVerification.choices)
    challenge = models.CharField(max_length=200)
    test_amount = QuantityField(null=True, blank=True)
    status = models.CharField(max_length=24, choices=SourceStatus.choices, default=SourceStatus.PENDING_VERIFICATION)
    unusable = models.BooleanField(default=False)
    status_reason = models.CharField(max_length=300, blank=True, default="")
    verified_at = models.DateTimeField(null=True, blank=True)
    fraud_decision_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "currency", "address"], name="wallet_user_address_unique"),
            models.CheckConstraint(
                condition=Q(unusable=False) | ~Q(status="verified"), name="wallet_unusable_never_verified"
            ),
        ]

    def __str__(self) -> str:
        return f"wallet {self.pk} ({self.currency})"

    @property
    def destination(self) -> str:
        return f"wallet:{self.currency}:{self.address.lower()}"

    @property
    def is_usable(self) -> bool:
        return self.status == SourceStatus.VERIFIED and not self.unusable


class CashDirection(models.TextChoices):
    IN = "in", "Cash in"
    OUT = "out", "Cash out"


class BranchCashTransaction(models.Model):
    """Physical currency taken or paid out at a branch (or imported from a branch/ATM system):
    who conducted it, on whose behalf, and how their identity was verified (31 CFR 1010.312).
    CTRs are built from these rows."""

    transaction = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="branch_cash")
    direction = models.CharField(max_length=4, choices=CashDirection.choices)
    amount = MoneyField()
    branch = models.CharField(max_length=100)
    occurred_at = models.DateTimeField()
    ctr_business_day = models.DateField(db_index=True)
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    conductor_is_customer = models.BooleanField(default=True)
    conductor_name = models.CharField(max_length=200)
    conductor_date_of_birth = models.DateField(null=True, blank=True)
    conductor_address = models.CharField(max_length=300, blank=True, default="")
    conductor_id_type = models.CharField(max_length=32)
    conductor_id_number_encrypted = models.TextField()
    conductor_id_last4 = models.CharField(max_length=4)
    conductor_id_issuer = models.CharField(max_length=100, blank=True, default="")
    on_behalf_of_name = models.CharField(max_length=200, blank=True, default="")
    identity_verified = models.BooleanField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        permissions = [("record_branch_cash", "Can record physical cash taken or paid out at a branch")]
        indexes = [
            models.Index(fields=["customer", "ctr_business_day"], name="branch_cash_customer_day_idx"),
            # the admin's default ordering and filters (its lists of this table)
            models.Index(fields=["occurred_at", "id"], name="branch_cash_time_idx"),
            # the admin list's filters, each with the list's ordering
            models.Index(fields=["direction", "occurred_at"], name="tradi_branchcash_directio_idx"),
            models.Index(fields=["branch", "occurred_at"], name="tradi_branchcash_branch_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="branch_cash_amount_positive"),
            models.CheckConstraint(condition=Q(identity_verified=True), name="branch_cash_identity_verified"),
        ]

    def __str__(self) -> str:
        return f"branch cash {self.pk} ({self.direction} {self.amount})"
