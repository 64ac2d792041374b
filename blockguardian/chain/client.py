"""The web3 client: a connection per process for the current settings, and the registry calls.

* `WEB3_PROVIDER_URI` set: an HTTP JSON-RPC node, with short connect/read timeouts and no retries,
  signed locally with `CHAIN_SIGNER_KEY` (required). Empty: the in-process EVM (eth-tester on
  py-evm), one per process, signed with its first funded account.
* Fail fast: a connection error or timeout raises `ChainUnavailable` and opens a short cooldown
  (`CHAIN_UNAVAILABLE_COOLDOWN_SECONDS`) during which calls fail at once without touching the network,
  so a node that is down never holds a request for long.
* A node that answers but refuses (a revert, an RPC error) raises `ChainError`.
* Transactions: gas estimated and padded (`CHAIN_GAS_MULTIPLIER`, capped at `CHAIN_GAS_LIMIT_MAX`),
  fees filled by web3 (EIP-1559 where the node supports it), nonce from the node's pending count,
  serialised by a process lock (and by the caller's database lock across processes).

Nothing here touches the database; `services.py` decides what to send and records the outcome.
"""

from __future__ import annotations

import ast
import datetime as dt
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests
import structlog
from eth_account import Account
from eth_utils import keccak
from web3 import HTTPProvider, Web3
from web3.exceptions import (
    BadResponseFormat,
    ContractLogicError,
    ProviderConnectionError,
    RequestTimedOut,
    TransactionNotFound,
    Web3Exception,
)

from .artefacts import registry_artefact
from .conf import EMBEDDED_SIGNER_KEY, provider_uri, setting
from .errors import ChainError, ChainNotConfigured, ChainUnavailable

logger = structlog.get_logger(__name__)

EMBEDDED = "embedded"
RPC = "rpc"

# Errors that mean "the node cannot be reached or did not answer in time".
_UNAVAILABLE = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.HTTPError,
    ProviderConnectionError,
    RequestTimedOut,
    BadResponseFormat,
    ConnectionError,
    TimeoutError,
)


@dataclass(frozen=True)
class ChainIdentity:
    chain_id: int
    genesis_hash: str


@dataclass(frozen=True)
class OnChainAnchor:
    root: bytes
    kind: str
    anchored_at: dt.datetime
    block_number: int


@dataclass(frozen=True)
class SentTransaction:
    tx_hash: str
    nonce: int


@dataclass(frozen=True)
class Deployed:
    address: str
    tx_hash: str
    block_number: int


# --- the cooldown after a connection failure -----------------------------------------------------

_down_until: dict[str, float] = {}


def _breaker_key(uri: str) -> str:
    return uri or EMBEDDED


def _breaker_check(uri: str) -> None:
    until = _down_until.get(_breaker_key(uri), 0.0)
    if until and time.monotonic() < until:
        raise ChainUnavailable("the chain was unreachable moments ago; not retrying yet")


def _breaker_trip(uri: str) -> None:
    cooldown = float(setting("CHAIN_UNAVAILABLE_COOLDOWN_SECONDS"))
    if cooldown > 0:
        _down_until[_breaker_key(uri)] = time.monotonic() + cooldown


def _breaker_reset(uri: str) -> None:
    _down_until.pop(_breaker_key(uri), None)


def breaker_reset_all() -> None:
    _down_until.clear()


# --- revert data ---------------------------------------------------------------------------------


def revert_data(exc: BaseException) -> bytes | None:
    """The raw revert data of a failed call or estimate, from a JSON-RPC node or the in-process EVM."""
    data = getattr(exc, "data", None)
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x"):
        try:
            return bytes.fromhex(data[2:])
        except ValueError:
            return None
    for arg in getattr(exc, "args", ()):
        if isinstance(arg, bytes):
            return arg
        if isinstance(arg, str) and "execution reverted: b" in arg:
            literal = arg.split("execution reverted: ", 1)[1]
            try:
                value = ast.literal_eval(literal)
            except (ValueError, SyntaxError):
                return None
            return value if isinstance(value, bytes) else None
    return None


def custom_error_name(exc: BaseException) -> str | None:
    """The registry's custom error (`BatchExists`, `NotWriter`, ...) a revert carries, if any."""
    data = revert_data(exc)
    if not data or len(data) < 4:
        return None
    for entry in registry_artefact()["abi"]:
        if entry["type"] != "error":
            continue
        signature = f"{entry['name']}({','.join(i['type'] for i in entry['inputs'])})"
        if keccak(text=signature)[:4] == data[:4]:
            return entry["name"]
    return None


def _is_revert(exc: BaseException) -> bool:
    if isinstance(exc, ContractLogicError):
        return True
    # The in-process EVM raises its own exception type for reverts.
    return type(exc).__name__ == "TransactionFailed"


# --- the connection ------------------------------------------------------------------------------


class Chain:
    """A connection to the chain for one provider and signer (see `chain_connect`)."""

    def __init__(self, *, w3: Web3, signer_key: str, mode: str, uri: str, lock: threading.RLock) -> None:
        self.w3 = w3
        self.account = Account.from_key(signer_key)
        self.mode = mode
        self.uri = uri
        # The in-process EVM is not thread-safe: every connection to it shares one lock.
        self.lock = lock
        self._identity: ChainIdentity | None = None
        self._identity_checked = 0.0
        # Registry addresses this process deployed or verified, per chain identity.
        self.known_registries: dict[ChainIdentity, str] = {}
        self._contracts: dict[str, Any] = {}

    @property
    def address(self) -> str:
        return self.account.address

    @contextmanager
    def guard(self, what: str) -> Iterator[None]:
        _breaker_check(self.uri)
        try:
            with self.lock:
                yield
        except ChainUnavailable:
            raise
        except _UNAVAILABLE as exc:
            _breaker_trip(self.uri)
            logger.warning("chain_unreachable", call=what, error=f"{type(exc).__name__}: {exc}"[:300])
            raise ChainUnavailable(f"the chain did not answer ({what})") from exc
        except Exception as exc:
            if _is_revert(exc):
                reason = custom_error_name(exc) or str(exc)
                raise ChainError(f"{what} reverted: {reason}"[:1000]) from exc
            if isinstance(exc, Web3Exception | ValueError):
                raise ChainError(f"{what}: {type(exc).__name__}: {exc}"[:1000]) from exc
            raise

    # reads

    def identity(self) -> ChainIdentity:
        """Chain id and genesis hash; re-read now and then on a JSON-RPC node (it may be replaced)."""
        if self._identity and (self.mode == EMBEDDED or time.monotonic() - self._identity_checked < 60):
            return self._identity
        with self.guard("identity"):
            genesis = self.w3.eth.get_block(0)
            identity = ChainIdentity(chain_id=int(self.w3.eth.chain_id), genesis_hash=Web3.to_hex(genesis["hash"]))
        self._identity, self._identity_checked = identity, time.monotonic()
        return identity

    def block_number(self) -> int:
        with self.guard("block_number"):
            return int(self.w3.eth.block_number)

    def has_code(self, address: str) -> bool:
        with self.guard("get_code"):
            return len(self.w3.eth.get_code(Web3.to_checksum_address(address))) > 0

    def registry(self, address: str):
        address = Web3.to_checksum_address(address)
        contract = self._contracts.get(address)
        if contract is None:
            contract = self._contracts[address] = self.w3.eth.contract(address=address, abi=registry_artefact()["abi"])
        return contract

    def anchor_read(self, *, registry: str, batch_id: bytes) -> OnChainAnchor | None:
        """The anchor stored for `batch_id`, or None if the batch id was never anchored."""
        with self.guard("getAnchor"):
            # An explicit `from` spares a provider from looking up accounts to fill it in.
            call = self.registry(registry).functions.getAnchor(batch_id)
            root, kind, anchored_at, block_number = call.call({"from": self.address})
        if root == b"\x00" * 32:
            return None
        return OnChainAnchor(
            root=bytes(root),
            kind=kind,
            anchored_at=dt.datetime.fromtimestamp(anchored_at, tz=dt.UTC),
            block_number=int(block_number),
        )

    def receipt(self, tx_hash: str) -> dict | None:
        with self.guard("get_transaction_receipt"):
            try:
                return dict(self.w3.eth.get_transaction_receipt(tx_hash))
            except TransactionNotFound:
                return None

    def wait_receipt(self, tx_hash: str, *, timeout: float | None = None) -> dict | None:
        """The receipt, or None if the transaction is not mined within the timeout."""
        timeout = float(setting("CHAIN_RECEIPT_TIMEOUT_SECONDS")) if timeout is None else timeout
        poll = float(setting("CHAIN_RECEIPT_POLL_SECONDS"))
        if self.mode == EMBEDDED:
            poll = min(poll, 0.01)
        deadline = time.monotonic() + timeout
        while True:
            receipt = self.receipt(tx_hash)
            if receipt is not None:
                return receipt
            if time.monotonic() >= deadline:
                return None
            time.sleep(poll)

    def nonce(self, *, block: str = "pending") -> int:
        with self.guard("get_transaction_count"):
            return int(self.w3.eth.get_transaction_count(self.address, block))

    # writes

    def _send(
        self, function: Any, *, what: str, nonce: int | None = None, fee_bump: float = 1.0, gas_cap: int | None = None
    ) -> SentTransaction:
        with self.guard(what):
            params = {"from": self.address}
            gas = int(function.estimate_gas(params) * float(setting("CHAIN_GAS_MULTIPLIER")))
            if gas_cap is not None and gas > gas_cap:
                raise ChainError(f"{what} needs {gas} gas, above the cap of {gas_cap} (CHAIN_GAS_LIMIT_MAX)")
            if nonce is None:
                nonce = int(self.w3.eth.get_transaction_count(self.address, "pending"))
            tx = function.build_transaction({**params, "nonce": nonce, "gas": gas})
            if fee_bump != 1.0:
                for field in ("maxFeePerGas", "maxPriorityFeePerGas", "gasPrice"):
                    if field in tx:
                        tx[field] = int(tx[field] * fee_bump)
            signed = self.account.sign_transaction(tx)
            self.w3.eth.send_raw_transaction(signed.raw_transaction)
        return SentTransaction(tx_hash=Web3.to_hex(signed.hash), nonce=nonce)

    def anchor_send(
        self, *, registry: str, batch_id: bytes, root: bytes, kind: str, nonce: int | None = None, fee_bump: float = 1.0
    ) -> SentTransaction:
        function = self.registry(registry).functions.anchor(batch_id, root, kind)
        return self._send(
            function, what="anchor", nonce=nonce, fee_bump=fee_bump, gas_cap=int(setting("CHAIN_GAS_LIMIT_MAX"))
        )

    def deploy_registry(self) -> Deployed:
        artefact = registry_artefact()
        factory = self.w3.eth.contract(abi=artefact["abi"], bytecode=artefact["bytecode"])
        sent = self._send(factory.constructor(self.address), what="deploy")
        receipt = self.wait_receipt(sent.tx_hash)
        if receipt is None:
            raise ChainError("the registry deployment was not mined in time")
        if receipt["status"] != 1:
            raise ChainError("the registry deployment reverted")
        deployed = Deployed(
            address=Web3.to_checksum_address(receipt["contractAddress"]),
            tx_hash=sent.tx_hash,
            block_number=int(receipt["blockNumber"]),
        )
        self.known_registries[self.identity()] = deployed.address
        logger.info("chain_registry_deployed", address=deployed.address, mode=self.mode)
        return deployed

    def probe(self, *, timeout: float) -> int:
        """The latest block number, asked with `timeout` (for /health)."""
        if self.mode == EMBEDDED:
            return self.block_number()
        _breaker_check(self.uri)
        w3 = Web3(_http_provider(self.uri, connect=timeout, read=timeout))
        try:
            number = int(w3.eth.block_number)
        except _UNAVAILABLE as exc:
            _breaker_trip(self.uri)
            raise ChainUnavailable("the chain did not answer the health probe") from exc
        _breaker_reset(self.uri)
        return number


def _http_provider(uri: str, *, connect: float, read: float) -> HTTPProvider:
    return HTTPProvider(uri, request_kwargs={"timeout": (connect, read)}, exception_retry_configuration=None)


_embedded_w3: Web3 | None = None
_embedded_lock = threading.RLock()
_chains: dict[tuple, Chain] = {}
_chains_lock = threading.Lock()


def _embedded_web3() -> Web3:
    """The process's in-process EVM (one per process: its genesis differs from one process to the next)."""
    global _embedded_w3
    with _embedded_lock:
        if _embedded_w3 is None:
            from eth_tester import EthereumTester, PyEVMBackend
            from web3 import EthereumTesterProvider

            _embedded_w3 = Web3(EthereumTesterProvider(EthereumTester(PyEVMBackend())))
        return _embedded_w3


def chain_connect() -> Chain:
    """The connection for the current settings (cached per process; does not call the node).

    Raises `ChainNotConfigured` when anchoring is off or a JSON-RPC node has no signing key, and
    `ChainUnavailable` while the node is in its cooldown after a failure.
    """
    if not setting("CHAIN_ENABLED"):
        raise ChainNotConfigured("blockchain anchoring is switched off (CHAIN_ENABLED)")
    uri = provider_uri()
    key = setting("CHAIN_SIGNER_KEY") or ("" if uri else EMBEDDED_SIGNER_KEY)
    if not key:
        raise ChainNotConfigured("CHAIN_SIGNER_KEY is required with WEB3_PROVIDER_URI")
    connect, read = float(setting("CHAIN_CONNECT_TIMEOUT_SECONDS")), float(setting("CHAIN_REQUEST_TIMEOUT_SECONDS"))
    cache_key = (uri, key, connect, read)
    _breaker_check(uri)
    with _chains_lock:
        chain = _chains.get(cache_key)
        if chain is None:
            if uri:
                w3 = Web3(_http_provider(uri, connect=connect, read=read))
                chain = Chain(w3=w3, signer_key=key, mode=RPC, uri=uri, lock=threading.RLock())
            else:
                chain = Chain(w3=_embedded_web3(), signer_key=key, mode=EMBEDDED, uri="", lock=_embedded_lock)
            _chains[cache_key] = chain
    return chain


def chain_mode() -> str:
    return RPC if provider_uri() else EMBEDDED
