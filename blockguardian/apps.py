from django.apps import AppConfig


class BlockGuardianConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "blockguardian"
    verbose_name = "Platform"
