from django.apps import AppConfig


class BlockGuardianConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "blockguardian"
    verbose_name = "Platform"

    def ready(self) -> None:
        from . import demo

        # Last of all: without beat (the embedded default) nothing else seals the demo's audit entries.
        demo.register("audit", _seal_demo_audit_trail, order=1000)


def _seal_demo_audit_trail() -> list[str]:
    from .audit.services import audit_seal_pending

    run = audit_seal_pending()
    return [f"Audit trail: {run.sealed} new entries sealed (manage.py verify_audit_chain proves the chain)."]
