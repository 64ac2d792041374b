"""API authentication: simplejwt access tokens, checked against revocation on every request."""

from __future__ import annotations

import uuid

from django.db.models import Exists, OuterRef
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.settings import api_settings

from .audit import audit_context_set_actor
from .models import TokenFamily, User
from .services.tokens import FAMILY_CLAIM, VERSION_CLAIM


class VersionedJWTAuthentication(JWTAuthentication):
    """simplejwt's access-token authentication, plus revocation: the token's `ver` claim must equal
    the user's current token version (password reset or change, erasure move it on) and its `fam`
    claim must name a session that is still live (logout and refresh-token reuse revoke it).

    One query: the user row with the session's state."""

    def get_user(self, validated_token) -> User:
        user_id = validated_token.get(api_settings.USER_ID_CLAIM)
        version = validated_token.get(VERSION_CLAIM)
        family = validated_token.get(FAMILY_CLAIM)
        try:
            user_id = uuid.UUID(str(user_id))
            family = uuid.UUID(str(family))
        except ValueError as exc:
            raise AuthenticationFailed("The token is not valid.", code="token_not_valid") from exc
        if not isinstance(version, int):
            raise AuthenticationFailed("The token is not valid.", code="token_not_valid")
        live_session = TokenFamily.objects.filter(pk=family, user_id=OuterRef("pk"), revoked_at__isnull=True)
        user = User.objects.annotate(session_live=Exists(live_session)).filter(pk=user_id).first()
        if user is None or not user.is_active or user.token_version != version or not user.session_live:
            raise AuthenticationFailed("The token has been revoked.", code="token_revoked")
        audit_context_set_actor(user)
        return user
