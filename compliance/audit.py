"""The compliance models in the audit log, personal data kept out: what could identify a person is
not logged, and officers' free text (reasons, matched names) is logged as changed, never with its
value (`blockguardian.audit.masking.redact`, the project's mask callable)."""

from __future__ import annotations

_MASK = "blockguardian.audit.masking.redact"


def register_models() -> None:
    from auditlog.registry import auditlog

    from . import models

    auditlog.register(models.SanctionsListVersion)
    auditlog.register(models.ScreeningSubject, exclude_fields=["query_encrypted", "identity_sha256"])
    auditlog.register(models.ScreeningRun, exclude_fields=["query", "identity_sha256"])
    auditlog.register(models.ScreeningReview)
    auditlog.register(
        models.ScreeningHit, exclude_fields=["reasons"], mask_fields=["matched_name"], mask_callable=_MASK
    )
    auditlog.register(
        models.Disposition, exclude_fields=["identity_sha256"], mask_fields=["reason"], mask_callable=_MASK
    )
    auditlog.register(models.OfacReport, exclude_fields=["payload"])
    auditlog.register(models.Fincen314aList)
    auditlog.register(
        models.Fincen314aSubject,
        include_fields=["id", "request_list", "row_number", "tracking_number", "subject_type"],
    )
    auditlog.register(
        models.Fincen314aMatch, exclude_fields=["reasons", "note"], mask_fields=["matched_name"], mask_callable=_MASK
    )
    auditlog.register(models.MonitoringRuleState)
    auditlog.register(models.ChainMismatchEvent)
    auditlog.register(models.Alert, exclude_fields=["details"], mask_fields=["dismissal_reason"], mask_callable=_MASK)
    auditlog.register(models.Case, mask_fields=["closing_reason"], mask_callable=_MASK)
    auditlog.register(models.CaseNote, exclude_fields=["text"])
    auditlog.register(models.Filing)
    auditlog.register(models.Ctr, exclude_fields=["conductors"])
    auditlog.register(
        models.Sar, exclude_fields=["subject_data", "narrative"], mask_fields=["closing_reason"], mask_callable=_MASK
    )
