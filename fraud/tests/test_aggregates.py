"""The incremental aggregate: windows, amount statistics, pruning (pure functions)."""

from __future__ import annotations

import datetime as dt
import math
import random
import statistics

import pytest

from fraud.aggregates import DAY_KEEP, F_CENTS_IN, F_IN, FINE_KEEP_SECONDS, FINE_SECONDS, Snapshot, median_and_mad

T0 = dt.datetime(2025, 6, 10, 15, 0, tzinfo=dt.UTC)


def _apply(snap: Snapshot, at: dt.datetime, cents: int = 10_000, direction: str = "in") -> None:
    snap.apply(direction=direction, cents=cents, occurred_at=at, hour=at.hour, small_cents=5000)


def test_the_one_hour_window_sees_the_last_hour_only():
    snap = Snapshot()
    for minutes in (130, 61 + 5, 45, 5):
        _apply(snap, T0 - dt.timedelta(minutes=minutes))

    window = snap.window(T0, 3600)

    assert window[F_IN] == 2
    assert window[F_CENTS_IN] == 20_000


def test_buckets_older_than_a_day_are_dropped_but_days_are_kept():
    snap = Snapshot()
    for hours in range(0, 24 * 40, 6):
        _apply(snap, T0 - dt.timedelta(hours=24 * 40 - hours))

    newest = (T0 - dt.timedelta(hours=6)).timestamp()
    assert min(b[0] for b in snap.recent) >= (newest - FINE_KEEP_SECONDS) // FINE_SECONDS - 1
    assert len(snap.recent) <= FINE_KEEP_SECONDS // FINE_SECONDS + 1
    assert len(snap.daily) <= DAY_KEEP + 1
    # six whole days of four movements, and today's two (03:00 and 09:00)
    assert snap.days_window(T0, 7)[1] == 6 * 4 + 2


def test_an_old_event_arriving_late_does_not_drop_recent_buckets():
    snap = Snapshot()
    _apply(snap, T0)
    _apply(snap, T0 - dt.timedelta(days=3))

    assert snap.window(T0, 3600)[F_IN] == 1
    assert snap.movement_count == 2


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_histogram_median_and_mad_are_close_to_the_exact_ones(seed):
    rng = random.Random(seed)
    amounts = [math.exp(rng.gauss(math.log(800), 0.6)) for _ in range(400)]
    snap = Snapshot()
    for a in amounts:
        _apply(snap, T0, cents=int(a * 100))
    logs = [math.log10(a) for a in amounts]
    exact_median = statistics.median(logs)
    exact_mad = statistics.median(abs(x - exact_median) for x in logs)

    median, mad, n = median_and_mad(snap.hist("all"))

    assert n == 400
    assert median == pytest.approx(exact_median, abs=0.02)
    assert mad == pytest.approx(exact_mad, abs=0.02)


def test_devices_keep_their_first_sighting_and_are_bounded():
    snap = Snapshot()
    for i in range(20):
        snap.apply(
            direction="trade", cents=100, occurred_at=T0 + dt.timedelta(hours=i), hour=0, small_cents=0, device=f"d{i}"
        )
    snap.apply(direction="trade", cents=100, occurred_at=T0 + dt.timedelta(days=2), hour=0, small_cents=0, device="d19")

    assert len(snap.devices) == 16
    assert snap.seen_since("devices", "d19") == int((T0 + dt.timedelta(hours=19)).timestamp())
    assert snap.seen_since("devices", "d0") is None
