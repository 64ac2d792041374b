"""Data the fault tests need, written into their own database (through `control.py`).

Returns the customers (id, email, password, access token, portfolio id), the asset's symbol and,
with `--ctr-customers`, how many branch cash transactions were recorded for the CTR day.
"""

from __future__ import annotations

import argparse
import datetime as dt
from decimal import Decimal

# The CTR business day of the branch cash `--ctr-customers` records (a Monday; the Saturday before
# counts toward it).
CTR_DAY = dt.date(2026, 11, 16)


def populate(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=4)
    parser.add_argument("--chain-mismatches", type=int, default=0)
    parser.add_argument("--ctr-customers", type=int, default=0)
    args = parser.parse_args(argv)

    from django.utils import timezone

    from accounts.models import KycRecord, KycStatus
    from accounts.services import token_pair_issue
    from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
    from compliance.models import ChainMismatchEvent
    from portfolios import services as ledger
    from portfolios.tests.factories import CryptoAssetFactory

    asset = CryptoAssetFactory(symbol="FAULT-USD", name="Fault coin", quantity_places=4)
    price_at = timezone.now() - dt.timedelta(minutes=5)
    ledger.prices_load(
        records=[
            {
                "symbol": asset.symbol,
                "timestamp": price_at.isoformat(),
                **dict.fromkeys(("open", "high", "low", "close"), "10"),
            }
        ],
        source="faults",
        tag="faults",
    )
    customers = []
    for n in range(args.customers):
        user = UserFactory(email=f"fault{n}@example.com")
        KycRecord.objects.create(
            user=user, status=KycStatus.VERIFIED, legal_first_name="Fault", legal_last_name="Tester"
        )
        portfolio = ledger.portfolio_create(owner=user, name="faults")
        ledger.cash_deposit(portfolio=portfolio, amount=Decimal("1000000.00"), method="wire")
        customers.append(
            {
                "id": str(user.pk),
                "email": user.email,
                "password": DEFAULT_PASSWORD,
                "token": token_pair_issue(user=user).access,
                "portfolio": portfolio.pk,
            }
        )
    ChainMismatchEvent.objects.bulk_create(
        ChainMismatchEvent(record_kind="score", record_id=f"fault-{n}", reason="root_mismatch", batch_id=f"b{n // 100}")
        for n in range(args.chain_mismatches)
    )
    cash = _branch_cash(args.ctr_customers) if args.ctr_customers else 0
    return {"customers": customers, "asset": asset.symbol, "branch_cash": cash}


def _branch_cash(count: int) -> int:
    """Branch cash of `count` customers on `CTR_DAY`, through trading's service as operations
    record it: each customer's cash in is over the CTR threshold only together (two counter visits,
    one of them on the Saturday before); three customers in four also take more than the threshold
    out (paid partly from a wire deposit, which is not physical cash); every fifth customer's cash in
    stays exactly at the threshold (no CTR for it)."""
    from accounts.tests.factories import UserFactory
    from portfolios import services as ledger
    from trading.services.transfers import branch_cash_record

    monday = dt.datetime.combine(CTR_DAY, dt.time(15, 0), tzinfo=dt.UTC)
    saturday = monday - dt.timedelta(days=2)
    recorded = 0
    for n in range(count):
        user = UserFactory(email=f"cash{n}@example.com")
        portfolio = ledger.portfolio_create(owner=user, name="branch")
        ledger.cash_deposit(portfolio=portfolio, amount=Decimal("20000.00"), method="wire", executed_at=monday)
        conductor = {
            "name": f"Cash Customer{n}",
            "date_of_birth": dt.date(1980, 1, 1) + dt.timedelta(days=n),
            "address": f"{n} Main Street, Albany NY",
            "id_type": "drivers_license",
            "id_number": f"D{n:08d}",
            "id_issuer": "NY",
            "identity_verified": True,
        }
        at_threshold = n % 5 == 4
        visits = [
            ("in", Decimal("6000.00"), saturday + dt.timedelta(seconds=n)),
            ("in", Decimal("4000.00") if at_threshold else Decimal("4000.01"), monday + dt.timedelta(seconds=n)),
        ]
        if n % 4 != 3:
            visits.append(("out", Decimal("10000.50"), monday + dt.timedelta(hours=1, seconds=n)))
        for direction, amount, moment in visits:
            branch_cash_record(
                acting_user=None,
                portfolio=portfolio,
                direction=direction,
                amount=amount,
                branch="Albany",
                conductor=conductor,
                occurred_at=moment,
            )
            recorded += 1
    return recorded
