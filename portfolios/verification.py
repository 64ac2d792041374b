"""The ledger's invariants, checked over the whole database (`manage.py verify_ledger`).

Each check is one aggregate query; a check lists what breaks it (entries, accounts, positions),
so a clean ledger costs a dozen queries whatever its size.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Abs, Coalesce

from blockguardian.money import ZERO

from .models import (
    CUSTOMER_KINDS,
    NON_NEGATIVE_KINDS,
    AccountKind,
    EntryKind,
    JournalEntry,
    LedgerAccount,
    LotDisposal,
    Position,
    Posting,
    Reservation,
    ReservationKind,
    ReservationStatus,
    TaxLot,
)

K = AccountKind
# SQLite sums decimals in floating point: differences smaller than half the last place are
# rounding noise there (on PostgreSQL sums are exact and every real difference is a whole cent or
# a whole 1e-8 unit).
MONEY_TOLERANCE = Decimal("0.005")
QUANTITY_TOLERANCE = Decimal("0.000000005")
_MONEY = DecimalField(max_digits=24, decimal_places=2)
_QTY = DecimalField(max_digits=32, decimal_places=8)
# Crypto moved in or out of a portfolio (`portfolios.services.crypto`): no postings, a security leg.
_CRYPTO_TRANSFER = Q(method="crypto", kind__in=[EntryKind.DEPOSIT, EntryKind.WITHDRAWAL])


@dataclass(frozen=True)
class Problem:
    check: str
    subject: str  # "entry 12", "account 4", "position 7"
    detail: str

    def __str__(self) -> str:
        return f"{self.check}: {self.subject}: {self.detail}"


def _agg(model, group: str, field: str, output=_MONEY, **filters):
    """A correlated subquery: SUM(field) of `model` rows whose `group` is the outer row."""
    rows = (
        model.objects.filter(**{group: OuterRef("pk")}, **filters)
        .order_by()
        .values(group)
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=output), Value(0, output_field=output), output_field=output)


def _mismatched(queryset, pairs):
    """Rows of `queryset` where any (field, expression, tolerance) pair differs."""
    condition = Q()
    annotations = {}
    for index, (a, b, tolerance) in enumerate(pairs):
        field = _QTY if tolerance == QUANTITY_TOLERANCE else _MONEY
        expression = F(b) if isinstance(b, str) else b
        name = f"_diff{index}"
        annotations[name] = Abs(ExpressionWrapper(F(a) - expression, output_field=field))
        condition |= Q(**{f"{name}__gt": tolerance})
    return queryset.annotate(**annotations).filter(condition)


def _same(a, b, tolerance: Decimal = MONEY_TOLERANCE) -> bool:
    return abs(Decimal(str(a or 0)) - Decimal(str(b or 0))) <= tolerance


def ledger_problems(*, limit: int = 1000) -> list[Problem]:
    problems: list[Problem] = []

    def add(check: str, rows) -> None:
        for subject, detail in rows[: max(0, limit - len(problems))]:
            problems.append(Problem(check, subject, detail))

    # 1. Every entry's postings sum to zero, and it has at least two.
    unbalanced = (
        Posting.objects.order_by()
        .values("entry_id")
        .annotate(total=Sum("amount"), legs=Count("id"))
        .annotate(off=Abs("total"))
        .filter(Q(off__gt=MONEY_TOLERANCE) | Q(legs__lt=2))
    )
    add(
        "entry_unbalanced",
        [(f"entry {r['entry_id']}", f"postings sum to {r['total']} over {r['legs']} legs") for r in unbalanced],
    )
    add(
        "entry_without_postings",
        [
            (f"entry {pk}", "has no postings")
            for pk in JournalEntry.objects.filter(postings__isnull=True)
            .exclude(_CRYPTO_TRANSFER & Q(asset__isnull=False, quantity__isnull=False, cash_delta=0))
            .values_list("pk", flat=True)
        ],
    )
    # A crypto transfer moves no cash: it has no postings.
    add(
        "crypto_transfer_with_postings",
        [
            (f"entry {pk}", "a crypto transfer posts cash")
            for pk in JournalEntry.objects.filter(_CRYPTO_TRANSFER, postings__isnull=False)
            .distinct()
            .values_list("pk", flat=True)
        ],
    )

    # 2. Customer balances equal the sum of their postings; cash never negative, owed never positive.
    accounts = LedgerAccount.objects.filter(portfolio__isnull=False).annotate(posted=_agg(Posting, "account", "amount"))
    add(
        "balance_mismatch",
        [
            (f"account {a.pk}", f"{a.kind} balance {a.balance} but postings sum to {a.posted}")
            for a in _mismatched(accounts, [("balance", "posted", MONEY_TOLERANCE)])
        ],
    )
    add(
        "cash_negative",
        [
            (f"account {a.pk}", f"{a.kind} of portfolio {a.portfolio_id} is {a.balance}")
            for a in LedgerAccount.objects.filter(kind__in=NON_NEGATIVE_KINDS, balance__lt=0)
        ],
    )
    add(
        "owed_positive",
        [
            (f"account {a.pk}", f"owed balance {a.balance}")
            for a in LedgerAccount.objects.filter(kind=K.OWED, balance__gt=0)
        ],
    )
    add(
        "platform_balance_kept",
        [
            (f"account {a.pk}", f"{a.kind} keeps {a.balance}")
            for a in LedgerAccount.objects.filter(portfolio__isnull=True).exclude(balance=0)
        ],
    )

    # 3. Postings to a portfolio's accounts belong to that portfolio's entries.
    stray = Posting.objects.filter(account__portfolio__isnull=False).exclude(entry__portfolio=F("account__portfolio"))
    add(
        "posting_wrong_portfolio",
        [
            (f"entry {p.entry_id}", f"posts to account {p.account_id} of another portfolio")
            for p in stray.only("entry_id", "account_id")
        ],
    )

    # 4. An entry's cash_delta is what it moved in its portfolio's accounts and blocked funds.
    own = (
        Posting.objects.filter(entry=OuterRef("pk"))
        .filter(Q(account__kind__in=CUSTOMER_KINDS) | Q(account__kind=K.BLOCKED_FUNDS))
        .order_by()
        .values("entry")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    entries = JournalEntry.objects.annotate(
        moved=Coalesce(Subquery(own, output_field=_MONEY), Value(ZERO, output_field=_MONEY))
    )
    add(
        "cash_delta_mismatch",
        [
            (f"entry {e.pk}", f"cash_delta {e.cash_delta} but moved {e.moved}")
            for e in _mismatched(entries, [("cash_delta", "moved", MONEY_TOLERANCE)])
        ],
    )

    # 5. Positions: quantity = open lots = the security legs of the ledger; cost basis = open lots;
    #    reserved quantity = open quantity reservations.
    legs = (
        JournalEntry.objects.filter(portfolio=OuterRef("portfolio"), asset=OuterRef("asset"), quantity__isnull=False)
        .order_by()
        .values("portfolio", "asset")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    lots = (
        TaxLot.objects.filter(portfolio=OuterRef("portfolio"), asset=OuterRef("asset"))
        .order_by()
        .values("portfolio", "asset")
        .annotate(q=Sum("remaining_quantity"), c=Sum("cost_remaining"))
    )
    reserved = (
        Reservation.objects.filter(
            portfolio=OuterRef("portfolio"),
            asset=OuterRef("asset"),
            kind=ReservationKind.QUANTITY,
            status=ReservationStatus.OPEN,
        )
        .order_by()
        .values("portfolio", "asset")
        .annotate(q=Sum("quantity"))
        .values("q")
    )
    positions = Position.objects.annotate(
        legs=Coalesce(Subquery(legs, output_field=_QTY), Value(0, output_field=_QTY)),
        lot_quantity=Coalesce(Subquery(lots.values("q"), output_field=_QTY), Value(0, output_field=_QTY)),
        lot_cost=Coalesce(Subquery(lots.values("c"), output_field=_MONEY), Value(0, output_field=_MONEY)),
        held=Coalesce(Subquery(reserved, output_field=_QTY), Value(0, output_field=_QTY)),
    )
    add(
        "position_mismatch",
        [
            (
                f"position {p.pk}",
                f"quantity {p.quantity}, ledger legs {p.legs}, open lots {p.lot_quantity}; cost basis {p.cost_basis}, "
                f"open lots cost {p.lot_cost}; reserved {p.quantity_reserved}, open reservations {p.held}",
            )
            for p in _mismatched(
                positions,
                [
                    ("quantity", "legs", QUANTITY_TOLERANCE),
                    ("quantity", "lot_quantity", QUANTITY_TOLERANCE),
                    ("cost_basis", "lot_cost", MONEY_TOLERANCE),
                    ("quantity_reserved", "held", QUANTITY_TOLERANCE),
                ],
            )
        ],
    )

    # 6. Lots: remaining = quantity - what live disposals took (voided lots are empty). Where
    #    crypto was transferred out, the transfers took the rest: per lot remaining is at most that,
    #    and per portfolio and asset the lots lack exactly what the transfers out moved.
    transferred_out = JournalEntry.objects.filter(_CRYPTO_TRANSFER, kind=EntryKind.WITHDRAWAL)
    had_transfers = Exists(transferred_out.filter(portfolio=OuterRef("portfolio"), asset=OuterRef("asset")).order_by())
    lot_rows = TaxLot.objects.annotate(
        taken=_agg(LotDisposal, "lot", "quantity", _QTY, voided_by__isnull=True),
        cost_taken=_agg(LotDisposal, "lot", "cost_basis", _MONEY, voided_by__isnull=True),
    )
    transfer_lots = lot_rows.annotate(had=had_transfers).filter(voided_by__isnull=True, had=True)
    add(
        "lot_mismatch",
        [
            (f"lot {lot.pk}", f"quantity {lot.quantity}, remaining {lot.remaining_quantity}, disposed {lot.taken}")
            for lot in transfer_lots.filter(
                Q(remaining_quantity__gt=F("quantity") - F("taken")) | Q(cost_remaining__gt=F("cost") - F("cost_taken"))
            )
        ],
    )
    sent = (
        transferred_out.filter(portfolio=OuterRef("portfolio"), asset=OuterRef("asset"))
        .order_by()
        .values("portfolio", "asset")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    lot_gaps = (
        lot_rows.filter(voided_by__isnull=True)
        .order_by()
        .values("portfolio", "asset")
        .annotate(
            gap=Sum(F("quantity") - F("taken") - F("remaining_quantity"), output_field=_QTY),
            sent=Coalesce(Subquery(sent, output_field=_QTY), Value(0, output_field=_QTY)),
        )
        .annotate(off=Abs(ExpressionWrapper(F("gap") + F("sent"), output_field=_QTY)))
        .filter(off__gt=QUANTITY_TOLERANCE)
    )
    add(
        "transfer_lots_mismatch",
        [
            (
                f"portfolio {r['portfolio']} asset {r['asset']}",
                f"lots lack {r['gap']} beyond disposals, transfers out moved {-r['sent']}",
            )
            for r in lot_gaps
        ],
    )
    add(
        "lot_mismatch",
        [
            (f"lot {lot.pk}", f"quantity {lot.quantity}, remaining {lot.remaining_quantity}, disposed {lot.taken}")
            for lot in _mismatched(
                lot_rows.annotate(had=had_transfers).filter(voided_by__isnull=True, had=False),
                [
                    (
                        "remaining_quantity",
                        ExpressionWrapper(F("quantity") - F("taken"), output_field=_QTY),
                        QUANTITY_TOLERANCE,
                    ),
                    (
                        "cost_remaining",
                        ExpressionWrapper(F("cost") - F("cost_taken"), output_field=_MONEY),
                        MONEY_TOLERANCE,
                    ),
                ],
            )
        ],
    )
    add(
        "voided_lot_open",
        [
            (f"lot {pk}", "voided but not empty")
            for pk in TaxLot.objects.filter(voided_by__isnull=False, remaining_quantity__gt=0).values_list(
                "pk", flat=True
            )
        ],
    )

    # 7. A sell's disposals add up to its quantity and its net proceeds.
    sells = JournalEntry.objects.filter(kind=EntryKind.SELL).annotate(
        disposed=_agg(LotDisposal, "entry", "quantity", _QTY),
        proceeds=_agg(LotDisposal, "entry", "proceeds", _MONEY),
    )
    add(
        "sell_disposals_mismatch",
        [
            (
                f"entry {e.pk}",
                f"sold {-e.quantity}, disposals {e.disposed}; net {e.gross - e.fee}, allocated {e.proceeds}",
            )
            for e in _mismatched(
                sells,
                [
                    ("disposed", ExpressionWrapper(-F("quantity"), output_field=_QTY), QUANTITY_TOLERANCE),
                    ("proceeds", ExpressionWrapper(F("gross") - F("fee"), output_field=_MONEY), MONEY_TOLERANCE),
                ],
            )
        ],
    )

    # 8. Reserved cash = open cash reservations.
    reserved_accounts = LedgerAccount.objects.filter(kind=K.RESERVED).annotate(
        open_amount=Coalesce(
            Subquery(
                Reservation.objects.filter(
                    portfolio=OuterRef("portfolio"), kind=ReservationKind.CASH, status=ReservationStatus.OPEN
                )
                .order_by()
                .values("portfolio")
                .annotate(total=Sum("amount"))
                .values("total"),
                output_field=_MONEY,
            ),
            Value(0, output_field=_MONEY),
        )
    )
    add(
        "reserved_mismatch",
        [
            (f"account {a.pk}", f"reserved {a.balance} but open reservations hold {a.open_amount}")
            for a in _mismatched(reserved_accounts, [("balance", "open_amount", MONEY_TOLERANCE)])
        ],
    )

    # 9. Unsettled cash = unsettled ACH deposits + net proceeds of unsettled sells, per portfolio;
    #    the clearing account = unsettled buys - unsettled sells (gross).
    open_items = JournalEntry.objects.filter(
        kind__in=[EntryKind.DEPOSIT, EntryKind.SELL],
        settlement_date__isnull=False,
        settlement__isnull=True,
        reversal__isnull=True,
    )
    expected_unsettled = (
        open_items.filter(portfolio=OuterRef("portfolio"))
        .order_by()
        .values("portfolio")
        .annotate(total=Sum(F("gross") - F("fee"), output_field=_MONEY))
        .values("total")
    )
    unsettled_accounts = LedgerAccount.objects.filter(kind=K.UNSETTLED).annotate(
        expected=Coalesce(Subquery(expected_unsettled, output_field=_MONEY), Value(0, output_field=_MONEY))
    )
    add(
        "unsettled_mismatch",
        [
            (f"account {a.pk}", f"unsettled {a.balance} but open deposits and sales total {a.expected}")
            for a in _mismatched(unsettled_accounts, [("balance", "expected", MONEY_TOLERANCE)])
        ],
    )
    clearing = (
        Posting.objects.filter(account__kind=K.UNSETTLED_TRADES, account__portfolio__isnull=True).aggregate(
            total=Sum("amount")
        )["total"]
        or ZERO
    )
    open_trades = JournalEntry.objects.filter(
        kind__in=[EntryKind.BUY, EntryKind.SELL], settlement__isnull=True, reversal__isnull=True
    ).aggregate(
        buys=Sum("gross", filter=Q(kind=EntryKind.BUY)),
        sells=Sum("gross", filter=Q(kind=EntryKind.SELL)),
    )
    expected_clearing = (open_trades["buys"] or ZERO) - (open_trades["sells"] or ZERO)
    if not _same(clearing, expected_clearing):
        add("clearing_mismatch", [("account unsettled_trades", f"balance {clearing}, open trades {expected_clearing}")])

    # 10. Blocked funds held for each portfolio are never negative.
    held = (
        Posting.objects.filter(account__kind=K.BLOCKED_FUNDS, account__portfolio__isnull=True)
        .order_by()
        .values("entry__portfolio")
        .annotate(total=Sum("amount"))
        .filter(total__lt=-MONEY_TOLERANCE)
    )
    add("blocked_negative", [(f"portfolio {r['entry__portfolio']}", f"blocked funds {r['total']}") for r in held])

    # 11. Settlements and reversals point at entries of their kind, at most once (the one-to-one
    #     keys enforce "once"); an entry is not both reversed and then settled.
    settled_after_reversal = JournalEntry.objects.filter(
        kind=EntryKind.SETTLEMENT, settles__reversal__isnull=False, settles__reversal__id__lt=F("id")
    )
    add(
        "settled_after_reversal",
        [
            (f"entry {pk}", "settles an entry reversed before it")
            for pk in settled_after_reversal.values_list("pk", flat=True)
        ],
    )
    return problems
