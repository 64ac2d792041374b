from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "compliance"

    def ready(self) -> None:
        from accounts import signals as account_signals
        from blockguardian import datarights, demo, health
        from blockguardian.chain.signals import anchor_mismatch
        from fraud.signals import fraud_confirmed

        from . import (
            audit,
            receivers,
            selectors,
            tasks,  # noqa: F401 - registers the Celery tasks the outbox sends (eager relay too)
        )
        from .demo import load_sanctions_list
        from .services.erasure import customer_erase

        anchor_mismatch.connect(receivers.on_anchor_mismatch, dispatch_uid="compliance.on_anchor_mismatch")
        fraud_confirmed.connect(receivers.on_fraud_confirmed, dispatch_uid="compliance.on_fraud_confirmed")
        kyc_submitted = getattr(account_signals, "kyc_submitted", None)
        if kyc_submitted is not None:
            kyc_submitted.connect(receivers.on_kyc_submitted, dispatch_uid="compliance.on_kyc_submitted")
        # Compliance data is never exported to the customer; its records are kept (OFAC: 10
        # years). An open 314(a) match, an open sanctions review, blocked property, an open case or
        # a SAR not yet filed defer erasure.
        datarights.register("compliance", eraser=customer_erase, veto=selectors.customer_erasure_veto)
        # Before the demo customers (accounts, order 10) submit KYC, so that they are screened.
        demo.register("compliance", load_sanctions_list, order=5)
        health.register_feature("sanctions_screening", selectors.sanctions_list_loaded)
        audit.register_models()

        from django.db.models.signals import post_migrate

        from blockguardian.roles import reapply_data_migration

        self._roles_receiver = reapply_data_migration("compliance.migrations.0002_roles", "grant")
        post_migrate.connect(self._roles_receiver, sender=self, dispatch_uid="compliance-roles")
        self._bsa_roles_receiver = reapply_data_migration("compliance.migrations.0004_bsa_roles", "grant")
        post_migrate.connect(self._bsa_roles_receiver, sender=self, dispatch_uid="compliance-bsa-roles")
