"""Fixtures of the fault tests: their own PostgreSQL (one per run, with a migrated template database
restored from a cache keyed by the migrations) and Redis (one per test), and `Stack`, which runs the
product's processes (gunicorn, a Celery worker, `manage.py`) against them."""

from __future__ import annotations

import hashlib
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import requests

from .servers import PostgresInstance, RedisInstance, free_port

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATE = "bg_faults_template"
CACHE_DIR = ROOT / "var" / "faults-cache"
SETTINGS_MODULE = "tests.faults.fault_settings"


def _migrations_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")) + sorted(ROOT.glob("blockguardian/*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _base_env(database_url: str, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "CELERY_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "ENVIRONMENT": "faults",
            "DEBUG": "false",
            "LOG_LEVEL": "ERROR",
            # As in production. (The console renderer formats every traceback with syntax highlighting
            # while holding the logging lock: with Redis down, each ignored cache error then stalls
            # every thread of the worker.)
            "LOG_FORMAT": "json",
            "PYTHONPATH": str(ROOT),
            # Login rate limits would count the load's logins (all from 127.0.0.1); lockout is unchanged.
            "RATELIMIT_LOGIN_IP": "100000/m",
            "RATELIMIT_LOGIN_ACCOUNT": "100000/m",
        }
    )
    return env


def _build_template(pg: PostgresInstance) -> None:
    """The migrated schema: restored from the cache when the migrations have not changed."""
    dump = CACHE_DIR / f"template-{_migrations_hash()}.dump"
    pg.create_database(TEMPLATE)
    connect = ["-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres"]
    if dump.exists():
        subprocess.run(
            [str(pg.bin / "pg_restore"), *connect, "-d", TEMPLATE, "--no-owner", str(dump)],
            check=True,
            capture_output=True,
        )
        return
    env = _base_env(pg.url(TEMPLATE), "")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    partial = dump.with_suffix(".partial")
    subprocess.run([str(pg.bin / "pg_dump"), *connect, "-Fc", "-f", str(partial), TEMPLATE], check=True)
    partial.rename(dump)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresInstance]:
    pg = PostgresInstance().init()
    try:
        pg.start()
        _build_template(pg)
        yield pg
    finally:
        pg.cleanup()


@pytest.fixture
def redis_server() -> Iterator[RedisInstance]:
    instance = RedisInstance()
    try:
        instance.start()
        yield instance
    finally:
        instance.cleanup()


class Stack:
    """The product's processes on one fresh database (cloned from the template) and one Redis."""

    def __init__(self, pg: PostgresInstance, redis: RedisInstance) -> None:
        self.pg = pg
        self.redis = redis
        self.dbname = f"bg_faults_{uuid.uuid4().hex[:8]}"
        pg.create_database(self.dbname, template=TEMPLATE)
        self.env = _base_env(pg.url(self.dbname), redis.url(0))
        self._control: subprocess.Popen | None = None

    # --- the database ----------------------------------------------------------------------
    def query(self, sql: str, params: tuple = (), dbname: str | None = None) -> list[tuple]:
        with psycopg.connect(self.pg.url(dbname or self.dbname), autocommit=True, connect_timeout=5) as conn:
            return conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: tuple = (), dbname: str | None = None):
        return self.query(sql, params, dbname)[0][0]

    def clone(self) -> str:
        """A copy of the database as it is now (no other process may be connected to it)."""
        if self._control is not None:
            self.call("close")
        name = f"{self.dbname}_copy"
        self.pg.create_database(name, template=self.dbname)
        return name

    # --- processes -----------------------------------------------------------------------------
    def manage(self, *args: str, env: dict | None = None, check: bool = True, timeout: float = 180):
        """`manage.py` in a process of its own (for what must not share the control process)."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def call(self, name: str, *args, timeout: float = 180, **kwargs):
        """A call in the control process (one Django start-up per test, not one per call)."""
        if self._control is None:
            self._control = subprocess.Popen(
                [sys.executable, "-m", "tests.faults.control"],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            self._read(timeout)
        self._control.stdin.write(json.dumps({"call": name, "args": list(args), "kwargs": kwargs}) + "\n")
        self._control.stdin.flush()
        return self._read(timeout)

    def _read(self, timeout: float):
        ready, _, _ = select.select([self._control.stdout], [], [], timeout)
        line = self._control.stdout.readline() if ready else ""
        if not line:
            raise AssertionError("the control process did not answer")
        answer = json.loads(line)
        if "error" in answer:
            raise AssertionError(answer["error"])
        return answer["ok"]

    def close(self) -> None:
        if self._control is not None:
            self._control.stdin.close()
            try:
                self._control.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._control.kill()
                self._control.wait()
            self._control = None

    def seed(self, *args: str) -> dict:
        return self.call("seed", list(args))

    def relay(self) -> int:
        """One run of the outbox relay, outside the web processes (where beat runs it in production)."""
        return self.call("relay")

    def relay_until_sent(self, timeout: float = 60) -> int:
        """The relay again and again (as beat runs it every few seconds) until nothing is pending;
        returns how many are still pending."""
        return self.call("relay_until_sent", timeout=timeout)

    def send_task(self, name: str, **kwargs) -> None:
        """Queue `name(**kwargs)` as beat or another process would."""
        self.call("send_task", name, kwargs)

    @contextmanager
    def serve(self, *, workers: int = 2, threads: int = 4, env: dict | None = None) -> Iterator[str]:
        """gunicorn serving the WSGI app on a spare loopback port; yields the base URL."""
        port = free_port()
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "blockguardian.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ]
        log = Path(self.pg.root) / f"gunicorn-{port}.log"
        with log.open("wb") as out:
            server = subprocess.Popen(
                command, cwd=ROOT, env={**self.env, **(env or {})}, stdout=out, stderr=subprocess.STDOUT
            )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    requests.get(f"{base}/health", timeout=2)
                    break
                except requests.RequestException:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"gunicorn did not start: {log.read_text()[-3000:]}") from None
                    time.sleep(0.2)
            self.server_log = log
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    def start_worker(self, *, env: dict | None = None) -> subprocess.Popen:
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "blockguardian",
            "worker",
            "-Q",
            "default,scoring,monitoring,filings,chain",
            "-c",
            "1",
            "--pool",
            "prefork",
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env={**self.env, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    @staticmethod
    def stop_worker(worker: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
        if worker.poll() is None:
            os.killpg(worker.pid, sig)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=5)

    @contextmanager
    def worker(self, *, env: dict | None = None) -> Iterator[subprocess.Popen]:
        process = self.start_worker(env=env)
        try:
            yield process
        finally:
            self.stop_worker(process)

    # --- the invariants every fault test ends with ----------------------------------------
    def verify_ledger(self) -> dict:
        return self.call("command", "verify_ledger")

    def verify_audit_chain(self) -> dict:
        """`verify_audit_chain --seal-first` (what beat's sealer would have done, then the proof),
        with its figures: `sealed` by this run, `seals` checked, `unsealed` entries left after it."""
        result = self.call("command", "verify_audit_chain", "--seal-first", "--verbosity", "0")
        sealed = re.search(r"sealed (\d+) entries \((\w+)\)", result["stdout"])
        checked = re.search(r"(\d+) seals checked; .*; (\d+) entries not sealed yet", result["stdout"])
        if sealed is None or checked is None:
            raise AssertionError(f"unexpected verify_audit_chain output:\n{result['stdout']}\n{result['stderr']}")
        return {
            **result,
            "sealed": int(sealed[1]),
            "seal_status": sealed[2],
            "seals": int(checked[1]),
            "unsealed": int(checked[2]),
        }

    def assert_invariants(self) -> None:
        """What every fault test ends with: the ledger verified, and the audit trail sealed to its
        last entry and proven (a chain over nothing proves nothing, so it must hold seals)."""
        ledger = self.verify_ledger()
        assert ledger["ok"], ledger["stdout"] + ledger["stderr"]
        audit = self.verify_audit_chain()
        assert audit["ok"], audit["stdout"] + audit["stderr"]
        assert audit["seal_status"] == "ok" and audit["unsealed"] == 0, audit["stdout"]
        entries = self.scalar("SELECT count(*) FROM auditlog_logentry")
        assert 0 < audit["seals"] == entries, (audit["stdout"], entries)


@pytest.fixture
def stack(postgres, redis_server) -> Iterator[Stack]:
    instance = Stack(postgres, redis_server)
    try:
        yield instance
    finally:
        instance.close()


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
