from django.apps import AppConfig

# accounts' eraser runs after every other app's: it masks the user and revokes the tokens.
ERASER_ORDER = 1000


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        from blockguardian import datarights, demo

        from . import audit, schema  # noqa: F401 - the schema extension registers itself
        from .demo import load_demo_users
        from .services.erasure import accounts_erase, accounts_export

        demo.register("accounts", load_demo_users, order=10)
        datarights.register("accounts", exporter=accounts_export, eraser=accounts_erase, order=ERASER_ORDER)
        audit.register_models()
        audit.connect_signals()

        from django.db.models.signals import post_migrate

        from blockguardian.roles import reapply_data_migration

        self._roles_receiver = reapply_data_migration("accounts.migrations.0004_roles", "create_roles")
        post_migrate.connect(self._roles_receiver, sender=self, dispatch_uid="accounts-roles")
