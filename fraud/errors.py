"""fraud's domain errors, each with a stable `code` (RFC 9457 problem details).

None of them reaches a customer: customers see only `fraud.services.customer_message(decision)`.
"""

from blockguardian.errors import InvalidInput, NotFound, StateConflict


class FraudAlertStateError(StateConflict):
    code = "fraud_alert_invalid_move"
    title = "The fraud alert is no longer open"


class SeniorHoldStateError(StateConflict):
    code = "fraud_hold_invalid_move"
    title = "The hold cannot be changed in its current state"


class DecisionReferenceConflict(StateConflict):
    code = "fraud_decision_reference_conflict"
    title = "The decision is already linked to another reference"


class DecisionNotFound(NotFound):
    code = "fraud_decision_not_found"


class RuleOverrideInvalid(InvalidInput):
    code = "fraud_rule_override_invalid"
    title = "The override is not valid"


class FraudModelUnavailable(StateConflict):
    code = "fraud_model_unavailable"
    title = "No trained fraud model is available"
