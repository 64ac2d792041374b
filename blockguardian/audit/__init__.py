"""The sealed audit trail: hash-chained seals over the audit log, verification and anchoring.

* `masking`: auditlog's mask callable and the scrub every entry goes through (no personal data).
* `canonical`: the canonical form of an entry and the seal hash.
* `services`: `audit_seal_pending` (beat: `blockguardian.audit_seal`), `audit_chain_verify`,
  `audit_head_anchor` (daily: `blockguardian.audit_head_anchor`), `audit_anchors_verify`, and
  `audit_bulk` / `audit_bulk_created` / `audit_event` for writes auditlog's signals do not see.
* `selectors`, `admin`: the chain status and the history of one object, read-only.

Commands: `manage.py seal_audit_log [--anchor]`, `manage.py verify_audit_chain [--against-chain]`.
"""
