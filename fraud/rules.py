"""The rules and the anomaly model's features: pure functions of one event and the state a decision
reads (the customer's aggregate, the destination's first sighting, recent security events).

Every rule contributes points and a reason (an internal code and detail); the score is their sum
capped at 1000, and the decision follows from the `review_score` and `block_score` thresholds.
Only the thresholds (`FRAUD_THRESHOLDS`, with their overrides) change what a rule does.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .aggregates import (
    D_CENTS_IN,
    D_IN,
    F_CENTS_IN,
    F_CENTS_OUT,
    F_IN,
    F_OUT,
    F_SMALL_IN,
    F_SOURCES,
    F_TRADE,
    Snapshot,
    log_amount,
    median_and_mad,
    to_cents,
)
from .events import INBOUND, OUTBOUND, SOURCE, TRADE, EventType, MoneyMovementEvent

HOUR = 3600
DAY = 86400

# Security-event kinds (accounts.models.SecurityEvent.Kind) each rule reads, with its threshold key.
SECURITY_RULES: tuple[tuple[str, str, str], ...] = (
    # (reason code, SecurityEvent kind, threshold prefix)
    ("password_reset", "password_reset", "password_reset"),
    ("password_changed", "password_changed", "password_changed"),
    ("mfa_disabled", "mfa_disabled", "mfa_disabled"),
    ("mfa_enabled", "mfa_enabled", "mfa_enabled"),
    ("email_changed", "email_changed", "email_changed"),
    ("token_reuse", "token_reuse", "token_reuse"),
    ("lockout", "lockout", "lockout"),
)
SECURITY_KINDS = ["login", *(kind for _, kind, _ in SECURITY_RULES)]
# Reasons that mean someone changed how the account is accessed.
CREDENTIAL_CHANGES = frozenset({"password_reset", "password_changed", "mfa_disabled", "email_changed", "token_reuse"})


@dataclass(frozen=True)
class Reason:
    code: str
    points: int
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "points": self.points, "detail": self.detail}


@dataclass(frozen=True)
class SecuritySignal:
    kind: str
    outcome: str
    at: dt.datetime


@dataclass
class Context:
    event: MoneyMovementEvent
    snap: Snapshot
    t: dict
    hour: int  # of the event, business time zone
    destination_known: bool = False
    destination_first_seen: dt.datetime | None = None
    security: list[SecuritySignal] = field(default_factory=list)
    device: str = ""
    network: str = ""

    @property
    def direction(self) -> str:
        return self.event.direction

    # Values both the rules and the features read, computed once per decision.
    @cached_property
    def cents(self) -> int:
        return to_cents(self.event.amount)

    @cached_property
    def hour_window(self) -> list[int]:
        return self.snap.window(self.event.occurred_at, HOUR)

    @cached_property
    def day_window(self) -> list[int]:
        return self.snap.window(self.event.occurred_at, DAY)

    @cached_property
    def pass_through_window(self) -> list[int]:
        return self.snap.days_window(self.event.occurred_at, int(self.t["pass_through_days"]))

    @cached_property
    def amount_z(self) -> tuple[float, int]:
        """`amount_zscore` of this event's amount."""
        return amount_zscore(self.snap, self.cents, self.t)

    @property
    def sensitive(self) -> bool:
        """Money leaves, a loan is paid out, or a funding source is added: the events an account
        takeover is after, for which security events and new destinations count."""
        return self.direction in (OUTBOUND, SOURCE) or self.event.type == EventType.LOAN_DISBURSEMENT


def sensitive(event: MoneyMovementEvent) -> bool:
    return event.direction in (OUTBOUND, SOURCE) or event.type == EventType.LOAN_DISBURSEMENT


def _hours_since(moment: dt.datetime | None, at: dt.datetime) -> float | None:
    if moment is None:
        return None
    return (at - moment).total_seconds() / HOUR


def amount_zscore(snap: Snapshot, cents: int, t: dict) -> tuple[float, int]:
    """(robust z-score of this amount's log10 against the customer's amounts, history size)."""
    median, mad, n = median_and_mad(snap.hist("all"))
    if n == 0:
        return 0.0, 0
    scale = max(1.4826 * mad, float(t["amount_scale_floor"]))
    return (log_amount(cents) - median) / scale, n


def rule_reasons(ctx: Context) -> list[Reason]:
    """Every rule that fires on this event, in a fixed order."""
    e, s, t = ctx.event, ctx.snap, ctx.t
    at = e.occurred_at
    cents = ctx.cents
    reasons: list[Reason] = []

    def fire(code: str, points: float, detail: str) -> None:
        if points:
            reasons.append(Reason(code, int(points), detail))

    # --- velocity (this event included) ---------------------------------------------------
    hour, day = ctx.hour_window, ctx.day_window
    funding = ctx.direction in (INBOUND, OUTBOUND)
    if funding:
        count_1h = hour[F_IN] + hour[F_OUT] + 1
        count_24h = day[F_IN] + day[F_OUT] + 1
        if count_1h >= t["velocity_count_1h"]:
            fire("velocity_count_1h", t["velocity_count_1h_points"], f"{count_1h} funding movements in 1 h")
        if count_24h >= t["velocity_count_24h"]:
            fire("velocity_count_24h", t["velocity_count_24h_points"], f"{count_24h} funding movements in 24 h")
        amount_1h = (hour[F_CENTS_IN] + hour[F_CENTS_OUT] + cents) / 100
        amount_24h = (day[F_CENTS_IN] + day[F_CENTS_OUT] + cents) / 100
        if amount_1h >= t["velocity_amount_1h"]:
            fire("velocity_amount_1h", t["velocity_amount_1h_points"], f"${amount_1h:,.0f} moved in 1 h")
        if amount_24h >= t["velocity_amount_24h"]:
            fire("velocity_amount_24h", t["velocity_amount_24h_points"], f"${amount_24h:,.0f} moved in 24 h")
    if ctx.direction == TRADE:
        trades_1h = hour[F_TRADE] + 1
        if trades_1h >= t["trade_velocity_count_1h"]:
            fire("trade_velocity_count_1h", t["trade_velocity_count_1h_points"], f"{trades_1h} trades in 1 h")

    # --- card testing: a burst of small deposits --------------------------------------------
    if ctx.direction == INBOUND and cents < t["small_deposit_amount"] * 100:
        small = hour[F_SMALL_IN] + 1
        if small >= t["small_deposit_count_1h"]:
            fire("small_deposit_burst", t["small_deposit_burst_points"], f"{small} small deposits in 1 h")

    # --- amount far above the customer's own history --------------------------------------
    if ctx.direction == OUTBOUND and cents > 0:
        z, n = ctx.amount_z
        if n >= t["amount_min_history"]:
            if cents >= t["amount_min_dollars"] * 100:
                if z >= t["amount_zscore_high"]:
                    fire("amount_above_history", t["amount_zscore_high_points"], f"robust z {z:.1f} over {n}")
                elif z >= t["amount_zscore"]:
                    fire("amount_above_history", t["amount_zscore_points"], f"robust z {z:.1f} over {n}")
        elif cents >= t["amount_no_history_dollars"] * 100:
            fire("large_amount_no_history", t["amount_no_history_points"], f"${cents / 100:,.0f} with {n} before")

    # --- money out soon after money in, or after an ACH return -------------------------------
    if ctx.direction == OUTBOUND:
        since_in = _hours_since(s.last_inbound_at, at)
        if since_in is not None and 0 <= since_in <= t["withdrawal_after_deposit_hours"]:
            fire("withdrawal_after_deposit", t["withdrawal_after_deposit_points"], f"{since_in:.1f} h after a deposit")
        since_return = _hours_since(s.last_ach_return_at, at)
        if since_return is not None and 0 <= since_return <= t["withdrawal_after_return_days"] * 24:
            fire(
                "withdrawal_after_ach_return",
                t["withdrawal_after_return_points"],
                f"{since_return / 24:.1f} days after an ACH return",
            )
        week = ctx.pass_through_window
        if week[D_IN] >= t["pass_through_min_inbound"] and week[D_CENTS_IN] > 0:
            ratio = cents / week[D_CENTS_IN]
            if ratio >= t["pass_through_ratio"]:
                fire(
                    "pass_through",
                    t["pass_through_points"],
                    f"{ratio:.0%} of {week[D_IN]} inbound movements of the last {int(t['pass_through_days'])} days",
                )

    # --- new funding source or destination -------------------------------------------------
    if ctx.direction == SOURCE:
        fire("new_funding_source", t["new_funding_source_points"], "a new funding source")
        sources = day[F_SOURCES] + 1
        if sources >= t["funding_source_burst_count_24h"]:
            fire("funding_source_burst", t["funding_source_burst_points"], f"{sources} new funding sources in 24 h")
    elif ctx.sensitive and e.destination:
        if not ctx.destination_known:
            fire("new_destination", t["new_destination_points"], "a destination never used before")
        elif ctx.destination_first_seen is not None:
            age_days = (at - ctx.destination_first_seen).total_seconds() / DAY
            if age_days < t["new_destination_days"]:
                fire(
                    "new_destination", t["new_destination_points"], f"a destination first seen {age_days:.1f} days ago"
                )

    # --- new device ---------------------------------------------------------------------------
    if ctx.sensitive and new_device(ctx):
        fire("new_device", t["new_device_points"], "a user agent and a network first seen in the last day")

    # --- unusual hour -------------------------------------------------------------------------
    if ctx.direction != SOURCE and s.movement_count >= t["unusual_hour_min_history"]:
        share = s.hour_share(ctx.hour)
        if share < t["unusual_hour_share"]:
            fire("unusual_hour", t["unusual_hour_points"], f"{share:.1%} of past movements near {ctx.hour:02d}h")

    # --- young account --------------------------------------------------------------------------
    joined = getattr(e.customer, "date_joined", None)
    if joined is not None:
        age_days = (at - joined).total_seconds() / DAY
        if age_days < t["young_account_days"]:
            fire("young_account", t["young_account_points"], f"account {max(age_days, 0):.0f} days old")

    # --- security events (accounts) ------------------------------------------------------------
    if ctx.sensitive and ctx.security:
        failures = [
            sig
            for sig in ctx.security
            if sig.kind == "login" and sig.outcome == "failure" and _within(sig.at, at, t["failed_logins_hours"])
        ]
        if len(failures) >= t["failed_logins_count"]:
            fire("failed_logins", t["failed_logins_points"], f"{len(failures)} failed logins")
        for code, kind, prefix in SECURITY_RULES:
            hits = [sig for sig in ctx.security if sig.kind == kind and _within(sig.at, at, t[f"{prefix}_hours"])]
            if hits:
                ago = (at - max(sig.at for sig in hits)).total_seconds() / HOUR
                fire(code, t[f"{prefix}_points"], f"{kind} {ago:.1f} h before")

    # --- the account-takeover pattern: two of new device, new destination, credential change -------
    if ctx.sensitive:
        present = {r.code for r in reasons}
        signals = sorted(
            {"new_device", "new_destination"} & present
            | ({"credential_change"} if present & CREDENTIAL_CHANGES else set())
        )
        if len(signals) >= 2:
            fire("takeover_pattern", t["takeover_pattern_points"], " + ".join(signals))

    # --- restrictions (accounts) and FINRA 2165 holds ---------------------------------------------
    restriction = getattr(e.customer, "restriction", "none") or "none"
    refused = {"blocked"} if ctx.direction in (INBOUND, TRADE) else {"frozen", "blocked"}
    if e.type == EventType.SELL:
        refused = {"blocked"}
    if restriction in refused:
        fire(f"restriction_{restriction}", 1000, f"customer restriction {restriction}")
    elif restriction in ("review", "frozen"):
        fire("restriction_review", t["restriction_review_points"], f"customer restriction {restriction}")
    if ctx.direction == OUTBOUND and s.hold_until is not None and at < s.hold_until:
        fire("finra_hold_active", t["review_score"], "a FINRA 2165 hold is in force")
    return reasons


def new_device(ctx: Context) -> bool:
    """Both the user agent and the network are unseen, or first seen within `new_device_hours`,
    for a customer with some history."""
    s, t = ctx.snap, ctx.t
    if not (ctx.device and ctx.network) or s.movement_count < t["new_device_min_history"]:
        return False
    recent = ctx.event.occurred_at.timestamp() - t["new_device_hours"] * HOUR
    for name, item in (("devices", ctx.device), ("networks", ctx.network)):
        seen = s.seen_since(name, item)
        if seen is not None and seen <= recent:
            return False
    return True


def _within(moment: dt.datetime, at: dt.datetime, hours: float) -> bool:
    return at - dt.timedelta(hours=hours) <= moment <= at


# --- the anomaly model's features ---------------------------------------------------------------

FEATURE_NAMES: tuple[str, ...] = (
    "log_amount",
    "amount_z",
    "funding_count_1h",
    "small_inbound_1h",
    "inbound_count_24h",
    "outbound_count_24h",
    "log_hours_since_inbound",
    "log_destination_age_days",
    "new_device",
    "hour_share",
    "log_account_age_days",
    "security_signals",
    "direction",
    "log_history",
    "pass_through_ratio",
    "new_sources_24h",
)
_DIRECTION_CODE = {INBOUND: 0.0, OUTBOUND: 1.0, TRADE: 2.0, SOURCE: 3.0}


def feature_vector(ctx: Context) -> list[float]:
    """The model's view of one event (same order as FEATURE_NAMES); no NaN, bounded values."""
    e, s = ctx.event, ctx.snap
    at = e.occurred_at
    cents = ctx.cents
    hour, day = ctx.hour_window, ctx.day_window
    z, n = ctx.amount_z if cents > 0 else (0.0, 0)
    since_in = _hours_since(s.last_inbound_at, at)
    if not (ctx.sensitive and e.destination):
        destination_age = 3.0  # not applicable: as an old destination
    elif not ctx.destination_known or ctx.destination_first_seen is None:
        destination_age = 0.0
    else:
        destination_age = math.log10(1 + max(0.0, (at - ctx.destination_first_seen).total_seconds() / DAY))
    joined = getattr(e.customer, "date_joined", None)
    account_age = (at - joined).total_seconds() / DAY if joined else 3650.0
    signals = 0.0
    for sig in ctx.security:
        if sig.kind == "login":
            signals += 0.25 if sig.outcome == "failure" else 0.0
        else:
            signals += 1.0
    week = ctx.pass_through_window
    ratio = cents / week[D_CENTS_IN] if ctx.direction == OUTBOUND and week[D_CENTS_IN] > 0 else 0.0
    return [
        log_amount(cents) if cents > 0 else 0.0,
        max(-10.0, min(10.0, z)),
        float(hour[F_IN] + hour[F_OUT]),
        float(hour[F_SMALL_IN]),
        float(day[F_IN]),
        float(day[F_OUT]),
        math.log10(1 + min(since_in, 24 * 90)) if since_in is not None and since_in >= 0 else math.log10(1 + 24 * 90),
        destination_age,
        float(new_device(ctx)),
        s.hour_share(ctx.hour) if s.movement_count else 1.0,
        math.log10(1 + max(0.0, min(account_age, 3650.0))),
        min(signals, 10.0),
        _DIRECTION_CODE.get(ctx.direction, 4.0),
        math.log10(1 + n),
        min(ratio, 3.0),
        float(day[F_SOURCES]),
    ]
