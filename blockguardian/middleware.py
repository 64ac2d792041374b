class OptionalTrailingSlashMiddleware:
    """API routes are declared without a trailing slash; a request may add one (`/api/kyc/`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if len(path) > 1 and path.endswith("/") and not path.startswith(("/admin", "/static")):
            request.path_info = path.rstrip("/") or "/"
            request.path = request.path.rstrip("/") or "/"
        return self.get_response(request)
