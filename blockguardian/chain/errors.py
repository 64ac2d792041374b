"""Errors of the chain client and anchoring, with stable codes."""

from __future__ import annotations

from blockguardian.errors import NotFound, ServiceUnavailable, StateConflict


class ChainUnavailable(ServiceUnavailable):
    """The node cannot be reached (or answered too slowly); nothing was written on chain."""

    code = "chain_unavailable"
    title = "The blockchain is unavailable; try again shortly"


class ChainNotConfigured(ServiceUnavailable):
    """Anchoring is switched off, or the settings needed to reach the chain are missing."""

    code = "chain_not_configured"
    title = "Blockchain anchoring is not configured"


class ChainError(Exception):
    """The node answered, but refused or could not process a request (a revert, a bad response).

    Internal: anchoring records it on the batch and retries with backoff; never shown to a client.
    """


class AnchorConflict(StateConflict):
    """A record of that kind and id is already anchored with a different payload."""

    code = "anchor_conflict"
    title = "This record is already anchored with a different content"


class AnchoredRecordNotFound(NotFound):
    code = "anchor_not_found"
    title = "This record was never submitted for anchoring"


class CanonicalFormError(ValueError):
    """A payload that has no canonical form (a float, a naive time, personal data, ...).

    A programming error in the caller, not bad client input: it is never turned into a 4xx.
    """
