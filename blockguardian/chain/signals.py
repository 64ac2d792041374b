"""Signals the chain sends; higher layers (compliance) listen.

`anchor_mismatch(sender=AnchoredRecord, kind=str, record_id=str, reason=str, batch_id=str)`: a record's
payload, rebuilt from the database, no longer matches the root anchored on chain. `reason` is one of
`payload_differs`, `proof_differs`, `kind_differs`, `batch_not_on_chain`.
"""

from django.dispatch import Signal

anchor_mismatch = Signal()
