"""Grant the monitoring, case, CTR, SAR and filing permissions to the compliance roles.

`compliance_officer` works alerts and cases and drafts SARs (`handle_sar`); `bsa_officer` also
approves and files SARs (`approve_sar`) and CTRs (`file_ctr`)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

BSA_MODELS = ["monitoringrulestate", "chainmismatchevent", "alert", "case", "casenote", "filing", "ctr"]
GRANTS = {
    "compliance_officer": ["work_alerts", "handle_sar", "view_sar"] + [f"view_{m}" for m in BSA_MODELS],
    "bsa_officer": ["work_alerts", "handle_sar", "approve_sar", "file_ctr", "view_sar"]
    + [f"view_{m}" for m in BSA_MODELS],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("compliance")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="compliance", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = {c for names in GRANTS.values() for c in names}
    for group in Group.objects.filter(name__in=GRANTS):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="compliance", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [("compliance", "0003_bsa_reporting")]

    operations = [migrations.RunPython(grant, revoke)]
