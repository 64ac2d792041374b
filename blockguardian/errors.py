"""One error format for the whole product: RFC 9457 problem details with a stable `code`.

Domain code raises `ApplicationError` subclasses; DRF's exceptions and Django's own error
responses (404, 405, 500 outside DRF views) are mapped to the same shape, so a client never sees
HTML or a traceback.
"""

from __future__ import annotations

import json
import sys
from http import HTTPStatus
from typing import Any

import structlog
from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

logger = structlog.get_logger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://docs.blockguardian.local/problems/"


class ApplicationError(Exception):
    """A domain error with a stable code. Subclass per situation; each app keeps its own codes."""

    status: int = 400
    code: str = "invalid_request"
    title: str = "The request cannot be processed"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        errors: dict | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        self.detail = detail or self.title
        if code:
            self.code = code
        if status:
            self.status = status
        self.errors = errors or {}
        self.headers = headers or {}
        self.extra = extra
        super().__init__(self.detail)


class InvalidInput(ApplicationError):
    status = 400
    code = "invalid_input"
    title = "The request is invalid"


class UnprocessableInput(ApplicationError):
    status = 422
    code = "unprocessable"
    title = "The request cannot be processed as sent"


class NotFound(ApplicationError):
    status = 404
    code = "not_found"
    title = "Not found"


class Forbidden(ApplicationError):
    status = 403
    code = "forbidden"
    title = "You do not have permission to do this"


class StateConflict(ApplicationError):
    """An invalid move in a state machine, or a request that conflicts with the current state."""

    status = 409
    code = "conflict"
    title = "The request conflicts with the current state"


class ServiceUnavailable(ApplicationError):
    status = 503
    code = "service_unavailable"
    title = "A component the request needs is unavailable; try again shortly"


def problem(
    status: int,
    *,
    code: str,
    title: str | None = None,
    detail: str | None = None,
    errors: dict | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The problem-details body."""
    title = title or HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail or title,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body


def _drf_code(exc: drf_exceptions.APIException) -> str:
    mapping = {
        drf_exceptions.ParseError: "malformed_request",
        drf_exceptions.AuthenticationFailed: "authentication_failed",
        drf_exceptions.NotAuthenticated: "not_authenticated",
        drf_exceptions.PermissionDenied: "forbidden",
        drf_exceptions.NotFound: "not_found",
        drf_exceptions.MethodNotAllowed: "method_not_allowed",
        drf_exceptions.NotAcceptable: "not_acceptable",
        drf_exceptions.UnsupportedMediaType: "unsupported_media_type",
        drf_exceptions.Throttled: "rate_limited",
        drf_exceptions.ValidationError: "validation_error",
    }
    for klass, code in mapping.items():
        if isinstance(exc, klass):
            return code
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else "error"


def _flatten_errors(detail: Any) -> dict[str, list[str]]:
    """DRF's nested error detail → {"field" or "field.sub": ["message", ...]}."""
    out: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif isinstance(value, list):
            if all(not isinstance(v, (dict, list)) for v in value):
                out.setdefault(prefix or "non_field_errors", []).extend(str(v) for v in value)
            else:
                for index, sub in enumerate(value):
                    walk(f"{prefix}.{index}" if prefix else str(index), sub)
        else:
            out.setdefault(prefix or "non_field_errors", []).append(str(value))

    walk("", detail)
    return out


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every error raised in an API view becomes problem details."""
    headers: dict[str, str] = {}
    if isinstance(exc, ApplicationError):
        body = problem(exc.status, code=exc.code, title=exc.title, detail=exc.detail, errors=exc.errors, **exc.extra)
        headers.update(exc.headers)
        status = exc.status
    elif isinstance(exc, DjangoValidationError):
        errors = _flatten_errors(as_serializer_error(exc))
        status = 400
        body = problem(
            status,
            code="validation_error",
            title="The request is invalid",
            detail="; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()),
            errors=errors,
        )
    elif isinstance(exc, (Http404, drf_exceptions.NotFound)):
        status = 404
        body = problem(status, code="not_found", title="Not found", detail="No such resource.")
    elif isinstance(exc, (DjangoPermissionDenied,)):
        status = 403
        body = problem(status, code="forbidden", title="You do not have permission to do this")
    elif isinstance(exc, SuspiciousOperation):
        status, body = _suspicious(exc)
    elif isinstance(exc, drf_exceptions.APIException):
        status = exc.status_code
        code = _drf_code(exc)
        if isinstance(exc, drf_exceptions.ValidationError):
            errors = _flatten_errors(exc.detail)
            detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items())
            body = problem(status, code=code, title="The request is invalid", detail=detail, errors=errors)
        else:
            detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
            body = problem(status, code=code, detail=str(detail))
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
    elif isinstance(exc, (OperationalError, InterfaceError)):
        logger.error("database_unavailable", exc_info=exc)
        status = 503
        body = problem(
            status, code="service_unavailable", title="A component the request needs is unavailable; try again shortly"
        )
        headers["Retry-After"] = "5"
    elif isinstance(exc, DatabaseError):
        logger.error("database_error", exc_info=exc)
        status = 500
        body = problem(
            status, code="server_error", title="Internal server error", detail="The request failed; it has been logged."
        )
    else:
        return None  # an unexpected error: the middleware turns it into a logged 500
    response = Response(body, status=status, headers=headers, content_type=PROBLEM_CONTENT_TYPE)
    return response


def _suspicious(exc: SuspiciousOperation) -> tuple[int, dict[str, Any]]:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413; too many fields or files, a bad host and the
    like are 400s. (Django does the same outside a view; inside DRF's parsing they would be 500s.)"""
    logger.warning("suspicious_request", error=type(exc).__name__)
    if isinstance(exc, RequestDataTooBig):
        detail = f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
        return 413, problem(413, code="payload_too_large", title="The request is too large", detail=detail)
    return 400, problem(400, code="bad_request", title="The request is invalid", detail="The request was refused.")


def problem_response(status: int, **kwargs: Any) -> JsonResponse:
    return JsonResponse(problem(status, **kwargs), status=status, content_type=PROBLEM_CONTENT_TYPE)


_STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "server_error",
    502: "bad_gateway",
    503: "service_unavailable",
}

_HTML_PREFIXES = ("/admin", "/static", "/api/docs")


class ProblemDetailsMiddleware:
    """Turns Django's own error responses (outside DRF, any DEBUG) into problem details.

    The admin keeps its HTML error pages: it is a browser console for staff.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or request.path.startswith(_HTML_PREFIXES):
            return response
        content_type = response.get("Content-Type", "")
        if "json" in content_type:
            return response
        status = response.status_code
        extra_headers = {k: v for k, v in response.items() if k in ("Allow", "Retry-After", "WWW-Authenticate")}
        new = problem_response(
            status, code=_STATUS_CODES.get(status, "error"), detail=_detail_for(status, request, response)
        )
        for key, value in extra_headers.items():
            new[key] = value
        return new

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith(_HTML_PREFIXES[:1]) and settings.DEBUG:
            return None
        if isinstance(exception, Http404):
            return problem_response(404, code="not_found", detail="No such resource.")
        if isinstance(exception, DjangoPermissionDenied):
            return problem_response(403, code="forbidden")
        if isinstance(exception, SuspiciousOperation):
            status, body = _suspicious(exception)
            return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
        if isinstance(exception, (OperationalError, InterfaceError)):
            logger.error("database_unavailable", path=request.path, exc_info=exception)
            return _database_unavailable()
        logger.error("unhandled_exception", path=request.path, exc_info=exception)
        return problem_response(
            500, code="server_error", title="Internal server error", detail="The request failed; it has been logged."
        )


def _detail_for(status: int, request: HttpRequest, response: HttpResponse) -> str:
    if status == 404:
        return f"Nothing is at {request.path}."
    if status == 405:
        allowed = response.get("Allow", "")
        return f"{request.method} is not allowed here" + (f"; allowed: {allowed}." if allowed else ".")
    return HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"


# Django's handlers for errors raised outside any view (used when DEBUG is off).
def handler400(request, exception=None):
    return problem_response(400, code="bad_request", detail="The request could not be understood.")


def handler403(request, exception=None):
    return problem_response(403, code="forbidden")


def handler404(request, exception=None):
    return problem_response(404, code="not_found", detail=f"Nothing is at {request.path}.")


def _database_unavailable() -> JsonResponse:
    response = problem_response(
        503, code="service_unavailable", title="A component the request needs is unavailable; try again shortly"
    )
    response["Retry-After"] = "5"
    return response


def handler500(request):
    """Django calls this inside the `except` of whatever went wrong, outside any view too (a middleware
    reading the session, the user or a lockout): a database that is down or restarting is a 503."""
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        return _database_unavailable()
    return problem_response(
        500, code="server_error", title="Internal server error", detail="The request failed; it has been logged."
    )
