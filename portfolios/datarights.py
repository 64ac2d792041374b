"""Data rights: the customer's portfolios in their export; what erasure does here; its veto."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum

from .models import AccountKind, JournalEntry, LotDisposal, Portfolio, Position, Posting


def mask_entirely(value: str) -> str:
    """Audit-log masking for free text a customer writes (nothing of it is kept)."""
    return "***" if value else ""


def _s(value: Any) -> str | None:
    return None if value is None else str(value)


def export_portfolios(user) -> dict:
    """The customer's own portfolios: details, cash by state, positions, ledger activity and
    realised gains. Nothing internal (no platform accounts, no postings of other customers)."""
    out = []
    portfolios = Portfolio.objects.filter(owner=user).select_related("benchmark").order_by("pk")
    for portfolio in portfolios:
        balances = {kind: str(balance) for kind, balance in portfolio.accounts.values_list("kind", "balance")}
        out.append(
            {
                "id": portfolio.pk,
                "name": portfolio.name,
                "status": portfolio.status,
                "benchmark": portfolio.benchmark.symbol if portfolio.benchmark else None,
                "created_at": portfolio.created_at.isoformat(),
                "closed_at": portfolio.closed_at.isoformat() if portfolio.closed_at else None,
                "cash": balances,
                "positions": [
                    {"symbol": symbol, "quantity": str(quantity), "cost_basis": str(cost)}
                    for symbol, quantity, cost in Position.objects.filter(portfolio=portfolio, quantity__gt=0)
                    .order_by("asset__symbol")
                    .values_list("asset__symbol", "quantity", "cost_basis")
                ],
                "activity": [
                    {
                        "id": e.pk,
                        "kind": e.kind,
                        "method": e.method,
                        "executed_at": e.executed_at.isoformat(),
                        "asset": e.asset.symbol if e.asset else None,
                        "quantity": _s(e.quantity),
                        "price": _s(e.price),
                        "amount": _s(e.gross),
                        "fee": str(e.fee),
                        "cash_change": str(e.cash_delta),
                    }
                    for e in JournalEntry.objects.filter(portfolio=portfolio)
                    .select_related("asset")
                    .order_by("executed_at", "id")
                ],
                "realized_gains": [
                    {
                        "symbol": d.asset.symbol,
                        "quantity": str(d.quantity),
                        "acquired_at": d.acquired_at.isoformat(),
                        "disposed_at": d.disposed_at.isoformat(),
                        "proceeds": str(d.proceeds),
                        "cost_basis": str(d.cost_basis),
                        "gain": str(d.gain),
                        "term": d.term,
                    }
                    for d in LotDisposal.objects.filter(portfolio=portfolio, voided_by__isnull=True)
                    .select_related("asset")
                    .order_by("disposed_at", "id")
                ],
            }
        )
    return {"portfolios": out}


def erase_portfolios(user) -> None:
    """Portfolio names are replaced by neutral ones; the ledger (trade records kept 6 years,
    no personal data in it) stays."""
    from .services import portfolio_erase_personal_data

    portfolio_erase_personal_data(user=user)


def veto_erasure(user) -> str | None:
    """Blocked property defers an erasure (the reason is internal, never shown to the customer)."""
    held = Posting.objects.filter(
        account__kind=AccountKind.BLOCKED_FUNDS, account__portfolio__isnull=True, entry__portfolio__owner=user
    ).aggregate(total=Sum("amount"))["total"]
    if held and held > 0:
        return "blocked property is held"
    if (
        getattr(user, "restriction", "") == "blocked"
        and Position.objects.filter(portfolio__owner=user, quantity__gt=0).exists()
    ):
        return "blocked securities are held"
    return None
