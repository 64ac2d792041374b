"""Settings of the lending app (thresholds and switches; every one from the environment)."""

from ..env import env

# Military Lending Act: the cap on the military annual percentage rate for covered borrowers.
LENDING_MLA_MAPR_CAP_PERCENT = env.str("LENDING_MLA_MAPR_CAP_PERCENT", default="36")
# How long an approved offer or a counteroffer stays open for acceptance (days).
LENDING_OFFER_VALID_DAYS = env.int("LENDING_OFFER_VALID_DAYS", default=30)
# An adverse action notice is due within this many days of the action (ECOA, Regulation B 1002.9).
LENDING_ADVERSE_ACTION_DAYS = env.int("LENDING_ADVERSE_ACTION_DAYS", default=30)
# Charge-off after this many calendar days past due.
LENDING_CHARGE_OFF_DAYS = env.int("LENDING_CHARGE_OFF_DAYS", default=120)
# Delinquency buckets: the first day past due of each bucket (1-29, 30-59, 60-89, 90+).
LENDING_DELINQUENCY_BUCKETS = (1, 30, 60, 90)
# A delinquency is reported to the credit record from this many days past due.
LENDING_DELINQUENCY_REPORT_DAYS = env.int("LENDING_DELINQUENCY_REPORT_DAYS", default=30)
# Loans per customer not yet repaid, charged off, declined or cancelled.
LENDING_MAX_OPEN_LOANS = env.int("LENDING_MAX_OPEN_LOANS", default=3)

# The creditor and its regulator, as the adverse action notice names them.
LENDING_CREDITOR_NAME = env.str("LENDING_CREDITOR_NAME", default="BlockGuardian Lending")
LENDING_CREDITOR_ADDRESS = env.str("LENDING_CREDITOR_ADDRESS", default="1 Example Plaza, New York, NY 10001")
LENDING_REGULATOR = env.str(
    "LENDING_REGULATOR",
    default=(
        "Consumer Financial Protection Bureau, 1700 G Street NW, Washington, DC 20552; "
        "Federal Trade Commission, Equal Credit Opportunity, Washington, DC 20580"
    ),
)
