"""Second factors: TOTP checked against an independent implementation (pyotp), backup codes,
text-message and email codes through the test gateway, the login challenge."""

import datetime as dt

import pyotp
import pytest
import time_machine
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import gateways
from accounts.models import BackupCode, MessageDevice, MfaChallenge, SecurityEvent
from accounts.services import mfa_setup_totp

from .factories import StaffUserFactory, UserFactory
from .helpers import assert_problem, bearer, last_gateway_code, login

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 14, 0, 5, tzinfo=dt.UTC)


def _enable_totp(client_for, user) -> tuple[pyotp.TOTP, list[str]]:
    """Set up TOTP through the API and confirm it with a code computed by pyotp."""
    client = client_for(user)
    setup = client.post("/api/auth/setup-mfa", {"type": "totp"}, format="json")
    assert setup.status_code == 201
    totp = pyotp.parse_uri(setup.json()["otpauth_uri"])
    confirmed = client.post("/api/auth/verify-mfa", {"code": totp.now()}, format="json")
    assert confirmed.status_code == 200, confirmed.content
    return totp, confirmed.json()["backup_codes"]


def _challenge(api_client, user) -> dict:
    response = login(api_client, user.email)
    assert response.status_code == 200
    body = response.json()
    assert body["mfa_required"] is True
    return body


def _verify(api_client, challenge_token, code, **extra):
    return api_client.post(
        "/api/auth/verify-mfa", {"challenge_token": challenge_token, "code": code, **extra}, format="json"
    )


def test_totp_setup_returns_an_otpauth_uri_and_a_png_qr_code(client_for, user):
    response = client_for(user).post("/api/auth/setup-mfa", {"type": "totp"}, format="json")

    body = response.json()
    assert body["otpauth_uri"].startswith("otpauth://totp/")
    import base64

    assert base64.b64decode(body["qr_code_png_base64"]).startswith(b"\x89PNG")
    assert TOTPDevice.objects.get(user=user).confirmed is False


def test_login_with_totp_codes_derived_by_pyotp_from_the_provisioning_uri(api_client, client_for, user):
    with time_machine.travel(START, tick=False) as traveller:
        totp, _ = _enable_totp(client_for, user)
        traveller.shift(dt.timedelta(seconds=30))
        challenge = _challenge(api_client, user)
        assert [d["type"] for d in challenge["devices"]].count("totp") == 1

        response = _verify(api_client, challenge["challenge_token"], totp.now())
        assert response.status_code == 200, response.content
        profile = bearer(response.json()["access"]).get("/api/profile").json()

    assert profile["mfa_enabled"] is True


def test_a_totp_code_two_steps_old_is_rejected(api_client, client_for, user):
    with time_machine.travel(START, tick=False) as traveller:
        totp, _ = _enable_totp(client_for, user)
        traveller.shift(dt.timedelta(minutes=5))
        challenge = _challenge(api_client, user)

        old = totp.at(dt.datetime.now(dt.UTC) - dt.timedelta(seconds=60))
        response = _verify(api_client, challenge["challenge_token"], old)

    assert_problem(response, 400, "mfa_code_invalid")


def test_a_totp_code_one_step_old_is_still_accepted(api_client, client_for, user):
    with time_machine.travel(START, tick=False) as traveller:
        totp, _ = _enable_totp(client_for, user)
        traveller.shift(dt.timedelta(minutes=5))
        challenge = _challenge(api_client, user)

        response = _verify(
            api_client, challenge["challenge_token"], totp.at(dt.datetime.now(dt.UTC) - dt.timedelta(seconds=30))
        )

    assert response.status_code == 200


def test_a_totp_code_cannot_be_replayed(api_client, client_for, user):
    with time_machine.travel(START, tick=False) as traveller:
        totp, _ = _enable_totp(client_for, user)
        traveller.shift(dt.timedelta(minutes=5))
        code = totp.now()
        assert _verify(api_client, _challenge(api_client, user)["challenge_token"], code).status_code == 200
        traveller.shift(dt.timedelta(seconds=5))

        replay = _verify(api_client, _challenge(api_client, user)["challenge_token"], code)

    assert_problem(replay, 400, "mfa_code_invalid")


def test_a_backup_code_logs_in_once_and_cannot_be_reused(api_client, client_for, user):
    with time_machine.travel(START, tick=False) as traveller:
        _, backup_codes = _enable_totp(client_for, user)
        first = _verify(api_client, _challenge(api_client, user)["challenge_token"], backup_codes[0])
        traveller.shift(dt.timedelta(seconds=10))

        second = _verify(api_client, _challenge(api_client, user)["challenge_token"], backup_codes[0])

    assert first.status_code == 200
    assert_problem(second, 400, "mfa_code_invalid")
    assert BackupCode.objects.filter(device__user=user, used_at__isnull=False).count() == 1


def test_backup_codes_are_stored_hashed(client_for, user):
    _, backup_codes = _enable_totp(client_for, user)

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT code_hash FROM {BackupCode._meta.db_table}")  # noqa: S608 - a table name
        stored = [row[0] for row in cursor.fetchall()]

    assert len(stored) == len(backup_codes) == 10
    for code in backup_codes:
        assert all(code not in value and code.replace("-", "") not in value for value in stored)


def test_the_challenge_dies_after_too_many_wrong_codes(api_client, client_for, user, settings):
    settings.MFA_CHALLENGE_MAX_ATTEMPTS = 2
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    with time_machine.travel(START, tick=False):
        totp, _ = _enable_totp(client_for, user)
    with time_machine.travel(START + dt.timedelta(minutes=2), tick=False):
        token = _challenge(api_client, user)["challenge_token"]
        _verify(api_client, token, "000000")
        _verify(api_client, token, "000001")

        response = _verify(api_client, token, totp.now())

    assert_problem(response, 401, "mfa_challenge_invalid")
    assert (
        SecurityEvent.objects.filter(
            user=user, kind=SecurityEvent.Kind.MFA_CHALLENGE, outcome=SecurityEvent.Outcome.FAILURE
        ).count()
        == 2
    )


def test_an_expired_challenge_is_refused(api_client, client_for, user):
    with time_machine.travel(START, tick=False) as traveller:
        totp, _ = _enable_totp(client_for, user)
        token = _challenge(api_client, user)["challenge_token"]
        traveller.shift(dt.timedelta(minutes=6))

        response = _verify(api_client, token, totp.now())

    assert_problem(response, 401, "mfa_challenge_invalid")


def test_a_completed_challenge_cannot_be_used_again(api_client, client_for, user):
    with time_machine.travel(START, tick=False) as traveller:
        totp, backup = _enable_totp(client_for, user)
        traveller.shift(dt.timedelta(seconds=30))
        token = _challenge(api_client, user)["challenge_token"]
        assert _verify(api_client, token, totp.now()).status_code == 200

        again = _verify(api_client, token, backup[0])

    assert_problem(again, 401, "mfa_challenge_invalid")


# --- codes by text message and email -------------------------------------------------------------------
def _enable_sms(client_for, user, phone="+15555550123") -> None:
    client = client_for(user)
    setup = client.post("/api/auth/setup-mfa", {"type": "sms", "phone_number": phone}, format="json")
    assert setup.status_code == 201, setup.content
    assert setup.json()["destination_hint"] == f"phone ending {phone[-2:]}"
    confirmed = client.post("/api/auth/verify-mfa", {"code": last_gateway_code(phone)}, format="json")
    assert confirmed.status_code == 200, confirmed.content


# Codes are sent after commit.
on_commit = pytest.mark.usefixtures("commit_per_request")


@on_commit
def test_an_sms_code_arrives_through_the_test_gateway_and_completes_the_login(api_client, client_for, user):
    _enable_sms(client_for, user)
    gateways.outbox.clear()
    challenge = _challenge(api_client, user)

    assert challenge["code_sent_to"] == MessageDevice.objects.get(user=user).persistent_id
    assert len(gateways.outbox) == 1 and gateways.outbox[0].channel == "sms"
    response = _verify(api_client, challenge["challenge_token"], last_gateway_code("+15555550123"))
    assert response.status_code == 200


@on_commit
def test_an_sms_code_expires(api_client, client_for, user, settings):
    settings.MFA_CHALLENGE_TTL_SECONDS = 3600
    with time_machine.travel(START, tick=False) as traveller:
        _enable_sms(client_for, user)
        challenge = _challenge(api_client, user)
        code = last_gateway_code()
        traveller.shift(dt.timedelta(seconds=301))

        response = _verify(api_client, challenge["challenge_token"], code)

    assert_problem(response, 400, "mfa_code_invalid")


@on_commit
def test_the_destination_of_a_message_device_is_encrypted(client_for, user):
    _enable_sms(client_for, user, phone="+15555550177")

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT destination_encrypted, code_hash FROM {MessageDevice._meta.db_table}")  # noqa: S608
        row = cursor.fetchone()
    assert "5555550177" not in "".join(row)


@on_commit
def test_resend_sends_a_new_code_up_to_the_limit_and_not_faster_than_the_cooldown(
    api_client, client_for, user, settings
):
    settings.MFA_RESEND_LIMIT = 2
    with time_machine.travel(START, tick=False) as traveller:
        _enable_sms(client_for, user)
        token = _challenge(api_client, user)["challenge_token"]
        first_code = last_gateway_code()

        too_soon = api_client.post("/api/auth/mfa/resend", {"challenge_token": token}, format="json")
        traveller.shift(dt.timedelta(seconds=31))
        resent = api_client.post("/api/auth/mfa/resend", {"challenge_token": token}, format="json")
        second_code = last_gateway_code()
        traveller.shift(dt.timedelta(seconds=31))
        assert api_client.post("/api/auth/mfa/resend", {"challenge_token": token}, format="json").status_code == 200
        traveller.shift(dt.timedelta(seconds=31))
        over_limit = api_client.post("/api/auth/mfa/resend", {"challenge_token": token}, format="json")
        final_code = last_gateway_code()

    assert_problem(too_soon, 429, "mfa_resend_limited")
    assert int(too_soon["Retry-After"]) >= 1
    assert resent.status_code == 200
    assert resent.json()["device"]["type"] == "sms"
    assert_problem(over_limit, 429, "mfa_resend_limited")
    assert len(gateways.outbox) == 4  # setup, login, two resends
    # Only the newest code works.
    with time_machine.travel(START + dt.timedelta(seconds=100), tick=False) as traveller:
        if first_code != final_code:
            assert_problem(_verify(api_client, token, first_code), 400, "mfa_code_invalid")
        assert second_code
        traveller.shift(dt.timedelta(seconds=3))  # past django-otp's throttle after a wrong code
        assert _verify(api_client, token, final_code).status_code == 200


@on_commit
def test_an_email_device_is_confirmed_with_the_code_from_the_gateway(client_for, user):
    client = client_for(user)
    setup = client.post("/api/auth/setup-mfa", {"type": "email", "email": "second@example.org"}, format="json")
    assert setup.status_code == 201
    assert gateways.outbox[-1].channel == "email"

    response = client.post("/api/auth/verify-mfa", {"code": last_gateway_code("second@example.org")}, format="json")

    assert response.status_code == 200
    assert response.json()["device"]["type"] == "email"
    assert MessageDevice.objects.get(user=user).confirmed is True


def test_setup_of_an_sms_device_refuses_a_malformed_number(client_for, user):
    response = client_for(user).post("/api/auth/setup-mfa", {"type": "sms", "phone_number": "555"}, format="json")

    assert_problem(response, 400, "mfa_destination_invalid")
    assert not MessageDevice.objects.exists()


def test_confirming_with_a_wrong_code_leaves_the_device_unconfirmed(client_for, user):
    client = client_for(user)
    client.post("/api/auth/setup-mfa", {"type": "totp"}, format="json")

    response = client.post("/api/auth/verify-mfa", {"code": "123456"}, format="json")

    assert_problem(response, 400, "mfa_code_invalid")
    assert TOTPDevice.objects.get(user=user).confirmed is False


def test_verify_mfa_without_a_challenge_needs_authentication(api_client):
    assert_problem(api_client.post("/api/auth/verify-mfa", {"code": "123456"}, format="json"), 401, "not_authenticated")


# --- disabling, staff --------------------------------------------------------------------------------------
def test_disable_mfa_needs_a_current_code_or_a_backup_code(client_for, user):
    with time_machine.travel(START, tick=False):
        _, backup = _enable_totp(client_for, user)
        client = client_for(user)

        refused = client.post("/api/auth/disable-mfa", {"code": "000000"}, format="json")
        accepted = client.post("/api/auth/disable-mfa", {"code": backup[1]}, format="json")

    assert_problem(refused, 400, "mfa_code_invalid")
    assert accepted.status_code == 200
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert SecurityEvent.objects.filter(user=user, kind=SecurityEvent.Kind.MFA_DISABLED, outcome="success").exists()


def test_staff_cannot_disable_their_second_factor(client_for):
    staff = StaffUserFactory()
    with time_machine.travel(START, tick=False):
        _, backup = _enable_totp(client_for, staff)
        response = client_for(staff).post("/api/auth/disable-mfa", {"code": backup[0]}, format="json")

    assert_problem(response, 409, "mfa_required_for_staff")


def test_staff_without_a_second_factor_cannot_log_in_through_the_api(api_client):
    staff = StaffUserFactory()

    response = login(api_client, staff.email)

    assert_problem(response, 403, "mfa_enrolment_required")
    assert "access" not in response.json()


def test_staff_with_a_second_factor_get_a_challenge_and_tokens_that_say_otp(api_client):
    staff = StaffUserFactory()
    with time_machine.travel(START, tick=False) as traveller:
        setup = mfa_setup_totp(user=staff)
        setup.device.confirmed = True
        setup.device.save()
        traveller.shift(dt.timedelta(seconds=30))
        challenge = _challenge(api_client, staff)
        response = _verify(api_client, challenge["challenge_token"], pyotp.parse_uri(setup.otpauth_uri).now())

    from rest_framework_simplejwt.tokens import AccessToken

    assert AccessToken(response.json()["access"], verify=False)["amr"] == ["pwd", "otp"]


def test_mfa_changes_are_security_events(client_for, user):
    _enable_totp(client_for, user)

    assert SecurityEvent.objects.filter(user=user, kind=SecurityEvent.Kind.MFA_ENABLED, outcome="success").exists()


def test_challenge_tokens_are_stored_hashed(api_client, client_for, user):
    with time_machine.travel(START, tick=False):
        _enable_totp(client_for, user)
        token = _challenge(api_client, user)["challenge_token"]

    assert not MfaChallenge.objects.filter(token_hash=token).exists()
    assert MfaChallenge.objects.filter(user=user).count() == 1


def test_a_user_without_second_factor_gets_tokens_at_once(api_client):
    customer = UserFactory()

    assert login(api_client, customer.email).json()["mfa_required"] is False


def test_adding_a_factor_to_an_account_with_one_needs_a_current_code(client_for, user):
    with time_machine.travel(START, tick=False) as traveller:
        totp, _ = _enable_totp(client_for, user)
        traveller.shift(dt.timedelta(seconds=30))
        client = client_for(user)

        without = client.post("/api/auth/setup-mfa", {"type": "sms", "phone_number": "+15555550166"}, format="json")
        wrong = client.post("/api/auth/setup-mfa", {"type": "totp", "current_code": "000000"}, format="json")
        traveller.shift(dt.timedelta(seconds=5))
        right = client.post("/api/auth/setup-mfa", {"type": "totp", "current_code": totp.now()}, format="json")

    assert_problem(without, 409, "mfa_current_code_required")
    assert_problem(wrong, 400, "mfa_code_invalid")
    assert right.status_code == 201
    assert not MessageDevice.objects.filter(user=user).exists()
