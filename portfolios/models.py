"""Assets and prices, portfolios, the double-entry cash ledger, positions and FIFO tax lots.

The ledger uses signed amounts: a posting moves value into its account (positive) or out of it
(negative), the postings of one journal entry sum to zero, so the balances of all accounts sum to
zero. Customer accounts hold positive balances (the customer's money); the bank settlement account
goes negative as money enters the platform from outside.

Only `portfolios.services` writes these tables. Journal entries and postings are immutable: the
models refuse updates and deletes, and database triggers refuse them too (see the migrations).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from blockguardian.money import MoneyField, QuantityField

SIGNED_QUANTITY = {"max_digits": 28, "decimal_places": 8}
HALF_CENT = Decimal("0.005")


# --- assets and prices --------------------------------------------------------------------------


class AssetClass(models.TextChoices):
    STOCK = "stock", "Stock"
    ETF = "etf", "ETF"
    CRYPTO = "crypto", "Crypto"
    COMMODITY = "commodity", "Commodity product"


class TradingCalendar(models.TextChoices):
    NYSE = "nyse", "NYSE trading days"
    ALWAYS = "always", "Every day (crypto)"


class Asset(models.Model):
    """A tradable instrument. Prices are USD; `last_price` is kept by the price load."""

    symbol = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    asset_class = models.CharField(max_length=16, choices=AssetClass.choices)
    exchange = models.CharField(max_length=32, blank=True, default="")
    quantity_places = models.PositiveSmallIntegerField(default=8, help_text="Decimal places a quantity may have.")
    calendar = models.CharField(max_length=16, choices=TradingCalendar.choices, default=TradingCalendar.NYSE)
    settlement_days = models.PositiveSmallIntegerField(default=1, help_text="T+n in settlement days.")
    tradable = models.BooleanField(default=True)
    # Screened against the sanctions list by compliance.
    issuer_name = models.CharField(max_length=200, blank=True, default="")
    issuer_country = models.CharField(max_length=2, blank=True, default="")
    last_price = QuantityField(null=True, blank=True)
    last_price_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["symbol"]
        indexes = [models.Index(fields=["asset_class", "symbol"], name="asset_class_symbol_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity_places__lte=8), name="asset_quantity_places_max_8"),
            models.CheckConstraint(condition=Q(settlement_days__lte=10), name="asset_settlement_days_max_10"),
            models.CheckConstraint(
                condition=Q(last_price__isnull=True) | Q(last_price__gt=0), name="asset_last_price_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.symbol


class Price(models.Model):
    """An OHLCV bar; `timestamp` is the moment the bar closed (a daily bar: the session close)."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="prices")
    timestamp = models.DateTimeField()
    open = QuantityField()
    high = QuantityField()
    low = QuantityField()
    close = QuantityField()
    volume = models.DecimalField(max_digits=28, decimal_places=8, default=0)
    source = models.CharField(max_length=32, default="file")

    class Meta:
        # the admin's default ordering and filters (its lists of this table)
        indexes = [
            models.Index(fields=["-timestamp"], name="price_time_idx"),
            # the admin list's filters, each with the list's ordering
            models.Index(fields=["source", "-timestamp"], name="portf_price_source_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["asset", "timestamp"], name="price_asset_timestamp_unique"),
            models.CheckConstraint(condition=Q(low__gt=0), name="price_low_positive"),
            models.CheckConstraint(condition=Q(high__gte=models.F("low")), name="price_high_gte_low"),
            models.CheckConstraint(
                condition=Q(open__gte=models.F("low"), open__lte=models.F("high")), name="price_open_in_range"
            ),
            models.CheckConstraint(
                condition=Q(close__gte=models.F("low"), close__lte=models.F("high")), name="price_close_in_range"
            ),
            models.CheckConstraint(condition=Q(volume__gte=0), name="price_volume_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.timestamp:%Y-%m-%d %H:%M} {self.close}"


class PriceLoad(models.Model):
    """One run of the price load (a file or a provider batch). Its id versions the analytics cache."""

    source = models.CharField(max_length=300)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    assets = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"price load {self.pk} ({self.source})"


# --- portfolios -----------------------------------------------------------------------------------


class PortfolioStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Portfolio(models.Model):
    """A customer's investment account: cash (in its ledger accounts) and positions."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="portfolios")
    name = models.CharField(max_length=100)
    benchmark = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=PortfolioStatus.choices, default=PortfolioStatus.OPEN)
    # Bumped by every journal entry that touches the portfolio: versions the analytics cache and
    # tells whether the portfolio ever had a ledger entry.
    ledger_seq = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["owner", "status"], name="portfolio_owner_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status=PortfolioStatus.OPEN) & Q(closed_at__isnull=True))
                | (Q(status=PortfolioStatus.CLOSED) & Q(closed_at__isnull=False)),
                name="portfolio_closed_at_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        # No name here: a customer may put personal data in it and representations reach the audit log.
        return f"portfolio {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == PortfolioStatus.OPEN


# --- the ledger -----------------------------------------------------------------------------------


class AccountKind(models.TextChoices):
    # One of each per portfolio.
    CASH = "cash", "Settled cash (withdrawable)"
    RESERVED = "reserved", "Cash reserved for pending orders"
    UNSETTLED = "unsettled", "Unsettled cash"
    OWED = "owed", "Shortfall owed by the customer"
    # One of each for the platform.
    BANK_SETTLEMENT = "bank_settlement", "Bank settlement"
    UNSETTLED_TRADES = "unsettled_trades", "Unsettled trades (clearing)"
    FEES = "fees", "Fees"
    INTEREST = "interest", "Interest"
    LOANS = "loans", "Loans"
    BLOCKED_FUNDS = "blocked_funds", "Blocked funds"


CUSTOMER_KINDS = (AccountKind.CASH, AccountKind.RESERVED, AccountKind.UNSETTLED, AccountKind.OWED)
PLATFORM_KINDS = (
    AccountKind.BANK_SETTLEMENT,
    AccountKind.UNSETTLED_TRADES,
    AccountKind.FEES,
    AccountKind.INTEREST,
    AccountKind.LOANS,
    AccountKind.BLOCKED_FUNDS,
)
# Customer cash accounts never go negative; the shortfall account never goes positive.
NON_NEGATIVE_KINDS = (AccountKind.CASH, AccountKind.RESERVED, AccountKind.UNSETTLED)


class LedgerAccount(models.Model):
    """A ledger account. Customer accounts keep a running `balance` (changed only under the
    portfolio's row lock, checked by the database); platform accounts are written by every
    customer's entries at once, so their balance is the sum of their postings instead of a hot row
    (their `balance` column stays 0)."""

    kind = models.CharField(max_length=32, choices=AccountKind.choices)
    portfolio = models.ForeignKey(Portfolio, null=True, blank=True, on_delete=models.PROTECT, related_name="accounts")
    balance = MoneyField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio", "kind"],
                condition=Q(portfolio__isnull=False),
                name="ledger_account_customer_unique",
            ),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(portfolio__isnull=True), name="ledger_account_platform_unique"
            ),
            models.CheckConstraint(
                condition=(Q(portfolio__isnull=True) & Q(kind__in=PLATFORM_KINDS))
                | (Q(portfolio__isnull=False) & Q(kind__in=CUSTOMER_KINDS)),
                name="ledger_account_kind_matches_owner",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=NON_NEGATIVE_KINDS) | Q(balance__gte=0),
                name="ledger_account_cash_non_negative",
            ),
            models.CheckConstraint(
                condition=~Q(kind=AccountKind.OWED) | Q(balance__lte=0), name="ledger_account_owed_non_positive"
            ),
            models.CheckConstraint(
                condition=Q(portfolio__isnull=False) | Q(balance=0), name="ledger_account_platform_balance_unkept"
            ),
        ]

    def __str__(self) -> str:
        if self.portfolio_id:
            return f"{self.kind} of portfolio {self.portfolio_id}"
        return self.kind


class EntryKind(models.TextChoices):
    DEPOSIT = "deposit", "Deposit"
    WITHDRAWAL = "withdrawal", "Withdrawal"
    DEPOSIT_RETURN = "deposit_return", "Deposit returned"
    BUY = "buy", "Buy"
    SELL = "sell", "Sell"
    SETTLEMENT = "settlement", "Settlement"
    TRADE_FAILURE = "trade_failure", "Trade failed to settle"
    RESERVATION = "reservation", "Cash reserved"
    RESERVATION_RELEASE = "reservation_release", "Reservation released"
    FEE = "fee", "Fee"
    DIVIDEND = "dividend", "Dividend"
    INTEREST = "interest", "Interest"
    LOAN_DISBURSEMENT = "loan_disbursement", "Loan disbursement"
    LOAN_REPAYMENT = "loan_repayment", "Loan repayment"
    BLOCK = "block", "Cash moved to blocked funds"
    UNBLOCK = "unblock", "Blocked funds released"
    SHORTFALL_COLLECTION = "shortfall_collection", "Shortfall collected"
    REVERSAL = "reversal", "Reversal"


class CashMethod(models.TextChoices):
    ACH = "ach", "ACH"
    WIRE = "wire", "Wire"
    CASH = "cash", "Physical cash"
    INTERNAL = "internal", "Internal"
    CRYPTO = "crypto", "Crypto transfer"


class JournalEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("journal entries are immutable; post a reversing entry instead")

    def delete(self):
        raise TypeError("journal entries are immutable; post a reversing entry instead")


class JournalEntry(models.Model):
    """One movement of cash: postings that sum to zero; immutable once posted.

    `executed_at` is business time (when it happened; in the past for imports), `created_at` when
    it was booked. A trade also carries its security leg (`asset`, signed `quantity`, `price`).
    `cash_delta` is the change of the portfolio's own cash (its customer accounts plus what of it
    is held in blocked funds) and `flow` the external cash flow (deposits, withdrawals, returns,
    loan money) that performance figures treat as money in or out rather than as return.
    """

    kind = models.CharField(max_length=32, choices=EntryKind.choices)
    method = models.CharField(max_length=16, choices=CashMethod.choices, blank=True, default="")
    portfolio = models.ForeignKey(
        Portfolio, null=True, blank=True, on_delete=models.PROTECT, related_name="journal_entries"
    )
    executed_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The caller's reference (e.g. "trading.transaction:42:fill"); unique when given.
    reference = models.CharField(max_length=200, blank=True, default="")
    memo = models.CharField(max_length=300, blank=True, default="")
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversal")
    settles = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="settlement")
    # For entries that settle later (trades, ACH deposits): the settlement date due.
    settlement_date = models.DateField(null=True, blank=True)
    asset = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(null=True, blank=True, **SIGNED_QUANTITY)
    price = QuantityField(null=True, blank=True)
    # Trade value before fees; the amount of a fee, dividend or interest entry.
    gross = MoneyField(null=True, blank=True)
    fee = MoneyField(default=0)
    cash_delta = MoneyField(default=0)
    flow = MoneyField(default=0)

    objects = JournalEntryQuerySet.as_manager()

    class Meta:
        ordering = ["executed_at", "id"]
        verbose_name_plural = "journal entries"
        indexes = [
            models.Index(fields=["portfolio", "executed_at", "id"], name="entry_portfolio_time_idx"),
            models.Index(fields=["kind", "executed_at"], name="entry_kind_time_idx"),
            models.Index(
                fields=["settlement_date"],
                name="entry_settlement_due_idx",
                condition=Q(settlement_date__isnull=False),
            ),
            # the admin's default ordering and filters (its lists of this table)
            models.Index(fields=["-executed_at", "-id"], name="entry_time_idx"),
            models.Index(fields=["method", "-executed_at"], name="entry_method_time_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reference"], condition=~Q(reference=""), name="entry_reference_unique"),
            models.CheckConstraint(
                condition=Q(reverses__isnull=True) | Q(settles__isnull=True), name="entry_reverses_xor_settles"
            ),
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(asset__isnull=False), name="entry_quantity_needs_asset"
            ),
            models.CheckConstraint(condition=Q(quantity__isnull=True) | ~Q(quantity=0), name="entry_quantity_non_zero"),
            models.CheckConstraint(
                condition=Q(fee__gte=0) | Q(kind__in=[EntryKind.REVERSAL, EntryKind.TRADE_FAILURE]),
                name="entry_fee_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"entry {self.pk} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("journal entries are immutable; post a reversing entry instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("journal entries are immutable; post a reversing entry instead")


class PostingQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("postings are immutable")

    def delete(self):
        raise TypeError("postings are immutable")


class Posting(models.Model):
    """One leg of a journal entry: a signed amount into (+) or out of (-) one account."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="postings")
    amount = MoneyField()

    objects = PostingQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["account", "entry"], name="posting_account_entry_idx")]
        constraints = [
            models.UniqueConstraint(fields=["entry", "account"], name="posting_one_leg_per_account"),
            models.CheckConstraint(condition=~Q(amount=0), name="posting_amount_non_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} to account {self.account_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("postings are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("postings are immutable")


# --- positions, tax lots, reservations ------------------------------------------------------------


class Position(models.Model):
    """The quantity of one asset held in a portfolio: the sum of its open tax lots (kept by the
    services under the portfolio's row lock). `quantity_reserved` is held for pending sells."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.PROTECT, related_name="positions")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="positions")
    quantity = QuantityField(default=0)
    quantity_reserved = QuantityField(default=0)
    cost_basis = MoneyField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["portfolio", "asset"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "asset"], name="position_portfolio_asset_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="position_quantity_non_negative"),
            models.CheckConstraint(
                condition=Q(quantity_reserved__gte=0, quantity_reserved__lte=models.F("quantity")),
                name="position_reserved_within_quantity",
            ),
            models.CheckConstraint(condition=Q(cost_basis__gte=0), name="position_cost_basis_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of asset {self.asset_id} in portfolio {self.portfolio_id}"


class Term(models.TextChoices):
    SHORT = "short", "Short-term"
    LONG = "long", "Long-term"


class TaxLot(models.Model):
    """Shares bought together: consumed first-in first-out by sells. `cost` includes the fee."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.PROTECT, related_name="tax_lots")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="+")
    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="tax_lot")
    acquired_at = models.DateTimeField()
    quantity = QuantityField()
    remaining_quantity = QuantityField()
    cost = MoneyField()
    cost_remaining = MoneyField()
    # Set when the buy failed to settle and was reversed: the lot never existed for tax purposes.
    voided_by = models.OneToOneField(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="voided_lot"
    )

    class Meta:
        ordering = ["acquired_at", "id"]
        indexes = [
            models.Index(
                fields=["portfolio", "asset", "acquired_at", "id"],
                name="taxlot_open_fifo_idx",
                condition=Q(remaining_quantity__gt=0),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="taxlot_quantity_positive"),
            models.CheckConstraint(
                condition=Q(remaining_quantity__gte=0, remaining_quantity__lte=models.F("quantity")),
                name="taxlot_remaining_within_quantity",
            ),
            models.CheckConstraint(
                condition=Q(cost_remaining__gte=0, cost_remaining__lte=models.F("cost")),
                name="taxlot_cost_remaining_within_cost",
            ),
            models.CheckConstraint(
                condition=~Q(remaining_quantity=0) | Q(cost_remaining=0), name="taxlot_closed_has_no_cost"
            ),
        ]

    def __str__(self) -> str:
        return f"lot {self.pk}: {self.remaining_quantity}/{self.quantity} of asset {self.asset_id}"


class LotDisposal(models.Model):
    """The part of a tax lot a sell consumed, with its realised gain (what a 1099-B reports)."""

    lot = models.ForeignKey(TaxLot, on_delete=models.PROTECT, related_name="disposals")
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="disposals")
    portfolio = models.ForeignKey(Portfolio, on_delete=models.PROTECT, related_name="+")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="+")
    quantity = QuantityField()
    acquired_at = models.DateTimeField()
    disposed_at = models.DateTimeField()
    proceeds = MoneyField()
    cost_basis = MoneyField()
    gain = MoneyField()
    term = models.CharField(max_length=8, choices=Term.choices)
    # Set when the sell failed to settle and was reversed.
    voided_by = models.ForeignKey(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="voided_disposals"
    )

    class Meta:
        ordering = ["disposed_at", "id"]
        indexes = [models.Index(fields=["portfolio", "disposed_at"], name="disposal_portfolio_time_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="disposal_quantity_positive"),
            # Within half a cent: SQLite compares decimals in floating point.
            models.CheckConstraint(
                condition=Q(
                    gain__gte=models.F("proceeds") - models.F("cost_basis") - HALF_CENT,
                    gain__lte=models.F("proceeds") - models.F("cost_basis") + HALF_CENT,
                ),
                name="disposal_gain_is_difference",
            ),
        ]

    def __str__(self) -> str:
        return f"disposal {self.pk} of lot {self.lot_id}"


class ReservationKind(models.TextChoices):
    CASH = "cash", "Cash"
    QUANTITY = "quantity", "Quantity"


class ReservationStatus(models.TextChoices):
    OPEN = "open", "Open"
    CONSUMED = "consumed", "Consumed"
    RELEASED = "released", "Released"


class Reservation(models.Model):
    """Cash or quantity set aside for a pending order or withdrawal; consumed by its fill or
    released, exactly, on cancel."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.PROTECT, related_name="reservations")
    kind = models.CharField(max_length=16, choices=ReservationKind.choices)
    asset = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    amount = MoneyField(null=True, blank=True)
    quantity = QuantityField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=ReservationStatus.choices, default=ReservationStatus.OPEN)
    reference = models.CharField(max_length=200, blank=True, default="")
    entry = models.ForeignKey(JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closing_entry = models.ForeignKey(JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["portfolio", "status"], name="reservation_portfolio_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reference"], condition=~Q(reference=""), name="reservation_reference_unique"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind=ReservationKind.CASH, amount__gt=0, asset__isnull=True, quantity__isnull=True)
                    | Q(kind=ReservationKind.QUANTITY, quantity__gt=0, asset__isnull=False, amount__isnull=True)
                ),
                name="reservation_kind_fields",
            ),
            models.CheckConstraint(
                condition=Q(status=ReservationStatus.OPEN, closed_at__isnull=True)
                | (~Q(status=ReservationStatus.OPEN) & Q(closed_at__isnull=False)),
                name="reservation_closed_at_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"reservation {self.pk} ({self.kind}, {self.status})"


from .forecasting.models import AssetForecast  # noqa: E402, F401 - the forecasts table belongs to this app
