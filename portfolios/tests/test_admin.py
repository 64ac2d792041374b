"""The portfolios back office: the ledger is read-only and its lists do not grow in queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from accounts.tests.factories import StaffUserFactory, UserFactory
from portfolios import services
from portfolios.models import JournalEntry
from portfolios.tests.factories import AssetFactory

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "journalentry",
    "ledgeraccount",
    "portfolio",
    "taxlot",
    "lotdisposal",
    "position",
    "reservation",
    "price",
    "asset",
]


@pytest.fixture
def staff_client(client):
    user = StaffUserFactory(is_superuser=True)
    client.force_login(user)
    device = StaticDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _activity(count: int) -> None:
    for index in range(count):
        portfolio = services.portfolio_create(owner=UserFactory(), name=f"p{index}")
        asset = AssetFactory(symbol=f"ADM{index}")
        services.cash_deposit(portfolio=portfolio, amount="1000.00", method="ach")
        services.cash_deposit(portfolio=portfolio, amount="1000.00", method="wire")
        services.trade_buy(portfolio=portfolio, asset=asset, quantity=3, price="10", fee="1")
        services.trade_sell(portfolio=portfolio, asset=asset, quantity=1, price="12")
        services.cash_reserve(portfolio=portfolio, amount="5.00")


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("model", CHANGELISTS)
def test_changelists_run_the_same_queries_for_more_rows(staff_client, model):
    _activity(2)
    few = _queries(staff_client, f"/admin/portfolios/{model}/")
    _activity(6)
    assert _queries(staff_client, f"/admin/portfolios/{model}/") == few


def test_ledger_entries_cannot_be_added_changed_or_deleted_in_the_admin(staff_client):
    _activity(1)
    entry = JournalEntry.objects.first()
    assert staff_client.get("/admin/portfolios/journalentry/add/").status_code == 403
    page = staff_client.get(f"/admin/portfolios/journalentry/{entry.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert staff_client.post(f"/admin/portfolios/journalentry/{entry.pk}/delete/").status_code == 403
