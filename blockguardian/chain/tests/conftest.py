"""Chain test fixtures: a clean client state per test, a JSON-RPC node, a chain that is down."""

from __future__ import annotations

import pytest

from blockguardian.chain.client import chain_connect
from blockguardian.chain.testing import NODE_SIGNER_KEY, JsonRpcNode, chain_state_reset, closed_port_uri


@pytest.fixture(autouse=True)
def _chain_state(settings):
    # The embedded chain is per process; the cooldown and feature cache must not leak between tests.
    settings.CHAIN_UNAVAILABLE_COOLDOWN_SECONDS = 0
    chain_state_reset()
    yield
    chain_state_reset()


@pytest.fixture
def production_path(settings):
    """Workers and beat instead of the eager embedded default: batches wait to fill or age."""
    settings.CELERY_TASK_ALWAYS_EAGER = False


@pytest.fixture
def rpc_node(settings):
    """A JSON-RPC node over HTTP with its own chain, configured as `WEB3_PROVIDER_URI`."""
    with JsonRpcNode() as node:
        settings.WEB3_PROVIDER_URI = node.uri
        settings.CHAIN_SIGNER_KEY = NODE_SIGNER_KEY
        settings.CHAIN_RECEIPT_POLL_SECONDS = 0.02
        yield node


@pytest.fixture
def chain_down(settings):
    """`WEB3_PROVIDER_URI` at a closed port."""
    settings.WEB3_PROVIDER_URI = closed_port_uri()
    settings.CHAIN_SIGNER_KEY = NODE_SIGNER_KEY
    return settings.WEB3_PROVIDER_URI


@pytest.fixture
def chain():
    return chain_connect()
