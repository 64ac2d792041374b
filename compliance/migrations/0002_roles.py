"""Grant compliance's permissions to the compliance roles (groups created here if absent)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Group → (model, permission codenames). The BSA officer alone sees 314(a).
SCREENING_MODELS = [
    "sanctionslistversion",
    "sanctionsentry",
    "sanctionsalias",
    "sanctionsaddress",
    "digitalcurrencyaddress",
    "screeningsubject",
    "screeningrun",
    "screeningreview",
    "screeninghit",
    "disposition",
    "ofacreport",
]
FINCEN_MODELS = ["fincen314alist", "fincen314asubject", "fincen314amatch"]
GRANTS = {
    "compliance_officer": ["screen_sanctions"] + [f"view_{m}" for m in SCREENING_MODELS],
    "bsa_officer": ["screen_sanctions", "handle_314a"]
    + [f"view_{m}" for m in SCREENING_MODELS]
    + [f"view_{m}" for m in FINCEN_MODELS],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("compliance")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        permissions = Permission.objects.filter(content_type__app_label="compliance", codename__in=codenames)
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=GRANTS):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="compliance"))


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
