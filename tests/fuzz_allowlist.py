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
    "POST /api/portfolios/{id}/transactions": (
        "needs verified KYC, a priced tradable asset or a verified linked account, and enough settled cash"
    ),
    "POST /api/portfolios/{id}/transactions/{tid}/cancel": "needs a pending order; a posted transaction is 409",
    "GET /api/portfolios/{id}/transactions/{tid}/confirmation": "needs a filled order; a posted dividend has none",
    "POST /api/bank-accounts/{id}/verify": "needs the two micro-deposit amounts the bank statement shows",
    "POST /api/wallets/{id}/verify": "needs a signature made with the address's private key",
    "POST /api/staff/cash-transactions": "staff only (operations permission and a second factor); the fuzz user is a customer",
    "POST /api/loans/calculate": "needs the code of an existing loan product",
    "POST /api/loans/apply": (
        "needs an existing product code, a verified identity and the user's own portfolio or verified bank account"
    ),
    "POST /api/loans/{id}/accept": "needs the id of the disclosure the server issued today (GET .../disclosure)",
    "POST /api/loans/{id}/repay": "needs a disbursed loan and a funded portfolio of the user",
    "POST /api/bank-accounts": "needs a routing number with a valid ABA check digit; generated digits almost never have one",
    "POST /api/wallets": "needs an address that is valid for its currency (checksummed); generated strings never are",
    "POST /api/credit/calculate-score": (
        "needs thirteen interdependent fields from fixed vocabularies at once; generated bodies reach a 201 "
        "only now and then in 25 tries"
    ),
    "POST /api/staff/cases/{id}/sar": "staff only (SAR permission); the fuzz user is a customer",
    "POST /api/staff/cases/{id}/transition": "staff only (compliance permission); the fuzz user is a customer",
    "GET /api/staff/filings/{id}/file": "staff only (SAR or CTR filing permission); the fuzz user is a customer",
    "GET /api/staff/sars/{id}": "staff only (SAR permission); the fuzz user is a customer",
    "POST /api/staff/sars/{id}/approve": "staff only (SAR approval permission); the fuzz user is a customer",
    "POST /api/staff/sars/{id}/submit": "staff only (SAR permission); the fuzz user is a customer",
    "POST /api/auth/register": (
        "needs a well-formed new email and a password of 12 or more characters that passes every validator; "
        "generated bodies reach a 202 only now and then in 25 tries"
    ),
}
