"""The data-rights registry and retention classes, as every app uses them."""

import datetime as dt

import pytest

from blockguardian import datarights
from blockguardian.retention import RetentionClass, retain_until


@pytest.fixture
def isolated_registry(monkeypatch):
    monkeypatch.setattr(datarights, "_registry", {})


def test_exports_are_collected_per_app(isolated_registry):
    datarights.register("alpha", exporter=lambda user: {"owner": user})
    datarights.register("beta", exporter=lambda user: {"items": [1, 2]})

    assert datarights.export_for("u1") == {"alpha": {"owner": "u1"}, "beta": {"items": [1, 2]}}


def test_erasers_run_in_order_with_accounts_last(isolated_registry):
    ran = []
    datarights.register("accounts", eraser=lambda user: ran.append("accounts"), order=1000)
    datarights.register("trading", eraser=lambda user: ran.append("trading"))

    datarights.erase_for("u1")

    assert ran == ["trading", "accounts"]


def test_any_app_can_veto_with_an_internal_reason(isolated_registry):
    datarights.register("compliance", veto=lambda user: "open case")
    datarights.register("portfolios", veto=lambda user: None)

    assert datarights.vetoes_for("u1") == ["compliance: open case"]


@pytest.mark.parametrize(
    ("klass", "start", "until"),
    [
        (RetentionClass.CIP, dt.date(2024, 3, 1), dt.date(2029, 3, 1)),
        (RetentionClass.OFAC, dt.date(2024, 3, 1), dt.date(2034, 3, 1)),
        (RetentionClass.TRADE, dt.date(2024, 3, 1), dt.date(2030, 3, 1)),
        (RetentionClass.CREDIT_APPLICATION, dt.date(2024, 3, 31), dt.date(2026, 4, 30)),
        (RetentionClass.LOAN_DISCLOSURE, dt.date(2024, 2, 29), dt.date(2026, 2, 28)),
    ],
)
def test_retention_periods_follow_the_record_class(klass, start, until):
    assert retain_until(klass, start) == until


def test_retention_periods_are_settings(settings):
    settings.RETENTION_CLASSES = {**settings.RETENTION_CLASSES, "trade": {"years": 7, "starts": "created"}}

    assert retain_until(RetentionClass.TRADE, dt.date(2024, 1, 1)) == dt.date(2031, 1, 1)
