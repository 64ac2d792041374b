from django.apps import AppConfig
from django.db.models.signals import post_migrate

RISK_ANALYST_GROUP = "risk_analyst"
RISK_ANALYST_PERMISSIONS = (
    "view_storeddecision",
    "view_fraudalert",
    "resolve_fraudalert",
    "view_seniorhold",
    "extend_seniorhold",
    "view_customeraggregate",
    "view_fraudruleoverride",
)


def _ensure_roles(sender, **kwargs) -> None:
    """The risk analysts' group and its permissions (idempotent, after every migrate)."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=RISK_ANALYST_GROUP)
    perms = Permission.objects.filter(content_type__app_label="fraud", codename__in=RISK_ANALYST_PERMISSIONS)
    group.permissions.add(*perms)


class FraudConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "fraud"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from blockguardian import datarights, demo, health

        from . import services, tasks  # noqa: F401 - tasks: registered for the outbox and beat
        from .demo import load_demo_activity
        from .engine import active_model
        from .models import FraudAlert, FraudRuleOverride, SeniorHold

        # Explicit fields: a reverse one-to-one in the diff would cost a query per alert.
        auditlog.register(
            FraudAlert, include_fields=["state", "severity", "score", "resolved_at", "resolved_by", "decision"]
        )
        auditlog.register(
            SeniorHold, include_fields=["state", "expires_at", "extensions", "trusted_contact_notified_at", "ended_at"]
        )
        auditlog.register(FraudRuleOverride)
        # Decisions are not registered: each is an append-only record of itself (score, reasons,
        # model, thresholds), written on the hot path of every money movement; what staff do with a
        # flagged one (the fraud alert) is audited.
        datarights.register("fraud", eraser=services.customer_erase, veto=services.customer_erase_veto)
        demo.register("fraud", load_demo_activity, order=80)
        health.register_feature("fraud_anomaly_model", lambda: active_model() is not None)
        post_migrate.connect(_ensure_roles, sender=self, dispatch_uid="fraud_roles")
