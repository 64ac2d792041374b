"""Data the fault tests need, written into their own database (through `control.py`).

Returns the customers (id, email, password, access token, portfolio id) and the asset's symbol.
"""

from __future__ import annotations

import argparse
import datetime as dt
from decimal import Decimal


def populate(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=4)
    parser.add_argument("--chain-mismatches", type=int, default=0)
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
    return {"customers": customers, "asset": asset.symbol}
