"""Events, histories and models for fraud's tests."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import factory
import numpy as np

from accounts.tests.factories import UserFactory
from fraud import services
from fraud.events import MoneyMovementEvent
from fraud.models import FraudAlert, StoredDecision
from fraud.rules import FEATURE_NAMES
from fraud.training import forest_fit, model_register_forest

# 11:00 in New York (EDT) on a Tuesday: the established customer's usual time.
NOW = dt.datetime(2025, 6, 10, 15, 0, tzinfo=dt.UTC)
HOME = "bank_account:home"
KNOWN_UA = "BlockGuardian/3.1 (iPhone)"
KNOWN_IP = "198.51.100.7"
NEW_UA = "curl/8.4"
NEW_IP = "203.0.113.99"

_METHODS = {"deposit": "ach", "withdrawal": "ach", "loan_disbursement": "ach", "loan_repayment": "ach"}


def make_event(customer, type: str = "withdrawal", amount: str | Decimal = "600.00", **kw) -> MoneyMovementEvent:
    values = {
        "customer": customer,
        "portfolio_id": 1,
        "type": type,
        "method": _METHODS.get(type),
        "amount": Decimal(str(amount)),
        "asset": "AAPL" if type in ("buy", "sell") else None,
        "destination": HOME if type in ("deposit", "withdrawal", "new_funding_source") else None,
        "occurred_at": NOW,
        "ip": KNOWN_IP,
        "user_agent": KNOWN_UA,
        "reference": None,
    }
    values.update(kw)
    return MoneyMovementEvent(**values)


def record(customer, type: str = "deposit", amount: str = "500.00", **kw) -> None:
    services.record(make_event(customer, type, amount, **kw))


def established_customer(**user_kw):
    """A customer of 400 days with 40 movements of $400-700 around 11:00 New York time between 68
    and 8 days ago, all from one device, to and from one bank account linked a year ago."""
    customer = UserFactory(date_joined=NOW - dt.timedelta(days=400), **user_kw)
    record(customer, "new_funding_source", "0", occurred_at=NOW - dt.timedelta(days=365))
    for i in range(40):
        at = NOW - dt.timedelta(days=68 - i * 1.5, hours=(i % 3) - 1)
        kind = "deposit" if i % 2 == 0 else "buy"
        record(customer, kind, f"{400 + (i * 37) % 300}.00", occurred_at=at)
    customer.refresh_from_db()
    return customer


def activate_model(*, calibration: dict | None = None, rows: int = 400, seed: int = 3):
    """Train, register and activate a small model on random features."""
    rng = np.random.default_rng(seed)
    features = rng.normal(1.0, 0.5, size=(rows, len(FEATURE_NAMES)))
    forest, _ = forest_fit(features, trees=20, seed=seed)
    if calibration is not None:
        forest = dataclasses.replace(forest, calibration=calibration)
    return model_register_forest(forest=forest, features=features, metrics={"test": True}, params={}, activate=True)


class StoredDecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StoredDecision

    customer = factory.SubFactory(UserFactory)
    event_type = "withdrawal"
    method = "ach"
    amount = Decimal("5000.00")
    occurred_at = NOW
    score = 500
    decision = "review"
    reasons = factory.LazyFunction(lambda: [{"code": "new_destination", "points": 200, "detail": "x"}])


class FraudAlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FraudAlert

    decision = factory.SubFactory(StoredDecisionFactory)
    customer = factory.SelfAttribute("decision.customer")
    severity = factory.SelfAttribute("decision.decision")
    score = factory.SelfAttribute("decision.score")
