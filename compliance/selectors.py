"""compliance: reads. Nothing here is ever exposed to customers."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from django.db.models import Q, QuerySet

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
