"""compliance: every state change the app owns. Other code imports from here."""

from .dispositions import hit_disposition_record
from .fincen314a import fincen314a_list_load, fincen314a_match_customers, fincen314a_match_decide
from .lists import LoadResult, sanctions_list_load
from .ofac_reports import (
    ofac_annual_report_prepare,
    ofac_blocking_report_create,
    ofac_rejected_transaction_report_create,
    ofac_report_document,
    ofac_report_mark_filed,
    ofac_report_write,
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
