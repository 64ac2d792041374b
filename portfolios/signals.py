"""Signals portfolios sends (after commit); higher apps listen."""

from django.dispatch import Signal

# After a price load commits: sender=PriceLoad, kwargs load_id, asset_ids (sorted list of ints).
# Trading fills resting limit orders the new prices cross; forecasts refresh.
prices_loaded = Signal()
