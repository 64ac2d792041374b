"""Structured logs: a request id on every line, echoed to the client in `X-Request-ID`."""

import structlog


class RequestIdHeaderMiddleware:
    """Sits inside django-structlog's RequestMiddleware, which binds `request_id` (taken from the
    client's `X-Request-ID` when it sends one); this returns the same id on the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        request_id = structlog.contextvars.get_contextvars().get("request_id")
        if request_id:
            response["X-Request-ID"] = request_id
        return response
