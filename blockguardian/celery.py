"""The Celery app: autodiscovered tasks, queues by job kind, a beat schedule declared in code."""

import os
from datetime import timedelta

from celery import Celery
from celery.schedules import crontab
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blockguardian.settings.base")

app = Celery("blockguardian")
app.config_from_object("django.conf:settings", namespace="CELERY")

# Queues by job kind, so one can be scaled or paused without the others.
QUEUES = ("default", "scoring", "monitoring", "filings", "chain")

app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_soft_time_limit=300,
    task_time_limit=360,
    task_default_queue="default",
    task_queues=[Queue(name) for name in QUEUES],
    task_routes={
        "credit.*": {"queue": "scoring"},
        "fraud.*": {"queue": "scoring"},
        "compliance.run_monitoring": {"queue": "monitoring"},
        "compliance.ctr_draft": {"queue": "filings"},
        "compliance.file_approved_*": {"queue": "filings"},
        "chain.*": {"queue": "chain"},
    },
    broker_connection_retry_on_startup=True,
    result_expires=timedelta(days=1),
    timezone="UTC",
    enable_utc=True,
    beat_schedule={
        "outbox-relay": {
            "task": "blockguardian.outbox_relay",
            "schedule": timedelta(seconds=10),
            "options": {"expires": 10},
        },
        "worker-heartbeat": {
            "task": "blockguardian.heartbeat",
            "schedule": timedelta(minutes=1),
            "options": {"expires": 60},
        },
        "chain-anchor-batches": {
            "task": "chain.anchor_batches",
            "schedule": timedelta(minutes=1),
            "options": {"expires": 60},
        },
        "accounts-erasure-retry": {
            "task": "accounts.erasure_retry_deferred",
            "schedule": timedelta(hours=1),
        },
        "accounts-mfa-challenges-purge": {
            "task": "accounts.mfa_challenges_purge",
            "schedule": timedelta(days=1),
        },
        "credit-rescore-nightly": {
            # 07:30 UTC is 02:30-03:30 in New York, after the day's activity.
            "task": "credit.rescore_all",
            "schedule": crontab(hour=7, minute=30),
            "options": {"expires": 6 * 3600},
        },
        "portfolios-sweep-blocked-cash": {
            # The safety net behind the restriction signal: cash of blocked customers into blocked funds.
            "task": "portfolios.sweep_blocked_cash",
            "schedule": timedelta(minutes=15),
            "options": {"expires": 15 * 60},
        },
        "fraud-senior-hold-expire": {
            # FINRA Rule 2165 holds end at their time limit unless extended.
            "task": "fraud.senior_hold_expire_due",
            "schedule": timedelta(minutes=15),
            "options": {"expires": 15 * 60},
        },
        "trading-fill-queued-orders": {
            # Orders waiting for the open, limit orders and orders waiting for a fresh price.
            "task": "trading.fill_queued_orders",
            "schedule": timedelta(minutes=1),
            "options": {"expires": 60},
        },
        "trading-settle-due": {
            "task": "trading.settle_due",
            "schedule": timedelta(minutes=15),
            "options": {"expires": 15 * 60},
        },
        "lending-service-loans-daily": {
            # 06:00 UTC is 01:00-02:00 in New York: the new business day has begun.
            "task": "lending.service_loans_daily",
            "schedule": crontab(hour=6, minute=0),
            "options": {"expires": 6 * 3600},
        },
        "compliance-run-monitoring": {
            "task": "compliance.run_monitoring",
            "schedule": timedelta(minutes=5),
            "options": {"expires": 5 * 60},
        },
        "compliance-ctr-draft-daily": {
            # 07:00 UTC is 02:00-03:00 in New York: the previous business day (weekend cash included) is over.
            "task": "compliance.ctr_draft",
            "schedule": crontab(hour=7, minute=0),
            "options": {"expires": 6 * 3600},
        },
        "compliance-file-approved-ctrs": {
            # CTRs approved during the day are filed in one batch in the evening (New York).
            "task": "compliance.file_approved_ctrs",
            "schedule": crontab(hour=22, minute=0),
        },
        "portfolios-forecast-retrain-weekly": {
            "task": "portfolios.forecasting.retrain",
            "schedule": crontab(day_of_week="sun", hour=8, minute=0),
            "options": {"expires": 24 * 3600},
        },
        "audit-seal": {
            # Seals new audit entries in id order; writers never wait for it.
            "task": "blockguardian.audit_seal",
            "schedule": timedelta(seconds=30),
            "options": {"expires": 30},
        },
        "audit-head-anchor": {
            "task": "blockguardian.audit_head_anchor",
            "schedule": crontab(hour=5, minute=0),
            "options": {"expires": 6 * 3600},
        },
        "legal-hold-purge": {
            "task": "blockguardian.legal_hold_purge",
            "schedule": crontab(hour=9, minute=0),
            "options": {"expires": 6 * 3600},
        },
        "idempotency-purge": {
            "task": "blockguardian.idempotency_purge",
            "schedule": timedelta(hours=1),
        },
    },
)
app.autodiscover_tasks()
