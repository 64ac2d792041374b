"""Signals fraud sends (after commit). Fraud never imports the apps that listen.

fraud_confirmed
    A risk analyst confirmed fraud on an alert. Compliance listens (an input for its monitoring
    and SAR decisions). kwargs: alert_id, decision_id, reference, customer, acting_user.

fraud_review_resolved
    A `review` decision's hold is over: the caller that stored the movement as `pending_review`
    listens and either releases it (`outcome="released"`) or cancels it (`outcome="refused"`).
    kwargs: decision_id, reference, customer, outcome, cause ("false_positive" |
    "confirmed_fraud" | "hold_expired").
"""

from django.dispatch import Signal

fraud_confirmed = Signal()
fraud_review_resolved = Signal()
