"""Records for the console's tests, made through each app's services and factories."""

from __future__ import annotations

from decimal import Decimal

from accounts.tests.factories import StaffUserFactory


def loan_under_review(*, amount: str = "25000.00"):
    """An application the automated underwriting left to an officer, reviewed by a first officer
    (four eyes: a second one decides)."""
    from django.contrib.auth.models import Group

    from lending import services
    from lending.tests.factories import LoanProductFactory, application, funded_portfolio, verified_customer

    customer = verified_customer()
    loan = services.loan_apply(
        user=customer,
        data=application(
            LoanProductFactory(),
            funded_portfolio(customer),
            amount=Decimal(amount),
            term_months=60,
            monthly_income=Decimal("20000"),
        ),
    )
    reviewer = StaffUserFactory()
    reviewer.groups.add(Group.objects.get(name="loan_officer"))
    return services.loan_review_record(loan=loan, officer=reviewer)


def structuring_case(customer=None, *, officer=None, to: str = "open"):
    """A structuring alert (three cash deposits just under the CTR threshold) worked into the
    customer's case, moved on to `to` by `officer`."""
    from compliance.services import case_transition
    from compliance.tests import factories

    customer = customer or factories.kyc_customer()
    alert = structuring_alert(customer)
    case = alert.case
    path = ["investigating", "escalated", "sar_required"]
    if to != "open":
        for state in path[: path.index(to) + 1]:
            case = case_transition(case=case, to=state, acting_user=officer)
    return case


def structuring_alert(customer):
    import datetime as dt

    from compliance.services import Detection, alert_raise
    from compliance.tests.factories import BUSINESS_DAY

    return alert_raise(
        rule_name="structuring",
        rule_version="1",
        detection=Detection(
            dedup_key=f"structuring:{customer.pk}",
            customer_id=customer.pk,
            evidence=("trading.transaction:1", "trading.transaction:2", "trading.transaction:3"),
            score=85,
            amount=Decimal("28200.00"),
            activity_start=BUSINESS_DAY,
            activity_end=BUSINESS_DAY + dt.timedelta(days=3),
            details={"deposits": ["9400.00", "9300.00", "9500.00"]},
        ),
    )
