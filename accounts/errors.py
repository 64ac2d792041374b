from blockguardian.errors import ApplicationError, StateConflict


class CustomerRestricted(ApplicationError):
    """Money cannot move for this customer now. The message reveals nothing internal."""

    status = 403
    code = "account_restricted"
    title = "This account cannot make this request at the moment. Please contact support."


class RestrictionStateError(StateConflict):
    code = "restriction_invalid_move"
