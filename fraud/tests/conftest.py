import pytest

from fraud import engine


@pytest.fixture(autouse=True)
def _fraud_caches():
    """Thresholds and the model are cached per process: no test sees another's."""
    engine.caches_clear()
    yield
    engine.caches_clear()
