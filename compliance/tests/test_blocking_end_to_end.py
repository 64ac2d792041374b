"""A confirmed sanctions match blocks the customer in every app: a buy, a withdrawal and a loan
disbursement are refused, and the blocking report is due in ten business days."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from accounts.errors import CustomerRestricted
from accounts.models import KycRecord
from accounts.services import kyc_decide
from accounts.tests.factories import StaffUserFactory
from blockguardian.calendar import add_business_days
from compliance.models import OfacReport, ScreeningHit
from compliance.services import customer_screen, hit_disposition_record
from lending.errors import LoanHeld
from lending.services import loan_accept, loan_apply, loan_disburse, loan_disclosure_current
from lending.tests.factories import LoanProductFactory, application
from portfolios.services import cash_deposit, portfolio_create
from portfolios.tests.factories import AssetFactory
from trading.services import order_place, transfer_request
from trading.tests.factories import load_bar, ny, verified_bank_account

from . import factories

pytestmark = pytest.mark.django_db

WEDNESDAY = ny(2026, 3, 4, 11)


@pytest.fixture(autouse=True)
def _quiet_fraud(settings):
    settings.FRAUD_THRESHOLDS = {**settings.FRAUD_THRESHOLDS, "review_score": 5000, "block_score": 6000}


def test_a_confirmed_match_refuses_a_buy_a_withdrawal_and_a_loan_disbursement(
    sanctions_list, compliance_officer, django_capture_on_commit_callbacks
):
    stock = AssetFactory(symbol="ACME", name="Acme Corporation")
    with time_machine.travel(ny(2026, 3, 3, 18), tick=False):
        load_bar(stock, dt.date(2026, 3, 3), open_="99", close="100")
    with time_machine.travel(WEDNESDAY, tick=False):
        customer = factories.customer()
        factories.submit_kyc(customer, first="Ivan", last="Tsertsel", date_of_birth=dt.date(1966, 3, 1))
        kyc_decide(
            record=KycRecord.objects.get(user=customer), decision="verified", reason="", acting_user=StaffUserFactory()
        )
        portfolio = portfolio_create(owner=customer, name="Main")
        cash_deposit(portfolio=portfolio, amount="10000.00", method="wire")
        bank_account = verified_bank_account(customer)
        loan = loan_apply(user=customer, data=application(LoanProductFactory(), portfolio))
        loan_accept(loan=loan, user=customer, disclosure_id=loan_disclosure_current(loan=loan).pk)

        customer_screen(user=customer, trigger="list_change")
        customer.refresh_from_db()
        assert customer.restriction == "frozen"
        # What each app does on `blocked` runs after commit (the restriction signal, the outbox).
        with django_capture_on_commit_callbacks(execute=True):
            disposition = hit_disposition_record(
                hit=ScreeningHit.objects.get(customer=customer),
                decision="true_match",
                reason="date of birth and nationality confirmed",
                acting_user=compliance_officer,
            )
        customer.refresh_from_db()

        with pytest.raises(CustomerRestricted):
            order_place(user=customer, portfolio=portfolio, side="buy", asset=stock, quantity=Decimal("1"))
        with pytest.raises(CustomerRestricted):
            transfer_request(
                user=customer,
                portfolio=portfolio,
                type="withdrawal",
                method="ach",
                amount="100.00",
                bank_account=bank_account,
            )
        with pytest.raises((CustomerRestricted, LoanHeld)):
            loan_disburse(loan=loan)

    assert customer.restriction == "blocked"
    report = OfacReport.objects.get(disposition=disposition)
    assert report.kind == OfacReport.Kind.BLOCKING
    assert report.due_date == add_business_days(WEDNESDAY.date(), 10)
    loan.refresh_from_db()
    assert loan.status == "accepted" and loan.disbursed_at is None
