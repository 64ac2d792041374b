import datetime as dt

import pytest
import time_machine

from portfolios.tests.factories import AssetFactory, CryptoAssetFactory
from trading.tests.factories import funded_portfolio, load_bar, ny, verified_customer

WEDNESDAY = dt.date(2026, 3, 4)


@pytest.fixture(autouse=True)
def _fraud_thresholds(settings):
    """Fraud stays on; its score thresholds are set so the rules never hold these tests' requests
    (tests of review and block set their own)."""
    settings.FRAUD_THRESHOLDS = {**settings.FRAUD_THRESHOLDS, "review_score": 5000, "block_score": 6000}


@pytest.fixture
def market_open():
    """Wednesday 4 March 2026, 11:00 New York: the NYSE is open."""
    with time_machine.travel(ny(2026, 3, 4, 11), tick=False) as traveller:
        yield traveller


@pytest.fixture
def customer(db):
    return verified_customer()


@pytest.fixture
def portfolio(customer):
    return funded_portfolio(customer, "10000.00")


@pytest.fixture
def stock(db):
    asset = AssetFactory(symbol="ACME", name="Acme Corporation")
    with time_machine.travel(ny(2026, 3, 3, 18), tick=False):
        load_bar(asset, dt.date(2026, 3, 3), open_="99", close="100")
    return asset


@pytest.fixture
def crypto(db):
    asset = CryptoAssetFactory(symbol="COIN-USD", name="Coin")
    with time_machine.travel(ny(2026, 3, 3, 18), tick=False):
        load_bar(asset, dt.date(2026, 3, 3), open_="49000", close="50000")
    return asset
