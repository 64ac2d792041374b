import datetime as dt

import pytest
import time_machine
from django.core.cache import cache

from portfolios.services import portfolio_create
from portfolios.tests.factories import AssetFactory, CryptoAssetFactory


@pytest.fixture(autouse=True)
def _clean_analytics_cache():
    """Analytics are cached per portfolio; keys can repeat across tests (rolled-back primary keys,
    frozen clocks). Only this app's keys are dropped: other workers share a Redis cache."""
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("portfolios:*")
    else:
        cache.clear()
    yield


@pytest.fixture
def after_example():
    """Tests with hand-computed dates run on 6 March 2026 (a Friday) at noon New York time."""
    with time_machine.travel(dt.datetime(2026, 3, 6, 17, 0, tzinfo=dt.UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def stock(db):
    return AssetFactory(symbol="ACME", name="Acme Corporation")


@pytest.fixture
def crypto(db):
    return CryptoAssetFactory(symbol="COIN-USD", name="Coin")


@pytest.fixture
def portfolio(user):
    return portfolio_create(owner=user, name="Main")
