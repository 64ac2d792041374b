"""The monitoring run: each enabled rule reads its source from its watermark in batches, raises
an alert per new detection (a shadow rule records would-be alerts only) and moves its watermark,
batch by batch, in one transaction per batch with the rule's state row locked (two runs of one
rule never overlap). A by-hand run over dates (`since`/`until`) re-reads that window and leaves
the watermark alone; detections already recorded are skipped, so no run duplicates an alert.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog
from django.db import transaction
from django.utils import timezone

from ..models import MonitoringRuleState
from .cases import alert_raise

logger = structlog.get_logger(__name__)


@dataclass
class RuleRunResult:
    rule: str
    version: str
    shadow: bool
    rows: int = 0
    alerts: int = 0
    duplicates: int = 0


@dataclass
class MonitoringResult:
    rules: list[RuleRunResult] = field(default_factory=list)

    @property
    def alerts(self) -> int:
        return sum(r.alerts for r in self.rules)


def _state_locked(rule) -> MonitoringRuleState:
    MonitoringRuleState.objects.get_or_create(rule_name=rule.name, defaults={"rule_version": rule.version})
    return MonitoringRuleState.objects.select_for_update().get(rule_name=rule.name)


def rule_run(
    rule, *, since: dt.date | None = None, until: dt.date | None = None, progress: Callable[[int], None] | None = None
) -> RuleRunResult:
    from ..monitoring.base import Window

    result = RuleRunResult(rule=rule.name, version=rule.version, shadow=rule.shadow)
    backfill = since is not None or until is not None
    after_id, after_at = 0, None
    while True:
        with transaction.atomic():
            state = _state_locked(rule)
            if not backfill and result.rows == 0:
                after_id, after_at = state.watermark_id, state.watermark_at
            batch = rule.fetch(
                Window(
                    after_id=after_id,
                    after_at=after_at,
                    since=since,
                    until=until,
                    limit=rule.batch_size(),
                )
            )
            for detection in batch.detections:
                alert = alert_raise(
                    rule_name=rule.name, rule_version=rule.version, detection=detection, shadow=rule.shadow
                )
                if alert is None:
                    result.duplicates += 1
                else:
                    result.alerts += 1
            result.rows += batch.rows
            if batch.rows:
                after_id, after_at = batch.last_id, batch.last_at
            if not backfill:
                if batch.rows:
                    state.watermark_id, state.watermark_at = batch.last_id, batch.last_at or state.watermark_at
                state.rule_version = rule.version
                state.last_run_at = timezone.now()
                state.last_run_alerts = 0 if rule.shadow else result.alerts
                state.last_run_shadow = result.alerts if rule.shadow else 0
                state.save()
        if progress is not None and batch.rows:
            progress(batch.rows)
        if batch.rows < rule.batch_size():
            break
    logger.info(
        "monitoring_rule_run",
        rule=rule.name,
        version=rule.version,
        shadow=rule.shadow,
        rows=result.rows,
        alerts=result.alerts,
        duplicates=result.duplicates,
    )
    return result


def monitoring_run(
    *,
    rules: list[str] | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> MonitoringResult:
    """Run the enabled rules (all, or those named)."""
    from ..monitoring.rules import rule_classes

    classes = rule_classes()
    names = rules or list(classes)
    unknown = sorted(set(names) - set(classes))
    if unknown:
        from ..errors import ComplianceInputInvalid

        raise ComplianceInputInvalid(f"unknown rule(s): {', '.join(unknown)}")
    result = MonitoringResult()
    for name in names:
        rule = classes[name]()
        if not rule.enabled:
            continue
        tick = (lambda n, _name=name: progress(_name, n)) if progress else None
        result.rules.append(rule_run(rule, since=since, until=until, progress=tick))
    return result


@transaction.atomic
def chain_mismatch_record(*, kind: str, record_id: str, reason: str, batch_id: str = ""):
    """Store the chain's mismatch signal for the chain-mismatch rule (and queue a monitoring run)."""
    from blockguardian.outbox import outbox_enqueue

    from ..models import ChainMismatchEvent

    event = ChainMismatchEvent.objects.create(
        record_kind=str(kind)[:64],
        record_id=str(record_id)[:100],
        reason=str(reason)[:64],
        batch_id=str(batch_id)[:100],
    )
    outbox_enqueue(task="compliance.run_monitoring", rules=["chain_mismatch"])
    return event
