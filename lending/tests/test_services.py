"""Underwriting, officer decisions, adverse action, the MLA cap, fair lending, servicing and the
restriction hooks, through the services and the real database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from accounts.models import Restriction
from accounts.services import restriction_set
from accounts.tests.factories import UserFactory
from blockguardian.calendar import business_date
from credit.models import CreditEvent
from lending import selectors, services
from lending.errors import FourEyesRequired, LoanHeld, LoanStateError
from lending.models import AdverseActionNotice, LateFee, Loan, LoanStatus
from lending.tests.factories import LoanProductFactory, application, at, funded_portfolio, verified_customer
from portfolios.selectors import cash_balances

pytestmark = pytest.mark.django_db

RANK = {LoanStatus.APPROVED: 3, LoanStatus.UNDER_REVIEW: 2, LoanStatus.COUNTEROFFERED: 1, LoanStatus.DECLINED: 0}


def _disburse(loan, user):
    disclosure = services.loan_disclosure_current(loan=loan)
    services.loan_accept(loan=loan, user=user, disclosure_id=disclosure.pk)
    return services.loan_disburse(loan=loan)


# --- decisions and notices ------------------------------------------------------------------------


def test_a_decline_gets_a_notice_with_the_real_principal_reasons(customer):
    product = LoanProductFactory(rate_grid=[{"min_score": 850, "annual_rate": "0.05"}])
    portfolio = funded_portfolio(customer)

    loan = services.loan_apply(user=customer, data=application(product, portfolio))

    assert loan.status == LoanStatus.DECLINED
    notice = selectors.adverse_action_notice_get(loan=loan)
    codes = [r["code"] for r in notice.content["principal_reasons"]]
    assert codes[0] == "credit_score_below_minimum" and len(codes) >= 2  # never the score alone
    assert codes[1:] == [r["code"] for r in loan.credit_score.reasons][: len(codes) - 1]
    assert notice.content["credit_score"]["score"] == loan.score
    assert "Equal Credit Opportunity Act" in notice.content["ecoa_notice"]
    assert notice.content["creditor"]["name"] and notice.content["regulator"]
    assert notice.due_by - notice.action_taken_at == dt.timedelta(days=30)
    assert notice.generated_at <= notice.due_by


def test_excessive_dti_is_counteroffered_and_an_unaccepted_counteroffer_gets_a_notice(product, customer):
    portfolio = funded_portfolio(customer)

    loan = services.loan_apply(
        user=customer,
        data=application(
            product, portfolio, amount=Decimal("15000.00"), term_months=12, monthly_income=Decimal("4000")
        ),
    )

    assert loan.status == LoanStatus.COUNTEROFFERED, loan.flags
    assert [r["code"] for r in loan.decision_reasons] == ["dti_too_high"]
    first = (
        services.terms_price(
            product=product,
            amount=loan.offer_amount,
            term_months=loan.offer_term_months,
            annual_rate=loan.annual_rate,
            start=business_date(),
        )
        .terms.schedule.rows[0]
        .amount_due
    )
    assert (Decimal("500.00") + first) / Decimal("4000") <= product.max_dti
    assert loan.offer_term_months > 12 or loan.offer_amount < Decimal("15000.00")
    assert not AdverseActionNotice.objects.filter(loan=loan).exists()

    with time_machine.travel(loan.offer_expires_at + dt.timedelta(hours=1)):
        assert services.counteroffers_expired_notify() == 1
        assert services.counteroffers_expired_notify() == 0
    notice = AdverseActionNotice.objects.get(loan=loan)
    assert notice.action == "counteroffer_not_accepted"
    assert [r["code"] for r in notice.content["principal_reasons"]] == ["dti_too_high"]


def test_internal_flags_never_reach_the_customer(product, customer):
    portfolio = funded_portfolio(customer)
    loan = services.loan_apply(
        user=customer,
        data=application(
            product, portfolio, amount=Decimal("25000.00"), term_months=60, monthly_income=Decimal("20000")
        ),
    )
    assert loan.status == LoanStatus.UNDER_REVIEW and "above_second_approval_limit" in loan.flags
    assert loan.decision_reasons == []


def test_four_eyes_above_the_second_approval_limit(product, customer):
    portfolio = funded_portfolio(customer)
    loan = services.loan_apply(
        user=customer,
        data=application(
            product, portfolio, amount=Decimal("25000.00"), term_months=60, monthly_income=Decimal("20000")
        ),
    )
    reviewer, approver = UserFactory(is_staff=True), UserFactory(is_staff=True)
    services.loan_review_record(loan=loan, officer=reviewer)

    with pytest.raises(FourEyesRequired):
        services.loan_officer_approve(loan=loan, officer=reviewer)
    assert Loan.objects.get(pk=loan.pk).status == LoanStatus.UNDER_REVIEW

    approved = services.loan_officer_approve(loan=loan, officer=approver)
    assert approved.status == LoanStatus.APPROVED and approved.decided_by == approver
    with pytest.raises(LoanStateError):
        services.loan_officer_decline(loan=loan, officer=approver, reasons=["dti_too_high"])


def test_officer_decline_requires_known_reasons_and_writes_the_notice(product, customer):
    portfolio = funded_portfolio(customer)
    loan = services.loan_apply(
        user=customer,
        data=application(
            product, portfolio, amount=Decimal("25000.00"), term_months=60, monthly_income=Decimal("20000")
        ),
    )
    officer = UserFactory(is_staff=True)
    from lending.errors import InvalidTerms

    with pytest.raises(InvalidTerms):
        services.loan_officer_decline(loan=loan, officer=officer, reasons=["suspected_fraud"])

    declined = services.loan_officer_decline(loan=loan, officer=officer, reasons=["identity_unverifiable"])
    assert declined.status == LoanStatus.DECLINED
    assert declined.adverse_action_notice.content["principal_reasons"] == [
        {"code": "identity_unverifiable", "text": services.REASONS["identity_unverifiable"]}
    ]


# --- Military Lending Act and fair lending --------------------------------------------------------


def test_a_covered_borrower_is_never_offered_more_than_36_percent_mapr():
    product = LoanProductFactory(
        rate_grid=[{"min_score": 300, "annual_rate": "0.3499"}], origination_fee_rate=Decimal("0.0500")
    )
    civilian, member = verified_customer(), verified_customer()
    data = {"amount": Decimal("1000.00"), "term_months": 6, "monthly_income": Decimal("5000")}

    plain = services.loan_apply(user=civilian, data=application(product, funded_portfolio(civilian), **data))
    covered = services.loan_apply(
        user=member, data=application(product, funded_portfolio(member), mla_covered=True, **data)
    )

    assert plain.status == covered.status == LoanStatus.APPROVED
    assert plain.apr > Decimal("36")  # the product's own price is above the cap...
    assert covered.mapr <= Decimal("36") and "mla_capped" in covered.flags  # ...never for a covered borrower
    disclosure = services.loan_disclosure_current(loan=covered)
    assert Decimal(disclosure.content["military_apr"]) <= Decimal("36")
    assert Decimal(disclosure.content["annual_percentage_rate"]) <= Decimal("36")


@pytest.mark.parametrize("scoring", ["rules", "model"])
@pytest.mark.parametrize(
    ("income", "amount"),
    [
        (Decimal("6000"), Decimal("6000.00")),
        (Decimal("2500"), Decimal("9000.00")),
        (Decimal("1200"), Decimal("30000.00")),
    ],
)
def test_an_applicant_of_62_or_more_is_never_treated_worse_than_an_identical_younger_one(
    request, scoring, income, amount
):
    if scoring == "model":
        request.getfixturevalue("active_scorecard")
    product = LoanProductFactory()
    today = business_date()
    kwargs = {"amount": amount, "term_months": 36, "monthly_income": income}
    outcomes = {}
    for years in (25, 35, 45, 55, 61, 62, 67, 80):
        user = verified_customer(date_of_birth=today.replace(year=today.year - years, day=1).isoformat())
        outcomes[years] = services.loan_apply(user=user, data=application(product, funded_portfolio(user), **kwargs))
    assert {loan.credit_score.method for loan in outcomes.values()} == {scoring}
    younger = [outcomes[y] for y in (25, 35, 45, 55, 61)]
    for years in (62, 67, 80):
        older = outcomes[years]
        for young in younger:
            assert older.score >= young.score
            assert RANK[older.status] >= RANK[young.status]
            if young.annual_rate is not None:
                assert older.annual_rate is not None and older.annual_rate <= young.annual_rate
                assert older.offer_amount >= young.offer_amount


# --- servicing ------------------------------------------------------------------------------------


def _active(product, customer, cash="20000.00", start=dt.date(2026, 1, 15)):
    portfolio = funded_portfolio(customer, cash)
    with time_machine.travel(at(start, 10), tick=False):
        loan = services.loan_apply(user=customer, data=application(product, portfolio))
        loan = _disburse(loan, customer)
    return Loan.objects.get(pk=loan.pk), portfolio


def test_buckets_then_charge_off_at_120_days_and_recoveries_after(product, customer):
    loan, portfolio = _active(product, customer)
    first_due = loan.installments.get(number=1).due_date
    seen = []
    for days in (1, 30, 60, 90, 119):
        day = first_due + dt.timedelta(days=days)
        with time_machine.travel(at(day, 6), tick=False):
            services.loans_service_daily(on=day)
        loan.refresh_from_db()
        seen.append((loan.status, loan.delinquency_bucket))
    assert seen == [
        ("delinquent", "1-29"),
        ("delinquent", "30-59"),
        ("delinquent", "60-89"),
        ("delinquent", "90+"),
        ("delinquent", "90+"),
    ]
    day = first_due + dt.timedelta(days=120)
    with time_machine.travel(at(day, 6), tick=False):
        services.loans_service_daily(on=day)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.CHARGED_OFF and loan.charge_off_reason == "days_past_due"
    assert loan.charged_off_amount > Decimal("6000.00")
    kinds = set(CreditEvent.objects.filter(user=customer).values_list("kind", flat=True))
    assert {"late_payment", "delinquency", "charge_off"} <= kinds

    with time_machine.travel(at(day + dt.timedelta(days=3)), tick=False):
        repayment = services.loan_repay(loan=loan, user=customer, amount=Decimal("500.00"), portfolio_id=portfolio.pk)
    assert repayment.is_recovery
    assert CreditEvent.objects.filter(user=customer, kind="recovery").count() == 1
    assert services.payoff_amount(loan=Loan.objects.get(pk=loan.pk)) == loan.charged_off_amount - Decimal("500.00")


def test_an_officer_charges_off_early_for_bankruptcy(product, customer):
    loan, _ = _active(product, customer)
    charged = services.loan_charge_off(loan=loan, officer=UserFactory(is_staff=True), reason="bankruptcy")
    assert charged.status == LoanStatus.CHARGED_OFF and charged.charge_off_reason == "bankruptcy"
    with pytest.raises(LoanStateError):
        services.loan_charge_off(loan=loan, officer=UserFactory(is_staff=True), reason="death")


def test_no_pyramiding_when_fees_come_first_in_the_allocation_order(customer):
    product = LoanProductFactory(
        allocation_order=["fees", "past_due_interest", "past_due_principal", "current_interest", "current_principal"]
    )
    loan, portfolio = _active(product, customer)
    rows = list(loan.installments.order_by("number"))
    late = rows[0].due_date + dt.timedelta(days=product.grace_days + 1)
    with time_machine.travel(at(late, 6), tick=False):
        services.loans_service_daily(on=late)
    with time_machine.travel(at(late), tick=False):  # pays the first installment, not the fee
        services.loan_repay(loan=loan, user=customer, amount=rows[0].amount_due, portfolio_id=portfolio.pk)
    assert LateFee.objects.filter(loan=loan).count() == 1

    # The second is paid in full and on time, but the fee is taken first: a shortfall of 25.00.
    with time_machine.travel(at(rows[1].due_date), tick=False):
        services.loan_repay(loan=loan, user=customer, amount=rows[1].amount_due, portfolio_id=portfolio.pk)
    second = loan.installments.get(number=2)
    assert second.left == Decimal("25.00")
    after_grace = rows[1].due_date + dt.timedelta(days=product.grace_days + 5)
    with time_machine.travel(at(after_grace, 6), tick=False):
        services.loans_service_daily(on=after_grace)
    assert LateFee.objects.filter(loan=loan).count() == 1  # no fee on the fee


# --- restrictions and compliance ------------------------------------------------------------------


def test_a_blocked_customers_undisbursed_loan_is_held_and_reported(product, customer):
    portfolio = funded_portfolio(customer)
    loan = services.loan_apply(user=customer, data=application(product, portfolio))
    disclosure = services.loan_disclosure_current(loan=loan)
    services.loan_accept(loan=loan, user=customer, disclosure_id=disclosure.pk)

    restriction_set(user=customer, state=Restriction.BLOCKED, reason="confirmed match", acting_user=None)
    # The signal arrives on commit; in the test transaction the receiver's outbox task runs here.
    services.loans_hold_for_blocked_customer(user_id=customer.pk)

    loan.refresh_from_db()
    assert loan.blocked_at is not None
    with pytest.raises(LoanHeld):
        services.loan_disburse(loan=loan)
    assert cash_balances(portfolio=portfolio).available == Decimal("0.00")
    items = selectors.blocked_property_list(user=customer, as_of=business_date())
    assert items == [
        {
            "app": "lending",
            "kind": "undisbursed_loan",
            "description": f"Undisbursed loan {loan.pk} (accepted)",
            "amount": "6000.00",
            "currency": "USD",
        }
    ]


def test_the_restriction_signal_holds_undisbursed_loans(product, customer, django_capture_on_commit_callbacks):
    portfolio = funded_portfolio(customer)
    loan = services.loan_apply(user=customer, data=application(product, portfolio))
    with django_capture_on_commit_callbacks(execute=True):
        restriction_set(user=customer, state=Restriction.BLOCKED, reason="confirmed match", acting_user=None)
    loan.refresh_from_db()
    assert loan.blocked_at is not None


# --- the bank path (trading) ----------------------------------------------------------------------


def test_disbursement_to_and_repayment_from_a_verified_bank_account(customer):
    from trading.models import Transaction
    from trading.tests.factories import verified_bank_account

    product = LoanProductFactory(portfolio_disbursement_allowed=False)
    account = verified_bank_account(customer)
    loan = services.loan_apply(
        user=customer,
        data=application(product, funded_portfolio(customer), portfolio_id=None, bank_account_id=account.pk),
    )
    loan = _disburse(loan, customer)

    assert loan.status == LoanStatus.ACTIVE
    sent = Transaction.objects.get(reference=f"lending.loan:{loan.pk}:disbursement")
    assert sent.type == "loan_disbursement" and sent.amount == Decimal("5880.00")

    repayment = services.loan_repay(loan=loan, user=customer, amount=Decimal("100.00"), bank_account_id=account.pk)
    collected = Transaction.objects.get(reference=repayment.reference)
    assert collected.type == "loan_repayment" and collected.amount == Decimal("100.00")


def test_the_installments_written_at_disbursement_are_in_the_audit_log(product, customer):
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from lending.models import Installment

    loan = _disburse(
        services.loan_apply(user=customer, data=application(product, funded_portfolio(customer))), customer
    )

    installments = {str(pk) for pk in Installment.objects.filter(loan=loan).values_list("pk", flat=True)}
    logged = set(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Installment), action=LogEntry.Action.CREATE
        ).values_list("object_pk", flat=True)
    )
    assert installments and installments == logged


def test_another_customers_bank_account_is_refused(product, customer):
    from trading.tests.factories import verified_bank_account

    other_account = verified_bank_account(verified_customer(), account_number="000999888777")
    with pytest.raises(Exception) as exc:
        services.loan_apply(
            user=customer,
            data=application(product, funded_portfolio(customer), portfolio_id=None, bank_account_id=other_account.pk),
        )
    assert getattr(exc.value, "status", None) == 404
    assert not Loan.objects.filter(user=customer).exists()


def test_a_disbursement_the_fraud_check_flags_is_held_until_staff_release_it(product, customer, settings):
    portfolio = funded_portfolio(customer)
    loan = services.loan_apply(user=customer, data=application(product, portfolio))
    disclosure = services.loan_disclosure_current(loan=loan)
    services.loan_accept(loan=loan, user=customer, disclosure_id=disclosure.pk)
    settings.FRAUD_THRESHOLDS = {**settings.FRAUD_THRESHOLDS, "review_score": 0}

    held = services.loan_disburse(loan=loan)

    assert held.status == LoanStatus.ACCEPTED and "disbursement_fraud_hold" in held.flags
    assert cash_balances(portfolio=portfolio).available == Decimal("0.00")
    from lending.api.serializers import LoanSerializer

    assert LoanSerializer(held).data["disbursement"] == "under_review"
    released = services.loan_disburse(loan=loan, acting_user=UserFactory(is_staff=True), fraud_cleared=True)
    assert released.status == LoanStatus.ACTIVE and "disbursement_fraud_hold" not in released.flags
    assert cash_balances(portfolio=portfolio).available == Decimal("5880.00")


def test_a_returned_ach_repayment_is_unwound_and_reopens_a_repaid_loan(customer, django_capture_on_commit_callbacks):
    from trading.models import Transaction
    from trading.services import ach_return_process
    from trading.tests.factories import verified_bank_account

    product = LoanProductFactory()
    account = verified_bank_account(customer)
    start = dt.date(2026, 1, 15)
    with time_machine.travel(at(start, 10), tick=False):
        loan = services.loan_apply(
            user=customer,
            data=application(product, funded_portfolio(customer), portfolio_id=None, bank_account_id=account.pk),
        )
        loan = _disburse(loan, customer)
    first = loan.installments.get(number=1)
    with time_machine.travel(at(first.due_date), tick=False):
        regular = services.loan_repay(loan=loan, user=customer, amount=first.amount_due, bank_account_id=account.pk)
    payoff_day = first.due_date + dt.timedelta(days=2)
    with time_machine.travel(at(payoff_day), tick=False):
        payoff = services.payoff_amount(loan=Loan.objects.get(pk=loan.pk), on=payoff_day)
        last = services.loan_repay(loan=loan, user=customer, amount=payoff, bank_account_id=account.pk)
    assert Loan.objects.get(pk=loan.pk).status == LoanStatus.REPAID

    # The payoff debit comes back: the loan is open again with what it owed before the payoff.
    with time_machine.travel(at(payoff_day + dt.timedelta(days=3)), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            ach_return_process(transaction_id=Transaction.objects.get(reference=last.reference).pk, return_code="R01")
        loan.refresh_from_db()
        assert loan.status == LoanStatus.ACTIVE
        assert loan.principal_balance == Decimal("6000.00") - first.principal
        assert services.payoff_amount(loan=loan, on=payoff_day) == payoff
        rows = list(loan.installments.order_by("number"))
        assert sum(r.principal for r in rows) == Decimal("6000.00")
        assert rows[0].left == 0 and all(r.principal_paid == 0 for r in rows[1:])
        # A second notice of the same return changes nothing.
        assert services.repayment_return(reference=last.reference, return_code="R01").returned_at is not None
        assert Loan.objects.get(pk=loan.pk).principal_balance == loan.principal_balance

    # The first installment's debit comes back too: it is owed again, past due.
    later = first.due_date + dt.timedelta(days=10)
    with time_machine.travel(at(later), tick=False):
        services.repayment_return(reference=regular.reference, return_code="R09")
    loan.refresh_from_db()
    assert loan.principal_balance == Decimal("6000.00") and loan.status == LoanStatus.DELINQUENT
    assert loan.installments.get(number=1).left == first.amount_due
