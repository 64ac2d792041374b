"""drf-spectacular: accounts' token authentication in the OpenAPI schema (bearer JWT)."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class VersionedJWTScheme(SimpleJWTScheme):
    target_class = "accounts.authentication.VersionedJWTAuthentication"
    name = "jwtAuth"
