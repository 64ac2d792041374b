from django.apps import AppConfig


class TradingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "trading"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from accounts.signals import restriction_changed
        from blockguardian import datarights
        from fraud.signals import fraud_review_resolved
        from portfolios.signals import prices_loaded

        from . import tasks  # noqa: F401 - registers the Celery tasks the outbox sends
        from .datarights import erase_trading, export_trading, veto_erasure
        from .models import BranchCashTransaction, LinkedBankAccount, Transaction, Wallet
        from .receivers import on_fraud_review_resolved, on_prices_loaded, on_restriction_changed

        restriction_changed.connect(on_restriction_changed, dispatch_uid="trading.on_restriction_changed")
        prices_loaded.connect(on_prices_loaded, dispatch_uid="trading.on_prices_loaded")
        fraud_review_resolved.connect(on_fraud_review_resolved, dispatch_uid="trading.on_fraud_review_resolved")

        from django.db.models.signals import post_migrate

        from blockguardian.roles import reapply_data_migration

        self._roles_receiver = reapply_data_migration("trading.migrations.0002_roles", "grant")
        post_migrate.connect(self._roles_receiver, sender=self, dispatch_uid="trading-roles")

        datarights.register("trading", exporter=export_trading, eraser=erase_trading, veto=veto_erasure, order=40)

        def fields(model, *excluded):
            return [f.name for f in model._meta.concrete_fields if f.name not in excluded]

        auditlog.register(
            Transaction,
            include_fields=fields(Transaction, "updated_at", "ip_address", "user_agent"),
            mask_fields=["wire_details", "memo"],
            mask_callable="blockguardian.audit.masking.redact",
        )
        auditlog.register(self.get_model("Execution"), include_fields=fields(self.get_model("Execution")))
        # Personal data stays out of the audit trail: numbers are encrypted, names are masked.
        auditlog.register(
            LinkedBankAccount,
            include_fields=["id", "user", "status", "status_reason", "verify_attempts", "verified_at", "account_last4"],
            mask_fields=["account_last4"],
            mask_callable="blockguardian.audit.masking.redact",
        )
        auditlog.register(Wallet, include_fields=["id", "user", "currency", "status", "unusable", "status_reason"])
        auditlog.register(
            BranchCashTransaction,
            include_fields=["id", "transaction", "direction", "amount", "branch", "occurred_at", "recorded_by"],
        )
