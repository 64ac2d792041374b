"""Input and output shapes of accounts' API. Parsing only: the rules live in the services."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.utils import html

from blockguardian.text import validate_display_text

from ..countries import COUNTRIES
from ..models import IdDocumentType, IdentifierType, KycDocument, KycStatus, MessageDevice

_PASSWORD = {"max_length": 128, "trim_whitespace": False, "write_only": True, "style": {"input_type": "password"}}


class StrictCharField(serializers.CharField):
    """A string and only a string (DRF alone turns 0 into "0")."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictEmailField(serializers.EmailField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """true or false in JSON (DRF alone takes 1, "yes", "on"); a form field's text in multipart."""

    def to_internal_value(self, data):
        if not isinstance(data, bool) and not html.is_html_input(getattr(self.root, "initial_data", None)):
            self.fail("invalid")
        return super().to_internal_value(data)


class CountryField(StrictCharField):
    """An ISO 3166-1 alpha-2 country code ("US")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 2)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data).upper()
        if value and value not in COUNTRIES:
            raise serializers.ValidationError("Not an ISO 3166-1 alpha-2 country code.")
        return value


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details (documented once, as `Problem`)."""

    type = StrictCharField()
    title = StrictCharField()
    status = serializers.IntegerField()
    detail = StrictCharField()
    code = StrictCharField()
    errors = serializers.DictField(child=serializers.ListField(child=StrictCharField()), required=False)


class DetailSerializer(serializers.Serializer):
    detail = StrictCharField()


# --- registration and email ------------------------------------------------------------------------
class RegisterInputSerializer(serializers.Serializer):
    email = StrictEmailField(max_length=254)
    password = StrictCharField(**_PASSWORD)
    first_name = StrictCharField(max_length=150, validators=[validate_display_text])
    last_name = StrictCharField(max_length=150, validators=[validate_display_text])


class VerifyEmailInputSerializer(serializers.Serializer):
    token = StrictCharField(max_length=500)


# --- tokens ---------------------------------------------------------------------------------------------
class TokenPairSerializer(serializers.Serializer):
    token_type = StrictCharField(default="Bearer")
    access = StrictCharField()
    refresh = StrictCharField()
    access_expires_at = serializers.DateTimeField()
    refresh_expires_at = serializers.DateTimeField()


class LoginInputSerializer(serializers.Serializer):
    email = StrictEmailField(max_length=254)
    password = StrictCharField(**_PASSWORD)


class MfaDeviceSerializer(serializers.Serializer):
    id = StrictCharField(help_text="Pass as `device_id` to use this device.")
    type = serializers.ChoiceField(choices=["totp", "sms", "email", "backup_codes"])
    name = StrictCharField()
    hint = StrictCharField(allow_blank=True)


class LoginTokensSerializer(TokenPairSerializer):
    mfa_required = serializers.BooleanField(help_text="False: the tokens are here.")


class LoginChallengeSerializer(serializers.Serializer):
    mfa_required = serializers.BooleanField(help_text="True: send a code to /api/auth/verify-mfa.")
    challenge_token = StrictCharField()
    challenge_expires_at = serializers.DateTimeField()
    devices = MfaDeviceSerializer(many=True)
    code_sent_to = StrictCharField(
        allow_null=True, help_text="The device a code was sent to at once (no authenticator app), if any."
    )


class RefreshInputSerializer(serializers.Serializer):
    refresh = StrictCharField(max_length=2000)


class LogoutInputSerializer(serializers.Serializer):
    refresh = StrictCharField(max_length=2000, required=False)


# --- second factors --------------------------------------------------------------------------------
class VerifyMfaInputSerializer(serializers.Serializer):
    challenge_token = StrictCharField(
        max_length=200, required=False, help_text="From /api/auth/login. Omit (and authenticate) to confirm setup."
    )
    code = StrictCharField(max_length=32)
    device_id = StrictCharField(max_length=100, required=False)


class MfaConfirmedSerializer(serializers.Serializer):
    device = MfaDeviceSerializer()
    backup_codes = serializers.ListField(
        child=StrictCharField(), help_text="Shown once: each works one time if the device is lost."
    )


class SetupMfaInputSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["totp", "sms", "email"])
    phone_number = StrictCharField(max_length=20, required=False, help_text="For `sms`: +15551234567.")
    email = StrictEmailField(max_length=254, required=False, help_text="For `email`.")
    current_code = StrictCharField(
        max_length=32, required=False, help_text="A current code or backup code, when a second factor is set up."
    )

    def validate(self, attrs):
        if attrs["type"] == "sms" and not attrs.get("phone_number"):
            raise serializers.ValidationError({"phone_number": "Required for a text-message device."})
        if attrs["type"] == "email" and not attrs.get("email"):
            raise serializers.ValidationError({"email": "Required for an email device."})
        return attrs


class TotpSetupSerializer(serializers.Serializer):
    device_id = StrictCharField()
    type = serializers.ChoiceField(choices=["totp"])
    otpauth_uri = StrictCharField()
    qr_code_png_base64 = StrictCharField()


class MessageSetupSerializer(serializers.Serializer):
    device_id = StrictCharField()
    type = serializers.ChoiceField(choices=MessageDevice.Channel.values)
    destination_hint = StrictCharField()
    code_expires_at = serializers.DateTimeField()


class MfaResendInputSerializer(serializers.Serializer):
    challenge_token = StrictCharField(max_length=200)
    device_id = StrictCharField(max_length=100, required=False)


class MfaResendOutputSerializer(serializers.Serializer):
    device = MfaDeviceSerializer()
    code_expires_at = serializers.DateTimeField()


class DisableMfaInputSerializer(serializers.Serializer):
    code = StrictCharField(max_length=32, help_text="A current code, or a backup code.")


# --- passwords ---------------------------------------------------------------------------------------
class PasswordChangeInputSerializer(serializers.Serializer):
    current_password = StrictCharField(**_PASSWORD)
    new_password = StrictCharField(**_PASSWORD)


class PasswordResetInputSerializer(serializers.Serializer):
    email = StrictEmailField(max_length=254)


class PasswordResetConfirmInputSerializer(serializers.Serializer):
    uid = StrictCharField(max_length=100)
    token = StrictCharField(max_length=100)
    new_password = StrictCharField(**_PASSWORD)


# --- profile ------------------------------------------------------------------------------------------
class TrustedContactSerializer(serializers.Serializer):
    name = StrictCharField(max_length=200, validators=[validate_display_text])
    email = StrictEmailField(max_length=254, required=False, allow_blank=True)
    phone = StrictCharField(max_length=32, required=False, allow_blank=True)


class ProfileSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    email = StrictEmailField(read_only=True)
    email_verified = serializers.BooleanField(read_only=True)
    first_name = StrictCharField(max_length=150)
    last_name = StrictCharField(max_length=150)
    phone_number = StrictCharField(allow_blank=True)
    trusted_contact = TrustedContactSerializer(allow_null=True, help_text="FINRA Rule 4512 trusted contact person.")
    mfa_enabled = serializers.BooleanField(read_only=True)
    date_joined = serializers.DateTimeField(read_only=True)


class ProfileInputSerializer(serializers.Serializer):
    first_name = StrictCharField(max_length=150, allow_blank=True, validators=[validate_display_text])
    last_name = StrictCharField(max_length=150, allow_blank=True, validators=[validate_display_text])
    phone_number = StrictCharField(max_length=32, required=False, allow_blank=True, default="")
    trusted_contact = TrustedContactSerializer(required=False, allow_null=True, default=None)
    email = StrictEmailField(max_length=254, required=False, help_text="A new address needs the password.")
    current_password = StrictCharField(required=False, **_PASSWORD)


# --- KYC --------------------------------------------------------------------------------------------------
class CipNoticeSerializer(serializers.Serializer):
    version = StrictCharField()
    text = StrictCharField()
    accepted_at = serializers.DateTimeField(allow_null=True)


class CipNoticeAcceptInputSerializer(serializers.Serializer):
    version = StrictCharField(max_length=32, help_text="The version of the notice shown to the customer.")


class KycSubmitInputSerializer(serializers.Serializer):
    legal_first_name = StrictCharField(max_length=150, validators=[validate_display_text])
    legal_middle_name = StrictCharField(
        max_length=150, required=False, allow_blank=True, default="", validators=[validate_display_text]
    )
    legal_last_name = StrictCharField(max_length=150, validators=[validate_display_text])
    date_of_birth = serializers.DateField()
    address_line1 = StrictCharField(max_length=200, help_text="Residential street address; no PO box.")
    address_line2 = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    city = StrictCharField(max_length=100)
    region = StrictCharField(max_length=100, required=False, allow_blank=True, default="")
    postal_code = StrictCharField(max_length=20)
    country = CountryField(help_text="Country of residence, ISO 3166-1 alpha-2.")
    citizenship = CountryField(help_text="ISO 3166-1 alpha-2.")
    us_person = StrictBooleanField(
        required=False, allow_null=True, default=None, help_text="Defaults to true for US citizens."
    )
    identifier_type = serializers.ChoiceField(choices=IdentifierType.choices)
    identifier = StrictCharField(
        max_length=32, write_only=True, help_text="SSN/ITIN for US persons; passport or alien ID number otherwise."
    )
    identifier_issuing_country = CountryField(required=False, allow_blank=True, default="")
    id_document_type = serializers.ChoiceField(choices=IdDocumentType.choices)
    id_document_number = StrictCharField(max_length=32, write_only=True)
    id_document_issuing_country = CountryField(required=False, allow_blank=True, default="")


class KycSubmitMultipartSerializer(KycSubmitInputSerializer):
    document = serializers.FileField(required=False, help_text="PDF, JPEG or PNG; at most 5 MB by default.")
    document_kind = serializers.ChoiceField(
        choices=KycDocument.Kind.choices, required=False, default=KycDocument.Kind.ID_DOCUMENT
    )


class KycDocumentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = StrictCharField(help_text="id_document, proof_of_address or other.")
    content_type = StrictCharField()
    size_bytes = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()


class KycSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=KycStatus.choices)
    legal_first_name = StrictCharField(required=False)
    legal_middle_name = StrictCharField(required=False)
    legal_last_name = StrictCharField(required=False)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    address_line1 = StrictCharField(required=False)
    address_line2 = StrictCharField(required=False)
    city = StrictCharField(required=False)
    region = StrictCharField(required=False)
    postal_code = StrictCharField(required=False)
    country = StrictCharField(required=False)
    citizenship = StrictCharField(required=False)
    us_person = serializers.BooleanField(required=False)
    identifier_type = StrictCharField(required=False)
    identifier_last4 = StrictCharField(required=False, help_text="Only the last four are ever returned.")
    identifier_issuing_country = StrictCharField(required=False)
    id_document_type = StrictCharField(required=False)
    id_document_last4 = StrictCharField(required=False)
    id_document_issuing_country = StrictCharField(required=False)
    message = StrictCharField(required=False, help_text="What we need from you, if anything.")
    submitted_at = serializers.DateTimeField(required=False, allow_null=True)
    cip_notice_accepted_at = serializers.DateTimeField(allow_null=True)
    documents = KycDocumentSerializer(many=True)


# --- data rights -------------------------------------------------------------------------------------------
class ExportSerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    data = serializers.DictField(help_text="Your data, by the part of the product that holds it.")


class EraseInputSerializer(serializers.Serializer):
    password = StrictCharField(**_PASSWORD)
