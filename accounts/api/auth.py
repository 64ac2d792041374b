"""Authentication API: registration, login with a second factor, tokens, passwords, profile."""

from __future__ import annotations

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ..errors import NotAuthenticated
from ..ratelimits import rate_limit
from ..selectors import profile_view
from ..services import (
    TokenPair,
    email_verify,
    login_start,
    login_verify_mfa,
    mfa_challenge_resend,
    mfa_confirm_device,
    mfa_disable,
    mfa_setup_message_device,
    mfa_setup_totp,
    password_change,
    password_reset_confirm,
    password_reset_request,
    profile_update,
    token_logout,
    token_refresh,
    user_register,
)
from ..services.mfa import challenge_user_id, device_summary
from ..services.tokens import refresh_token_user_id
from .common import body_field, client_info, problems
from .serializers import (
    DetailSerializer,
    DisableMfaInputSerializer,
    LoginChallengeSerializer,
    LoginInputSerializer,
    LoginTokensSerializer,
    LogoutInputSerializer,
    MessageSetupSerializer,
    MfaConfirmedSerializer,
    MfaResendInputSerializer,
    MfaResendOutputSerializer,
    PasswordChangeInputSerializer,
    PasswordResetConfirmInputSerializer,
    PasswordResetInputSerializer,
    ProfileInputSerializer,
    ProfileSerializer,
    RefreshInputSerializer,
    RegisterInputSerializer,
    SetupMfaInputSerializer,
    TokenPairSerializer,
    TotpSetupSerializer,
    VerifyEmailInputSerializer,
    VerifyMfaInputSerializer,
)

TAGS = ["auth"]
REGISTER_RECEIVED = "Thank you. If the address can be registered, a confirmation link is on its way to it."
RESET_RECEIVED = "If an account has this address, a link to reset the password is on its way to it."


def _tokens(pair: TokenPair) -> dict:
    return {
        "token_type": "Bearer",
        "access": pair.access,
        "refresh": pair.refresh,
        "access_expires_at": pair.access_expires_at,
        "refresh_expires_at": pair.refresh_expires_at,
    }


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class JsonApi(APIView):
    """Commands take JSON bodies only."""

    parser_classes = [JSONParser]


class AnonymousApi(JsonApi):
    """An endpoint for callers without a token (a stale token is ignored, not refused)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]


class AuthRegisterApi(AnonymousApi):
    @extend_schema(
        tags=TAGS,
        summary="Register; a confirmation link is emailed",
        description="The answer is the same whether or not the address already has an account. The "
        "password must pass the password policy (at least 12 characters, not common, not all digits, "
        "not like the email or names).",
        request=RegisterInputSerializer,
        responses={202: DetailSerializer, **problems(400, 429)},
    )
    def post(self, request):
        rate_limit(request, scope="register", account=body_field(request, "email"))
        data = _valid(RegisterInputSerializer, request)
        user_register(**data, client=client_info(request))
        return Response({"detail": REGISTER_RECEIVED}, status=202)


class AuthVerifyEmailApi(AnonymousApi):
    @extend_schema(
        tags=TAGS,
        summary="Confirm the email address with the emailed token",
        request=VerifyEmailInputSerializer,
        responses={200: DetailSerializer, **problems(400, 429)},
    )
    def post(self, request):
        rate_limit(request, scope="register")
        data = _valid(VerifyEmailInputSerializer, request)
        email_verify(token=data["token"])
        return Response({"detail": "Your email address is confirmed."})


LOGIN_RESULT = PolymorphicProxySerializer(
    component_name="LoginResult",
    serializers=[LoginTokensSerializer, LoginChallengeSerializer],
    resource_type_field_name=None,
)


class AuthLoginApi(AnonymousApi):
    @extend_schema(
        tags=TAGS,
        summary="Log in: tokens, or a second-factor challenge",
        description="After 5 failed attempts for one account (or many from one address) every "
        "attempt is refused with 429 and `Retry-After` until the lock lifts (30 minutes).",
        request=LoginInputSerializer,
        responses={200: LOGIN_RESULT, **problems(400, 401, 403, 429)},
    )
    def post(self, request):
        rate_limit(request, scope="login", account=body_field(request, "email"))
        data = _valid(LoginInputSerializer, request)
        result = login_start(
            request=request._request, email=data["email"], password=data["password"], client=client_info(request)
        )
        if result.challenge is not None:
            issued = result.challenge
            return Response(
                {
                    "mfa_required": True,
                    "challenge_token": issued.token,
                    "challenge_expires_at": issued.challenge.expires_at,
                    "devices": issued.devices,
                    "code_sent_to": issued.code_sent_to,
                }
            )
        return Response({"mfa_required": False, **_tokens(result.tokens)})


VERIFY_MFA_RESULT = PolymorphicProxySerializer(
    component_name="VerifyMfaResult",
    serializers=[TokenPairSerializer, MfaConfirmedSerializer],
    resource_type_field_name=None,
)


class AuthVerifyMfaApi(JsonApi):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        summary="Complete a login with a code, or confirm a device being set up",
        description="With `challenge_token`: the second step of a login; returns the tokens. Without "
        "it (authenticated): confirms the device set up with /api/auth/setup-mfa and returns one-time "
        "backup codes, shown this once.",
        request=VerifyMfaInputSerializer,
        responses={200: VERIFY_MFA_RESULT, **problems(400, 401, 409, 429)},
    )
    def post(self, request):
        challenge_token = body_field(request, "challenge_token")
        if challenge_token:
            rate_limit(request, scope="verify_mfa", account=challenge_user_id(challenge_token))
            data = _valid(VerifyMfaInputSerializer, request)
            pair = login_verify_mfa(
                request=request._request,
                challenge_token=data["challenge_token"],
                code=data["code"],
                device_id=data.get("device_id"),
                client=client_info(request),
            )
            return Response(_tokens(pair))
        if not request.user.is_authenticated:
            raise NotAuthenticated("Give the login's challenge_token, or authenticate to confirm a device.")
        rate_limit(request, scope="verify_mfa", account=str(request.user.pk))
        data = _valid(VerifyMfaInputSerializer, request)
        confirmed = mfa_confirm_device(
            user=request.user, code=data["code"], device_id=data.get("device_id"), client=client_info(request)
        )
        return Response({"device": device_summary(confirmed.device), "backup_codes": confirmed.backup_codes})


SETUP_MFA_RESULT = PolymorphicProxySerializer(
    component_name="SetupMfaResult",
    serializers=[TotpSetupSerializer, MessageSetupSerializer],
    resource_type_field_name=None,
)


class AuthSetupMfaApi(JsonApi):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="Start setting up a second factor",
        description="`totp`: an authenticator-app secret as an `otpauth://` URI and a QR code (PNG, "
        "base64). `sms` / `email`: a code is sent to the number or address. Either way, confirm with a "
        "code at /api/auth/verify-mfa. With a second factor already set up, `current_code` is required.",
        request=SetupMfaInputSerializer,
        responses={201: SETUP_MFA_RESULT, **problems(400, 401, 409)},
    )
    def post(self, request):
        data = _valid(SetupMfaInputSerializer, request)
        if data["type"] == "totp":
            setup = mfa_setup_totp(user=request.user, current_code=data.get("current_code"))
            return Response(
                {
                    "device_id": setup.device.persistent_id,
                    "type": "totp",
                    "otpauth_uri": setup.otpauth_uri,
                    "qr_code_png_base64": setup.qr_png_base64,
                },
                status=201,
            )
        destination = data["phone_number"] if data["type"] == "sms" else data["email"]
        device, expires_at = mfa_setup_message_device(
            user=request.user, channel=data["type"], destination=destination, current_code=data.get("current_code")
        )
        return Response(
            {
                "device_id": device.persistent_id,
                "type": device.channel,
                "destination_hint": device.destination_hint,
                "code_expires_at": expires_at,
            },
            status=201,
        )


class AuthMfaResendApi(AnonymousApi):
    @extend_schema(
        tags=TAGS,
        summary="Send a new code for a login challenge",
        description="A limited number of times per login, and not more often than every 30 seconds "
        "per device (429 with `Retry-After`).",
        request=MfaResendInputSerializer,
        responses={200: MfaResendOutputSerializer, **problems(400, 401, 409, 429)},
    )
    def post(self, request):
        rate_limit(request, scope="mfa_resend", account=challenge_user_id(body_field(request, "challenge_token") or ""))
        data = _valid(MfaResendInputSerializer, request)
        device, expires_at = mfa_challenge_resend(raw_token=data["challenge_token"], device_id=data.get("device_id"))
        return Response({"device": device_summary(device), "code_expires_at": expires_at})


class AuthDisableMfaApi(JsonApi):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="Remove the second factor (needs a current code or a backup code)",
        request=DisableMfaInputSerializer,
        responses={200: DetailSerializer, **problems(400, 401, 409, 429)},
    )
    def post(self, request):
        rate_limit(request, scope="verify_mfa", account=str(request.user.pk))
        data = _valid(DisableMfaInputSerializer, request)
        mfa_disable(user=request.user, code=data["code"], client=client_info(request))
        return Response({"detail": "The second factor is removed."})


class AuthPasswordChangeApi(JsonApi):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="Change the password; every other session ends",
        description="Every earlier token stops working; the answer carries a new pair for this client.",
        request=PasswordChangeInputSerializer,
        responses={200: TokenPairSerializer, **problems(400, 401, 429)},
    )
    def post(self, request):
        rate_limit(request, scope="login", account=str(request.user.pk))
        data = _valid(PasswordChangeInputSerializer, request)
        pair = password_change(
            user=request.user,
            current_password=data["current_password"],
            new_password=data["new_password"],
            amr=list(request.auth.get("amr") or ["pwd"]),
            client=client_info(request),
        )
        return Response(_tokens(pair))


class AuthPasswordResetApi(AnonymousApi):
    @extend_schema(
        tags=TAGS,
        summary="Email a single-use password-reset link",
        description="The answer is the same whether or not the address has an account.",
        request=PasswordResetInputSerializer,
        responses={202: DetailSerializer, **problems(400, 429)},
    )
    def post(self, request):
        rate_limit(request, scope="password_reset", account=body_field(request, "email"))
        data = _valid(PasswordResetInputSerializer, request)
        password_reset_request(email=data["email"], client=client_info(request))
        return Response({"detail": RESET_RECEIVED}, status=202)


class AuthPasswordResetConfirmApi(AnonymousApi):
    @extend_schema(
        tags=TAGS,
        summary="Set a new password with the emailed link; every session ends",
        request=PasswordResetConfirmInputSerializer,
        responses={200: DetailSerializer, **problems(400, 429)},
    )
    def post(self, request):
        rate_limit(request, scope="password_reset", account=body_field(request, "uid"))
        data = _valid(PasswordResetConfirmInputSerializer, request)
        password_reset_confirm(
            uid=data["uid"], token=data["token"], new_password=data["new_password"], client=client_info(request)
        )
        return Response({"detail": "Your password is changed. Log in with the new one."})


class AuthRefreshApi(AnonymousApi):
    @extend_schema(
        tags=TAGS,
        summary="Rotate the tokens",
        description="Every refresh token works once. Presenting one again ends its whole session.",
        request=RefreshInputSerializer,
        responses={200: TokenPairSerializer, **problems(400, 401, 429)},
    )
    def post(self, request):
        raw = body_field(request, "refresh")
        rate_limit(request, scope="refresh", account=refresh_token_user_id(raw) if raw else None)
        data = _valid(RefreshInputSerializer, request)
        return Response(_tokens(token_refresh(raw_refresh=data["refresh"], client=client_info(request))))


class AuthLogoutApi(JsonApi):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="Log out: the session's access and refresh tokens stop working",
        request=LogoutInputSerializer,
        responses={200: DetailSerializer, **problems(400, 401)},
    )
    def post(self, request):
        data = _valid(LogoutInputSerializer, request)
        token_logout(
            user=request.user,
            family_id=request.auth.get("fam"),
            raw_refresh=data.get("refresh"),
            client=client_info(request),
        )
        return Response({"detail": "Logged out."})


class ProfileApi(JsonApi):
    """The customer's profile (also at /api/profile)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="Your profile", responses={200: ProfileSerializer, **problems(401)})
    def get(self, request):
        return Response(ProfileSerializer(profile_view(user=request.user)).data)

    @extend_schema(
        tags=TAGS,
        summary="Update your profile and trusted contact",
        description="A new `email` needs `current_password` and is confirmed again by email.",
        request=ProfileInputSerializer,
        responses={200: ProfileSerializer, **problems(400, 401)},
    )
    def put(self, request):
        data = _valid(ProfileInputSerializer, request)
        user = profile_update(user=request.user, client=client_info(request), **data)
        return Response(ProfileSerializer(profile_view(user=user)).data)


class ProfileReadApi(ProfileApi):
    http_method_names = ["get", "head", "options"]
