"""Grant trading's permissions to the roles (groups created here if absent): operations record
branch cash and see the trading records; compliance sees them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ["transaction", "execution", "linkedbankaccount", "wallet", "branchcashtransaction"]
GRANTS = {
    "operations": ["record_branch_cash"] + [f"view_{m}" for m in MODELS],
    "compliance_officer": [f"view_{m}" for m in MODELS],
    "bsa_officer": [f"view_{m}" for m in MODELS],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("trading")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="trading", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=GRANTS):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="trading"))


class Migration(migrations.Migration):
    dependencies = [
        ("trading", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
