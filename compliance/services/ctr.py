"""Currency Transaction Reports (31 CFR 1010.311, .313, .306): `draft → approved → filed`.

`ctr_draft_create` takes plain values, so the daily aggregation over physical-cash transactions
(whoever owns them) calls it with one person's business-day total for one direction. Re-running
the aggregation for the same day refreshes a draft and never makes a second CTR.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from blockguardian.crypto import encrypt_str, last_four
from blockguardian.money import quantize_cash, to_decimal

from ..errors import ComplianceObjectNotFound, CtrInvalid, CtrStateError
from ..models import Ctr
from .cases import assert_officer

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
