"""Errors of the credit app, each with a stable code."""

from blockguardian.errors import InvalidInput, NotFound, StateConflict, UnprocessableInput


class CreditEventInvalid(InvalidInput):
    code = "credit_event_invalid"
    title = "The credit event is invalid"


class CreditEventReferenceReused(StateConflict):
    code = "credit_event_reference_reused"
    title = "This credit event reference was already recorded with different details"


class CreditApplicationInvalid(InvalidInput):
    code = "credit_application_invalid"
    title = "The credit application is invalid"


class CreditModelRejected(UnprocessableInput):
    code = "credit_model_rejected"
    title = "The trained credit model does not meet the registration threshold"


class ScoreNotFound(NotFound):
    code = "credit_score_not_found"
    title = "No such credit score"
