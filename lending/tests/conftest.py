"""Fixtures of the lending tests."""

from __future__ import annotations

import pytest

from blockguardian.registry import model_cache_clear


@pytest.fixture(autouse=True)
def _clear_model_cache():
    model_cache_clear()
    yield
    model_cache_clear()


@pytest.fixture
def product(db):
    from .factories import LoanProductFactory

    return LoanProductFactory()


@pytest.fixture
def customer(db):
    from .factories import verified_customer

    return verified_customer()


@pytest.fixture(scope="session")
def _trained_scorecard():
    """The default scorecard, trained once per session (fewer folds: only its scores matter here)."""
    from credit.services import credit_model_train

    return credit_model_train(folds=2, repeats=1)


@pytest.fixture
def active_scorecard(db, _trained_scorecard):
    """The trained scorecard registered and active, so scores come from the model, not the rules."""
    from credit.services import credit_model_register

    return credit_model_register(result=_trained_scorecard, activate=True)
