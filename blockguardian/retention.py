"""Retention classes (settings.RETENTION_CLASSES): how long each record class is kept, from when."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models


class RetentionStart(models.TextChoices):
    """The event a record class's retention counts from (`starts` in settings.RETENTION_CLASSES)."""

    ACCOUNT_CLOSED = "account_closed", "the day the account closes"
    FILED = "filed", "the filing date"
    DECIDED = "decided", "the decision date"
    CREATED = "created", "the day the record was made"
    LOAN_CLOSED = "loan_closed", "the day the loan ends (repaid, charged off or cancelled)"


class RetentionClass(models.TextChoices):
    CIP = "cip", "CIP records (5 years after the account closes)"
    SAR = "sar", "SAR copies (5 years from filing)"
    CTR = "ctr", "CTR copies (5 years from filing)"
    BSA_SUPPORTING = "bsa_supporting", "BSA supporting documents (5 years)"
    OFAC = "ofac", "OFAC records (10 years)"
    TRADE = "trade", "Trade records and confirmations (6 years)"
    CREDIT_APPLICATION = "credit_application", "Credit applications (25 months)"
    ADVERSE_ACTION = "adverse_action", "Adverse action records (25 months)"
    LOAN_DISCLOSURE = "loan_disclosure", "Loan disclosures (2 years after the loan)"
    AUDIT = "audit", "Audit trail (7 years)"


def retention_period(klass: str) -> relativedelta:
    rule = settings.RETENTION_CLASSES[klass]
    return relativedelta(years=rule.get("years", 0), months=rule.get("months", 0), days=rule.get("days", 0))


def retention_starts(klass: str) -> str:
    """The event the period counts from (account_closed, filed, decided, created, loan_closed)."""
    starts = settings.RETENTION_CLASSES[klass]["starts"]
    if starts not in RetentionStart.values:
        raise ValueError(f"retention class {klass!r} starts at an unknown event {starts!r}")
    return starts


def retention_describe(klass: str) -> str:
    """How long and from when, in words ("5 years after the day the account closes")."""
    rule = settings.RETENTION_CLASSES[klass]
    parts = [f"{rule[unit]} {unit}" for unit in ("years", "months", "days") if rule.get(unit)]
    return f"{' '.join(parts)} after {RetentionStart(retention_starts(klass)).label}"


def retain_until(klass: str, start: dt.date | dt.datetime) -> dt.date:
    """The last day a record of `klass` whose retention started on `start` must be kept."""
    if isinstance(start, dt.datetime):
        start = start.date()
    return start + retention_period(klass)
