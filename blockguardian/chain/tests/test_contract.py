"""The registry contract on the in-process EVM: deploy, anchor, read back, refusals, events."""

from __future__ import annotations

import os

import pytest
from eth_tester import EthereumTester, PyEVMBackend
from web3 import EthereumTesterProvider, Web3

from blockguardian.chain.artefacts import registry_artefact
from blockguardian.chain.client import custom_error_name

KIND = "credit_score"


@pytest.fixture
def w3() -> Web3:
    return Web3(EthereumTesterProvider(EthereumTester(PyEVMBackend())))


@pytest.fixture
def owner(w3):
    return w3.eth.accounts[0]


@pytest.fixture
def stranger(w3):
    return w3.eth.accounts[1]


@pytest.fixture
def registry(w3, owner):
    artefact = registry_artefact()
    factory = w3.eth.contract(abi=artefact["abi"], bytecode=artefact["bytecode"])
    tx_hash = factory.constructor(owner).transact({"from": owner})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    return w3.eth.contract(address=receipt["contractAddress"], abi=artefact["abi"])


def _ids() -> tuple[bytes, bytes]:
    return os.urandom(32), os.urandom(32)


def _reverts_with(name: str, call) -> None:
    with pytest.raises(Exception) as caught:
        call()
    assert custom_error_name(caught.value) == name


def test_deploy_stores_the_committed_runtime_code_and_sets_owner_and_writer(w3, registry, owner, stranger):
    assert w3.eth.get_code(registry.address).hex() == registry_artefact()["deployedBytecode"].removeprefix("0x")
    assert registry.functions.owner().call() == owner
    assert registry.functions.isWriter(owner).call() is True
    assert registry.functions.isWriter(stranger).call() is False
    assert registry.functions.anchorCount().call() == 0


def test_anchor_then_read_back_root_kind_time_and_block(w3, registry, owner):
    batch_id, root = _ids()

    receipt = w3.eth.wait_for_transaction_receipt(
        registry.functions.anchor(batch_id, root, KIND).transact({"from": owner})
    )

    stored_root, kind, anchored_at, block_number = registry.functions.getAnchor(batch_id).call()
    block = w3.eth.get_block(receipt["blockNumber"])
    assert (stored_root, kind) == (root, KIND)
    assert (anchored_at, block_number) == (block["timestamp"], receipt["blockNumber"])
    assert registry.functions.isAnchored(batch_id).call() is True
    assert registry.functions.anchorCount().call() == 1


def test_an_unknown_batch_id_reads_as_a_zero_root(registry):
    root, kind, anchored_at, block_number = registry.functions.getAnchor(os.urandom(32)).call()

    assert (root, kind, anchored_at, block_number) == (b"\x00" * 32, "", 0, 0)


def test_a_batch_id_cannot_be_written_twice(w3, registry, owner):
    batch_id, root = _ids()
    registry.functions.anchor(batch_id, root, KIND).transact({"from": owner})

    _reverts_with(
        "BatchExists", lambda: registry.functions.anchor(batch_id, os.urandom(32), KIND).transact({"from": owner})
    )
    assert registry.functions.getAnchor(batch_id).call()[0] == root
    assert registry.functions.anchorCount().call() == 1


def test_another_account_cannot_anchor(registry, stranger):
    batch_id, root = _ids()

    _reverts_with("NotWriter", lambda: registry.functions.anchor(batch_id, root, KIND).transact({"from": stranger}))
    assert registry.functions.isAnchored(batch_id).call() is False


def test_the_owner_grants_and_revokes_writers(registry, owner, stranger):
    registry.functions.setWriter(stranger, True).transact({"from": owner})
    first, root = _ids()
    registry.functions.anchor(first, root, KIND).transact({"from": stranger})
    assert registry.functions.isAnchored(first).call() is True

    registry.functions.setWriter(stranger, False).transact({"from": owner})

    second, _ = _ids()
    _reverts_with("NotWriter", lambda: registry.functions.anchor(second, root, KIND).transact({"from": stranger}))


def test_only_the_owner_manages_writers_and_ownership(registry, stranger):
    _reverts_with("NotOwner", lambda: registry.functions.setWriter(stranger, True).transact({"from": stranger}))
    _reverts_with("NotOwner", lambda: registry.functions.transferOwnership(stranger).transact({"from": stranger}))
    assert registry.functions.isWriter(stranger).call() is False


def test_ownership_moves_to_the_new_owner(registry, owner, stranger):
    registry.functions.transferOwnership(stranger).transact({"from": owner})

    assert registry.functions.owner().call() == stranger
    _reverts_with("NotOwner", lambda: registry.functions.setWriter(owner, False).transact({"from": owner}))


@pytest.mark.parametrize(
    ("batch_id", "root", "kind", "error"),
    [
        (b"\x00" * 32, b"\x01" * 32, KIND, "EmptyBatchId"),
        (b"\x01" * 32, b"\x00" * 32, KIND, "EmptyRoot"),
        (b"\x01" * 32, b"\x01" * 32, "", "InvalidKind"),
        (b"\x01" * 32, b"\x01" * 32, "k" * 33, "InvalidKind"),
    ],
)
def test_empty_or_malformed_anchors_are_refused(registry, owner, batch_id, root, kind, error):
    _reverts_with(error, lambda: registry.functions.anchor(batch_id, root, kind).transact({"from": owner}))


def test_each_anchor_emits_one_event_with_its_batch_root_kind_and_time(w3, registry, owner):
    batch_id, root = _ids()
    receipt = w3.eth.wait_for_transaction_receipt(
        registry.functions.anchor(batch_id, root, KIND).transact({"from": owner})
    )

    (event,) = registry.events.Anchored().process_receipt(receipt)
    assert event["args"]["batchId"] == batch_id
    assert event["args"]["root"] == root
    assert event["args"]["kind"] == KIND
    assert event["args"]["anchoredAt"] == w3.eth.get_block(receipt["blockNumber"])["timestamp"]
    logs = registry.events.Anchored().get_logs(from_block=0, argument_filters={"batchId": batch_id})
    assert [log["transactionHash"] for log in logs] == [receipt["transactionHash"]]


def test_writer_changes_are_logged(w3, registry, owner, stranger):
    receipt = w3.eth.wait_for_transaction_receipt(
        registry.functions.setWriter(stranger, True).transact({"from": owner})
    )

    (event,) = registry.events.WriterSet().process_receipt(receipt)
    assert (event["args"]["writer"], event["args"]["allowed"]) == (stranger, True)
