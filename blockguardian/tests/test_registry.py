"""The model registry (`blockguardian.registry`) and its back office (`blockguardian.admin`)."""

from __future__ import annotations

import threading

import pytest
from auditlog.models import LogEntry as AuditLogEntry
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.auth.models import Permission
from django.db import IntegrityError, connection, transaction
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from accounts.tests.factories import StaffUserFactory
from blockguardian import registry
from blockguardian.errors import StateConflict
from blockguardian.models import ModelVersion
from blockguardian.registry import (
    ModelArtefactCorrupt,
    artefact_dumps,
    model_activate,
    model_active_version,
    model_cache_clear,
    model_load,
    model_load_active,
    model_register,
    model_retire,
    sha256_bytes,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/blockguardian/modelversion/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    model_cache_clear()
    yield
    model_cache_clear()


def register(name: str = "credit_scorecard", payload: object = None, **kwargs) -> ModelVersion:
    return model_register(
        name=name,
        artefact=artefact_dumps(payload if payload is not None else {"weights": [1, 2, 3]}),
        training_data_hash="ab" * 32,
        metrics=kwargs.pop("metrics", {"auc": 0.77, "gini": 0.54, "ks": 0.45}),
        **kwargs,
    )


# --- registering ------------------------------------------------------------------------------


def test_versions_number_up_per_name():
    first, second = register(), register()
    other = register(name="fraud_anomaly")

    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert first.state == second.state == "trained"


def test_registration_keeps_metrics_fairness_params_and_the_artefact_hash():
    version = register(fairness={"warnings": []}, params={"features": ["a"]})

    version.refresh_from_db()
    assert version.metrics["auc"] == 0.77
    assert version.fairness == {"warnings": []}
    assert version.params == {"features": ["a"]}
    assert version.artefact_sha256 == sha256_bytes(bytes(version.artefact))
    assert version.trained_at is not None


# --- the state machine ------------------------------------------------------------------------


def test_activation_retires_the_previous_active_version():
    first, second = register(), register()
    model_activate(version=first)

    model_activate(version=second)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == ("retired", "active")
    assert first.retired_at is not None and second.activated_at is not None
    assert model_active_version(name="credit_scorecard") == second


def test_activating_the_active_version_changes_nothing():
    version = model_activate(version=register())
    activated_at = version.activated_at

    again = model_activate(version=version)

    assert again.state == "active" and again.activated_at == activated_at


def test_activation_leaves_other_names_alone():
    credit, fraud = register(), register(name="fraud_anomaly")
    model_activate(version=fraud)

    model_activate(version=credit)

    fraud.refresh_from_db()
    assert fraud.state == "active"


def test_a_retired_version_cannot_be_activated_again():
    first, second = register(), register()
    model_activate(version=first)
    model_activate(version=second)

    with pytest.raises(StateConflict) as excinfo:
        model_activate(version=first)
    assert excinfo.value.code == "model_retired"
    assert model_active_version(name="credit_scorecard") == second


def test_retiring_is_idempotent():
    version = model_activate(version=register())

    model_retire(version=version)
    again = model_retire(version=version)

    assert again.state == "retired"
    assert model_active_version(name="credit_scorecard") is None


def test_the_database_refuses_two_active_versions_of_one_name():
    first, second = register(), register()
    model_activate(version=first)

    with pytest.raises(IntegrityError), transaction.atomic():
        ModelVersion.objects.filter(pk=second.pk).update(state="active")


def test_the_database_refuses_a_duplicate_version_number():
    first = register()

    with pytest.raises(IntegrityError), transaction.atomic():
        ModelVersion.objects.create(
            name=first.name, version=first.version, trained_at=first.trained_at, training_data_hash="0", artefact=b"x"
        )


# --- loading ------------------------------------------------------------------------------------


def test_load_returns_the_artefact_and_caches_it():
    version = register(payload={"weights": [4, 5]})

    loaded = model_load(version=version)

    assert loaded == {"weights": [4, 5]}
    assert model_load(version=version) is loaded


def test_a_tampered_artefact_fails_its_hash_check():
    version = register()
    ModelVersion.objects.filter(pk=version.pk).update(artefact=artefact_dumps({"weights": "evil"}))
    version.refresh_from_db()

    with pytest.raises(ModelArtefactCorrupt):
        model_load(version=version)


def test_load_active_degrades_to_none_when_the_artefact_is_broken():
    version = model_activate(version=register())
    ModelVersion.objects.filter(pk=version.pk).update(artefact=b"garbage")

    assert model_load_active(name="credit_scorecard") is None


def test_load_active_is_none_without_an_active_version():
    register()

    assert model_load_active(name="credit_scorecard") is None


def test_load_active_gives_the_version_and_its_model():
    version = model_activate(version=register(payload=[1, 2]))

    assert model_load_active(name="credit_scorecard") == (version, [1, 2])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_take_distinct_versions():
    # The first registration of a name has no row to lock: seed one so both registrations contend.
    register()
    barrier = threading.Barrier(2)
    versions: list[int] = []
    errors: list[Exception] = []

    def worker():
        try:
            barrier.wait()
            versions.append(register().version)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert sorted(versions) == [2, 3]


# --- the back office ---------------------------------------------------------------------------


def _verified_client(client, user):
    client.force_login(user)
    device = StaticDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def officer(client):
    user = StaffUserFactory()
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_modelversion", "change_modelversion"], content_type__app_label="blockguardian"
        )
    )
    return _verified_client(client, user)


@pytest.fixture
def viewer(client):
    user = StaffUserFactory()
    user.user_permissions.add(
        Permission.objects.get(codename="view_modelversion", content_type__app_label="blockguardian")
    )
    return _verified_client(client, user)


def test_the_registry_list_shows_metrics_and_fairness_warnings(officer, django_assert_max_num_queries):
    register(fairness={"warnings": ["age_band under 25: adverse impact ratio 0.61 is below 0.80"]})
    register(fairness={"warnings": []})

    with django_assert_max_num_queries(12):
        response = officer.get(CHANGELIST)

    assert response.status_code == 200
    html = response.content.decode()
    assert "AUC 0.770" in html and "KS 0.450" in html
    assert "1 warning(s)" in html and "no warnings" in html


def test_the_version_page_shows_the_fairness_table_read_only(officer):
    version = register(
        fairness={
            "cutoff": 580,
            "air_warning_below": 0.8,
            "warnings": ["x"],
            "groups": {"age_band": {"under 25": {"n": 10, "approval_rate": 0.5, "adverse_impact_ratio": 0.6}}},
        }
    )

    response = officer.get(f"{CHANGELIST}{version.pk}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "under 25" in html and "below the screen" in html
    assert 'name="_save"' not in html


def test_versions_cannot_be_added_or_deleted_from_the_admin(officer):
    version = register()

    assert officer.get(f"{CHANGELIST}add/").status_code == 403
    assert officer.get(f"{CHANGELIST}{version.pk}/delete/").status_code == 403
    assert officer.post(f"{CHANGELIST}{version.pk}/change/", {"state": "active"}).status_code == 403
    version.refresh_from_db()
    assert version.state == "trained"


def test_the_activate_action_activates_retires_and_is_audited(officer):
    first, second = register(), register()
    model_activate(version=first)
    AuditLogEntry.objects.all().delete()

    response = officer.post(CHANGELIST, {"action": "activate", "_selected_action": [second.pk]}, follow=True)

    assert response.status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == ("retired", "active")
    note = AdminLogEntry.objects.get(object_id=str(second.pk))
    assert "Activated credit_scorecard v2" in note.get_change_message()
    assert note.user.pk == response.wsgi_request.user.pk
    changes = AuditLogEntry.objects.filter(object_pk=str(second.pk))
    assert changes.exists()
    assert changes.first().actor_id == response.wsgi_request.user.pk
    assert all("artefact" not in (entry.changes or "") for entry in AuditLogEntry.objects.all())


def test_the_activate_action_needs_the_change_permission(viewer):
    version = register()

    viewer.post(CHANGELIST, {"action": "activate", "_selected_action": [version.pk]})

    version.refresh_from_db()
    assert version.state == "trained"


def test_the_activate_action_takes_exactly_one_version(officer):
    first, second = register(), register()

    response = officer.post(CHANGELIST, {"action": "activate", "_selected_action": [first.pk, second.pk]}, follow=True)

    assert "Select exactly one version" in response.content.decode()
    assert not ModelVersion.objects.filter(state="active").exists()


def test_the_activate_action_reports_a_retired_version(officer):
    first, second = register(), register()
    model_activate(version=first)
    model_activate(version=second)

    response = officer.post(CHANGELIST, {"action": "activate", "_selected_action": [first.pk]}, follow=True)

    assert "cannot be activated again" in response.content.decode()
    assert model_active_version(name="credit_scorecard") == second


def test_registry_module_is_the_one_used_by_the_admin():
    import blockguardian.admin

    assert blockguardian.admin.model_activate is registry.model_activate
