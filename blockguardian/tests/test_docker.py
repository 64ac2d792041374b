"""The container files are checked without a Docker engine: the compose file against the Compose
Specification's JSON schema, the Dockerfile and entrypoint for the properties the stack relies on."""

import json
from pathlib import Path

import jsonschema
import yaml

DOCKER = Path(__file__).resolve().parents[2] / "docker"


def _compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


def test_compose_file_is_valid_against_the_compose_specification():
    schema = json.loads((DOCKER / "compose-spec.schema.json").read_text())

    jsonschema.Draft201909Validator(schema).validate(_compose())


def test_compose_runs_web_worker_beat_postgres_and_redis():
    services = _compose()["services"]

    assert set(services) == {"web", "worker", "beat", "postgres", "redis"}
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]


def test_compose_has_no_secret_defaults():
    text = (DOCKER / "compose.yaml").read_text()

    for secret in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "JWT_SIGNING_KEY", "POSTGRES_PASSWORD"):
        assert f"${{{secret}:?" in text, f"{secret} must be required, not defaulted"


def test_dockerfile_is_multi_stage_non_root_and_serves_with_gunicorn():
    text = (DOCKER / "Dockerfile").read_text()

    assert text.count("\nFROM ") + text.startswith("FROM ") >= 2
    assert "\nUSER app" in text
    assert "gunicorn" in text


def test_entrypoint_migrates_then_execs_the_command():
    text = (DOCKER / "entrypoint.sh").read_text()

    assert text.index("migrate") < text.index('exec "$@"')
