"""A long-lived Django process on the fault tests' database: `python -m tests.faults.control`.

It reads one JSON request a line on stdin (`{"call": name, "kwargs": {...}}`) and answers one JSON
line on stdout (`{"ok": value}` or `{"error": text}`), so a test pays Django's start-up once, not
for every relay run or check. Each call starts with a usable database connection, so the process
outlives a database restart.
"""

from __future__ import annotations

import io
import json
import os
import sys
import traceback


def _relay_until_sent(timeout: float = 60) -> int:
    import time

    from blockguardian.outbox import outbox_pending_count, outbox_relay

    deadline = time.monotonic() + timeout
    while outbox_pending_count() and time.monotonic() < deadline:
        if not outbox_relay():
            time.sleep(0.5)
    return outbox_pending_count()


def _relay() -> int:
    from blockguardian.outbox import outbox_relay

    return outbox_relay()


def _command(name: str, *args: str) -> dict:
    from django.core.management import CommandError, call_command

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=err)
    except CommandError as exc:
        return {"ok": False, "stdout": out.getvalue(), "stderr": err.getvalue() + str(exc)}
    return {"ok": True, "stdout": out.getvalue(), "stderr": err.getvalue()}


def _send_task(name: str, kwargs: dict | None = None) -> str:
    from blockguardian.celery import app

    return str(app.send_task(name, kwargs=kwargs or {}).id)


def _seed(args: list[str]) -> dict:
    from .seed import populate

    return populate(args)


def _close() -> bool:
    from django.db import connections

    connections.close_all()
    return True


CALLS = {
    "relay": _relay,
    "relay_until_sent": _relay_until_sent,
    "command": _command,
    "send_task": _send_task,
    "seed": _seed,
    "close": _close,
}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.faults.fault_settings")
    import django

    django.setup()
    from django.db import close_old_connections, connections

    out = sys.stdout
    sys.stdout = sys.stderr  # anything else printed must not break the protocol
    out.write(json.dumps({"ok": "ready"}) + "\n")
    out.flush()
    for line in sys.stdin:
        request = json.loads(line)
        close_old_connections()
        try:
            answer = {"ok": CALLS[request["call"]](*request.get("args", []), **request.get("kwargs", {}))}
        except Exception:  # noqa: BLE001 - reported to the test, which decides
            connections.close_all()
            answer = {"error": traceback.format_exc()}
        out.write(json.dumps(answer, default=str) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
