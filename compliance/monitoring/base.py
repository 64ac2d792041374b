"""What a monitoring rule is.

A rule has a name, a version (raise it whenever what the rule detects changes: alerts record it),
its settings (names of Django settings it reads), and reads one source through a selector in
set-based batches ordered by a watermark: the source row id (`watermark = "id"`), or a time for
sources whose rows become relevant later than they are written (`watermark = "time"`, e.g. a fraud
alert confirmed days after it was raised). Each detection carries a key that makes it the same
detection on every run, so re-running a rule never duplicates an alert.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings

from ..services.cases import Detection


@dataclass(frozen=True)
class Window:
    """What to read: rows after the watermark (`after_id` / `after_at`), optionally bounded by the
    activity dates of a by-hand run (`since`, `until`: business dates, inclusive)."""

    after_id: int = 0
    after_at: dt.datetime | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    limit: int = 5000


@dataclass(frozen=True)
class Batch:
    detections: Sequence[Detection]
    rows: int  # source rows read (fewer than the limit: the source is exhausted)
    last_id: int = 0
    last_at: dt.datetime | None = None


class Rule:
    name: ClassVar[str]
    version: ClassVar[str]
    description: ClassVar[str] = ""
    watermark: ClassVar[str] = "id"  # "id" | "time"
    setting_names: ClassVar[tuple[str, ...]] = ()

    def settings(self) -> dict:
        return {name: getattr(settings, name) for name in self.setting_names}

    @property
    def shadow(self) -> bool:
        return self.name in settings.MONITORING_SHADOW_RULES

    @property
    def enabled(self) -> bool:
        return self.name not in settings.MONITORING_DISABLED_RULES

    def batch_size(self) -> int:
        return settings.MONITORING_BATCH_SIZE

    def fetch(self, window: Window) -> Batch:  # pragma: no cover - each rule defines it
        raise NotImplementedError


class TransactionRule(Rule):
    """A rule over one of trading's monitoring sources (`trading.selectors.monitoring_batch_bounds`),
    detected by one set-based query per batch (`detect`): no row of the source enters Python, only
    what the query finds. The watermark is the transaction id."""

    source: ClassVar[str]
    # Set once a run finds more rows after the watermark than a batch holds: its later batches are
    # then taken in id order straight away, without counting the rest of the backlog each time.
    _backlog_over_limit: bool = False

    def batch_size(self) -> int:
        return settings.MONITORING_SQL_BATCH_SIZE

    def fetch(self, window: Window) -> Batch:
        from trading import selectors as trading_selectors

        bounds = trading_selectors.monitoring_batch_bounds(
            source=self.source,
            after_id=window.after_id,
            limit=window.limit,
            since=window.since,
            until=window.until,
            lag_seconds=settings.MONITORING_SOURCE_LAG_SECONDS,
            count_backlog=not self._backlog_over_limit,
        )
        if bounds["backlog"] is not None and bounds["backlog"] > window.limit:
            self._backlog_over_limit = True
        if not bounds["rows"]:
            return Batch((), 0, last_id=window.after_id)
        detections = self.detect(window=window, bounds=bounds)
        return Batch(tuple(detections), bounds["rows"], last_id=bounds["last_id"])

    def detect(self, *, window: Window, bounds: dict) -> list[Detection]:  # pragma: no cover
        raise NotImplementedError
