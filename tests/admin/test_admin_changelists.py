"""The changelists of the largest tables run a bounded number of queries with 10,000 rows present:
no N+1 (`list_select_related`, annotations) and no second count of the whole table."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.db.models import Model

from compliance.tests import factories as compliance_factories

from .builders import loan_under_review, structuring_alert

pytestmark = pytest.mark.django_db

ROWS = 10_000
MAX_QUERIES = 20  # session, user, permissions, OTP device, messages, filters, count, page, alarm…


def _copies(obj: Model, n: int, vary) -> None:
    """`n` copies of `obj` in one bulk insert, each with the fields `vary(i)` returns."""
    model = type(obj)
    base = {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields if not f.primary_key}
    model.objects.bulk_create([model(**{**base, **vary(i)}) for i in range(n)], batch_size=2000)


def _measure(console, role: str, url: str, django_assert_max_num_queries):
    client = console(is_superuser=True) if role == "superuser" else console(role)
    client.get(url)  # warm caches (content types, permissions) as a working session has them
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    return response


def test_transactions(console, django_assert_max_num_queries):
    from trading.models import Transaction
    from trading.tests.factories import funded_portfolio, verified_customer

    customer = verified_customer()
    funded_portfolio(customer, "5000")
    tx = Transaction.objects.filter(user=customer).first() or _a_transaction(customer)
    _copies(tx, ROWS, lambda i: {"reference": "", "entry_id": None, "reservation_id": None})
    _measure(console, "compliance_officer", "/admin/trading/transaction/", django_assert_max_num_queries)
    _measure(
        console, "compliance_officer", "/admin/trading/transaction/?status__exact=filled", django_assert_max_num_queries
    )


def _a_transaction(customer):
    from trading.models import Transaction

    portfolio = customer.portfolios.first()
    from django.utils import timezone

    return Transaction.objects.create(
        user=customer,
        portfolio=portfolio,
        type="deposit",
        method="wire",
        status="filled",
        amount=Decimal("100.00"),
        requested_at=timezone.now(),
    )


def test_journal_entries(console, django_assert_max_num_queries):
    from portfolios.models import JournalEntry
    from trading.tests.factories import funded_portfolio, verified_customer

    funded_portfolio(verified_customer(), "5000")
    entry = JournalEntry.objects.first()
    _copies(entry, ROWS, lambda i: {"reference": "", "reverses_id": None, "settles_id": None})
    _measure(console, "superuser", "/admin/portfolios/journalentry/", django_assert_max_num_queries)


def test_monitoring_alerts(console, django_assert_max_num_queries):
    from compliance.models import Alert

    alert = structuring_alert(compliance_factories.customer())
    _copies(alert, ROWS, lambda i: {"dedup_key": f"copy-{i}"})
    response = _measure(console, "compliance_officer", "/admin/compliance/alert/", django_assert_max_num_queries)
    assert Alert.objects.count() == ROWS + 1 and b"structuring" in response.content
    _measure(
        console,
        "compliance_officer",
        "/admin/compliance/alert/?rule_name=structuring&owner=none&amount=10k-50k",
        django_assert_max_num_queries,
    )


def test_cases(console, django_assert_max_num_queries):
    from django.utils import timezone

    case = compliance_factories.open_case(compliance_factories.customer())
    now = timezone.now()
    _copies(case, ROWS, lambda i: {"status": "closed_no_action", "closing_reason": "copy", "closed_at": now})
    _measure(console, "compliance_officer", "/admin/compliance/case/", django_assert_max_num_queries)


def test_screening_hits(console, django_assert_max_num_queries, sanctions_list):
    import datetime as dt

    from compliance.models import ScreeningHit
    from compliance.services import customer_screen

    user = compliance_factories.customer()
    compliance_factories.submit_kyc(user, first="Ivan", last="Tsertsel", date_of_birth=dt.date(1966, 9, 8))
    customer_screen(user=user, trigger="kyc_submitted")
    _copies(ScreeningHit.objects.first(), ROWS, lambda i: {"review_id": None})
    _measure(console, "compliance_officer", "/admin/compliance/screeninghit/", django_assert_max_num_queries)


def test_fraud_decisions_and_alerts(console, django_assert_max_num_queries):
    from fraud.tests.factories import FraudAlertFactory, StoredDecisionFactory

    decision = StoredDecisionFactory()
    _copies(decision, ROWS, lambda i: {"reference": f"copy-{i}"})
    _measure(console, "risk_analyst", "/admin/fraud/storeddecision/", django_assert_max_num_queries)

    from fraud.models import FraudAlert, StoredDecision

    FraudAlertFactory()
    decisions = list(StoredDecision.objects.filter(alert__isnull=True).values_list("pk", flat=True)[:ROWS])
    _copies(FraudAlert.objects.first(), len(decisions), lambda i: {"decision_id": decisions[i]})
    _measure(console, "risk_analyst", "/admin/fraud/fraudalert/", django_assert_max_num_queries)


def test_loans(console, django_assert_max_num_queries):
    loan = loan_under_review()
    _copies(loan, ROWS, lambda i: {})
    _measure(console, "loan_officer", "/admin/lending/loan/", django_assert_max_num_queries)
    _measure(console, "loan_officer", "/admin/lending/loan/?queue=review", django_assert_max_num_queries)


def test_credit_scores(console, django_assert_max_num_queries):
    from credit.models import CreditScore

    loan_under_review()
    score = CreditScore.objects.first()
    _copies(score, ROWS, lambda i: {"public_id": uuid.uuid4()})
    _measure(console, "loan_officer", "/admin/credit/creditscore/", django_assert_max_num_queries)


def test_the_dashboard_costs_the_same_with_many_alerts(console, django_assert_max_num_queries):
    alert = structuring_alert(compliance_factories.customer())
    _copies(alert, ROWS, lambda i: {"dedup_key": f"copy-{i}", "rule_name": f"rule_{i % 7}", "status": "open"})
    _measure(console, "bsa_officer", "/admin/", django_assert_max_num_queries)


@pytest.fixture
def sanctions_list(db, tmp_path):
    from compliance.services import sanctions_list_load
    from compliance.tests.factories import SUBSET, wallet_entries, write_ofac_subset

    directory = write_ofac_subset(tmp_path / "ofac", (*SUBSET, *wallet_entries(1)))
    return sanctions_list_load(directory=directory).version
