from django.apps import AppConfig


class CreditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "credit"
    verbose_name = "Credit scoring"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from blockguardian import datarights, demo, health

        from .demo import load_default_model
        from .health import check_credit_model, credit_model_available
        from .models import CreditEvent, CreditScore, RescoreRun
        from .selectors import credit_data_export
        from .services import credit_data_erase

        # Personal content (the application, the attributes with age, points, reasons) never
        auditlog.register(CreditScore, exclude_fields=["inputs", "features", "points", "reasons"])
        auditlog.register(CreditEvent)
        auditlog.register(RescoreRun, exclude_fields=["distribution"])

        datarights.register("credit", exporter=credit_data_export, eraser=credit_data_erase)
        demo.register("credit", load_default_model, order=50)
        health.register_component("credit_model", check_credit_model)
        health.register_feature("credit_scorecard", credit_model_available)
