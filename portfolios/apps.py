from django.apps import AppConfig


class PortfoliosConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portfolios"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from accounts.signals import restriction_changed
        from blockguardian import datarights, demo

        from . import tasks  # noqa: F401 - registers the Celery tasks the outbox sends
        from .datarights import erase_portfolios, export_portfolios, veto_erasure
        from .demo import load_demo_portfolios
        from .forecasting import tasks as forecasting_tasks  # noqa: F401 - registers the forecast tasks
        from .forecasting.receivers import on_prices_loaded
        from .models import Asset, JournalEntry, Portfolio, Reservation
        from .receivers import on_restriction_changed
        from .signals import prices_loaded

        restriction_changed.connect(on_restriction_changed, dispatch_uid="portfolios.on_restriction_changed")
        prices_loaded.connect(on_prices_loaded, dispatch_uid="portfolios.forecasting.on_prices_loaded")
        demo.register("portfolios", load_demo_portfolios, order=20)
        datarights.register("portfolios", exporter=export_portfolios, eraser=erase_portfolios, veto=veto_erasure)

        # Concrete fields only: reverse relations would cost a query each per logged change.
        def fields(model, *excluded):
            return [f.name for f in model._meta.concrete_fields if f.name not in excluded]

        auditlog.register(Asset, include_fields=fields(Asset, "last_price", "last_price_at", "updated_at"))
        # The name is the one free text a customer writes here: masked in the audit trail.
        auditlog.register(
            Portfolio,
            include_fields=fields(Portfolio, "ledger_seq", "updated_at"),
            mask_fields=["name"],
            mask_callable="portfolios.datarights.mask_entirely",
        )
        auditlog.register(
            JournalEntry,
            include_fields=fields(JournalEntry),
            mask_fields=["memo"],
            mask_callable="blockguardian.audit.masking.redact",
        )
        auditlog.register(self.get_model("Position"), include_fields=fields(self.get_model("Position"), "updated_at"))
        auditlog.register(Reservation, include_fields=fields(Reservation))
