"""The message gateways behind text-message and email codes, and the demo data."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import pytest
from django.core import mail

from accounts.gateways import FileGateway, GatewayError, Message, ProviderGateway, get_gateway


def _message(channel="sms", destination="+15555550123"):
    return Message(channel=channel, destination=destination, subject="Code", body="Your code is 123456.")


def test_the_gateway_is_chosen_by_a_setting(settings):
    settings.MFA_MESSAGE_GATEWAY = "file"
    assert isinstance(get_gateway(), FileGateway)
    settings.MFA_MESSAGE_GATEWAY = "accounts.gateways.ProviderGateway"
    assert isinstance(get_gateway(), ProviderGateway)


def test_the_file_gateway_appends_json_lines(settings, tmp_path):
    settings.MFA_GATEWAY_FILE_PATH = str(tmp_path / "out" / "messages.jsonl")

    FileGateway().send(_message())
    FileGateway().send(_message(channel="email", destination="a@example.com"))

    lines = [json.loads(line) for line in (tmp_path / "out" / "messages.jsonl").read_text().splitlines()]
    assert [(m["channel"], m["destination"]) for m in lines] == [("sms", "+15555550123"), ("email", "a@example.com")]


class _FakeProvider(BaseHTTPRequestHandler):
    received: list = []
    status = 201

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        type(self).received.append(
            {
                "path": self.path,
                "auth": self.headers.get("Authorization"),
                "form": parse_qs(self.rfile.read(length).decode()),
            }
        )
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def provider(settings):
    _FakeProvider.received = []
    _FakeProvider.status = 201
    server = HTTPServer(("127.0.0.1", 0), _FakeProvider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.MFA_SMS_PROVIDER_URL = f"http://127.0.0.1:{server.server_port}/Accounts/{{account}}/Messages.json"
    settings.MFA_SMS_PROVIDER_ACCOUNT = "AC123"
    settings.MFA_SMS_PROVIDER_TOKEN = "secret-token"
    settings.MFA_SMS_PROVIDER_SENDER = "+15550000000"
    yield _FakeProvider
    server.shutdown()


def test_the_provider_adapter_posts_text_messages_to_the_configured_api(provider):
    ProviderGateway().send(_message())

    [request] = provider.received
    assert request["path"] == "/Accounts/AC123/Messages.json"
    assert request["auth"].startswith("Basic ")
    assert request["form"]["To"] == ["+15555550123"] and request["form"]["From"] == ["+15550000000"]


def test_the_provider_adapter_reports_a_refusal(provider):
    provider.status = 400

    with pytest.raises(GatewayError):
        ProviderGateway().send(_message())


def test_the_provider_adapter_sends_email_codes_by_email():
    ProviderGateway().send(_message(channel="email", destination="codes@example.com"))

    assert mail.outbox[0].to == ["codes@example.com"] and "123456" in mail.outbox[0].body


@pytest.mark.django_db
def test_demo_users_load_idempotently_with_a_verified_customer():
    from accounts.demo import DEMO_ADMIN_EMAIL, DEMO_CUSTOMER_EMAIL, load_demo_users
    from accounts.models import BackupCode, User
    from accounts.selectors import kyc_is_verified, mfa_is_enabled

    first = load_demo_users()
    second = load_demo_users()

    assert first == second
    admin = User.objects.get(email=DEMO_ADMIN_EMAIL)
    assert admin.is_staff and mfa_is_enabled(user=admin)
    assert BackupCode.objects.filter(device__user=admin).count() == 5
    assert kyc_is_verified(user=User.objects.get(email=DEMO_CUSTOMER_EMAIL))
    printed_codes = [line for line in first if "backup code" in line][0].split(": ")[1].split(", ")
    assert not any(BackupCode.objects.filter(code_hash=code).exists() for code in printed_codes)


@pytest.mark.django_db
def test_a_printed_demo_backup_code_completes_the_admins_login(api_client):
    from accounts.demo import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, load_demo_users

    lines = load_demo_users()
    code = [line for line in lines if "backup code" in line][0].split(": ")[1].split(", ")[0]
    challenge = api_client.post(
        "/api/auth/login", {"email": DEMO_ADMIN_EMAIL, "password": DEMO_ADMIN_PASSWORD}, format="json"
    ).json()

    response = api_client.post(
        "/api/auth/verify-mfa", {"challenge_token": challenge["challenge_token"], "code": code}, format="json"
    )

    assert response.status_code == 200
