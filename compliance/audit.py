"""The compliance models in the audit log, personal fields excluded (auditlog masks nothing by
itself: what could identify a person is simply not logged)."""

from __future__ import annotations


def register_models() -> None:
    from auditlog.registry import auditlog

    from . import models

    auditlog.register(models.SanctionsListVersion)
    auditlog.register(models.ScreeningSubject, exclude_fields=["query_encrypted", "identity_sha256"])
    auditlog.register(models.ScreeningRun, exclude_fields=["query", "identity_sha256"])
    auditlog.register(models.ScreeningReview)
    auditlog.register(models.ScreeningHit, exclude_fields=["reasons"])
    auditlog.register(models.Disposition, exclude_fields=["identity_sha256"])
    auditlog.register(models.OfacReport, exclude_fields=["payload"])
    auditlog.register(models.Fincen314aList)
    auditlog.register(
        models.Fincen314aSubject,
        include_fields=["id", "request_list", "row_number", "tracking_number", "subject_type"],
    )
    auditlog.register(models.Fincen314aMatch, exclude_fields=["reasons", "note"])
    auditlog.register(models.MonitoringRuleState)
    auditlog.register(models.ChainMismatchEvent)
    auditlog.register(models.Alert, exclude_fields=["details"])
    auditlog.register(models.Case)
    auditlog.register(models.CaseNote, exclude_fields=["text"])
    auditlog.register(models.Filing)
    auditlog.register(models.Ctr, exclude_fields=["conductors"])
    auditlog.register(models.Sar, exclude_fields=["subject_data", "narrative"])
