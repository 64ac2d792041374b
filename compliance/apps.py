from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "compliance"

    def ready(self) -> None:
        from accounts import signals as account_signals
        from blockguardian import datarights, demo, health

        from . import (
            audit,
            receivers,
            selectors,
            tasks,  # noqa: F401 - registers the Celery tasks the outbox sends (eager relay too)
        )
        from .demo import load_sanctions_list
        from .services.erasure import customer_erase

        kyc_submitted = getattr(account_signals, "kyc_submitted", None)
        if kyc_submitted is not None:
            kyc_submitted.connect(receivers.on_kyc_submitted, dispatch_uid="compliance.on_kyc_submitted")
        # Compliance data is never exported to the customer; its records are kept (OFAC: 10
        # years). An open 314(a) match, an open sanctions review or blocked property defer erasure.
        datarights.register("compliance", eraser=customer_erase, veto=selectors.customer_erasure_veto)
        # Before the demo customers (accounts, order 10) submit KYC, so that they are screened.
        demo.register("compliance", load_sanctions_list, order=5)
        health.register_feature("sanctions_screening", selectors.sanctions_list_loaded)
        audit.register_models()

        from django.db.models.signals import post_migrate

        from blockguardian.roles import reapply_data_migration

        self._roles_receiver = reapply_data_migration("compliance.migrations.0002_roles", "grant")
        post_migrate.connect(self._roles_receiver, sender=self, dispatch_uid="compliance-roles")
