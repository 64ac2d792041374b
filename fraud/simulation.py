"""Synthetic customer activity with injected fraud, for evaluation, benchmarks and demo data.

`generate(params, seed)` is pure and deterministic (Python's `random.Random(seed)` only): the same
parameters and seed give the same customers, events and security events, in the same order.
`jittered(params, seed)` moves every behavioural parameter by a factor drawn in [0.7, 1.3].
Labels are kept apart from the events: each `SimEvent` carries its pattern, instance and whether
it is the instance's key movement, and nothing of that reaches the fraud engine.

Normal customers (`customers`, joined long ago or, for `young_share` of them, during the run):
trade, deposit and withdraw at Poisson rates around their own typical amount (log-normal across
customers and within a customer), mostly near their own hour of the day; a few legitimately link
a new bank account, change phone, mistype their password, reset it, turn MFA on, make a large
withdrawal or see an ACH deposit returned.

Injected patterns:

* `ato` (account takeover) — an established customer: failed logins (sometimes), a password reset
  and/or MFA disabled (usually), from a new device and network; a new funding source (usually);
  a sell (sometimes); then a large withdrawal (`ato_amount_factor` × the victim's typical amount) to
  the attacker's account (the key movement). The victim's later activity is dropped.
* `card_testing` — a fresh account (`card_account_age_days`) links several funding sources and
  makes a burst of `card_burst_size` deposits of $1..`card_amount_max` within `card_burst_minutes`
  (the key movement: the burst's last deposit).
* `mule` — an account `mule_account_age_days` old receives `mule_inbound_count` deposits of about
  `mule_inbound_amount` from several sources over `mule_inbound_days`, then sends
  `mule_outbound_share` of them out in one withdrawal `mule_delay_hours` later (the key movement),
  usually to a destination linked just before.

Events before `start` are history (recorded, never assessed); events in `[start, start + days)`
are assessed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

NORMAL = "normal"
ATO = "ato"
CARD_TESTING = "card_testing"
MULE = "mule"
PATTERNS = (ATO, CARD_TESTING, MULE)

ASSETS = ("AAPL", "MSFT", "VTI", "SPY", "BTC", "ETH", "GLD", "AMZN", "NVDA", "QQQ")
USER_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) BlockGuardian/3.{v}",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) BlockGuardian/3.{v}",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/17.{v}",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0.{v}",
)


@dataclass(frozen=True)
class ActivityParams:
    """Every knob of the generator. Sizes and dates are never jittered; the rest is."""

    # size and time
    customers: int = 200  # normal customers
    history_days: int = 45  # recorded before `start`, never assessed
    days: int = 30  # assessed window
    start: str = "2025-03-03"  # first day of the assessed window (UTC)
    ato: int = 20  # instances of each pattern
    card_testing: int = 20
    mule: int = 20
    # normal behaviour
    young_share: float = 0.12  # accounts opened during the run
    trades_per_week: float = 2.0
    deposits_per_month: float = 2.0
    withdrawals_per_month: float = 0.8
    amount_median: float = 900.0  # dollars: the median customer's typical amount
    amount_customer_sigma: float = 0.9  # ln spread of typical amounts across customers
    amount_event_sigma: float = 0.45  # ln spread of one customer's amounts
    day_trader_share: float = 0.04
    day_trader_trades_per_day: float = 6.0
    hour_spread: float = 2.0  # hours around the customer's own time of day
    off_hour_share: float = 0.02  # movements at any hour
    large_withdrawal_share: float = 0.03
    large_withdrawal_factor: float = 5.0
    new_source_share: float = 0.06  # link a new bank account during the run and use it
    new_device_share: float = 0.05  # change phone during the run
    failed_login_share: float = 0.10
    password_reset_share: float = 0.04
    mfa_change_share: float = 0.03
    ach_return_share: float = 0.005  # of ACH deposits
    # account takeover
    ato_failed_logins_prob: float = 0.5
    ato_password_reset_prob: float = 0.8
    ato_mfa_disabled_prob: float = 0.3
    ato_email_changed_prob: float = 0.3
    ato_new_source_prob: float = 0.9
    ato_sell_prob: float = 0.4
    ato_delay_minutes: float = 90.0
    ato_amount_factor: float = 6.0
    # card testing
    card_account_age_days: float = 2.0
    card_sources: float = 3.0
    card_burst_size: float = 8.0
    card_burst_minutes: float = 25.0
    card_amount_max: float = 20.0
    # mules
    mule_account_age_days: float = 20.0
    mule_inbound_count: float = 8.0
    mule_inbound_days: float = 3.0
    mule_inbound_amount: float = 900.0
    mule_outbound_share: float = 0.9
    mule_delay_hours: float = 6.0
    mule_new_destination_prob: float = 0.7

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.start).replace(tzinfo=dt.UTC)

    @property
    def end_at(self) -> dt.datetime:
        return self.start_at + dt.timedelta(days=self.days)

    @property
    def history_at(self) -> dt.datetime:
        return self.start_at - dt.timedelta(days=self.history_days)


_NOT_JITTERED = {"customers", "history_days", "days", "start", "ato", "card_testing", "mule"}


def jittered(params: ActivityParams, seed: int, spread: float = 0.3) -> ActivityParams:
    """Every behavioural parameter times a factor in [1 - spread, 1 + spread] (shares ≤ 1)."""
    rng = random.Random(f"jitter:{seed}")
    changes = {}
    for f in dataclasses.fields(params):
        if f.name in _NOT_JITTERED:
            continue
        value = getattr(params, f.name) * rng.uniform(1 - spread, 1 + spread)
        if f.name.endswith(("_prob", "_share")):
            value = min(value, 1.0)
        changes[f.name] = value
    return dataclasses.replace(params, **changes)


@dataclass
class SimCustomer:
    key: int
    joined: dt.datetime
    pattern: str = NORMAL


@dataclass
class SimEvent:
    customer: int
    type: str
    method: str | None
    amount: Decimal
    asset: str | None
    destination: str | None
    at: dt.datetime
    ip: str
    user_agent: str
    pattern: str = NORMAL
    instance: int = -1
    key: bool = False
    seq: int = 0

    @property
    def assessed(self) -> bool:
        # ACH returns are recorded, never assessed (the caller does not ask for them)
        return self.type != "ach_return"


@dataclass
class SimSecurityEvent:
    customer: int
    kind: str
    outcome: str
    at: dt.datetime
    ip: str
    user_agent: str


@dataclass
class Dataset:
    params: ActivityParams
    seed: int
    customers: list[SimCustomer] = field(default_factory=list)
    events: list[SimEvent] = field(default_factory=list)
    security: list[SimSecurityEvent] = field(default_factory=list)

    def window_events(self) -> list[SimEvent]:
        start = self.params.start_at
        return [e for e in self.events if e.at >= start]


def _cents(value: float) -> Decimal:
    return Decimal(max(1, int(round(value * 100)))) / 100


class _Builder:
    def __init__(self, params: ActivityParams, seed: int) -> None:
        self.p = params
        self.rng = random.Random(f"activity:{seed}")
        self.data = Dataset(params=params, seed=seed)

    # helpers --------------------------------------------------------------------------------

    def customer(self, joined: dt.datetime, pattern: str = NORMAL) -> SimCustomer:
        c = SimCustomer(key=len(self.data.customers), joined=joined, pattern=pattern)
        self.data.customers.append(c)
        return c

    def ua(self) -> str:
        return self.rng.choice(USER_AGENTS).format(v=self.rng.randint(0, 40))

    def ip(self) -> str:
        r = self.rng
        return f"{r.randint(11, 220)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"

    def ip_in(self, network: str) -> str:
        return network.rsplit(".", 1)[0] + f".{self.rng.randint(1, 254)}"

    def event(self, c: SimCustomer, type_: str, at: dt.datetime, ip: str, ua: str, **kw) -> SimEvent:
        e = SimEvent(
            customer=c.key,
            type=type_,
            method=kw.pop("method", None),
            amount=kw.pop("amount", Decimal("0")),
            asset=kw.pop("asset", None),
            destination=kw.pop("destination", None),
            at=at,
            ip=ip,
            user_agent=ua,
            **kw,
        )
        self.data.events.append(e)
        return e

    def security(self, c: SimCustomer, kind: str, at: dt.datetime, ip: str, ua: str, outcome: str = "success"):
        self.data.security.append(SimSecurityEvent(c.key, kind, outcome, at, ip, ua))

    def poisson_times(self, rate_per_day: float, begin: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
        if rate_per_day <= 0 or end <= begin:
            return []
        out, t = [], begin
        while True:
            t = t + dt.timedelta(days=self.rng.expovariate(rate_per_day))
            if t >= end:
                return out
            out.append(t)

    def at_hour(self, moment: dt.datetime, home_hour: float) -> dt.datetime:
        """The same day (UTC) at the customer's usual time of day (US Eastern ≈ UTC-5)."""
        if self.rng.random() < self.p.off_hour_share:
            hour = self.rng.uniform(0, 24)
        else:
            hour = (self.rng.gauss(home_hour, self.p.hour_spread) + 5) % 24
        day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        return day + dt.timedelta(hours=hour)

    # normal customers -------------------------------------------------------------------------

    def normal(self, index: int) -> None:
        p, r = self.p, self.rng
        young = r.random() < p.young_share
        if young:
            joined = p.start_at + dt.timedelta(days=r.uniform(-25, p.days - 3))
        else:
            joined = p.history_at - dt.timedelta(days=r.uniform(20, 1500))
        c = self.customer(joined)
        typical = p.amount_median * math.exp(r.gauss(0, p.amount_customer_sigma))
        home = r.uniform(8, 21)
        activity = r.gammavariate(2.0, 0.5)
        day_trader = r.random() < p.day_trader_share
        networks = [self.ip() for _ in range(r.randint(1, 3))]
        uas = [self.ua() for _ in range(r.randint(1, 2))]
        sources = [f"bank_account:n{self.data.seed}-{index}-{k}" for k in range(r.randint(1, 2))]
        begin = max(joined, p.history_at)
        end = p.end_at

        def client(at: dt.datetime) -> tuple[str, str]:
            return self.ip_in(r.choice(networks)), r.choice(uas)

        # changes during the run
        switch_at = p.start_at + dt.timedelta(days=r.uniform(0, p.days))
        new_device = r.random() < p.new_device_share
        new_ua = self.ua()
        new_network = self.ip()
        new_source_at = switch_at + dt.timedelta(days=r.uniform(-10, 5))
        new_source = r.random() < p.new_source_share and new_source_at > joined

        def client_at(at: dt.datetime) -> tuple[str, str]:
            if new_device and at >= switch_at:
                return self.ip_in(r.choice([*networks, new_network])), new_ua
            return client(at)

        # account opening: sources linked, a first deposit
        open_at = joined + dt.timedelta(minutes=r.uniform(5, 120))
        for k, src in enumerate(sources):
            ip, ua = client_at(open_at)
            self.event(c, "new_funding_source", open_at + dt.timedelta(minutes=k), ip, ua, destination=src)
        first_deposit = open_at + dt.timedelta(hours=r.uniform(0.5, 48))
        ip, ua = client_at(first_deposit)
        self.event(
            c, "deposit", first_deposit, ip, ua, method="ach", amount=_cents(typical * r.uniform(2, 4)),
            destination=sources[0],
        )  # fmt: skip
        if new_source:
            ip, ua = client_at(new_source_at)
            src = f"bank_account:n{self.data.seed}-{index}-new"
            self.event(c, "new_funding_source", new_source_at, ip, ua, destination=src)

        def source_at(at: dt.datetime) -> str:
            if new_source and at > new_source_at and r.random() < 0.7:
                return f"bank_account:n{self.data.seed}-{index}-new"
            return r.choice(sources)

        def amount(factor: float = 1.0) -> Decimal:
            return _cents(typical * factor * math.exp(r.gauss(0, p.amount_event_sigma)))

        after = max(begin, first_deposit + dt.timedelta(hours=1))
        trade_rate = p.day_trader_trades_per_day if day_trader else p.trades_per_week / 7 * activity
        for moment in self.poisson_times(trade_rate, after, end):
            at = self.at_hour(moment, home)
            if at < after:
                continue
            ip, ua = client_at(at)
            kind = "buy" if r.random() < 0.6 else "sell"
            scale = r.uniform(0.2, 1.2) if day_trader else r.uniform(0.4, 1.5)
            self.event(c, kind, at, ip, ua, amount=amount(scale), asset=r.choice(ASSETS))
        for moment in self.poisson_times(p.deposits_per_month / 30 * activity, after, end):
            at = self.at_hour(moment, home)
            if at < after:
                continue
            ip, ua = client_at(at)
            method = "ach" if r.random() < 0.9 else "wire"
            dep = self.event(c, "deposit", at, ip, ua, method=method, amount=amount(), destination=source_at(at))
            if method == "ach" and r.random() < p.ach_return_share:
                back = at + dt.timedelta(days=r.uniform(2, 4))
                self.event(c, "ach_return", back, "", "", method="ach", amount=dep.amount, destination=dep.destination)
        for moment in self.poisson_times(p.withdrawals_per_month / 30 * activity, after, end):
            at = self.at_hour(moment, home)
            if at < after:
                continue
            ip, ua = client_at(at)
            factor = p.large_withdrawal_factor * r.uniform(0.6, 1.4) if r.random() < p.large_withdrawal_share else 1
            method = "ach" if r.random() < 0.85 else "wire"
            self.event(c, "withdrawal", at, ip, ua, method=method, amount=amount(factor), destination=source_at(at))
        # security events
        if r.random() < p.failed_login_share:
            for moment in self.poisson_times(1 / 20, begin, end)[:3] or [begin + dt.timedelta(days=r.uniform(0, 20))]:
                ip, ua = client_at(moment)
                for k in range(r.randint(1, 3)):
                    self.security(c, "login", moment + dt.timedelta(seconds=20 * k), ip, ua, outcome="failure")
                self.security(c, "login", moment + dt.timedelta(minutes=1), ip, ua)
        if r.random() < p.password_reset_share:
            moment = p.start_at + dt.timedelta(days=r.uniform(0, p.days))
            ip, ua = client_at(moment)
            self.security(c, "password_reset_requested", moment, ip, ua)
            self.security(c, "password_reset", moment + dt.timedelta(minutes=r.uniform(2, 60)), ip, ua)
        if r.random() < p.mfa_change_share:
            moment = p.start_at + dt.timedelta(days=r.uniform(0, p.days))
            ip, ua = client_at(moment)
            self.security(c, "mfa_enabled", moment, ip, ua)

    # patterns -------------------------------------------------------------------------------

    def ato(self, instance: int, victims: list[int]) -> None:
        p, r = self.p, self.rng
        candidates = [
            k
            for k in victims
            if self.data.customers[k].pattern == NORMAL
            and self.data.customers[k].joined < p.history_at
            and any(e.customer == k and e.type == "deposit" for e in self.data.events)
        ]
        if not candidates:
            return
        victim = self.data.customers[r.choice(candidates)]
        victim.pattern = ATO
        takeover = p.start_at + dt.timedelta(days=r.uniform(2, p.days - 1))
        # the victim's own activity stops at the takeover
        self.data.events = [e for e in self.data.events if not (e.customer == victim.key and e.at >= takeover)]
        own = [e for e in self.data.events if e.customer == victim.key and e.amount > 0]
        typical = sorted(float(e.amount) for e in own)[len(own) // 2] if own else p.amount_median
        ip, ua = self.ip(), self.ua()
        tag = {"pattern": ATO, "instance": instance}
        t = takeover
        if r.random() < p.ato_failed_logins_prob:
            for k in range(r.randint(2, 6)):
                self.security(victim, "login", t - dt.timedelta(minutes=30 - 3 * k), ip, ua, outcome="failure")
        self.security(victim, "login", t, ip, ua)
        if r.random() < p.ato_password_reset_prob:
            self.security(victim, "password_reset_requested", t + dt.timedelta(minutes=1), ip, ua)
            self.security(victim, "password_reset", t + dt.timedelta(minutes=r.uniform(2, 10)), ip, ua)
        if r.random() < p.ato_mfa_disabled_prob:
            self.security(victim, "mfa_disabled", t + dt.timedelta(minutes=r.uniform(3, 15)), ip, ua)
        if r.random() < p.ato_email_changed_prob:
            self.security(victim, "email_changed", t + dt.timedelta(minutes=r.uniform(3, 20)), ip, ua)
        delay = dt.timedelta(minutes=p.ato_delay_minutes * r.uniform(0.5, 1.5))
        destination = f"bank_account:ato{self.data.seed}-{instance}"
        if r.random() < p.ato_new_source_prob:
            linked = t + delay * r.uniform(0.2, 0.7)
            self.event(victim, "new_funding_source", linked, ip, ua, destination=destination, **tag)
        if r.random() < p.ato_sell_prob:
            sold = t + delay * r.uniform(0.7, 0.9)
            self.event(
                victim, "sell", sold, ip, ua, amount=_cents(typical * r.uniform(2, 5)), asset=r.choice(ASSETS), **tag
            )
        amount = _cents(typical * p.ato_amount_factor * r.uniform(0.5, 1.5))
        method = r.choice(["ach", "wire"])
        self.event(
            victim, "withdrawal", t + delay, ip, ua, method=method, amount=amount, destination=destination, key=True, **tag
        )  # fmt: skip

    def card_testing(self, instance: int) -> None:
        p, r = self.p, self.rng
        burst_at = p.start_at + dt.timedelta(days=r.uniform(1, p.days - 1))
        joined = burst_at - dt.timedelta(days=p.card_account_age_days * r.uniform(0.3, 1.5))
        c = self.customer(joined, CARD_TESTING)
        ip, ua = self.ip(), self.ua()
        tag = {"pattern": CARD_TESTING, "instance": instance}
        count = max(1, round(p.card_sources * r.uniform(0.7, 1.3)))
        sources = [f"bank_account:ct{self.data.seed}-{instance}-{k}" for k in range(count)]
        for k, src in enumerate(sources):
            linked = burst_at - dt.timedelta(minutes=40 - 5 * k + r.uniform(0, 3))
            self.event(c, "new_funding_source", linked, self.ip_in(ip), ua, destination=src, **tag)
        size = max(2, round(p.card_burst_size * r.uniform(0.6, 1.4)))
        offsets = sorted(r.uniform(0, p.card_burst_minutes) for _ in range(size))
        for k, minutes in enumerate(offsets):
            self.event(
                c, "deposit", burst_at + dt.timedelta(minutes=minutes), self.ip_in(ip), ua, method="ach",
                amount=_cents(r.uniform(1, p.card_amount_max)), destination=sources[k % len(sources)],
                key=k == size - 1, **tag,
            )  # fmt: skip

    def mule(self, instance: int) -> None:
        p, r = self.p, self.rng
        out_at = p.start_at + dt.timedelta(days=r.uniform(4, p.days - 0.5))
        last_in = out_at - dt.timedelta(hours=p.mule_delay_hours * r.uniform(0.5, 1.5))
        span = dt.timedelta(days=p.mule_inbound_days * r.uniform(0.5, 1.5))
        first_in = last_in - span
        joined = first_in - dt.timedelta(days=p.mule_account_age_days * r.uniform(0.5, 1.5))
        c = self.customer(joined, MULE)
        ip, ua = self.ip(), self.ua()
        tag = {"pattern": MULE, "instance": instance}
        count = max(2, round(p.mule_inbound_count * r.uniform(0.7, 1.3)))
        sources = [f"bank_account:mu{self.data.seed}-{instance}-{k}" for k in range(r.randint(2, 4))]
        for k, src in enumerate(sources):
            linked = joined + dt.timedelta(hours=1 + k * r.uniform(1, 24))
            self.event(c, "new_funding_source", min(linked, first_in), self.ip_in(ip), ua, destination=src, **tag)
        # a little cover activity
        for _ in range(r.randint(0, 2)):
            at = joined + (first_in - joined) * r.uniform(0.1, 0.9)
            self.event(
                c, "buy", at, self.ip_in(ip), ua, amount=_cents(r.uniform(20, 150)), asset=r.choice(ASSETS), **tag
            )
        total = Decimal("0")
        times = sorted([first_in, last_in] + [first_in + span * r.random() for _ in range(count - 2)])
        for k, at in enumerate(times):
            amount = _cents(p.mule_inbound_amount * math.exp(r.gauss(0, 0.4)))
            total += amount
            self.event(
                c, "deposit", at, self.ip_in(ip), ua, method="ach", amount=amount,
                destination=sources[k % len(sources)], **tag,
            )  # fmt: skip
        destination = f"wallet:mu{self.data.seed}-{instance}"
        method = "crypto"
        if r.random() < p.mule_new_destination_prob:
            linked = last_in + (out_at - last_in) * r.uniform(0.2, 0.8)
            self.event(c, "new_funding_source", linked, self.ip_in(ip), ua, destination=destination, **tag)
        else:
            destination, method = sources[0], "ach"
        share = min(1.0, p.mule_outbound_share * r.uniform(0.9, 1.1))
        self.event(
            c, "withdrawal", out_at, self.ip_in(ip), ua, method=method, amount=_cents(float(total) * share),
            destination=destination, key=True, **tag,
        )  # fmt: skip


def generate(params: ActivityParams, seed: int) -> Dataset:
    """Customers, events (time order) and security events for these parameters and seed."""
    b = _Builder(params, seed)
    for i in range(params.customers):
        b.normal(i)
    normal_keys = [c.key for c in b.data.customers]
    victims = b.rng.sample(normal_keys, k=min(len(normal_keys), params.ato * 3))
    for i in range(params.ato):
        b.ato(i, victims)
    for i in range(params.card_testing):
        b.card_testing(i)
    for i in range(params.mule):
        b.mule(i)
    for seq, e in enumerate(b.data.events):
        e.seq = seq
    b.data.events.sort(key=lambda e: (e.at, e.seq))
    for seq, e in enumerate(b.data.events):
        e.seq = seq
    b.data.security.sort(key=lambda s: (s.at, s.customer))
    return b.data
