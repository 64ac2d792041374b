"""The monthly compliance report: alerts by rule, case outcomes, CTRs and SARs filed, overdue
items, median time to disposition. Read-only; `manage.py compliance_report` prints it and writes
it as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from dataclasses import dataclass, field

from django.db.models import Count, Sum
from django.utils import timezone

from blockguardian.calendar import business_date, business_tz

from ..models import Alert, Case, Ctr, Sar
from ..selectors import overdue_items


@dataclass
class ComplianceReport:
    month: dt.date
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (section, item, value)

    def add(self, section: str, item: str, value) -> None:
        self.rows.append((section, item, str(value)))

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["section", "item", "value"])
        writer.writerows(self.rows)
        return out.getvalue()

    def text(self) -> str:
        lines, section = [f"Compliance report {self.month:%Y-%m}"], None
        for sec, item, value in self.rows:
            if sec != section:
                lines.append(f"\n{sec}")
                section = sec
            lines.append(f"  {item:<40} {value}")
        return "\n".join(lines)


def _bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime, dt.date]:
    first = month.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    tz = business_tz()
    return (
        dt.datetime.combine(first, dt.time.min, tzinfo=tz),
        dt.datetime.combine(nxt, dt.time.min, tzinfo=tz),
        nxt - dt.timedelta(days=1),
    )


def compliance_report(*, month: dt.date) -> ComplianceReport:
    start, end, last_day = _bounds(month)
    report = ComplianceReport(month=month.replace(day=1))
    alerts = Alert.objects.filter(detected_at__gte=start, detected_at__lt=end)
    by_rule = alerts.values("rule_name", "shadow").annotate(n=Count("id")).order_by("rule_name", "shadow")
    for row in by_rule:
        report.add("alerts by rule", row["rule_name"] + (" (shadow)" if row["shadow"] else ""), row["n"])
    if not by_rule:
        report.add("alerts by rule", "none", 0)
    closed = Case.objects.filter(closed_at__gte=start, closed_at__lt=end)
    for row in closed.values("status").annotate(n=Count("id")).order_by("status"):
        report.add("case outcomes", row["status"], row["n"])
    report.add("case outcomes", "opened", Case.objects.filter(opened_at__gte=start, opened_at__lt=end).count())
    for label, model in (("CTRs filed", Ctr), ("SARs filed", Sar)):
        filed = model.objects.filter(filed_at__gte=start, filed_at__lt=end)
        amount_field = "total_amount" if model is Ctr else "suspicious_amount"
        agg = filed.aggregate(n=Count("id"), total=Sum(amount_field))
        report.add(label, "count", agg["n"])
        report.add(label, "total amount (USD)", agg["total"] or "0.00")
    as_of = min(last_day + dt.timedelta(days=1), business_date())
    for kind, ids in overdue_items(on=as_of).items():
        report.add("overdue items", f"{kind} (as of {as_of})", len(ids))
    durations = []
    for alert in Alert.objects.filter(shadow=False, dismissed_at__gte=start, dismissed_at__lt=end):
        durations.append((alert.dismissed_at - alert.detected_at).total_seconds() / 86400)
    for case in closed:
        durations.append((case.closed_at - case.opened_at).total_seconds() / 86400)
    median = f"{statistics.median(durations):.1f}" if durations else "n/a"
    report.add("time to disposition", "median days (alerts dismissed and cases closed)", median)
    report.add("time to disposition", "dispositions", len(durations))
    report.add("generated", "at", timezone.now().isoformat(timespec="seconds"))
    return report
