"""accounts' domain errors, each with a stable `code` (RFC 9457 problem details)."""

from blockguardian.errors import ApplicationError, Forbidden, InvalidInput, NotFound, StateConflict


class CustomerRestricted(ApplicationError):
    """Money cannot move for this customer now. The message reveals nothing internal."""

    status = 403
    code = "account_restricted"
    title = "This account cannot make this request at the moment. Please contact support."


class RestrictionStateError(StateConflict):
    code = "restriction_invalid_move"


class NotAuthenticated(ApplicationError):
    status = 401
    code = "not_authenticated"
    title = "Authentication credentials were not provided or are not valid"


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"
    title = "The email address or password is not correct"


class InvalidToken(NotAuthenticated):
    code = "token_not_valid"
    title = "The token is not valid or has expired"


class RateLimited(ApplicationError):
    """Too many requests; `Retry-After` says when to try again."""

    status = 429
    code = "rate_limited"
    title = "Too many requests; try again later"

    def __init__(self, *, retry_after: int, detail: str | None = None, code: str | None = None) -> None:
        retry_after = max(int(retry_after), 1)
        super().__init__(detail, code=code, headers={"Retry-After": str(retry_after)})


class AccountLocked(RateLimited):
    code = "account_locked"
    title = "Too many failed login attempts; this login is locked for a while"


class EmailNotVerified(Forbidden):
    code = "email_not_verified"
    title = "Verify your email address first: follow the link we sent you"


class MfaEnrolmentRequired(Forbidden):
    code = "mfa_enrolment_required"
    title = "Staff accounts need a second factor; ask an administrator to enrol one"


class MfaChallengeInvalid(NotAuthenticated):
    code = "mfa_challenge_invalid"
    title = "The login challenge has expired or was already used; log in again"


class MfaCodeInvalid(ApplicationError):
    status = 400
    code = "mfa_code_invalid"
    title = "The code is not valid"


class MfaStateError(StateConflict):
    code = "mfa_invalid_move"


class MfaResendLimited(RateLimited):
    code = "mfa_resend_limited"
    title = "No more codes can be sent for this login now"


class PasswordInvalid(InvalidInput):
    code = "password_invalid"
    title = "The password is not correct"


class ResetTokenInvalid(InvalidInput):
    code = "reset_token_invalid"
    title = "The reset link is not valid or has expired"


class VerificationTokenInvalid(InvalidInput):
    code = "verification_token_invalid"
    title = "The verification link is not valid or has expired"


class EmailUnavailable(InvalidInput):
    code = "email_unavailable"
    title = "This email address cannot be used"


class KycStateError(StateConflict):
    code = "kyc_invalid_move"


class KycInvalid(InvalidInput):
    code = "kyc_invalid"
    title = "The identity information is not valid"


class CipNoticeNotAccepted(StateConflict):
    code = "cip_notice_not_accepted"
    title = "Accept the current customer identification notice first"


class KycDocumentInvalid(InvalidInput):
    code = "kyc_document_invalid"
    title = "The document cannot be accepted"


class KycDocumentNotFound(NotFound):
    code = "kyc_document_not_found"
