"""Currency Transaction Reports (31 CFR 1010.311, .313, .306): `draft → approved → filed`.

`ctr_draft_create` takes plain values, so the daily aggregation over physical-cash transactions
(whoever owns them) calls it with one person's business-day total for one direction. Re-running
the aggregation for the same day refreshes a draft and never makes a second CTR.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby

import structlog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from blockguardian.calendar import business_date as calendar_business_date
from blockguardian.crypto import decrypt_str, encrypt_str, last_four
from blockguardian.money import quantize_cash, to_decimal

from ..errors import ComplianceObjectNotFound, CtrInvalid, CtrStateError
from ..models import Ctr
from .cases import assert_officer

logger = structlog.get_logger(__name__)

FILE_PERMISSION = "compliance.file_ctr"
CONDUCTOR_FIELDS = (
    "customer_id",
    "first_name",
    "middle_name",
    "last_name",
    "date_of_birth",
    "address_line1",
    "city",
    "region",
    "postal_code",
    "country",
    "occupation",
    "id_type",
    "id_issuing_country",
    "id_issuing_state",
    "verified_by",
    "verification_method",
)
# A range of CTR business days is read this many calendar days at a time (each read returns only
# the rows of person-days over the threshold; the bound keeps a backfill over years of imported
# history to statements of ordinary size).
CTR_RANGE_CHUNK_DAYS = 31
ID_TYPES = {"ssn", "itin", "drivers_license", "state_id", "passport", "alien_registration", "other"}


def ctr_threshold() -> Decimal:
    return to_decimal(settings.CTR_THRESHOLD)


def _transactions(items) -> tuple[list[dict], Decimal, dt.date | None]:
    rows, seen, total, earliest = [], set(), Decimal("0"), None
    for index, item in enumerate(items or []):
        reference = str(item.get("reference") or "").strip()
        if not reference or ":" not in reference:
            raise CtrInvalid(f"transaction {index}: a reference like 'trading.transaction:42' is required")
        if reference in seen:
            raise CtrInvalid(f"transaction {reference} appears twice")
        seen.add(reference)
        try:
            amount = to_decimal(item.get("amount"))
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise CtrInvalid(f"transaction {reference}: the amount is not a number") from exc
        if amount <= 0 or amount != quantize_cash(amount):
            raise CtrInvalid(f"transaction {reference}: a positive amount in cents is required")
        executed_on = item.get("executed_on")
        if isinstance(executed_on, str):
            executed_on = dt.date.fromisoformat(executed_on)
        if executed_on is not None:
            earliest = executed_on if earliest is None else min(earliest, executed_on)
        rows.append(
            {
                "reference": reference,
                "amount": str(amount),
                "kind": str(item.get("kind") or "other"),
                "executed_on": executed_on.isoformat() if executed_on else None,
            }
        )
    if not rows:
        raise CtrInvalid("a CTR lists the transactions it reports")
    return rows, sum((to_decimal(r["amount"]) for r in rows), total), earliest


def _conductors(items) -> list[dict]:
    """Conductors' identities as verified at the counter (1010.312). The identification number is
    kept encrypted, with its last four characters for display."""
    stored = []
    for index, item in enumerate(items or []):
        entry = {key: item.get(key) for key in CONDUCTOR_FIELDS if item.get(key) not in (None, "")}
        if isinstance(entry.get("date_of_birth"), dt.date):
            entry["date_of_birth"] = entry["date_of_birth"].isoformat()
        if "customer_id" in entry:
            entry["customer_id"] = str(entry["customer_id"])
        elif not (entry.get("last_name") and entry.get("first_name")):
            raise CtrInvalid(f"conductor {index}: a customer id or a first and last name is required")
        number = str(item.get("id_number") or "").strip()
        if number:
            if entry.get("id_type") not in ID_TYPES:
                raise CtrInvalid(f"conductor {index}: id_type must be one of {', '.join(sorted(ID_TYPES))}")
            entry["id_number_encrypted"] = encrypt_str(number)
            entry["id_number_last4"] = last_four(number)
        stored.append(entry)
    return stored


@transaction.atomic
def ctr_draft_create(
    *,
    subject_id,
    business_date: dt.date,
    direction: str,
    transactions: list[dict],
    conductors: list[dict] | None = None,
    acting_user=None,
) -> Ctr:
    """Draft (or refresh) the CTR of one person, CTR business day and direction.

    `transactions`: [{"reference": "app.model:id", "amount": "5000.00", "kind": "deposit",
    "executed_on": date}] — the day's physical-cash transactions of that person in that direction;
    their total must be more than `CTR_THRESHOLD`. `conductors`: who conducted them (omit or use
    `{"customer_id": …}` when the subject did). Due 15 calendar days after the earliest
    transaction date (the business day when no date is given).
    """
    if direction not in Ctr.Direction.values:
        raise CtrInvalid(f"direction must be one of {', '.join(Ctr.Direction.values)}")
    User = get_user_model()  # noqa: N806
    if not User.objects.filter(pk=subject_id).exists():
        raise ComplianceObjectNotFound(f"customer {subject_id} not found")
    rows, total, earliest = _transactions(transactions)
    if total <= ctr_threshold():
        raise CtrInvalid(f"{total} is not more than the CTR threshold {ctr_threshold()}")
    stored_conductors = _conductors(conductors)
    due_on = (earliest or business_date) + dt.timedelta(days=settings.CTR_FILING_DAYS)
    existing = (
        Ctr.objects.select_for_update()
        .filter(subject_id=subject_id, business_date=business_date, direction=direction)
        .first()
    )
    if existing is not None:
        if existing.status != Ctr.Status.DRAFT:
            if sorted(r["reference"] for r in existing.transactions) == sorted(r["reference"] for r in rows):
                return existing
            raise CtrStateError(f"CTR {existing.pk} is {existing.status}; a changed day needs an amendment")
        existing.transactions, existing.total_amount, existing.due_on = rows, total, due_on
        if stored_conductors:
            existing.conductors = stored_conductors
        existing.save(update_fields=["transactions", "total_amount", "due_on", "conductors"])
        return existing
    return Ctr.objects.create(
        subject_id=subject_id,
        business_date=business_date,
        direction=direction,
        total_amount=total,
        transactions=rows,
        conductors=stored_conductors,
        due_on=due_on,
        created_by=acting_user,
    )


def _ctr_locked(ctr: Ctr | int) -> Ctr:
    pk = ctr.pk if isinstance(ctr, Ctr) else ctr
    try:
        return Ctr.objects.select_for_update().get(pk=pk)
    except Ctr.DoesNotExist as exc:
        raise ComplianceObjectNotFound(f"CTR {pk} not found") from exc


@transaction.atomic
def ctr_approve(*, ctr: Ctr | int, acting_user) -> Ctr:
    assert_officer(acting_user, FILE_PERMISSION)
    ctr = _ctr_locked(ctr)
    if ctr.status != Ctr.Status.DRAFT:
        raise CtrStateError(f"CTR {ctr.pk} is {ctr.status}; only a draft can be approved")
    ctr.status, ctr.approved_at, ctr.approved_by = Ctr.Status.APPROVED, timezone.now(), acting_user
    ctr.save(update_fields=["status", "approved_at", "approved_by"])
    return ctr


# --- the daily CTR job ------------------------------------------------------------------------

ID_TYPE_ALIASES = {
    "ssn": "ssn",
    "itin": "itin",
    "drivers_license": "drivers_license",
    "driver_license": "drivers_license",
    "state_id": "state_id",
    "passport": "passport",
    "alien_id": "alien_registration",
    "alien_registration": "alien_registration",
}
DIRECTIONS = {"in": Ctr.Direction.CASH_IN, "out": Ctr.Direction.CASH_OUT}


@dataclass
class CtrDayResult:
    business_day: dt.date
    drafted: list[int] = field(default_factory=list)  # CTR ids, new or refreshed drafts
    unchanged: list[int] = field(default_factory=list)  # approved or filed, same transactions
    needs_amendment: list[int] = field(default_factory=list)  # approved or filed, the day changed


def _conductor(row: dict) -> dict:
    """A conductor as `ctr_draft_create` takes it, from trading's record of who was at the counter."""
    parts = str(row["conductor_name"] or "").split()
    first, last = (parts[0], parts[-1]) if len(parts) > 1 else ("", parts[0] if parts else "")
    id_type = ID_TYPE_ALIASES.get(str(row["conductor_id_type"] or "").strip().lower(), "other")
    issuer = str(row["conductor_id_issuer"] or "").strip().upper()
    entry = {
        "first_name": first,
        "middle_name": " ".join(parts[1:-1]),
        "last_name": last,
        "date_of_birth": row["conductor_date_of_birth"],
        "address_line1": row["conductor_address"],
        "id_type": id_type,
        "id_number": decrypt_str(row["conductor_id_number_encrypted"]) if row["conductor_id_number_encrypted"] else "",
        "verification_method": "identification document examined at the branch",
    }
    if len(issuer) == 2:
        entry["id_issuing_state" if id_type in ("drivers_license", "state_id") else "id_issuing_country"] = issuer
    if row["conductor_is_customer"]:
        entry["customer_id"] = row["customer_id"]
    return entry


def _conductor_key(entry: dict) -> tuple:
    return (
        str(entry.get("customer_id") or ""),
        entry["first_name"].lower(),
        entry["last_name"].lower(),
        entry["id_type"],
        entry["id_number"],
    )


def _draft_day(business_day: dt.date, rows: list[dict], progress: Callable[[int], None] | None) -> CtrDayResult:
    """Draft one CTR business day from its rows over the threshold (as trading's
    `branch_cash_over_threshold_list` gives them: ordered by customer, direction and transaction)."""
    result = CtrDayResult(business_day=business_day)
    for (subject_id, direction), group in groupby(rows, key=lambda r: (r["customer_id"], r["direction"])):
        group = list(group)
        conductors: dict[tuple, dict] = {}
        for row in group:
            entry = _conductor(row)
            conductors.setdefault(_conductor_key(entry), entry)
        transactions = [
            {
                "reference": f"trading.transaction:{row['transaction_id']}",
                "amount": row["amount"],
                "kind": "deposit" if row["direction"] == "in" else "withdrawal",
                "executed_on": calendar_business_date(row["occurred_at"]),
            }
            for row in group
        ]
        try:
            ctr = ctr_draft_create(
                subject_id=subject_id,
                business_date=business_day,
                direction=DIRECTIONS[direction],
                transactions=transactions,
                conductors=list(conductors.values()),
            )
        except CtrStateError:
            existing = Ctr.objects.get(
                subject_id=subject_id, business_date=business_day, direction=DIRECTIONS[direction]
            )
            result.needs_amendment.append(existing.pk)
            logger.warning("ctr_day_changed_after_approval", ctr_id=existing.pk, business_day=str(business_day))
        else:
            (result.drafted if ctr.status == Ctr.Status.DRAFT else result.unchanged).append(ctr.pk)
        if progress is not None:
            progress(1)
    logger.info(
        "ctr_day_drafted",
        business_day=str(business_day),
        drafted=len(result.drafted),
        unchanged=len(result.unchanged),
        needs_amendment=len(result.needs_amendment),
    )
    return result


def ctr_draft_for_day(*, business_day: dt.date, progress: Callable[[int], None] | None = None) -> CtrDayResult:
    """Draft the CTRs of one CTR business day: each person's physical cash in and cash out (branch
    cash only, never ACH, wire or crypto; all their portfolios together; weekend and holiday cash
    counted toward the next business day by trading's `ctr_business_day`), one CTR per side above
    `CTR_THRESHOLD`, with its transactions and conductors, due 15 days after the earliest one.

    Idempotent: a re-run refreshes the drafts (one per person, day and direction) and leaves an
    approved or filed CTR alone (listed in `needs_amendment` when its day changed since). Alerts
    play no part: a structuring alert never suppresses a CTR."""
    from trading import selectors as trading_selectors

    rows = trading_selectors.branch_cash_over_threshold_list(business_day=business_day, threshold=ctr_threshold())
    return _draft_day(business_day, rows, progress)


def ctr_business_days(*, first_day: dt.date, last_day: dt.date) -> list[dt.date]:
    """The CTR business days from `first_day` to `last_day`, both included."""
    from blockguardian.calendar import is_fed_business_day

    days = (first_day + dt.timedelta(days=n) for n in range((last_day - first_day).days + 1))
    return [day for day in days if is_fed_business_day(day)]


def ctr_rows_by_day(*, first_day: dt.date, last_day: dt.date) -> Iterator[tuple[dt.date, list[dict]]]:
    """(CTR business day, its branch cash rows over the threshold) for every CTR business day from
    `first_day` to `last_day`, in order, days without any included: the reads of
    `ctr_draft_for_days`, one statement per `CTR_RANGE_CHUNK_DAYS` calendar days."""
    from trading import selectors as trading_selectors

    threshold, days = ctr_threshold(), ctr_business_days(first_day=first_day, last_day=last_day)
    while days:
        chunk_end = days[0] + dt.timedelta(days=CTR_RANGE_CHUNK_DAYS - 1)
        chunk = [day for day in days if day <= chunk_end]
        days = days[len(chunk) :]
        rows = trading_selectors.branch_cash_over_threshold_range_list(
            first_day=chunk[0], last_day=chunk[-1], threshold=threshold
        )
        by_day = {day: list(group) for day, group in groupby(rows, key=lambda r: r["ctr_business_day"])}
        for day in chunk:
            yield day, by_day.get(day, [])


def ctr_draft_for_days(
    *,
    first_day: dt.date,
    last_day: dt.date,
    on_day: Callable[[CtrDayResult], None] | None = None,
) -> list[CtrDayResult]:
    """`ctr_draft_for_day` for every CTR business day from `first_day` to `last_day` (a backfill
    after an outage, the first run over imported history, the daily job's look-back): the same CTRs
    and the same idempotency, but the days' cash over the threshold is read a month at a time
    (`ctr_rows_by_day`) instead of one query per day. Each day is drafted as it is read and handed to
    `on_day`; weekends and holidays have no day of their own (their cash counts on the next business
    day)."""
    if last_day < first_day:
        raise CtrInvalid(f"the range ends ({last_day}) before it starts ({first_day})")
    results = []
    for day, rows in ctr_rows_by_day(first_day=first_day, last_day=last_day):
        results.append(_draft_day(day, rows, None))
        if on_day is not None:
            on_day(results[-1])
    return results


def ctr_days_to_draft(*, today: dt.date | None = None) -> list[dt.date]:
    """The CTR business days the daily job drafts: the `CTR_DRAFT_LOOKBACK_BUSINESS_DAYS` business
    days before today (a day's cash, weekend cash included, is complete once it is over)."""
    from blockguardian.calendar import is_fed_business_day

    day = today or calendar_business_date()
    days: list[dt.date] = []
    while len(days) < settings.CTR_DRAFT_LOOKBACK_BUSINESS_DAYS:
        day -= dt.timedelta(days=1)
        if is_fed_business_day(day):
            days.append(day)
    return sorted(days)
