"""Signals trading sends (after commit); higher apps listen.

ach_returned
    An ACH deposit or loan repayment debit came back from the bank. sender=Transaction; kwargs
    transaction_id, type, reference (lending's reference for its legs), return_code.
"""

from django.dispatch import Signal

ach_returned = Signal()
