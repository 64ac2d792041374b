"""The portfolios API: scoping, validation, documents, and a constant number of queries per list."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from portfolios import services
from portfolios.models import Portfolio, PortfolioStatus
from portfolios.tests.factories import AssetFactory, CryptoAssetFactory, PortfolioFactory, close_at, load_closes

pytestmark = pytest.mark.django_db

NY = dt.timezone(dt.timedelta(hours=-5))


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured)


# --- assets -------------------------------------------------------------------------------------


def test_assets_are_listed_filtered_and_searched(auth_client):
    AssetFactory(symbol="AAPL", name="Apple Inc.")
    AssetFactory(symbol="MSFT", name="Microsoft Corporation")
    CryptoAssetFactory(symbol="BTC-USD", name="Bitcoin")

    body = auth_client.get("/api/portfolios/assets").json()
    assert [a["symbol"] for a in body["results"]] == ["AAPL", "BTC-USD", "MSFT"]
    assert [a["symbol"] for a in auth_client.get("/api/portfolios/assets?asset_class=crypto").json()["results"]] == [
        "BTC-USD"
    ]
    assert [a["symbol"] for a in auth_client.get("/api/portfolios/assets?search=micro").json()["results"]] == ["MSFT"]
    assert auth_client.get("/api/portfolios/assets?asset_class=bonds").status_code == 400


def test_asset_list_runs_the_same_queries_at_any_page_size(auth_client):
    for n in range(60):
        AssetFactory(symbol=f"S{n:03d}")
    small = count_queries(auth_client, "/api/portfolios/assets?page_size=5")
    large = count_queries(auth_client, "/api/portfolios/assets?page_size=50")
    assert small == large


def test_asset_detail_has_the_latest_price_and_changes(auth_client, stock):
    load_closes(stock, {dt.date(2026, 3, 2): "100", dt.date(2026, 3, 3): "110"})
    body = auth_client.get(f"/api/portfolios/assets/{stock.pk}").json()
    assert body["last_price"] == "110.00000000"
    assert body["change_1d"] == "10.00000000"
    assert body["change_1d_pct"] == "10.0000"
    assert auth_client.get("/api/portfolios/assets/999999").status_code == 404


def test_the_api_needs_authentication(api_client):
    assert api_client.get("/api/portfolios").status_code == 401


# --- portfolios ---------------------------------------------------------------------------------


def test_a_customer_opens_renames_and_lists_portfolios(auth_client, stock):
    created = auth_client.post("/api/portfolios", {"name": "  Retirement  ", "benchmark_id": stock.pk}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["benchmark"]["symbol"] == "ACME"
    assert created.json()["name"] == "Retirement"

    updated = auth_client.put(f"/api/portfolios/{pk}", {"name": "Pension", "benchmark_id": None}, format="json")
    assert updated.status_code == 200
    assert updated.json()["benchmark"] is None

    assert [p["name"] for p in auth_client.get("/api/portfolios").json()["results"]] == ["Pension"]


@pytest.mark.parametrize("payload", [{}, {"name": ""}, {"name": "x" * 101}, {"name": "ok", "benchmark_id": 999999}])
def test_bad_portfolio_input_is_a_400_and_writes_nothing(auth_client, payload):
    response = auth_client.post("/api/portfolios", payload, format="json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert not Portfolio.objects.exists()


def test_the_number_of_open_portfolios_is_limited(auth_client, settings):
    settings.PORTFOLIOS_MAX_PER_CUSTOMER = 2
    for name in ("a", "b"):
        assert auth_client.post("/api/portfolios", {"name": name}, format="json").status_code == 201
    response = auth_client.post("/api/portfolios", {"name": "c"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "portfolio_limit_reached"


def test_portfolio_list_runs_the_same_queries_at_any_page_size(auth_client, stock):
    for _ in range(30):
        PortfolioFactory(owner=auth_client.user, benchmark=stock)
    small = count_queries(auth_client, "/api/portfolios?page_size=3")
    large = count_queries(auth_client, "/api/portfolios?page_size=30")
    assert small == large


def test_another_customers_portfolio_is_404_everywhere(auth_client):
    theirs = PortfolioFactory(owner=UserFactory())
    for suffix in ("", "/holdings", "/performance", "/risk", "/realized-gains"):
        response = auth_client.get(f"/api/portfolios/{theirs.pk}{suffix}")
        assert response.status_code == 404, suffix
        assert response.json()["code"] == "portfolio_not_found"
    assert auth_client.put(f"/api/portfolios/{theirs.pk}", {"name": "mine"}, format="json").status_code == 404
    assert auth_client.delete(f"/api/portfolios/{theirs.pk}").status_code == 404
    assert Portfolio.objects.get(pk=theirs.pk).status == PortfolioStatus.OPEN


def test_delete_refuses_a_portfolio_with_cash_and_closes_an_emptied_one(auth_client):
    portfolio = services.portfolio_create(owner=auth_client.user, name="p")
    services.cash_deposit(portfolio=portfolio, amount="10.00", method="wire")

    refused = auth_client.delete(f"/api/portfolios/{portfolio.pk}")
    assert refused.status_code == 409
    assert refused.json()["code"] == "portfolio_not_empty"

    services.cash_withdraw(portfolio=portfolio, amount="10.00", method="wire")
    assert auth_client.delete(f"/api/portfolios/{portfolio.pk}").json() == {"result": "closed"}
    assert auth_client.put(f"/api/portfolios/{portfolio.pk}", {"name": "again"}, format="json").status_code == 409
    assert auth_client.get(f"/api/portfolios/{portfolio.pk}").json()["status"] == "closed"


def test_delete_removes_a_portfolio_that_never_had_an_entry(auth_client):
    portfolio = services.portfolio_create(owner=auth_client.user, name="p")
    assert auth_client.delete(f"/api/portfolios/{portfolio.pk}").json() == {"result": "deleted"}
    assert not Portfolio.objects.filter(pk=portfolio.pk).exists()


# --- holdings, performance, risk, gains -----------------------------------------------------------


@pytest.fixture
def invested(auth_client, stock):
    portfolio = services.portfolio_create(owner=auth_client.user, name="p", benchmark=stock)
    day = dt.datetime(2025, 6, 2, 10, 0, tzinfo=NY)
    services.cash_deposit(portfolio=portfolio, amount="10000.00", method="wire", executed_at=day)
    services.trade_buy(portfolio=portfolio, asset=stock, quantity=10, price="100", executed_at=day)
    services.trade_sell(
        portfolio=portfolio, asset=stock, quantity=4, price="110", executed_at=day + dt.timedelta(days=30)
    )
    load_closes(stock, {dt.date(2025, 6, 2): "100", dt.date(2025, 7, 2): "110", dt.date(2026, 6, 2): "110"})
    return portfolio


def test_holdings_value_positions_and_cash(auth_client, invested, stock):
    body = auth_client.get(f"/api/portfolios/{invested.pk}/holdings").json()
    (line,) = body["positions"]
    assert line["asset"]["symbol"] == "ACME"
    assert (line["quantity"], line["cost_basis"], line["market_value"], line["unrealized_pnl"]) == (
        "6.00000000",
        "600.00",
        "660.00",
        "60.00",
    )
    assert body["cash"]["unsettled"] == "440.00"
    assert body["cash"]["available"] == "9000.00"
    assert body["total_value"] == "10100.00"


def test_holdings_run_the_same_queries_for_any_number_of_positions(auth_client):
    portfolio = services.portfolio_create(owner=auth_client.user, name="p")
    services.cash_deposit(portfolio=portfolio, amount="100000.00", method="wire")
    assets = [AssetFactory() for _ in range(12)]
    for asset in assets[:2]:
        services.trade_buy(portfolio=portfolio, asset=asset, quantity=1, price="10")
    few = count_queries(auth_client, f"/api/portfolios/{portfolio.pk}/holdings")
    for asset in assets[2:]:
        services.trade_buy(portfolio=portfolio, asset=asset, quantity=1, price="10")
    many = count_queries(auth_client, f"/api/portfolios/{portfolio.pk}/holdings")
    assert few == many


def test_performance_over_a_year_from_one_purchase_gives_the_exact_xirr(auth_client, stock):
    # 1,000 in, invested at 100, worth 1,100 exactly 365 days later: XIRR 10%, TWR 10%.
    portfolio = services.portfolio_create(owner=auth_client.user, name="p")
    start = dt.datetime(2025, 3, 3, 10, 0, tzinfo=NY)
    services.cash_deposit(portfolio=portfolio, amount="1000.00", method="wire", executed_at=start)
    services.trade_buy(portfolio=portfolio, asset=stock, quantity=10, price="100", executed_at=start)
    load_closes(stock, {dt.date(2025, 3, 3): "100", dt.date(2026, 3, 3): "110"})

    body = auth_client.get(f"/api/portfolios/{portfolio.pk}/performance?from=2025-03-03&to=2026-03-03").json()

    assert body["range"] == "custom"
    assert body["money_weighted_return"] == "0.10000000"
    assert body["time_weighted_return"] == "0.10000000"
    assert body["end_value"] == "1100.00"


def test_performance_has_every_figure_and_a_weekly_series(auth_client, invested):
    body = auth_client.get(
        f"/api/portfolios/{invested.pk}/performance?range=custom&from=2025-06-01&to=2025-08-31&interval=week"
    ).json()
    for key in (
        "time_weighted_return",
        "money_weighted_return",
        "volatility_annualised",
        "max_drawdown",
        "var_95_1d",
        "sharpe_ratio",
        "allocation_by_asset",
        "allocation_by_class",
        "benchmark",
        "realized_pnl",
    ):
        assert key in body
    assert body["realized_pnl"] == "40.00"
    assert body["benchmark"]["symbol"] == "ACME"
    dates = [p["date"] for p in body["series"]]
    # The range starts at inception (2 June); the series begins with the base day before it.
    assert dates[0] == "2025-06-01" and dates[-1] == "2025-08-31"
    assert all(dt.date.fromisoformat(d).weekday() == 6 for d in dates[1:-1])


@pytest.mark.parametrize(
    "query",
    ["range=decade", "interval=hour", "from=2025-13-01", "from=2026-02-01&to=2026-01-01", "range=tax_year&year=1900"],
)
def test_bad_performance_queries_are_400(auth_client, invested, query):
    assert auth_client.get(f"/api/portfolios/{invested.pk}/performance?{query}").status_code == 400


@pytest.mark.parametrize("name", ["inception", "ytd", "1y", "5y", "tax_year"])
def test_every_named_range_answers(auth_client, invested, name):
    response = auth_client.get(f"/api/portfolios/{invested.pk}/performance?range={name}")
    assert response.status_code in (200, 400), response.content


def test_performance_is_cached_until_the_next_ledger_entry(auth_client, invested):
    url = f"/api/portfolios/{invested.pk}/performance?range=custom&from=2025-06-01&to=2026-06-02"
    first = auth_client.get(url).json()
    with CaptureQueriesContext(connection) as cached:
        assert auth_client.get(url).json() == first
    services.fee_charge(portfolio=invested, amount="100.00", executed_at=dt.datetime(2026, 1, 5, 10, 0, tzinfo=NY))
    with CaptureQueriesContext(connection) as fresh:
        second = auth_client.get(url).json()
    assert second["fees"] == "100.00" and first["fees"] == "0.00"
    assert len(cached) < len(fresh)


def test_risk_warns_about_concentration(auth_client, invested):
    checks = {c["rule"]: c for c in auth_client.get(f"/api/portfolios/{invested.pk}/risk").json()["checks"]}
    assert set(checks) == {"asset_concentration", "class_concentration", "crypto_share", "fee_ratio", "cash_drag"}
    assert checks["cash_drag"]["status"] == "warn"  # 9,440 of 10,100 is cash
    assert checks["crypto_share"]["status"] == "pass"


def test_realized_gains_as_json_and_csv(auth_client, invested):
    body = auth_client.get(f"/api/portfolios/{invested.pk}/realized-gains?year=2025").json()
    assert body["gain"] == "40.00"
    (lot,) = body["lots"]
    assert (lot["quantity"], lot["proceeds"], lot["cost_basis"], lot["term"]) == (
        "4.00000000",
        "440.00",
        "400.00",
        "short",
    )
    assert auth_client.get(f"/api/portfolios/{invested.pk}/realized-gains?year=2024").json()["lots"] == []

    response = auth_client.get(f"/api/portfolios/{invested.pk}/realized-gains?year=2025&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[0]["gain"] == "40.00" and rows[0]["symbol"] == "ACME"


def test_the_schema_documents_twr_and_xirr(api_client):
    import yaml

    response = api_client.get("/api/schema")
    schema = yaml.safe_load(response.content)
    performance = schema["paths"]["/api/portfolios/{id}/performance"]["get"]
    assert "time-weighted return" in performance["description"]
    properties = schema["components"]["schemas"]["Performance"]["properties"]
    assert "independent of when and how much money" in properties["time_weighted_return"]["description"]
    assert "XIRR" in properties["money_weighted_return"]["description"]


def test_money_is_rendered_as_strings(auth_client, invested):
    body = auth_client.get(f"/api/portfolios/{invested.pk}/holdings").json()
    assert isinstance(body["total_value"], str)
    assert Decimal(body["total_value"]) == Decimal("10100.00")


def test_closes_fixture_is_new_york_time():
    assert close_at(dt.date(2026, 3, 2)).astimezone(dt.UTC).hour == 21


def test_performance_is_recomputed_after_a_price_load(auth_client, invested, stock):
    url = f"/api/portfolios/{invested.pk}/performance?range=custom&from=2025-06-01&to=2026-06-02"
    before = auth_client.get(url).json()
    load_closes(stock, {dt.date(2026, 6, 2): "120"})
    after = auth_client.get(url).json()
    assert (before["end_market_value"], after["end_market_value"]) == ("660.00", "720.00")


def test_an_empty_portfolio_has_empty_figures(auth_client):
    portfolio = services.portfolio_create(owner=auth_client.user, name="new")
    body = auth_client.get(f"/api/portfolios/{portfolio.pk}/performance").json()
    assert body["end_value"] == "0.00"
    assert body["time_weighted_return"] == "0.00000000"
    assert body["money_weighted_return"] is None
    assert auth_client.get(f"/api/portfolios/{portfolio.pk}/holdings").json()["positions"] == []
    checks = auth_client.get(f"/api/portfolios/{portfolio.pk}/risk").json()["checks"]
    assert {c["status"] for c in checks} == {"pass"}


def test_the_audit_trail_never_holds_a_portfolio_name(auth_client):
    from auditlog.models import LogEntry

    created = auth_client.post("/api/portfolios", {"name": "Dana Smith college fund"}, format="json").json()
    auth_client.put(f"/api/portfolios/{created['id']}", {"name": "Dana Smith house"}, format="json")
    entries = LogEntry.objects.filter(object_pk=str(created["id"]), content_type__app_label="portfolios")
    assert entries.count() == 2
    assert all("Dana" not in str(e.changes) and "Dana" not in e.object_repr for e in entries)
