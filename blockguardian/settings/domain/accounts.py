"""Settings of the accounts app (thresholds and switches; every one from the environment)."""

from ..env import env

_ENVIRONMENT = env.str("ENVIRONMENT", default="development")

# --- links in emails -----------------------------------------------------------------------------
# Where the client app that completes email verification and password resets lives.
ACCOUNTS_LINK_BASE_URL = env.str("ACCOUNTS_LINK_BASE_URL", default="http://127.0.0.1:8000")
EMAIL_VERIFICATION_MAX_AGE_HOURS = env.int("EMAIL_VERIFICATION_MAX_AGE_HOURS", default=48)
# Password-reset links (Django's token generator) expire after this many seconds.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60)

# --- second factor -------------------------------------------------------------------------------
MFA_CHALLENGE_TTL_SECONDS = env.int("MFA_CHALLENGE_TTL_SECONDS", default=300)
MFA_CHALLENGE_MAX_ATTEMPTS = env.int("MFA_CHALLENGE_MAX_ATTEMPTS", default=5)
# Codes sent by text message or email.
MFA_CODE_DIGITS = env.int("MFA_CODE_DIGITS", default=6)
MFA_CODE_TTL_SECONDS = env.int("MFA_CODE_TTL_SECONDS", default=300)
MFA_RESEND_LIMIT = env.int("MFA_RESEND_LIMIT", default=3)
MFA_RESEND_COOLDOWN_SECONDS = env.int("MFA_RESEND_COOLDOWN_SECONDS", default=30)
MFA_BACKUP_CODE_COUNT = env.int("MFA_BACKUP_CODE_COUNT", default=10)
# The gateway that delivers text-message and email codes: `console` (development), `file`
# (JSON lines in MFA_GATEWAY_FILE_PATH), `locmem` (tests), `provider` (production: email through
# Django's EMAIL_BACKEND, text messages through the HTTP provider below), or a dotted path.
MFA_MESSAGE_GATEWAY = env.str("MFA_MESSAGE_GATEWAY", default="locmem" if _ENVIRONMENT == "test" else "console")
MFA_GATEWAY_FILE_PATH = env.str("MFA_GATEWAY_FILE_PATH", default="var/mfa-messages.jsonl")
# A Twilio-compatible Messages API (account SID, auth token, sender number).
MFA_SMS_PROVIDER_URL = env.str(
    "MFA_SMS_PROVIDER_URL", default="https://api.twilio.com/2010-04-01/Accounts/{account}/Messages.json"
)
MFA_SMS_PROVIDER_ACCOUNT = env.str("MFA_SMS_PROVIDER_ACCOUNT", default="")
MFA_SMS_PROVIDER_TOKEN = env.str("MFA_SMS_PROVIDER_TOKEN", default="")
MFA_SMS_PROVIDER_SENDER = env.str("MFA_SMS_PROVIDER_SENDER", default="")
MFA_SMS_PROVIDER_TIMEOUT_SECONDS = env.float("MFA_SMS_PROVIDER_TIMEOUT_SECONDS", default=5.0)
# django-otp: the TOTP issuer shown in authenticator apps comes from OTP_TOTP_ISSUER (base).

# --- lockout (django-axes; the limits themselves are in base: AXES_FAILURE_LIMIT, AXES_COOLOFF_*) --
# A locked-out client gets 429 problem details with Retry-After (HTML in the admin).
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# The lock runs its full cool-off from the failure that set it; attempts during it do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False

# --- rate limits (django-ratelimit, on the cache: Redis when REDIS_URL is set) --------------------
# Per endpoint, per client address and per account ("count/period", period s, m, h or d).
ACCOUNTS_RATE_LIMITS = {
    "register": {
        "ip": env.str("RATELIMIT_REGISTER_IP", default="20/h"),
        "account": env.str("RATELIMIT_REGISTER_ACCOUNT", default="5/h"),
    },
    "login": {
        "ip": env.str("RATELIMIT_LOGIN_IP", default="60/m"),
        "account": env.str("RATELIMIT_LOGIN_ACCOUNT", default="20/m"),
    },
    "verify_mfa": {
        "ip": env.str("RATELIMIT_VERIFY_MFA_IP", default="60/m"),
        "account": env.str("RATELIMIT_VERIFY_MFA_ACCOUNT", default="10/m"),
    },
    "mfa_resend": {
        "ip": env.str("RATELIMIT_MFA_RESEND_IP", default="30/h"),
        "account": env.str("RATELIMIT_MFA_RESEND_ACCOUNT", default="10/h"),
    },
    "password_reset": {
        "ip": env.str("RATELIMIT_PASSWORD_RESET_IP", default="20/h"),
        "account": env.str("RATELIMIT_PASSWORD_RESET_ACCOUNT", default="5/h"),
    },
    "refresh": {
        "ip": env.str("RATELIMIT_REFRESH_IP", default="120/m"),
        "account": env.str("RATELIMIT_REFRESH_ACCOUNT", default="30/m"),
    },
}

# --- KYC / CIP ----------------------------------------------------------------------------------
KYC_CIP_NOTICE_VERSION = env.str("KYC_CIP_NOTICE_VERSION", default="2026-01")
KYC_CIP_NOTICE_TEXT = env.str(
    "KYC_CIP_NOTICE_TEXT",
    default=(
        "IMPORTANT INFORMATION ABOUT PROCEDURES FOR OPENING A NEW ACCOUNT. To help the government fight "
        "the funding of terrorism and money laundering activities, Federal law requires all financial "
        "institutions to obtain, verify, and record information that identifies each person who opens "
        "an account. What this means for you: when you open an account, we will ask for your name, "
        "address, date of birth, and other information that will allow us to identify you. We may also "
        "ask to see your driver's license or other identifying documents."
    ),
)
KYC_MINIMUM_AGE = env.int("KYC_MINIMUM_AGE", default=18)
KYC_DOCUMENT_MAX_BYTES = env.int("KYC_DOCUMENT_MAX_BYTES", default=5 * 1024 * 1024)
KYC_DOCUMENT_CONTENT_TYPES = env.list(
    "KYC_DOCUMENT_CONTENT_TYPES", default=["application/pdf", "image/jpeg", "image/png"]
)
# Ongoing due diligence: months between reviews, by risk rating.
KYC_REVIEW_MONTHS = {
    "low": env.int("KYC_REVIEW_MONTHS_LOW", default=36),
    "medium": env.int("KYC_REVIEW_MONTHS_MEDIUM", default=24),
    "high": env.int("KYC_REVIEW_MONTHS_HIGH", default=12),
}
# The initial rating at submission: high for these countries (residence or citizenship), medium for
# non-US persons, low otherwise; compliance changes it through the admin.
KYC_HIGH_RISK_COUNTRIES = env.list("KYC_HIGH_RISK_COUNTRIES", default=["IR", "KP", "MM"])
