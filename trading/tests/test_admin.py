"""The trading back office: read-only lists that do not grow in queries, and the shortfall view."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from accounts.tests.factories import StaffUserFactory
from trading import services
from trading.tests.factories import funded_portfolio, ny, verified_bank_account, verified_customer

pytestmark = pytest.mark.django_db

CHANGELISTS = ["transaction", "linkedbankaccount", "wallet", "branchcashtransaction"]


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
    for _ in range(count):
        customer = verified_customer()
        portfolio = funded_portfolio(customer)
        account = verified_bank_account(customer)
        services.transfer_request(
            user=customer, portfolio=portfolio, type="deposit", method="ach", amount="10.00", bank_account=account
        )


@pytest.mark.parametrize("model", CHANGELISTS)
def test_changelists_render_in_constant_queries(staff_client, model):
    url = f"/admin/trading/{model}/"
    _activity(1)
    with CaptureQueriesContext(connection) as few:
        assert staff_client.get(url).status_code == 200
    _activity(4)
    with CaptureQueriesContext(connection) as more:
        assert staff_client.get(url).status_code == 200
    assert len(more) == len(few)


def test_operations_see_returned_deposits_that_left_a_shortfall(staff_client, stock):
    import time_machine

    with time_machine.travel(ny(2026, 3, 4, 11), tick=False):
        customer = verified_customer()
        portfolio = funded_portfolio(customer)
        account = verified_bank_account(customer)
        deposit = services.transfer_request(
            user=customer, portfolio=portfolio, type="deposit", method="ach", amount="500.00", bank_account=account
        )
    with time_machine.travel(ny(2026, 3, 5, 18), tick=False):
        services.settlement_run()
    with time_machine.travel(ny(2026, 3, 6, 11), tick=False):
        services.order_place(user=customer, portfolio=portfolio, side="buy", asset=stock, quantity="5")
        services.ach_return_process(transaction_id=deposit.pk, return_code="R01")
    page = staff_client.get("/admin/trading/transaction/?shortfall=yes")
    assert page.status_code == 200
    assert f">{deposit.pk}<" in page.content.decode()
