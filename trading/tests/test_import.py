"""manage.py import_transactions."""

import csv
import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from accounts.tests.factories import CustomerProfileFactory
from portfolios import selectors as ledger_selectors
from portfolios.models import Portfolio, Position
from portfolios.verification import ledger_problems
from trading.models import BranchCashTransaction, Status, Transaction
from trading.services.imports import IMPORT_COLUMNS as COLUMNS
from trading.tests.factories import funded_portfolio

pytestmark = pytest.mark.django_db


def write(path, rows):
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in COLUMNS})


def test_import_books_rows_in_time_order_idempotently_and_reports_rejections(tmp_path, customer, stock):
    CustomerProfileFactory(user=customer, external_id="L-1")
    portfolio = funded_portfolio(customer)
    base = {"customer_external_id": "L-1", "portfolio": str(portfolio.pk)}
    rows = [
        # Out of order in the file: the buy needs the wire deposit booked first.
        {
            **base,
            "external_id": "T2",
            "type": "buy",
            "asset": "ACME",
            "quantity": "5",
            "price": "90",
            "fee": "1.00",
            "executed_at": "2025-06-03T11:00:00-04:00",
        },
        {
            **base,
            "external_id": "T1",
            "type": "deposit",
            "method": "wire",
            "amount": "1000.00",
            "executed_at": "2025-06-02T10:00:00-04:00",
        },
        {
            **base,
            "external_id": "T3",
            "type": "deposit",
            "method": "cash",
            "amount": "9000.00",
            "branch": "Main St",
            "conductor_name": "Avery Jordan",
            "conductor_id_type": "drivers_license",
            "conductor_id_number": "D1",
            "conductor_identity_verified": "true",
            "executed_at": "2025-06-07T10:00:00-04:00",
        },
        {
            **base,
            "external_id": "T4",
            "type": "withdrawal",
            "method": "ach",
            "amount": "99999.00",
            "executed_at": "2025-06-08T10:00:00-04:00",
        },
        {
            **base,
            "external_id": "T5",
            "type": "deposit",
            "method": "ach",
            "amount": "10.00",
            "executed_at": "2099-01-01T10:00:00-04:00",
        },
        {
            **base,
            "external_id": "T6",
            "customer_external_id": "NOPE",
            "type": "fee",
            "amount": "1.00",
            "executed_at": "2025-06-08T10:00:00-04:00",
        },
    ]
    source = tmp_path / "activity.csv"
    write(source, rows)

    call_command("import_transactions", str(source), "--batch", "4", "--no-progress")

    imported = {t.reference: t for t in Transaction.objects.filter(portfolio=portfolio)}
    assert set(imported) == {"import:T1", "import:T2", "import:T3"}
    buy = imported["import:T2"]
    assert buy.status == Status.SETTLED and buy.executed_at == dt.datetime(2025, 6, 3, 15, 0, tzinfo=dt.UTC)
    assert Position.objects.get(portfolio=portfolio, asset=stock).quantity == 5
    cash = BranchCashTransaction.objects.get(transaction=imported["import:T3"])
    assert cash.ctr_business_day == dt.date(2025, 6, 9)  # a Saturday counts toward Monday
    assert ledger_selectors.cash_balances(portfolio=portfolio).available == Decimal("9549.00")
    with (tmp_path / "activity.rejected.csv").open() as fh:
        rejected = {r["external_id"]: r["reason"] for r in csv.DictReader(fh)}
    assert set(rejected) == {"T4", "T5", "T6"}
    assert "past" in rejected["T5"] and "customer" in rejected["T6"]
    assert ledger_problems() == []

    call_command("import_transactions", str(source), "--no-progress")
    assert Transaction.objects.filter(portfolio=portfolio).count() == 3


def _trade_row(portfolio, **overrides) -> dict:
    return {
        "external_id": "F1",
        "customer_external_id": "L-1",
        "portfolio": str(portfolio.pk),
        "type": "buy",
        "asset": "ACME",
        "quantity": "1",
        "price": "90",
        "executed_at": "2025-06-03T11:00:00-04:00",
        **overrides,
    }


def _parse(customer, stock, row):
    from django.utils import timezone

    from trading.services.imports import parse_row

    portfolio = Portfolio.objects.get(pk=row["portfolio"])
    return parse_row(
        row, users={"L-1": customer}, portfolios={portfolio.pk: portfolio}, assets={"ACME": stock}, now=timezone.now()
    )


def test_a_trade_without_a_fee_may_say_zero(customer, stock):
    row = _trade_row(funded_portfolio(customer), fee="0")

    assert _parse(customer, stock, row)["fee"] == Decimal("0")


@pytest.mark.parametrize(("field", "value"), [("fee", "-1.00"), ("quantity", "0"), ("price", "0")])
def test_a_negative_fee_or_a_zero_quantity_or_price_is_rejected(customer, stock, field, value):
    from trading.services.imports import RowRejected

    row = _trade_row(funded_portfolio(customer), **{field: value})

    with pytest.raises(RowRejected, match=field):
        _parse(customer, stock, row)
