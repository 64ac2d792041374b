"""What reaches the audit log: every financial and compliance model, never personal data in clear;
explicit entries for bulk writes; the admin's read-only views of the trail and its seals."""

from __future__ import annotations

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import StaffUserFactory, UserFactory
from blockguardian.audit.masking import REDACTED
from blockguardian.audit.services import audit_bulk, audit_bulk_created, audit_event, audit_seal_pending
from blockguardian.models import AuditSeal, LegalHoldRecord

pytestmark = pytest.mark.django_db

# DESIGN.md: every change to a customer, KYC record, portfolio, transaction, loan, score, alert, case or
# filing is recorded.
AUDITED = [
    "accounts.User",
    "accounts.CustomerProfile",
    "accounts.KycRecord",
    "accounts.KycEvent",
    "accounts.KycVerification",
    "portfolios.Portfolio",
    "portfolios.JournalEntry",
    "portfolios.Position",
    "trading.Transaction",
    "trading.Execution",
    "trading.LinkedBankAccount",
    "lending.Loan",
    "lending.Repayment",
    "lending.LateFee",
    "lending.Installment",
    "lending.LoanDisclosure",
    "lending.AdverseActionNotice",
    "credit.CreditScore",
    "fraud.FraudAlert",
    "compliance.Alert",
    "compliance.Case",
    "compliance.Sar",
    "compliance.Ctr",
    "compliance.Filing",
    "compliance.OfacReport",
    "compliance.Disposition",
]


@pytest.mark.parametrize("label", AUDITED)
def test_financial_and_compliance_models_are_audited(label):
    assert auditlog.contains(apps.get_model(label))


@pytest.mark.parametrize(
    ("label", "personal"),
    [
        ("trading.Transaction", ["ip_address", "user_agent"]),
        ("lending.LoanDisclosure", ["content"]),
        ("accounts.KycEvent", ["detail"]),
    ],
)
def test_personal_fields_are_not_logged(label, personal):
    rules = auditlog.get_model_fields(apps.get_model(label))
    logged = [
        f.name
        for f in apps.get_model(label)._meta.concrete_fields
        if (not rules["include_fields"] or f.name in rules["include_fields"]) and f.name not in rules["exclude_fields"]
    ]
    assert not set(personal) & set(logged)


def test_masked_fields_are_logged_as_changed_without_their_value():
    user = UserFactory(first_name="Avery")
    user.first_name = "Jordan"
    user.save()

    entry = LogEntry.objects.get_for_object(user).filter(action=LogEntry.Action.UPDATE).get()

    assert entry.changes["first_name"] == [REDACTED, REDACTED]
    assert "Avery" not in str(entry.changes) and "Jordan" not in str(entry.changes)


def test_the_acting_user_is_named_by_id_without_their_email():
    staff = StaffUserFactory(email="officer.olsen@blockguardian.example")
    with set_actor(staff):
        customer = UserFactory()

    entry = LogEntry.objects.get_for_object(customer).get()

    assert entry.actor_id == staff.pk and entry.actor_email is None


def test_representations_that_could_hold_personal_data_are_replaced_by_the_key(settings):
    settings.AUDIT_NEUTRAL_REPR_MODELS = ["accounts.user"]
    user = UserFactory()

    entry = LogEntry.objects.get_for_object(user).get()

    assert entry.object_repr == f"accounts.user {user.pk}"


def test_a_bulk_update_writes_one_entry_per_object_with_masked_values():
    users = UserFactory.create_batch(3)
    staff = StaffUserFactory()
    User.objects.filter(pk__in=[u.pk for u in users]).update(first_name="Masked")

    written = audit_bulk(
        model=User,
        object_pks=[u.pk for u in users],
        action="update",
        changes={"first_name": ("Avery", "Masked"), "password": ("a", "b"), "is_active": (True, False)},
        acting_user=staff,
        reason="bulk correction",
    )

    assert written == 3
    entries = LogEntry.objects.filter(additional_data__bulk=True)
    assert sorted(e.object_pk for e in entries) == sorted(str(u.pk) for u in users)
    entry = entries.first()
    assert entry.changes == {"first_name": [REDACTED, REDACTED], "is_active": ["True", "False"]}
    assert entry.actor_id == staff.pk and entry.action == LogEntry.Action.UPDATE


def test_rows_written_with_bulk_create_get_create_entries_as_auditlog_would_log_them():
    rows = User.objects.bulk_create([User(email=f"bulk{i}@example.com", first_name="Avery") for i in range(2)])

    assert audit_bulk_created(instances=rows) == 2
    entries = LogEntry.objects.filter(additional_data__bulk=True)
    assert entries.count() == 2 and all(e.action == LogEntry.Action.CREATE for e in entries)
    assert all(e.changes["first_name"][1] == REDACTED and "password" not in e.changes for e in entries)


def test_bulk_entries_need_a_registered_model():
    rows = LegalHoldRecord.objects.bulk_create(
        [LegalHoldRecord(subject_id="1", source_app="x", record_class="sar", description="d", payload_encrypted="p")]
    )

    with pytest.raises(ValueError, match="not registered"):
        audit_bulk_created(instances=rows)


def test_bulk_entries_are_sealed_like_any_other(settings):
    users = UserFactory.create_batch(2)
    audit_bulk(model=User, object_pks=[u.pk for u in users], action="update", changes={"is_active": (True, False)})
    audit_event(model=LegalHoldRecord, event="retention_purge", data={"purged.sar": 1}, action="delete")

    audit_seal_pending()

    assert AuditSeal.objects.count() == LogEntry.objects.count()


@pytest.fixture
def admin_client(client):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    staff = StaffUserFactory(is_superuser=True)
    client.force_login(staff)
    device = TOTPDevice.objects.create(user=staff, name="test", confirmed=True)
    session = client.session
    from django_otp import DEVICE_ID_SESSION_KEY

    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def test_the_admin_shows_the_chain_status(admin_client, settings):
    UserFactory()
    audit_seal_pending()
    head = AuditSeal.objects.order_by("-seq").first()

    response = admin_client.get(reverse("admin:blockguardian_auditseal_status"))

    assert response.status_code == 200
    assert head.hash in response.content.decode()


def test_the_admin_shows_the_audit_history_of_one_object_with_its_seals(admin_client, settings):
    customer = UserFactory()
    audit_seal_pending()
    customer.is_active = False
    customer.save()
    content_type = ContentType.objects.get_for_model(User)

    response = admin_client.get(reverse("admin:blockguardian_auditseal_object", args=[content_type.pk, customer.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "2 audit entries" in body and "not sealed yet" in body and "seal " in body


def test_seals_are_read_only_in_the_admin(admin_client, settings):
    UserFactory()
    audit_seal_pending()
    seal = AuditSeal.objects.first()

    assert admin_client.get(reverse("admin:blockguardian_auditseal_changelist")).status_code == 200
    assert admin_client.post(reverse("admin:blockguardian_auditseal_change", args=[seal.pk]), {}).status_code == 403
    assert admin_client.post(reverse("admin:blockguardian_auditseal_delete", args=[seal.pk]), {}).status_code == 403
