"""Fixtures of the credit tests: one scorecard trained per session, registered per test."""

from __future__ import annotations

import pytest

from blockguardian.registry import model_cache_clear


@pytest.fixture(autouse=True)
def _clear_model_cache():
    # Test databases roll back, so (name, version) is reused across tests: never serve a stale load.
    model_cache_clear()
    yield
    model_cache_clear()


@pytest.fixture(scope="session")
def trained():
    """The default scorecard trained with the settings (5 folds x 3 repeats), once per session."""
    from credit.services import credit_model_train

    return credit_model_train()


@pytest.fixture
def scorecard(trained):
    return trained.scorecard


@pytest.fixture
def active_model(db, trained):
    """The trained scorecard registered and active (version, scorecard)."""
    from credit.services import credit_model_register

    version = credit_model_register(result=trained, activate=True)
    return version
