"""Signals accounts sends; the apps that move money, and compliance, listen and act on their own part."""

from django.dispatch import Signal

# Sent after commit when a customer's restriction changes: sender=User,
# kwargs user, old, new, reason, acting_user.
restriction_changed = Signal()

# Sent after commit when a KYC record is submitted or resubmitted (compliance screens the customer):
# sender=KycRecord, kwargs user, kyc_record_id.
kyc_submitted = Signal()
