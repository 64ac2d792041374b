"""The sealed audit trail (`blockguardian.audit`): masking, sealing and anchoring of the audit log."""

from ..env import env

# Personal fields registered with `mask_fields` are logged as changed, never with their value (auditlog's
# own default keeps half the string).
AUDITLOG_MASK_CALLABLE = "blockguardian.audit.masking.redact"

# Audited models whose `__str__` could show personal data: their entries get "<model> <pk>" instead.
AUDIT_NEUTRAL_REPR_MODELS = ["trading.linkedbankaccount"]

# Seals written per transaction; a run stops after AUDIT_SEAL_MAX_SECONDS and the next one goes on.
AUDIT_SEAL_BATCH = env.int("AUDIT_SEAL_BATCH", default=2000)
AUDIT_SEAL_MAX_SECONDS = env.float("AUDIT_SEAL_MAX_SECONDS", default=50.0)
# A gap in the entry ids may be a transaction still open that will fill it: before sealing past a gap
# the sealer waits up to this long for the transactions writing to the audit log at that moment to end
# (then it seals up to the gap and the next run tries again).
AUDIT_SEAL_GAP_WAIT_SECONDS = env.float("AUDIT_SEAL_GAP_WAIT_SECONDS", default=10.0)

# The record kind under which the chain head is anchored on the blockchain.
AUDIT_HEAD_ANCHOR_KIND = "audit_head"
