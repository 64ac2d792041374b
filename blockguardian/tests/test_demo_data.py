"""`manage.py load_demo_data`: what `make run` prints, and that running it twice changes nothing."""

from io import StringIO

import pyotp
import pytest
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User

pytestmark = pytest.mark.django_db


def _load() -> str:
    out = StringIO()
    call_command("load_demo_data", "--host", "http://127.0.0.1:8000", stdout=out)
    return out.getvalue()


def test_demo_data_prints_where_to_go_and_how_to_log_in():
    output = _load()

    assert "http://127.0.0.1:8000/api/docs" in output
    assert "http://127.0.0.1:8000/admin/" in output
    assert "admin@blockguardian.local" in output
    assert "otpauth://totp/" in output


def test_the_printed_totp_uri_gives_codes_the_admin_device_accepts():
    output = _load()
    uri = next(word for word in output.split() if word.startswith("otpauth://"))
    admin = User.objects.get(email="admin@blockguardian.local")
    device = TOTPDevice.objects.get(user=admin, confirmed=True)

    assert device.verify_token(pyotp.parse_uri(uri).now())


def test_loading_twice_creates_nothing_new():
    _load()
    users, devices = User.objects.count(), TOTPDevice.objects.count()

    _load()

    assert (User.objects.count(), TOTPDevice.objects.count()) == (users, devices)


def test_the_demo_audit_trail_is_sealed_and_verifies():
    from auditlog.models import LogEntry

    from blockguardian.audit.services import audit_chain_verify
    from blockguardian.models import AuditSeal

    _load()

    assert AuditSeal.objects.count() == LogEntry.objects.count() > 0
    assert audit_chain_verify().ok
