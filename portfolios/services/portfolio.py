"""Portfolios themselves: open, rename, close (or delete one that never had a ledger entry)."""

from __future__ import annotations

from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from blockguardian.errors import InvalidInput

from ..errors import PortfolioClosed, PortfolioLimitReached, PortfolioNotEmpty
from ..models import (
    CUSTOMER_KINDS,
    Asset,
    LedgerAccount,
    Portfolio,
    PortfolioStatus,
    Position,
    Reservation,
    ReservationStatus,
)
from ._ledger import lock_portfolio, portfolio_blocked_balance


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("a name is required", errors={"name": ["This field may not be blank."]})
    return name[:100]


@transaction.atomic
def portfolio_create(*, owner: Any, name: str, benchmark: Asset | None = None) -> Portfolio:
    """Open a portfolio for `owner` with its customer cash accounts (all at zero).

    Refused with `PortfolioLimitReached` (409) beyond `PORTFOLIOS_MAX_PER_CUSTOMER` open ones.
    The owner's row is locked so two concurrent requests cannot both pass the limit.
    """
    name = _clean_name(name)
    type(owner).objects.select_for_update().filter(pk=owner.pk).exists()
    open_count = Portfolio.objects.filter(owner=owner, status=PortfolioStatus.OPEN).count()
    if open_count >= settings.PORTFOLIOS_MAX_PER_CUSTOMER:
        raise PortfolioLimitReached(f"A customer may hold {settings.PORTFOLIOS_MAX_PER_CUSTOMER} open portfolios.")
    portfolio = Portfolio.objects.create(owner=owner, name=name, benchmark=benchmark)
    LedgerAccount.objects.bulk_create([LedgerAccount(portfolio=portfolio, kind=kind) for kind in CUSTOMER_KINDS])
    return portfolio


@transaction.atomic
def portfolio_update(*, portfolio: Portfolio, name: str, benchmark: Asset | None) -> Portfolio:
    """Rename a portfolio or change its benchmark; a closed portfolio is read-only (409)."""
    name = _clean_name(name)
    locked = lock_portfolio(portfolio)
    if not locked.is_open:
        raise PortfolioClosed()
    locked.name = name
    locked.benchmark = benchmark
    locked.save(update_fields=["name", "benchmark", "updated_at"])
    return locked


@transaction.atomic
def portfolio_close(*, portfolio: Portfolio) -> Literal["closed", "deleted"]:
    """Close a portfolio that holds nothing: no cash in any of its accounts (settled, reserved,
    unsettled, owed, blocked), no position, no open reservation (`PortfolioNotEmpty`, 409,
    otherwise). One that never had a ledger entry is deleted instead ("deleted"); any other is
    kept, read-only, as "closed" (its history is a record). Closing a closed one is 409."""
    locked = lock_portfolio(portfolio)
    if not locked.is_open:
        raise PortfolioClosed()
    has_cash = LedgerAccount.objects.filter(portfolio=locked).filter(~Q(balance=0)).exists()
    has_positions = Position.objects.filter(portfolio=locked, quantity__gt=0).exists()
    has_reservations = Reservation.objects.filter(portfolio=locked, status=ReservationStatus.OPEN).exists()
    if has_cash or has_positions or has_reservations or portfolio_blocked_balance(portfolio=locked) != 0:
        raise PortfolioNotEmpty()
    if locked.ledger_seq == 0 and not Position.objects.filter(portfolio=locked).exists():
        LedgerAccount.objects.filter(portfolio=locked).delete()
        Reservation.objects.filter(portfolio=locked).delete()
        locked.delete()
        return "deleted"
    locked.status = PortfolioStatus.CLOSED
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "closed_at", "updated_at"])
    return "closed"


@transaction.atomic
def portfolio_erase_personal_data(*, user: Any) -> int:
    """Data-rights erasure: a portfolio's name is the only free text a customer gives here; it is
    replaced by a neutral one. Ledger records stay (they hold no personal data)."""
    changed = 0
    for portfolio in Portfolio.objects.select_for_update().filter(owner=user).order_by("pk"):
        portfolio.name = f"Portfolio {portfolio.pk}"
        portfolio.save(update_fields=["name", "updated_at"])
        changed += 1
    return changed
