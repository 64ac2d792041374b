"""API authentication: simplejwt access tokens."""

from rest_framework_simplejwt.authentication import JWTAuthentication


class VersionedJWTAuthentication(JWTAuthentication):
    """simplejwt's access-token authentication; the place where token revocation is enforced."""
