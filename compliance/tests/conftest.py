"""compliance's test setup: a small sanctions list loaded per test, the full list's index once per
session (built from the bundled files, no database), officers, and helpers."""

from __future__ import annotations

import pytest

from compliance.screening.engine import SanctionsIndex, ScreeningConfig, entries_from_records
from compliance.screening.ofac import read_sanctions_dir
from compliance.selectors import sanctions_index_forget

from . import factories


@pytest.fixture(autouse=True)
def _fresh_index_cache():
    # Each test has its own database: an index cached by another test must not be reused.
    sanctions_index_forget()
    yield
    sanctions_index_forget()


@pytest.fixture(autouse=True)
def _no_monitoring_lag(settings):
    # Rows made by a test are read at once (production leaves the newest seconds for the next run).
    settings.MONITORING_SOURCE_LAG_SECONDS = 0


@pytest.fixture(scope="session")
def full_index() -> SanctionsIndex:
    """The whole bundled SDN list in the engine, with the default settings' thresholds."""
    return SanctionsIndex(entries_from_records(read_sanctions_dir(factories.OFAC_DIR)), ScreeningConfig.from_settings())


@pytest.fixture
def ofac_subset(tmp_path):
    return factories.write_ofac_subset(tmp_path / "ofac", (*factories.SUBSET, *factories.wallet_entries(1)))


@pytest.fixture
def sanctions_list(db, ofac_subset):
    from compliance.services import sanctions_list_load

    return sanctions_list_load(directory=ofac_subset).version


@pytest.fixture
def compliance_officer(db):
    return factories.officer("compliance_officer")


@pytest.fixture
def bsa_officer(db):
    return factories.officer("bsa_officer")
