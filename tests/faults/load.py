"""Load for the fault tests: client threads calling the API back to back while a component fails,
recording every outcome (status, content type, a little of the body)."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import requests


@dataclass(frozen=True)
class Outcome:
    kind: str
    status: int  # 0: no HTTP response at all (connection refused or reset, timeout)
    content_type: str
    body: str
    at: float  # when the request was sent (time.monotonic)
    seconds: float
    # what was sent (None when no response came back), so that a client's retry can be replayed
    request: requests.PreparedRequest | None = field(default=None, repr=False, compare=False)


TIMEOUT = 15.0  # seconds a request may take before it counts as failed


def resend(outcome: Outcome) -> requests.Response:
    """The request of `outcome` sent again as it was (same body, token and Idempotency-Key), as a
    client retries a request that failed."""
    assert outcome.request is not None, outcome
    with requests.Session() as session:
        return session.send(outcome.request.copy(), timeout=TIMEOUT)


Action = Callable[[requests.Session], tuple[str, requests.Response]]


def customer_mix(base: str, customer: dict, asset: str) -> list[Action]:
    """What one customer does in a loop: place a market buy (with an Idempotency-Key), read the
    holdings and the portfolio, and now and then log in."""
    auth = {"Authorization": f"Bearer {customer['token']}"}
    portfolio = f"{base}/api/portfolios/{customer['portfolio']}"

    def order(session):
        headers = {**auth, "Idempotency-Key": uuid.uuid4().hex}
        return "order", session.post(
            f"{portfolio}/transactions",
            json={"type": "buy", "asset": asset, "quantity": "1"},
            headers=headers,
            timeout=TIMEOUT,
        )

    def holdings(session):
        return "holdings", session.get(f"{portfolio}/holdings", headers=auth, timeout=TIMEOUT)

    def detail(session):
        return "portfolio", session.get(portfolio, headers=auth, timeout=TIMEOUT)

    def login(session):
        return "login", session.post(
            f"{base}/api/auth/login",
            json={"email": customer["email"], "password": customer["password"]},
            timeout=TIMEOUT,
        )

    return [order, holdings, order, detail, order, holdings, login]


class Load:
    """One thread per action list, each cycling through its actions until stopped."""

    def __init__(self, plans: list[list[Action]]) -> None:
        self.plans = plans
        self.outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(plan,), daemon=True) for plan in plans]

    def _run(self, plan: list[Action]) -> None:
        session = requests.Session()
        for action in itertools.cycle(plan):
            if self._stop.is_set():
                return
            sent = time.monotonic()
            try:
                kind, response = action(session)
                outcome = Outcome(
                    kind,
                    response.status_code,
                    response.headers.get("Content-Type", ""),
                    response.text[:2000],
                    sent,
                    time.monotonic() - sent,
                    response.request,
                )
            except requests.RequestException as exc:
                outcome = Outcome(
                    getattr(action, "__name__", "?"), 0, "", repr(exc)[:500], sent, time.monotonic() - sent
                )
                session = requests.Session()
            with self._lock:
                self.outcomes.append(outcome)

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=TIMEOUT + 5)

    def snapshot(self) -> list[Outcome]:
        with self._lock:
            return list(self.outcomes)

    def statuses(self, kind: str | None = None) -> Counter:
        return Counter(o.status for o in self.snapshot() if kind is None or o.kind == kind)

    def wait_for_successes(self, count: int, timeout: float = 30.0) -> bool:
        """True once `count` requests in a row (across threads, from now on) succeeded."""
        start = len(self.snapshot())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            recent = self.snapshot()[start:]
            streak = 0
            for outcome in recent:
                streak = streak + 1 if 200 <= outcome.status < 300 else 0
            if streak >= count:
                return True
            time.sleep(0.1)
        return False
