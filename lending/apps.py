from django.apps import AppConfig


class LendingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lending"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from accounts.signals import restriction_changed
        from blockguardian import datarights, demo

        from . import tasks  # noqa: F401 - registers the Celery tasks the outbox sends
        from .datarights import erase_lending, export_lending, veto_erasure
        from .demo import load_demo_lending
        from .models import AdverseActionNotice, Loan, LoanProduct
        from .receivers import on_ach_returned, on_restriction_changed

        restriction_changed.connect(on_restriction_changed, dispatch_uid="lending.on_restriction_changed")
        try:
            from trading.signals import ach_returned
        except ImportError:  # trading not installed: no bank legs, nothing to hear
            ach_returned = None
        if ach_returned is not None:
            ach_returned.connect(on_ach_returned, dispatch_uid="lending.on_ach_returned")
        datarights.register("lending", exporter=export_lending, eraser=erase_lending, veto=veto_erasure)
        demo.register("lending", load_demo_lending, order=60)
        auditlog.register(LoanProduct)
        # The application's declared figures are personal data: kept out of the audit trail.
        auditlog.register(
            Loan,
            exclude_fields=["monthly_income", "monthly_debts", "application", "purpose", "updated_at"],
        )
        auditlog.register(AdverseActionNotice, exclude_fields=["content"])
        auditlog.register(self.get_model("Repayment"))
        auditlog.register(self.get_model("LateFee"))
        auditlog.register(self.get_model("Installment"))
        auditlog.register(self.get_model("LoanDisclosure"), exclude_fields=["content"])
        auditlog.register(self.get_model("LoanEvent"), exclude_fields=["detail"])
