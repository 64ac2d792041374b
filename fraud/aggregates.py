"""The per-customer aggregate as plain values, and the pure functions that update and read it.

A decision reads one row (`CustomerAggregate`) and never the customer's history. The aggregate
keeps:

* counts and amounts in 5-minute buckets of the last 24 hours (`recent`) and in day buckets of the
  last 35 days (`daily`), so velocity windows are sums over at most 288 + 35 small lists (a window
  is exact to its bucket: "1 hour" reads the buckets that overlap the last hour);
* histograms of log10 amounts per direction (`amount_hist`), from which the median and the median
  absolute deviation of the customer's amounts are read for a robust z-score;
* an hour-of-day histogram (business time zone), the last inbound/outbound/return/new-source times,
  and bounded lists of hashed devices (user agents) and networks (IP prefixes) with the time each
  was first seen.

Amounts are whole cents (ints).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from .events import INBOUND, OUTBOUND, RETURN, SOURCE, TRADE

FINE_SECONDS = 300
FINE_KEEP_SECONDS = 24 * 3600 + FINE_SECONDS
DAY_SECONDS = 86400
DAY_KEEP = 35
BIN_WIDTH = 0.1
BINS = 80
MAX_DEVICES = 16

# `recent` bucket layout
F_IDX, F_IN, F_OUT, F_TRADE, F_SMALL_IN, F_CENTS_IN, F_CENTS_OUT, F_SOURCES = range(8)
FINE_FIELDS = 8
# `daily` bucket layout
D_IDX, D_IN, D_OUT, D_CENTS_IN, D_CENTS_OUT = range(5)
DAY_FIELDS = 5


def to_cents(amount: Decimal) -> int:
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def amount_bin(cents: int) -> int:
    dollars = max(cents / 100.0, 1.0)
    return min(BINS - 1, max(0, int(math.floor(math.log10(dollars) / BIN_WIDTH))))


def log_amount(cents: int) -> float:
    return math.log10(max(cents / 100.0, 1.0))


@lru_cache(maxsize=4096)
def device_hash(user_agent: str | None) -> str:
    if not user_agent:
        return ""
    return hashlib.sha256(user_agent.strip().encode()).hexdigest()[:16]


@lru_cache(maxsize=4096)
def network_hash(ip: str | None) -> str:
    """A hash of the /24 (IPv4) or /48 (IPv6) the address belongs to."""
    if not ip:
        return ""
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ""
    prefix = 24 if address.version == 4 else 48
    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    return hashlib.sha256(str(network).encode()).hexdigest()[:16]


@dataclass
class Snapshot:
    version: int = 0
    movement_count: int = 0
    first_movement_at: dt.datetime | None = None
    last_movement_at: dt.datetime | None = None
    last_inbound_at: dt.datetime | None = None
    last_outbound_at: dt.datetime | None = None
    last_ach_return_at: dt.datetime | None = None
    ach_return_count: int = 0
    last_new_source_at: dt.datetime | None = None
    hold_until: dt.datetime | None = None
    amount_hist: dict = field(default_factory=dict)
    hour_hist: list = field(default_factory=lambda: [0] * 24)
    recent: list = field(default_factory=list)
    daily: list = field(default_factory=list)
    devices: list = field(default_factory=list)
    networks: list = field(default_factory=list)

    FIELDS = (
        "version",
        "movement_count",
        "first_movement_at",
        "last_movement_at",
        "last_inbound_at",
        "last_outbound_at",
        "last_ach_return_at",
        "ach_return_count",
        "last_new_source_at",
        "hold_until",
        "amount_hist",
        "hour_hist",
        "recent",
        "daily",
        "devices",
        "networks",
    )

    @classmethod
    def from_row(cls, row) -> Snapshot:
        return cls.from_values({name: getattr(row, name) for name in cls.FIELDS})

    @classmethod
    def from_values(cls, values: dict) -> Snapshot:
        snap = cls(**values)
        if len(snap.hour_hist) != 24:
            snap.hour_hist = [0] * 24
        return snap

    def to_row(self, row) -> None:
        for name in self.FIELDS:
            setattr(row, name, getattr(self, name))

    # --- reads -----------------------------------------------------------------------------

    def window(self, at: dt.datetime, seconds: int) -> list[int]:
        """Sums of the `recent` bucket fields over the buckets overlapping (at - seconds, at]."""
        now = epoch(at)
        first = (now - seconds) // FINE_SECONDS
        last = now // FINE_SECONDS
        sums = [0] * FINE_FIELDS
        for bucket in self.recent:
            if first <= bucket[F_IDX] <= last:
                for i in range(1, FINE_FIELDS):
                    sums[i] += bucket[i]
        return sums

    def days_window(self, at: dt.datetime, days: int) -> list[int]:
        """Sums of the `daily` bucket fields over the last `days` days (today included)."""
        today = epoch(at) // DAY_SECONDS
        first = today - days + 1
        sums = [0] * DAY_FIELDS
        for bucket in self.daily:
            if first <= bucket[D_IDX] <= today:
                for i in range(1, DAY_FIELDS):
                    sums[i] += bucket[i]
        return sums

    def hist(self, group: str) -> dict[str, int]:
        return self.amount_hist.get(group, {})

    def seen_since(self, name: str, item: str) -> int | None:
        """When a device or network (`devices` / `networks`) was first seen (epoch), or None."""
        for entry in getattr(self, name):
            if entry[0] == item:
                return entry[1]
        return None

    def hour_share(self, hour: int) -> float:
        """Share of the customer's movements in this hour and its two neighbours."""
        total = sum(self.hour_hist)
        if not total:
            return 0.0
        near = self.hour_hist[(hour - 1) % 24] + self.hour_hist[hour] + self.hour_hist[(hour + 1) % 24]
        return near / total

    # --- writes ----------------------------------------------------------------------------

    def apply(
        self,
        *,
        direction: str,
        cents: int,
        occurred_at: dt.datetime,
        hour: int,
        small_cents: int,
        device: str = "",
        network: str = "",
    ) -> None:
        """Add one recorded movement (or new source, or ACH return)."""
        self.version += 1
        if direction == RETURN:
            self.ach_return_count += 1
            self.last_ach_return_at = _later(self.last_ach_return_at, occurred_at)
            return
        now = epoch(occurred_at)
        if device:
            self.devices = _remember(self.devices, device, now)
        if network:
            self.networks = _remember(self.networks, network, now)
        fine = [now // FINE_SECONDS] + [0] * (FINE_FIELDS - 1)
        day = [now // DAY_SECONDS] + [0] * (DAY_FIELDS - 1)
        if direction == SOURCE:
            self.last_new_source_at = _later(self.last_new_source_at, occurred_at)
            fine[F_SOURCES] = 1
        else:
            self.movement_count += 1
            self.first_movement_at = _earlier(self.first_movement_at, occurred_at)
            self.last_movement_at = _later(self.last_movement_at, occurred_at)
            self.hour_hist = list(self.hour_hist)
            self.hour_hist[hour] += 1
            if cents > 0:
                b = str(amount_bin(cents))
                groups = {"all", direction}
                hist = {g: dict(self.amount_hist.get(g, {})) for g in self.amount_hist}
                for group in groups:
                    bucket = hist.setdefault(group, {})
                    bucket[b] = bucket.get(b, 0) + 1
                self.amount_hist = hist
            if direction == INBOUND:
                self.last_inbound_at = _later(self.last_inbound_at, occurred_at)
                fine[F_IN], fine[F_CENTS_IN] = 1, cents
                fine[F_SMALL_IN] = 1 if cents < small_cents else 0
                day[D_IN], day[D_CENTS_IN] = 1, cents
            elif direction == OUTBOUND:
                self.last_outbound_at = _later(self.last_outbound_at, occurred_at)
                fine[F_OUT], fine[F_CENTS_OUT] = 1, cents
                day[D_OUT], day[D_CENTS_OUT] = 1, cents
            elif direction == TRADE:
                fine[F_TRADE] = 1
        self.recent = _add_bucket(self.recent, fine, span=FINE_KEEP_SECONDS // FINE_SECONDS)
        self.daily = _add_bucket(self.daily, day, span=DAY_KEEP)


def _later(current: dt.datetime | None, moment: dt.datetime) -> dt.datetime:
    return moment if current is None or moment > current else current


def _earlier(current: dt.datetime | None, moment: dt.datetime) -> dt.datetime:
    return moment if current is None or moment < current else current


def _remember(items: list, item: str, now: int) -> list[list]:
    """[hash, first seen (epoch seconds)] pairs, most recently used last, at most MAX_DEVICES."""
    first_seen = now
    out = []
    for entry in items:
        if entry[0] == item:
            first_seen = min(entry[1], now)
        else:
            out.append(entry)
    out.append([item, first_seen])
    return out[-MAX_DEVICES:]


def _add_bucket(buckets: list[list[int]], new: list[int], *, span: int) -> list[list[int]]:
    """Merge `new` into the bucket with the same index, keeping the buckets of the last `span`
    indexes before the newest one (an out-of-order old event never drops recent buckets)."""
    keep_from = max([b[0] for b in buckets] + [new[0]]) - span
    out: list[list[int]] = []
    merged = False
    for bucket in buckets:
        if bucket[0] < keep_from:
            continue
        if bucket[0] == new[0]:
            bucket = [bucket[0]] + [a + b for a, b in zip(bucket[1:], new[1:], strict=True)]
            merged = True
        out.append(bucket)
    if not merged and new[0] >= keep_from:
        out.append(new)
        out.sort(key=lambda b: b[0])
    return out


def median_and_mad(hist: dict[str, int]) -> tuple[float, float, int]:
    """(median, MAD, n) of the log10-dollar amounts in a histogram, each bin taken as uniform."""
    bins = sorted((int(k), v) for k, v in hist.items() if v > 0)
    n = sum(v for _, v in bins)
    if n == 0:
        return 0.0, 0.0, 0
    half = n / 2.0
    cumulative = 0.0
    median = bins[-1][0] * BIN_WIDTH + BIN_WIDTH
    for b, count in bins:
        if cumulative + count >= half:
            median = (b + (half - cumulative) / count) * BIN_WIDTH
            break
        cumulative += count

    def mass_within(d: float) -> float:
        lo, hi = median - d, median + d
        total = 0.0
        for b, count in bins:
            left, right = b * BIN_WIDTH, (b + 1) * BIN_WIDTH
            overlap = min(hi, right) - max(lo, left)
            if overlap > 0:
                total += count * overlap / BIN_WIDTH
        return total

    # mass_within is piecewise linear and non-decreasing in d: find the breakpoint segment where
    # it crosses n/2 and interpolate.
    edges = sorted(
        {abs(median - b * BIN_WIDTH) for b, _ in bins} | {abs(median - (b + 1) * BIN_WIDTH) for b, _ in bins}
    )
    previous_d, previous_mass = 0.0, 0.0
    for d in edges:
        mass = mass_within(d)
        if mass >= half:
            if mass == previous_mass:
                return median, d, n
            return median, previous_d + (half - previous_mass) * (d - previous_d) / (mass - previous_mass), n
        previous_d, previous_mass = d, mass
    return median, edges[-1] if edges else 0.0, n
