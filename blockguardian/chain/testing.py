"""Helpers for tests that need the chain down, or a real JSON-RPC node (any app's tests may use them).

* `closed_port_uri()`: a `WEB3_PROVIDER_URI` nothing listens on (connection refused at once).
* `SilentServer`: accepts connections and never answers (a node that hangs).
* `JsonRpcNode`: a JSON-RPC node over HTTP in a thread, serving its own in-process EVM (another
  genesis than the process's embedded chain), so the production code path (HTTP provider, raw
  signed transactions, receipts, logs) runs for real. `node.tester` gives control over mining.
* `chain_state_reset()`: forget the cooldown after failures and the cached feature flag.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from hexbytes import HexBytes

from .client import breaker_reset_all, revert_data
from .conf import EMBEDDED_SIGNER_KEY
from .health import feature_cache_clear

# eth-tester funds the accounts of private keys 1..10.
NODE_SIGNER_KEY = EMBEDDED_SIGNER_KEY
NODE_OTHER_KEY = "0x" + "00" * 31 + "02"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_port_uri() -> str:
    return f"http://127.0.0.1:{free_port()}"


def chain_state_reset() -> None:
    breaker_reset_all()
    feature_cache_clear()


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | HexBytes):
        return "0x" + bytes(value).hex()
    if hasattr(value, "items"):
        return dict(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class JsonRpcNode:
    """An Ethereum JSON-RPC node on 127.0.0.1 backed by its own in-process EVM."""

    def __init__(self, port: int | None = None) -> None:
        from eth_tester import EthereumTester, PyEVMBackend
        from web3 import EthereumTesterProvider, Web3
        from web3.middleware import combine_middleware

        self.tester = EthereumTester(PyEVMBackend())
        provider = EthereumTesterProvider(self.tester)
        self.w3 = Web3(provider)
        self._request = combine_middleware(
            middleware=tuple(provider._middleware), w3=self.w3, provider_request_fn=provider.make_request
        )
        self._lock = threading.Lock()
        self.requests = 0
        self.port = port or free_port()
        self._server: ThreadingHTTPServer | None = None

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _answer(self, request: dict) -> dict:
        with self._lock:
            self.requests += 1
            try:
                response = dict(self._request(request["method"], request.get("params", [])))
            except Exception as exc:  # noqa: BLE001 - a revert, answered the way geth does
                data = revert_data(exc)
                error = {"code": 3, "message": "execution reverted"}
                if data:
                    error["data"] = "0x" + data.hex()
                else:
                    error = {"code": -32000, "message": str(exc)}
                return {"jsonrpc": "2.0", "id": request.get("id"), "error": error}
        response["id"] = request.get("id")
        return response

    def start(self) -> JsonRpcNode:
        node = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                answer = [node._answer(r) for r in body] if isinstance(body, list) else node._answer(body)
                data = json.dumps(answer, default=_json_default).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> JsonRpcNode:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class SilentServer:
    """Listens and accepts, never answers: a node that hangs."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> SilentServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
