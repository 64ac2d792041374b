"""Price loads, the price source and asset details."""

import datetime as dt
import gzip
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from portfolios import prices, selectors
from portfolios.errors import PriceUnavailable
from portfolios.models import Asset, Price, PriceLoad
from portfolios.signals import prices_loaded
from portfolios.tests.factories import AssetFactory, load_closes

pytestmark = pytest.mark.django_db

CSV = """symbol,timestamp,open,high,low,close,volume
ACME,2026-03-02T21:00:00Z,99.5,101,99,100,1200
ACME,2026-03-03T21:00:00Z,100,121,100,120,1500
COIN-USD,2026-03-03T23:59:00Z,65000,66000,64000,65500.12345678,12.5
ACME,2026-03-04,120,131,119,130,900
NOPE,2026-03-04T21:00:00Z,1,1,1,1,1
ACME,2026-03-05T21:00:00Z,10,9,8,9.5,100
ACME,not-a-date,1,1,1,1,1
"""


@pytest.fixture
def price_file(tmp_path, stock, crypto):
    path = tmp_path / "prices.csv.gz"
    with gzip.open(path, "wt") as fh:
        fh.write(CSV)
    return path


def test_load_prices_writes_bars_and_lists_rejected_rows(price_file, stock, capsys):
    call_command("load_prices", str(price_file), "--no-progress")

    out, err = capsys.readouterr()
    assert "read 7 rows: 4 bars written for 2 assets, 3 rejected" in out
    assert "line 6: unknown symbol 'NOPE'" in err
    assert "line 7: OHLC out of order" in err
    assert "line 8: timestamp 'not-a-date' is not ISO 8601" in err
    stock.refresh_from_db()
    # A date alone is that day's 16:00 New York close.
    assert stock.last_price == Decimal("130")
    assert stock.last_price_at == dt.datetime(2026, 3, 4, 21, 0, tzinfo=dt.UTC)


def test_load_prices_is_idempotent(price_file):
    call_command("load_prices", str(price_file), "--no-progress")
    first = list(Price.objects.order_by("asset_id", "timestamp").values_list("asset_id", "timestamp", "close"))
    call_command("load_prices", str(price_file), "--no-progress")
    assert list(Price.objects.order_by("asset_id", "timestamp").values_list("asset_id", "timestamp", "close")) == first
    assert PriceLoad.objects.count() == 2


def test_a_reload_corrects_a_bar(stock):
    load_closes(stock, {dt.date(2026, 3, 2): "100"})
    load_closes(stock, {dt.date(2026, 3, 2): "101.5"})
    assert Price.objects.get(asset=stock).close == Decimal("101.5")


def test_a_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError):
        call_command("load_prices", str(tmp_path / "missing.csv"), "--no-progress")


def test_a_load_announces_the_assets_after_commit(stock, django_capture_on_commit_callbacks):
    received = []

    def listener(sender, **kwargs):
        received.append(kwargs["asset_ids"])

    prices_loaded.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            load_closes(stock, {dt.date(2026, 3, 2): "100"})
    finally:
        prices_loaded.disconnect(listener)
    assert received == [[stock.pk]]


def test_latest_price_comes_from_the_database_source(stock):
    with pytest.raises(PriceUnavailable):
        prices.latest_price(stock)
    load_closes(stock, {dt.date(2026, 3, 2): "100", dt.date(2026, 3, 3): "120"})

    quote = prices.latest_price(stock)
    assert (quote.price, quote.source) == (Decimal("120"), "database")
    earlier = prices.latest_price(stock, at=dt.datetime(2026, 3, 2, 22, 0, tzinfo=dt.UTC))
    assert earlier.price == Decimal("100")


def test_session_bar_gives_the_days_open(stock, price_file):
    call_command("load_prices", str(price_file), "--no-progress")
    bar = prices.session_bar(stock, dt.date(2026, 3, 2))
    assert (bar.open, bar.close) == (Decimal("99.5"), Decimal("100"))
    with pytest.raises(PriceUnavailable):
        prices.session_bar(stock, dt.date(2026, 3, 7))


def test_the_price_source_is_a_setting(stock, settings):
    settings.PORTFOLIOS_PRICE_SOURCE = "portfolios.tests.test_prices.FixedSource"
    assert prices.latest_price(stock).price == Decimal("42")


class FixedSource:
    """A stand-in live provider: always 42."""

    name = "fixed"

    def latest(self, asset, *, at=None):
        return prices.Quote(asset.pk, asset.symbol, Decimal("42"), dt.datetime(2026, 3, 2, tzinfo=dt.UTC), self.name)

    def session_bar(self, asset, day):
        return None


def test_asset_detail_gives_1_day_and_30_day_changes(stock):
    load_closes(stock, {dt.date(2026, 2, 1): "80", dt.date(2026, 3, 2): "100", dt.date(2026, 3, 3): "110"})
    detail = selectors.asset_detail(asset=Asset.objects.get(pk=stock.pk))
    assert (detail.change_1d, detail.change_1d_pct) == (Decimal("10"), Decimal("10.0000"))
    assert (detail.change_30d, detail.change_30d_pct) == (Decimal("30"), Decimal("37.5000"))


def test_asset_factory_has_no_price_by_default():
    assert AssetFactory().last_price is None
