"""The roles (groups) and the permissions on accounts' own models each one holds.

Other apps grant their models' permissions to these groups in their own migrations (looking the
groups up by name). Customers hold no model permissions: they reach only their own objects, through
the API's scoped selectors.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ["customer", "operations", "compliance_officer", "bsa_officer", "risk_analyst", "loan_officer", "admin"]

_VIEW_CUSTOMER = ["view_user", "view_customerprofile", "view_kycrecord"]
_COMPLIANCE = [
    *_VIEW_CUSTOMER,
    "view_securityevent",
    "view_cipnoticeacceptance",
    "view_kycevent",
    "view_kycverification",
    "view_kycdocument",
    "view_kyc_documents",
    "decide_kycrecord",
    "verify_kycrecord",
    "rate_kycrecord",
    "set_restriction",
    "view_erasurerequest",
]

GRANTS = {
    "customer": [],
    "operations": [
        *_VIEW_CUSTOMER,
        "view_kycverification",
        "view_kycdocument",
        "view_kyc_documents",
        "verify_kycrecord",
        "view_cipnoticeacceptance",
    ],
    "compliance_officer": _COMPLIANCE,
    # Approves and files SARs, handles 314(a); the one role that lifts a sanctions block.
    "bsa_officer": [*_COMPLIANCE, "lift_block"],
    "risk_analyst": [*_VIEW_CUSTOMER, "view_securityevent", "rate_kycrecord"],
    "loan_officer": ["view_user", "view_customerprofile", "view_kycrecord"],
    "admin": None,  # every permission on accounts' models
}


def create_roles(apps, schema_editor):
    app_config = apps.get_app_config("accounts")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    accounts_permissions = Permission.objects.filter(content_type__app_label="accounts")
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        codenames = GRANTS[role]
        wanted = accounts_permissions if codenames is None else accounts_permissions.filter(codename__in=codenames)
        missing = set(codenames or []) - set(wanted.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"unknown accounts permissions for {role}: {sorted(missing)}")
        group.permissions.add(*wanted)


def remove_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="accounts"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_profile_sessions_mfa_kyc"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
