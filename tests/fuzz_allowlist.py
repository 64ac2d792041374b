"""Operations the schema fuzz test may leave without a 2xx, each with the reason.

Keys are schemathesis operation labels ("METHOD /path"). An entry is a statement that generated
input cannot reasonably succeed there (a secret or a token the fuzz user does not have, a staff
role), not a way to silence a failure: 5xx and schema violations fail these operations all the same.
"""

_TOKEN = "needs a token the server sent elsewhere"

ALLOWLIST: dict[str, str] = {
    "POST /api/auth/login": "needs the fresh user's real password; generated credentials never match",
    "POST /api/auth/refresh": f"{_TOKEN} (a valid refresh token from a login)",
    "POST /api/auth/verify-email": f"{_TOKEN} (the signed link in the verification email)",
    "POST /api/auth/password/reset/confirm": f"{_TOKEN} (the single-use token in the reset email)",
    "POST /api/auth/password/change": "needs the current password",
    "POST /api/auth/verify-mfa": f"{_TOKEN} (an MFA challenge token) or a device being set up and its code",
    "POST /api/auth/mfa/resend": f"{_TOKEN} (a live MFA challenge token)",
    "POST /api/auth/disable-mfa": "needs a confirmed device and one of its current codes",
    "POST /api/me/erase": "needs the account password to confirm an erasure",
    "POST /api/kyc": (
        "needs a consistent identity: the CIP notice accepted first, an adult's date of birth, a residential "
        "address, an SSN in a valid format for a US person; generated data never satisfies all of them"
    ),
    "POST /api/kyc/cip-notice": "needs the version of the notice currently shown (GET /api/kyc/cip-notice)",
    "GET /api/staff/kyc/documents/{id}": "staff only (KYC document permission); the fuzz user is a customer",
    "POST /api/staff/screening": "staff only (compliance permission and a second factor); the fuzz user is a customer",
    "POST /api/staff/screening/wallet": "staff only (compliance permission and a second factor); the fuzz user is a customer",
}
