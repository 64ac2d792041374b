"""A customer's erasure as far as compliance is concerned.

Compliance records are never exported to the customer. On erasure the personal data they show
moves to the restricted legal-hold store and is masked in place: what was screened and the name in
the hit reasons (OFAC records, 10 years), the subject data of filed SARs (SAR copies, 5 years) and
the conductors of CTRs (CTR copies, 5 years). Erasure waits while a 314(a) match, a sanctions
review, a case or an unfiled SAR is open, or property is blocked (`selectors.customer_erasure_veto`).
"""

from __future__ import annotations

from django.db import transaction

from blockguardian.legalhold import legal_hold_store
from blockguardian.retention import RetentionClass

from ..models import Ctr, Sar, ScreeningHit, ScreeningRun

ERASED = {"erased": True}


@transaction.atomic
def customer_erase(user) -> None:
    _bsa_records_erase(user)
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


def _bsa_records_erase(user) -> None:
    sars = list(Sar.objects.select_for_update().filter(subject=user).exclude(subject_data=ERASED).order_by("pk"))
    if sars:
        legal_hold_store(
            subject_id=str(user.pk),
            source_app="compliance",
            record_class=RetentionClass.SAR,
            description="SAR subject data of an erased customer",
            payload={"sars": [{"id": s.pk, "subject_data": s.subject_data} for s in sars]},
            retention_starts_on=max((s.filed_at or s.prepared_at) for s in sars).date(),
        )
        for sar in sars:
            sar.subject_data = ERASED
            sar.save(update_fields=["subject_data"])
    ctrs = list(Ctr.objects.select_for_update().filter(subject=user).exclude(conductors=[]).order_by("pk"))
    if ctrs:
        legal_hold_store(
            subject_id=str(user.pk),
            source_app="compliance",
            record_class=RetentionClass.CTR,
            description="CTR conductors of an erased customer",
            payload={"ctrs": [{"id": c.pk, "conductors": c.conductors} for c in ctrs]},
            retention_starts_on=max((c.filed_at or c.created_at) for c in ctrs).date(),
        )
        for ctr in ctrs:
            ctr.conductors = []
            ctr.save(update_fields=["conductors"])
