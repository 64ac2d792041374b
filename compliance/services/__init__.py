"""compliance: every state change the app owns. Other code imports from here."""

from .cases import (
    Detection,
    alert_dismiss,
    alert_raise,
    alerts_group_into_case,
    case_assign,
    case_due_set,
    case_flag_terrorist_financing,
    case_law_enforcement_notified,
    case_note_add,
    case_transition,
)
from .ctr import (
    CtrDayResult,
    ctr_approve,
    ctr_business_days,
    ctr_days_to_draft,
    ctr_draft_create,
    ctr_draft_for_day,
    ctr_draft_for_days,
    ctr_rows_by_day,
)
from .dispositions import hit_disposition_record
from .filings import acknowledgement_load, filing_write
from .fincen314a import fincen314a_list_load, fincen314a_match_customers, fincen314a_match_decide
from .lists import LoadResult, sanctions_list_load
from .monitoring import chain_mismatch_record, monitoring_run
from .ofac_reports import (
    ofac_annual_report_prepare,
    ofac_blocking_report_create,
    ofac_rejected_transaction_report_create,
    ofac_report_document,
    ofac_report_mark_filed,
    ofac_report_write,
)
from .report import compliance_report
from .sar import (
    sar_approve,
    sar_close_no_filing,
    sar_draft_create,
    sar_narrative_edit,
    sar_record_access,
    sar_submit_for_review,
)
from .screening import (
    ScreeningOutcome,
    customer_screen,
    sanctions_rescreen,
    screen_name,
    screen_wallet_address,
    screening_query,
    screening_search,
)
from .wallets import wallet_registration_screen

__all__ = [
    "CtrDayResult",
    "Detection",
    "acknowledgement_load",
    "alert_dismiss",
    "alert_raise",
    "alerts_group_into_case",
    "case_assign",
    "case_due_set",
    "case_flag_terrorist_financing",
    "case_law_enforcement_notified",
    "case_note_add",
    "case_transition",
    "chain_mismatch_record",
    "compliance_report",
    "ctr_approve",
    "ctr_business_days",
    "ctr_days_to_draft",
    "ctr_draft_create",
    "ctr_draft_for_day",
    "ctr_draft_for_days",
    "ctr_rows_by_day",
    "filing_write",
    "monitoring_run",
    "sar_approve",
    "sar_close_no_filing",
    "sar_draft_create",
    "sar_narrative_edit",
    "sar_record_access",
    "sar_submit_for_review",
    "LoadResult",
    "ScreeningOutcome",
    "customer_screen",
    "fincen314a_list_load",
    "fincen314a_match_customers",
    "fincen314a_match_decide",
    "hit_disposition_record",
    "ofac_annual_report_prepare",
    "ofac_blocking_report_create",
    "ofac_rejected_transaction_report_create",
    "ofac_report_document",
    "ofac_report_mark_filed",
    "ofac_report_write",
    "sanctions_list_load",
    "sanctions_rescreen",
    "screen_name",
    "screen_wallet_address",
    "screening_query",
    "screening_search",
    "wallet_registration_screen",
]
