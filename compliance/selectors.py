"""compliance: reads. Nothing here is ever exposed to customers."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from .errors import SanctionsListNotLoaded
from .models import (
    Alert,
    Case,
    Ctr,
    DigitalCurrencyAddress,
    Disposition,
    Fincen314aMatch,
    OfacReport,
    SanctionsAlias,
    SanctionsEntry,
    SanctionsListVersion,
    Sar,
    ScreeningHit,
    ScreeningReview,
)
from .screening.engine import EntryInfo, ListedName, SanctionsIndex, ScreeningConfig
from .screening.ofac import DateOfBirth

DEFAULT_SOURCE = "ofac_sdn"


def sanctions_list_version_current(*, source: str = DEFAULT_SOURCE) -> SanctionsListVersion | None:
    return SanctionsListVersion.objects.filter(source=source).order_by("-id").first()


def entry_info(entry: SanctionsEntry) -> EntryInfo:
    return EntryInfo(
        key=entry.pk,
        ent_num=entry.ent_num,
        name=entry.name,
        entry_type=entry.entry_type,
        programs=tuple(entry.programs),
        dates_of_birth=tuple(DateOfBirth.from_json(d) for d in entry.dates_of_birth),
        countries=frozenset(entry.countries),
    )


def _index_input(entries: QuerySet[SanctionsEntry]):
    """(EntryInfo, names) pairs from two flat queries (no model instances: the list is large)."""
    fields = ("id", "ent_num", "name", "entry_type", "programs", "dates_of_birth", "countries")
    rows = list(entries.order_by("id").values_list(*fields))
    aliases: dict[int, list[ListedName]] = {}
    alias_rows = SanctionsAlias.objects.filter(entry__in=entries).order_by("entry_id", "id")
    for pk, entry_id, alias_type, name in alias_rows.values_list("id", "entry_id", "alias_type", "name").iterator(
        chunk_size=5000
    ):
        aliases.setdefault(entry_id, []).append(ListedName(name, pk, alias_type))
    for pk, ent_num, name, entry_type, programs, dobs, countries in rows:
        info = EntryInfo(
            key=pk,
            ent_num=ent_num,
            name=name,
            entry_type=entry_type,
            programs=tuple(programs),
            dates_of_birth=tuple(DateOfBirth.from_json(d) for d in dobs),
            countries=frozenset(countries),
        )
        yield info, [ListedName(name), *aliases.get(pk, [])]


def sanctions_index_build(
    *, entries: QuerySet[SanctionsEntry], config: ScreeningConfig | None = None
) -> SanctionsIndex:
    """An index over the given entries (keys are SanctionsEntry ids)."""
    return SanctionsIndex(_index_input(entries), config or ScreeningConfig.from_settings())


@dataclass(frozen=True)
class LoadedIndex:
    version: SanctionsListVersion
    index: SanctionsIndex


_cache: dict[tuple, LoadedIndex] = {}
_cache_lock = threading.Lock()


def sanctions_index(*, source: str = DEFAULT_SOURCE) -> LoadedIndex:
    """The index of the current list version, built once per process and version (and settings)."""
    version = sanctions_list_version_current(source=source)
    if version is None:
        raise SanctionsListNotLoaded("Load the sanctions list first (manage.py load_sanctions).")
    config = ScreeningConfig.from_settings()
    key = (source, version.pk, version.content_sha256, config)
    loaded = _cache.get(key)
    if loaded is None:
        with _cache_lock:
            loaded = _cache.get(key)
            if loaded is None:
                entries = SanctionsEntry.objects.filter(source=source, active=True)
                loaded = LoadedIndex(version, sanctions_index_build(entries=entries, config=config))
                _cache.clear()
                _cache[key] = loaded
    return loaded


def sanctions_index_forget() -> None:
    """Drop the cached index (tests that rebuild the database between runs)."""
    with _cache_lock:
        _cache.clear()


# --- lists for the console and the API ---------------------------------------------------------


def screening_hit_list(*, status: str | None = None, customer=None) -> QuerySet[ScreeningHit]:
    hits = ScreeningHit.objects.select_related("entry", "run", "review", "subject")
    if status:
        hits = hits.filter(status=status)
    if customer is not None:
        hits = hits.filter(customer=customer)
    return hits


def screening_review_list(*, status: str | None = ScreeningReview.Status.OPEN) -> QuerySet[ScreeningReview]:
    reviews = ScreeningReview.objects.select_related("subject", "opened_by_run")
    return reviews.filter(status=status) if status else reviews


def ofac_report_list_due(*, on_or_before: dt.date | None = None) -> QuerySet[OfacReport]:
    reports = OfacReport.objects.filter(status=OfacReport.Status.DRAFT).select_related("entry")
    if on_or_before:
        reports = reports.filter(due_date__lte=on_or_before)
    return reports.order_by("due_date", "id")


def customer_is_blocked_by_sanctions(*, user) -> bool:
    """A confirmed match (true-match disposition) exists for the customer."""
    return Disposition.objects.filter(customer=user, decision=Disposition.Decision.TRUE_MATCH).exists()


def customer_erasure_veto(user) -> str | None:
    """The internal reason an erasure must wait (never shown to the customer), or None."""
    if Fincen314aMatch.objects.filter(customer=user, status=Fincen314aMatch.Status.OPEN).exists():
        return "an open 314(a) match"
    if customer_is_blocked_by_sanctions(user=user):
        return "blocked property (confirmed sanctions match)"
    if ScreeningReview.objects.filter(Q(customer=user) & Q(status=ScreeningReview.Status.OPEN)).exists():
        return "an open sanctions review"
    if Sar.objects.filter(subject=user).exclude(status__in=SAR_DONE).exists():
        return "a SAR not yet filed"
    if Case.objects.filter(customer=user).exclude(status__in=CASE_DONE).exists():
        return "an open case"
    return None


def sanctions_list_loaded() -> bool:
    """For /api/info: screening is available once a list is loaded."""
    try:
        return SanctionsListVersion.objects.exists()
    except Exception:  # noqa: BLE001 - a feature probe never fails the caller
        return False


def digital_currency_address_lookup(*, address: str) -> list[DigitalCurrencyAddress]:
    """The active SDN entries listing this digital currency address (exact match)."""
    from .screening.wallets import normalise_wallet_address

    normalised = normalise_wallet_address(address)
    if not normalised:
        return []
    return list(
        DigitalCurrencyAddress.objects.filter(address_normalised=normalised, entry__active=True)
        .select_related("entry")
        .order_by("entry__ent_num")
    )


# --- monitoring, cases, CTR, SAR -------------------------------------------------------------------

CASE_DONE = (Case.Status.CLOSED_NO_ACTION, Case.Status.CLOSED_SAR_FILED)
SAR_DONE = (Sar.Status.FILED, Sar.Status.CLOSED_NO_FILING)


def alert_list(*, status: str | None = None, customer=None, include_shadow: bool = False) -> QuerySet[Alert]:
    alerts = Alert.objects.select_related("case")
    if not include_shadow:
        alerts = alerts.filter(shadow=False)
    if status:
        alerts = alerts.filter(status=status)
    if customer is not None:
        alerts = alerts.filter(customer=customer)
    return alerts


def case_list(*, status: str | None = None, assigned_to=None, working: bool = False) -> QuerySet[Case]:
    cases = Case.objects.select_related("assigned_to")
    if working:
        cases = cases.exclude(status__in=CASE_DONE)
    if status:
        cases = cases.filter(status=status)
    if assigned_to is not None:
        cases = cases.filter(assigned_to=assigned_to)
    return cases


def ctr_list_approved() -> QuerySet[Ctr]:
    return Ctr.objects.filter(status=Ctr.Status.APPROVED).order_by("business_date", "pk")


def sar_list(*, user) -> QuerySet[Sar]:
    """SARs for holders of the SAR permission; nothing for anyone else."""
    from .services.sar import can_see_sars

    return Sar.objects.select_related("case") if can_see_sars(user) else Sar.objects.none()


def sar_list_approved() -> QuerySet[Sar]:
    return Sar.objects.filter(status=Sar.Status.APPROVED).order_by("due_on", "pk")


def compliance_alarms() -> list[str]:
    """Immediate-escalation alarms for the console: terrorist financing or ongoing laundering on a
    working case that law enforcement has not yet been told about (internal text, never shown to
    a customer)."""
    cases = (
        Case.objects.exclude(status__in=CASE_DONE)
        .filter(Q(terrorist_financing=True) | Q(ongoing_laundering=True), law_enforcement_notified_at__isnull=True)
        .order_by("pk")
    )
    return [
        f"Case {c.pk}: {'terrorist financing' if c.terrorist_financing else 'ongoing money laundering'}"
        " — notify law enforcement now"
        for c in cases
    ]


def overdue_items(*, on: dt.date) -> dict[str, list[int]]:
    """Ids of what is past its due date and not done: CTRs, SARs and cases."""
    return {
        "ctr": list(Ctr.objects.exclude(status=Ctr.Status.FILED).filter(due_on__lt=on).values_list("pk", flat=True)),
        "sar": list(Sar.objects.exclude(status__in=SAR_DONE).filter(due_on__lt=on).values_list("pk", flat=True)),
        "case": list(Case.objects.exclude(status__in=CASE_DONE).filter(due_on__lt=on).values_list("pk", flat=True)),
    }


# --- the console's dashboard -------------------------------------------------------------------------

ALERT_AGE_BUCKETS = ((0, 2, "0–2 days"), (3, 7, "3–7 days"), (8, 30, "8–30 days"), (31, None, "over 30 days"))


def alert_open_by_rule() -> list[tuple[str, int]]:
    """Open live alerts per monitoring rule, most first."""
    from django.db.models import Count

    rows = (
        Alert.objects.filter(status=Alert.Status.OPEN, shadow=False)
        .values("rule_name")
        .annotate(n=Count("id"))
        .order_by("-n", "rule_name")
    )
    return [(r["rule_name"], r["n"]) for r in rows]


def alert_unresolved_by_age(*, now: dt.datetime) -> list[tuple[str, int]]:
    """Live alerts still being worked (open, or in a working case) by age since detection (one
    query)."""
    from django.db.models import Count

    live = Alert.objects.filter(shadow=False).filter(
        Q(status=Alert.Status.OPEN) | (Q(status=Alert.Status.IN_CASE) & ~Q(case__status__in=CASE_DONE))
    )
    aggregates = {}
    for n, (low, high, _label) in enumerate(ALERT_AGE_BUCKETS):
        condition = Q(detected_at__lte=now - dt.timedelta(days=low))
        if high is not None:
            condition &= Q(detected_at__gt=now - dt.timedelta(days=high + 1))
        aggregates[f"bucket_{n}"] = Count("id", filter=condition)
    counts = live.aggregate(**aggregates)
    return [(label, counts[f"bucket_{n}"]) for n, (_, _, label) in enumerate(ALERT_AGE_BUCKETS)]


def case_working_by_status() -> list[tuple[str, int]]:
    from django.db.models import Count

    labels = dict(Case.Status.choices)
    rows = Case.objects.exclude(status__in=CASE_DONE).values("status").annotate(n=Count("id")).order_by("status")
    counts = {r["status"]: r["n"] for r in rows}
    return [(labels[s], counts.get(s, 0)) for s in Case.Status.values if s not in CASE_DONE]


def case_working_by_owner(*, limit: int = 8) -> list[tuple[str, int]]:
    """Working cases per assigned officer (by id: no personal data on the dashboard), unassigned
    first."""
    from django.db.models import Count

    rows = (
        Case.objects.exclude(status__in=CASE_DONE)
        .values("assigned_to_id")
        .annotate(n=Count("id"))
        .order_by("-n", "assigned_to_id")
    )
    result = [(f"officer {r['assigned_to_id']}"[:20] if r["assigned_to_id"] else "unassigned", r["n"]) for r in rows]
    return result[:limit]


def filings_due(*, today: dt.date, days: int = 7) -> dict[str, dict[str, int]]:
    """CTRs, SARs, OFAC reports and 314(a) matches not yet done: overdue, and due within `days`."""
    from django.db.models import Count

    soon = today + dt.timedelta(days=days)

    def split(queryset, field: str = "due_on") -> dict[str, int]:
        return queryset.aggregate(
            overdue=Count("id", filter=Q(**{f"{field}__lt": today})),
            due_soon=Count("id", filter=Q(**{f"{field}__gte": today, f"{field}__lte": soon})),
        )

    return {
        "ctr": split(Ctr.objects.exclude(status=Ctr.Status.FILED)),
        "sar": split(Sar.objects.exclude(status__in=SAR_DONE)),
        "ofac": split(OfacReport.objects.filter(status=OfacReport.Status.DRAFT), "due_date"),
        "fincen314a": split(Fincen314aMatch.objects.filter(status=Fincen314aMatch.Status.OPEN)),
    }


def screening_reviews_open_count() -> int:
    return ScreeningReview.objects.filter(status=ScreeningReview.Status.OPEN).count()


def customer_timeline(*, customer, limit: int = 40) -> list[dict]:
    """One view of a customer for the case page: transactions, logins, KYC changes, screening hits
    and alerts, newest first (`at`, `kind`, `summary`, `link`). Five bounded queries."""
    from accounts import selectors as account_selectors
    from trading import selectors as trading_selectors

    items: list[dict] = []
    for tx in trading_selectors.customer_transaction_list(user=customer, limit=limit):
        what = " ".join(p for p in (tx.type, tx.method, tx.asset.symbol if tx.asset_id else "") if p)
        items.append(
            {
                "at": tx.requested_at,
                "kind": "transaction",
                "summary": f"{what} {tx.amount if tx.amount is not None else ''} ({tx.status})".strip(),
                "link": f"/admin/trading/transaction/{tx.pk}/change/",
            }
        )
    since = timezone.now() - dt.timedelta(days=365)
    for event in account_selectors.security_event_list(user=customer, since=since)[:limit]:
        items.append({"at": event.created_at, "kind": "login", "summary": f"{event.kind} {event.outcome}", "link": ""})
    for event in account_selectors.kyc_event_list(user=customer, limit=limit):
        moved = f"{event.from_status} → {event.to_status}" if event.to_status else ""
        items.append({"at": event.created_at, "kind": "kyc", "summary": f"{event.kind} {moved}".strip(), "link": ""})
    for hit in ScreeningHit.objects.filter(customer=customer).select_related("entry").order_by("-created_at")[:limit]:
        items.append(
            {
                "at": hit.created_at,
                "kind": "screening",
                "summary": f"SDN {hit.entry.ent_num} score {hit.score} ({hit.status})",
                "link": f"/admin/compliance/screeninghit/{hit.pk}/change/",
            }
        )
    for alert in Alert.objects.filter(customer=customer, shadow=False).order_by("-detected_at")[:limit]:
        items.append(
            {
                "at": alert.detected_at,
                "kind": "alert",
                "summary": f"{alert.rule_name} v{alert.rule_version} {alert.amount or ''} ({alert.status})".strip(),
                "link": f"/admin/compliance/alert/{alert.pk}/change/",
            }
        )
    items.sort(key=lambda item: item["at"], reverse=True)
    return items[: limit * 2]
