"""A customer's erasure as far as compliance is concerned.

Compliance records are OFAC records (kept 10 years) and are never exported to the customer. On
erasure the personal data they show (what was screened, and the name in the hit reasons) moves to
the restricted legal-hold store and is masked in place. Erasure waits while a 314(a) match or a
sanctions review is open or property is blocked (see `selectors.customer_erasure_veto`).
"""

from __future__ import annotations

from django.db import transaction

from blockguardian.legalhold import legal_hold_store
from blockguardian.retention import RetentionClass

from ..models import ScreeningHit, ScreeningRun

ERASED = {"erased": True}


@transaction.atomic
def customer_erase(user) -> None:
    runs = list(ScreeningRun.objects.select_for_update().filter(customer=user).exclude(query=ERASED).order_by("pk"))
    if not runs:
        return
    hits = list(ScreeningHit.objects.select_for_update().filter(run__in=runs).order_by("pk"))
    legal_hold_store(
        subject_id=str(user.pk),
        source_app="compliance",
        record_class=RetentionClass.OFAC,
        description="Sanctions screening runs and hits of an erased customer",
        payload={
            "runs": [{"id": r.pk, "created_at": r.created_at.isoformat(), "query": r.query} for r in runs],
            "hits": [{"id": h.pk, "run": h.run_id, "entry": h.entry_id, "reasons": h.reasons} for h in hits],
        },
        retention_starts_on=runs[-1].created_at.date(),
    )
    for run in runs:
        run.query = ERASED
        run.save(update_fields=["query"])
    for hit in hits:
        hit.reasons = [
            {"code": r.get("code", ""), "effect": r.get("effect", 0), "detail": "(erased)"} for r in hit.reasons
        ]
        hit.save(update_fields=["reasons"])
