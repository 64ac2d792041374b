"""compliance: Celery tasks, thin wrappers around the services (ids in, idempotent).

Other apps start these by name through the outbox (`outbox_enqueue(task="compliance.…", …)`),
never by importing compliance:

* `compliance.screen_customer(user_id, trigger="kyc_submitted")`
* `compliance.screen_party(kind, reference, name, date_of_birth=None, country=None, entry_type=None, user_id=None)`
  for a linked bank account's holder, a counterparty or a security issuer;
* `compliance.screen_wallet(wallet_id, address, currency="", user_id=None)` for a registered wallet;
* `compliance.report_rejected_transaction(transaction_reference, description, ent_num=None,
  user_id=None, amount=None, currency="USD")` when a transfer involving a listed party is refused;
* `compliance.rescreen_after_list_change(version_id)` (queued by the list load itself);
* `compliance.run_monitoring(rules=None)`: the monitoring rules from their watermarks (beat, every
  few minutes; also queued by the fraud-confirmed and chain-mismatch signals);
* `compliance.ctr_draft(business_date=None)`: the daily CTR job (beat): drafts the CTRs of that CTR
  business day, or of the last `CTR_DRAFT_LOOKBACK_BUSINESS_DAYS` business days before today;
* `compliance.file_approved_ctrs()` / `compliance.file_approved_sars()`: write the approved
  reports as FinCEN batches (beat, daily).
"""

from __future__ import annotations

from decimal import Decimal

from celery import shared_task
from django.contrib.auth import get_user_model

from . import services
from .hooks import party_refuse
from .models import SanctionsEntry, SanctionsListVersion

_TASK_OPTIONS = {"acks_late": True, "ignore_result": True, "autoretry_for": (ConnectionError,), "retry_backoff": True}


def _user(user_id):
    return get_user_model().objects.get(pk=user_id) if user_id else None


@shared_task(name="compliance.screen_customer", **_TASK_OPTIONS)
def screen_customer(user_id: str, trigger: str = "kyc_submitted", **_: object) -> int:
    return services.customer_screen(user=_user(user_id), trigger=trigger).run.pk


@shared_task(name="compliance.screen_party", **_TASK_OPTIONS)
def screen_party(
    kind: str,
    reference: str,
    name: str,
    date_of_birth: str | None = None,
    country: str | None = None,
    entry_type: str | None = None,
    user_id: str | None = None,
) -> int:
    outcome = services.screen_name(
        name=name,
        kind=kind,
        reference=reference,
        date_of_birth=date_of_birth,
        countries=[country] if country else [],
        entry_type=entry_type,
        customer=_user(user_id),
    )
    if outcome.listed:
        party_refuse(kind=kind, reference=reference, reason="A party to it is on the OFAC SDN list.")
    return outcome.run.pk


@shared_task(name="compliance.screen_wallet", **_TASK_OPTIONS)
def screen_wallet(wallet_id, address: str, currency: str = "", user_id: str | None = None) -> int:
    outcome = services.wallet_registration_screen(
        wallet_id=wallet_id, address=address, currency=currency, user=_user(user_id)
    )
    return outcome.run.pk


@shared_task(name="compliance.rescreen_after_list_change", **_TASK_OPTIONS, soft_time_limit=3300, time_limit=3600)
def rescreen_after_list_change(version_id: int) -> int:
    return services.sanctions_rescreen(version=SanctionsListVersion.objects.get(pk=version_id))


@shared_task(name="compliance.report_rejected_transaction", **_TASK_OPTIONS)
def report_rejected_transaction(
    transaction_reference: str,
    description: str,
    ent_num: int | None = None,
    user_id: str | None = None,
    amount: str | None = None,
    currency: str = "USD",
) -> int:
    report = services.ofac_rejected_transaction_report_create(
        transaction_reference=transaction_reference,
        description=description,
        entry=SanctionsEntry.objects.filter(ent_num=ent_num).first() if ent_num else None,
        customer=_user(user_id),
        amount=Decimal(amount) if amount is not None else None,
        currency=currency,
    )
    return report.pk


@shared_task(name="compliance.run_monitoring", **_TASK_OPTIONS, soft_time_limit=600, time_limit=660)
def run_monitoring(rules: list[str] | None = None) -> int:
    return services.monitoring_run(rules=rules).alerts


@shared_task(name="compliance.ctr_draft", **_TASK_OPTIONS, soft_time_limit=1800, time_limit=1900)
def ctr_draft(business_date: str | None = None) -> list[int]:
    import datetime as dt

    from .services.ctr import ctr_draft_for_days

    if business_date:
        return services.ctr_draft_for_day(business_day=dt.date.fromisoformat(business_date)).drafted
    days = services.ctr_days_to_draft()
    results = ctr_draft_for_days(first_day=days[0], last_day=days[-1]) if days else []
    return [pk for result in results for pk in result.drafted]


@shared_task(name="compliance.file_approved_ctrs", **_TASK_OPTIONS)
def file_approved_ctrs() -> int | None:
    from .selectors import ctr_list_approved

    ids = list(ctr_list_approved().values_list("pk", flat=True))
    return services.filing_write(kind="ctr", record_ids=ids, acting_user=None).filing.pk if ids else None


@shared_task(name="compliance.file_approved_sars", **_TASK_OPTIONS)
def file_approved_sars() -> int | None:
    from .selectors import sar_list_approved

    ids = list(sar_list_approved().values_list("pk", flat=True))
    return services.filing_write(kind="sar", record_ids=ids, acting_user=None).filing.pk if ids else None
