"""Property: any sequence of deposits, withdrawals, buys, sells, settlements, reservations,
returns, fees and restriction changes keeps every ledger invariant, never lets a customer's cash
go negative, and a refused operation changes nothing at all."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Restriction
from accounts.tests.factories import UserFactory
from blockguardian.errors import ApplicationError
from portfolios import services
from portfolios.models import (
    NON_NEGATIVE_KINDS,
    AccountKind,
    EntryKind,
    JournalEntry,
    LedgerAccount,
    LotDisposal,
    Position,
    Posting,
    Reservation,
    TaxLot,
)
from portfolios.tests.factories import AssetFactory, CryptoAssetFactory
from portfolios.verification import ledger_problems

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("PORTFOLIOS_PROPERTY_EXAMPLES", "30"))

cents = st.integers(min_value=1, max_value=500_000).map(lambda c: Decimal(c) / 100)
prices = st.sampled_from(["0.5", "9.99", "100", "123.45", "250.125"])
operation = st.one_of(
    st.tuples(st.just("deposit"), st.sampled_from(["ach", "wire", "cash"]), cents),
    st.tuples(st.just("withdraw"), cents),
    st.tuples(st.just("buy"), st.integers(0, 1), st.integers(1, 20), prices, st.sampled_from(["0", "1.00"])),
    st.tuples(st.just("sell"), st.integers(0, 1), st.integers(1, 10), prices, st.sampled_from(["0", "1.00"])),
    st.tuples(st.just("settle"), st.integers(0, 5)),
    st.tuples(st.just("fail"), st.integers(0, 5)),
    st.tuples(st.just("return"), st.integers(0, 3)),
    st.tuples(st.just("reserve"), cents),
    st.tuples(st.just("release"), st.integers(0, 3)),
    st.tuples(st.just("buy_reserved"), st.integers(0, 3), st.integers(1, 40), prices),
    st.tuples(st.just("fee"), cents),
    st.tuples(st.just("restrict"), st.sampled_from([Restriction.NONE, Restriction.FROZEN, Restriction.REVIEW])),
)


def snapshot(portfolio) -> tuple:
    """Everything a ledger operation can change."""
    return (
        tuple(LedgerAccount.objects.order_by("id").values_list("id", "balance")),
        JournalEntry.objects.count(),
        Posting.objects.count(),
        tuple(Position.objects.order_by("id").values_list("id", "quantity", "quantity_reserved", "cost_basis")),
        tuple(TaxLot.objects.order_by("id").values_list("id", "remaining_quantity", "cost_remaining", "voided_by")),
        LotDisposal.objects.count(),
        tuple(Reservation.objects.order_by("id").values_list("id", "status")),
    )


def pick(queryset, index: int):
    rows = list(queryset.order_by("id"))
    return rows[index % len(rows)] if rows else None


def apply(op: tuple, portfolio, assets, user) -> None:
    kind = op[0]
    if kind == "deposit":
        services.cash_deposit(portfolio=portfolio, amount=op[2], method=op[1])
    elif kind == "withdraw":
        services.cash_withdraw(portfolio=portfolio, amount=op[1], method="ach")
    elif kind == "buy":
        services.trade_buy(portfolio=portfolio, asset=assets[op[1]], quantity=op[2], price=op[3], fee=op[4])
    elif kind == "sell":
        services.trade_sell(portfolio=portfolio, asset=assets[op[1]], quantity=op[2], price=op[3], fee=op[4])
    elif kind in ("settle", "fail"):
        kinds = [EntryKind.BUY, EntryKind.SELL] + ([EntryKind.DEPOSIT] if kind == "settle" else [])
        entry = pick(JournalEntry.objects.filter(kind__in=kinds), op[1])
        if entry is not None:
            (services.entry_settle if kind == "settle" else services.trade_fail)(entry=entry)
    elif kind == "return":
        entry = pick(JournalEntry.objects.filter(kind=EntryKind.DEPOSIT), op[1])
        if entry is not None:
            services.deposit_return(deposit=entry, return_code="R01")
    elif kind == "reserve":
        services.cash_reserve(portfolio=portfolio, amount=op[1])
    elif kind == "release":
        held = pick(Reservation.objects.all(), op[1])
        if held is not None:
            services.reservation_release(reservation=held)
    elif kind == "buy_reserved":
        held = pick(Reservation.objects.all(), op[1])
        if held is not None:
            services.trade_buy(portfolio=portfolio, asset=assets[0], quantity=op[2], price=op[3], reservation=held)
    elif kind == "fee":
        services.fee_charge(portfolio=portfolio, amount=op[1])
    elif kind == "restrict":
        type(user).objects.filter(pk=user.pk).update(restriction=op[1])


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, min_size=1, max_size=20))
def test_random_operations_keep_the_ledger_sound(operations):
    with transaction.atomic():
        user = UserFactory()
        portfolio = services.portfolio_create(owner=user, name="fuzzed")
        assets = [AssetFactory(symbol="PROP"), CryptoAssetFactory(symbol="PROP-USD")]
        # Start with settled cash, so that most buys (and then sells) go through.
        services.cash_deposit(portfolio=portfolio, amount="60000.00", method="wire")
        refused = 0
        for op in operations:
            before = snapshot(portfolio)
            try:
                apply(op, portfolio, assets, user)
            except ApplicationError:
                refused += 1
                assert snapshot(portfolio) == before, f"refused {op} but the ledger changed"
            negative = LedgerAccount.objects.filter(kind__in=NON_NEGATIVE_KINDS, balance__lt=0)
            assert not negative.exists(), f"cash went negative after {op}"
            assert not LedgerAccount.objects.filter(kind=AccountKind.OWED, balance__gt=0).exists()
        problems = ledger_problems()
        assert problems == [], [str(p) for p in problems]
        transaction.set_rollback(True)
