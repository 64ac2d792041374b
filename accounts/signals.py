"""Signals accounts sends; the apps that move money listen and act on their own part."""

from django.dispatch import Signal

# Sent after commit when a customer's restriction changes: sender=User,
# kwargs user, old, new, reason, acting_user.
restriction_changed = Signal()
