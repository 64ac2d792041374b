from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        from blockguardian import demo

        from .demo import load_demo_users

        demo.register("accounts", load_demo_users, order=10)
