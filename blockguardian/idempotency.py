"""Idempotency for money-moving POSTs, implemented once.

A client may send `Idempotency-Key`; the key is scoped to (user, method, path) and kept for
`IDEMPOTENCY_KEY_TTL_HOURS`. The first request claims the key (a committed row), runs, and stores
its response; a repeat, even a concurrent one, waits for the first to finish and replays that
response without running the view again. The same key with a different body is 422. A request
that fails with a server error releases its key so the client can retry.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from .errors import InvalidInput, StateConflict, UnprocessableInput
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
_POLL_SECONDS = 0.05


class IdempotencyKeyReused(UnprocessableInput):
    code = "idempotency_key_reused"
    title = "This Idempotency-Key was used with a different request body"


class IdempotencyInProgress(StateConflict):
    code = "idempotency_in_progress"
    title = "A request with this Idempotency-Key is still being processed; retry shortly"


def request_fingerprint(request: Request) -> str:
    data = request.data
    if hasattr(data, "lists"):
        data = {
            key: [str(v) if not hasattr(v, "read") else f"file:{v.name}:{v.size}" for v in values]
            for key, values in data.lists()
        }
    canonical = json.dumps(data, sort_keys=True, cls=JSONEncoder, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _validate_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput(
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters.", code="invalid_idempotency_key"
        )
    return key


def _claim(*, user, method: str, path: str, key: str, fingerprint: str) -> tuple[IdempotencyKey, bool]:
    """(record, True) when this request owns the key; (record, False) when another request does."""
    while True:
        now = timezone.now()
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    user=user,
                    method=method,
                    path=path,
                    key=key,
                    request_hash=fingerprint,
                    expires_at=now + timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS),
                )
            return record, True
        except IntegrityError:
            record = IdempotencyKey.objects.filter(user=user, method=method, path=path, key=key).first()
            if record is None:
                continue  # released between our insert and our read: try to claim it again
            if record.expires_at <= now:
                IdempotencyKey.objects.filter(pk=record.pk, expires_at__lte=now).delete()
                continue
            return record, False


def _replay(record: IdempotencyKey) -> Response:
    return Response(record.response_body, status=record.response_status, headers={"Idempotent-Replayed": "true"})


def _await_completion(record: IdempotencyKey) -> IdempotencyKey | None:
    """Wait for the owner of the key to finish; None when it released the key."""
    deadline = time.monotonic() + settings.IDEMPOTENCY_WAIT_SECONDS
    while time.monotonic() < deadline:
        current = IdempotencyKey.objects.filter(pk=record.pk).first()
        if current is None or current.state == IdempotencyKey.State.COMPLETED:
            return current
        time.sleep(_POLL_SECONDS)
    raise IdempotencyInProgress()


def idempotent(view_method: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate an APIView's `post` to honour `Idempotency-Key`."""

    @functools.wraps(view_method)
    def wrapper(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raw_key = request.headers.get(HEADER)
        if raw_key is None or not request.user.is_authenticated:
            return view_method(self, request, *args, **kwargs)
        key = _validate_key(raw_key)
        fingerprint = request_fingerprint(request)
        scope = {"user": request.user, "method": request.method, "path": request.path, "key": key}
        while True:
            record, owner = _claim(fingerprint=fingerprint, **scope)
            if owner:
                break
            if record.request_hash != fingerprint:
                raise IdempotencyKeyReused()
            finished = _await_completion(record)
            if finished is not None:
                if finished.request_hash != fingerprint:
                    raise IdempotencyKeyReused()
                return _replay(finished)
        try:
            response = view_method(self, request, *args, **kwargs)
        except Exception:
            IdempotencyKey.objects.filter(pk=record.pk).delete()
            raise
        if response.status_code >= 500:
            IdempotencyKey.objects.filter(pk=record.pk).delete()
            return response
        body = json.loads(json.dumps(response.data, cls=JSONEncoder)) if response.data is not None else None
        IdempotencyKey.objects.filter(pk=record.pk).update(
            state=IdempotencyKey.State.COMPLETED,
            response_status=response.status_code,
            response_body=body,
        )
        return response

    wrapper.idempotent = True  # read by the schema generator to document the header
    return wrapper


def idempotency_purge(*, now=None) -> int:
    """Drop expired keys; returns how many."""
    deleted, _ = IdempotencyKey.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
