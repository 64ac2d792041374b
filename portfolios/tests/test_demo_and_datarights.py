"""The demo loader (idempotent, through the services) and the data-rights hooks."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.demo import DEMO_CUSTOMER_EMAIL
from accounts.models import Restriction
from accounts.tests.factories import UserFactory
from blockguardian import datarights
from portfolios import services
from portfolios.catalogue import CATALOGUE
from portfolios.data.generate_prices import generate, write_csv
from portfolios.demo import DEMO_ALLOCATION, load_demo_portfolios
from portfolios.models import Asset, JournalEntry, Portfolio, Price
from portfolios.verification import ledger_problems

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_price_file(tmp_path, settings):
    symbols = {symbol for symbol, _ in DEMO_ALLOCATION}
    end = timezone.now().date() - dt.timedelta(days=3)
    prices = generate(catalogue=[a for a in CATALOGUE if a.symbol in symbols], end=end, years=1)
    path = tmp_path / "prices.csv.gz"
    write_csv(prices, path)
    settings.PORTFOLIOS_DEMO_PRICES_FILE = str(path)
    return path


def test_the_generator_is_deterministic_and_realistic():
    first = generate(catalogue=CATALOGUE[:3], end=dt.date(2026, 11, 20), years=1)
    second = generate(catalogue=CATALOGUE[:3], end=dt.date(2026, 11, 20), years=1)
    assert first.equals(second)
    aapl = first[first.symbol == "AAPL"]
    assert aapl.close.iloc[-1] == pytest.approx(CATALOGUE[0].price)
    assert (aapl.low <= aapl[["open", "close"]].min(axis=1)).all()
    assert (aapl.high >= aapl[["open", "close"]].max(axis=1)).all()
    assert 240 <= len(aapl) <= 260  # NYSE sessions in a year


def test_the_demo_loader_builds_a_portfolio_once(small_price_file):
    customer = UserFactory(email=DEMO_CUSTOMER_EMAIL)

    lines = load_demo_portfolios()

    portfolio = Portfolio.objects.get(owner=customer)
    assert Asset.objects.count() >= 30
    assert Price.objects.exists()
    assert portfolio.positions.filter(quantity__gt=0).count() >= 5
    assert any(f"portfolio {portfolio.pk}" in line for line in lines)
    assert ledger_problems() == []
    entries = JournalEntry.objects.count()

    load_demo_portfolios()

    assert Portfolio.objects.filter(owner=customer).count() == 1
    assert JournalEntry.objects.count() == entries


def test_the_catalogue_covers_the_four_classes():
    classes = {a.asset_class for a in CATALOGUE}
    assert classes == {"stock", "etf", "crypto", "commodity"}
    assert len(CATALOGUE) >= 30


def test_the_export_holds_the_customers_own_portfolios(user, stock):
    portfolio = services.portfolio_create(owner=user, name="Retirement")
    services.cash_deposit(portfolio=portfolio, amount="100.00", method="wire")
    services.trade_buy(portfolio=portfolio, asset=stock, quantity=1, price="10")
    services.portfolio_create(owner=UserFactory(), name="Someone else's")

    export = datarights.export_for(user)["portfolios"]

    (only,) = export["portfolios"]
    assert only["name"] == "Retirement"
    assert only["cash"]["cash"] == "90.00"
    assert [p["symbol"] for p in only["positions"]] == ["ACME"]
    assert [a["kind"] for a in only["activity"]] == ["deposit", "buy"]


def test_erasure_replaces_portfolio_names(user):
    portfolio = services.portfolio_create(owner=user, name="Dana's retirement")
    datarights.erase_for(user)
    portfolio.refresh_from_db()
    assert portfolio.name == f"Portfolio {portfolio.pk}"


def test_blocked_funds_veto_an_erasure(user):
    portfolio = services.portfolio_create(owner=user, name="p")
    services.cash_deposit(portfolio=portfolio, amount="100.00", method="wire")
    assert datarights.vetoes_for(user) == []

    type(user).objects.filter(pk=user.pk).update(restriction=Restriction.BLOCKED)
    user.refresh_from_db()
    services.blocked_cash_hold(portfolio=portfolio)

    assert any(v.startswith("portfolios:") for v in datarights.vetoes_for(user))
    assert services.blocked_cash_hold(portfolio=portfolio) is None  # nothing left to move
    assert Decimal(datarights.export_for(user)["portfolios"]["portfolios"][0]["cash"]["cash"]) == 0
