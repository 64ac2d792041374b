"""The chain client, its contracts and the anchoring of records (an installed app: label `chain`)."""

from django.apps import AppConfig


class ChainConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "blockguardian.chain"
    label = "chain"
    verbose_name = "Chain anchoring"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from blockguardian import demo, health

        from . import tasks  # noqa: F401 - registers the tasks in web processes too (eager relay)
        from .demo import load_demo_chain
        from .health import blockchain_available, check_chain
        from .models import AnchorBatch, AnchoredRecord, ChainDeployment

        # Replaces the platform's placeholder `not_configured` check.
        health.register_component("chain", check_chain)
        health.register_feature("blockchain", blockchain_available)
        # Anchored records carry no personal data; the proof is bulky and derived from the batch.
        auditlog.register(ChainDeployment)
        auditlog.register(AnchorBatch)
        auditlog.register(AnchoredRecord, exclude_fields=["proof"])
        # After the apps whose demo data is anchored.
        demo.register("chain", load_demo_chain, order=900)
