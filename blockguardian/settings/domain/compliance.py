"""Settings of the compliance app (thresholds and switches; every one from the environment)."""

from ..env import BASE_DIR, env

# --- sanctions lists ---------------------------------------------------------------------------
# The OFAC SDN list bundled with the code (legacy CSV layout); `manage.py load_sanctions DIR`
# loads another copy.
SANCTIONS_DATA_DIR = env.str("SANCTIONS_DATA_DIR", default=str(BASE_DIR / "compliance" / "data" / "ofac"))
# Rows written per database round trip while loading a list.
SANCTIONS_LOAD_BATCH = env.int("SANCTIONS_LOAD_BATCH", default=1000)

# --- name screening (scores are 0–100) -----------------------------------------------------------
# A hit at or above the review threshold opens a review; at or above the confident threshold it
# also freezes the customer pending an officer's decision.
SCREENING_REVIEW_THRESHOLD = env.float("SCREENING_REVIEW_THRESHOLD", default=80.0)
SCREENING_CONFIDENT_THRESHOLD = env.float("SCREENING_CONFIDENT_THRESHOLD", default=90.0)
if not 0 < SCREENING_REVIEW_THRESHOLD <= SCREENING_CONFIDENT_THRESHOLD <= 100:
    raise ValueError("need 0 < SCREENING_REVIEW_THRESHOLD <= SCREENING_CONFIDENT_THRESHOLD <= 100")
# Two words count as the same word from this Jaro–Winkler similarity up (words of 4+ letters).
SCREENING_TOKEN_MIN_SIMILARITY = env.float("SCREENING_TOKEN_MIN_SIMILARITY", default=0.88)
# …provided their normalised Levenshtein similarity reaches this too (Jaro–Winkler alone rewards a
# shared prefix too much: STEPHANIE ~ STEPANOVIC).
SCREENING_TOKEN_MIN_EDIT_SIMILARITY = env.float("SCREENING_TOKEN_MIN_EDIT_SIMILARITY", default=0.7)
# An unmatched middle name weighs this fraction of its rarity ("First Last" is the usual form).
SCREENING_MIDDLE_NAME_DISCOUNT = env.float("SCREENING_MIDDLE_NAME_DISCOUNT", default=0.5)
# A listed person whose surname is not matched at all: name score multiplied by this.
SCREENING_SURNAME_MISS_FACTOR = env.float("SCREENING_SURNAME_MISS_FACTOR", default=0.8)
# Share of rapidfuzz's token-sort ratio in the name score (the rest: the rarity-weighted alignment).
SCREENING_TOKEN_SORT_WEIGHT = env.float("SCREENING_TOKEN_SORT_WEIGHT", default=0.1)
# Names scored in full per query (the best candidates from the word index).
SCREENING_MAX_CANDIDATES = env.int("SCREENING_MAX_CANDIDATES", default=300)
# Date of birth as evidence: points added when it corroborates, removed when it contradicts (a
# contradicting date of birth also keeps a hit below the confident threshold).
SCREENING_DOB_EXACT_BONUS = env.float("SCREENING_DOB_EXACT_BONUS", default=8.0)
SCREENING_DOB_YEAR_BONUS = env.float("SCREENING_DOB_YEAR_BONUS", default=5.0)
SCREENING_DOB_NEAR_YEARS = env.int("SCREENING_DOB_NEAR_YEARS", default=1)
SCREENING_DOB_CIRCA_YEARS = env.int("SCREENING_DOB_CIRCA_YEARS", default=2)
SCREENING_DOB_CONTRADICTION_PENALTY = env.float("SCREENING_DOB_CONTRADICTION_PENALTY", default=5.0)
# Country (residence, citizenship) as evidence.
SCREENING_COUNTRY_BONUS = env.float("SCREENING_COUNTRY_BONUS", default=3.0)
SCREENING_COUNTRY_PENALTY = env.float("SCREENING_COUNTRY_PENALTY", default=3.0)
# Matches the staff API and `manage.py screen` return at most.
SCREENING_RESULT_LIMIT = env.int("SCREENING_RESULT_LIMIT", default=25)

# --- OFAC reports (31 CFR 501.603, 501.604) -----------------------------------------------------
OFAC_BLOCKING_REPORT_BUSINESS_DAYS = env.int("OFAC_BLOCKING_REPORT_BUSINESS_DAYS", default=10)
OFAC_REJECTED_REPORT_BUSINESS_DAYS = env.int("OFAC_REJECTED_REPORT_BUSINESS_DAYS", default=10)
# The annual report of blocked property is as of 30 June and due by 30 September.
OFAC_ANNUAL_REPORT_AS_OF = env.str("OFAC_ANNUAL_REPORT_AS_OF", default="06-30")
OFAC_ANNUAL_REPORT_DUE = env.str("OFAC_ANNUAL_REPORT_DUE", default="09-30")
# Where `manage.py ofac_report` writes report documents by default.
OFAC_REPORT_DIR = env.str("OFAC_REPORT_DIR", default=str(BASE_DIR / "var" / "private" / "ofac"))

# --- FinCEN 314(a) ------------------------------------------------------------------------------
FINCEN_314A_RESPONSE_DAYS = env.int("FINCEN_314A_RESPONSE_DAYS", default=14)
# Accounts opened or used within this many months are searched.
FINCEN_314A_ACCOUNT_LOOKBACK_MONTHS = env.int("FINCEN_314A_ACCOUNT_LOOKBACK_MONTHS", default=12)
# ...and the transaction records (branch cash conductors, bank account holders, wire beneficiaries) of this many.
FINCEN_314A_TRANSACTION_LOOKBACK_MONTHS = env.int("FINCEN_314A_TRANSACTION_LOOKBACK_MONTHS", default=6)
# A 314(a) subject matches a customer from this name score up (date of birth as evidence).
FINCEN_314A_MATCH_THRESHOLD = env.float("FINCEN_314A_MATCH_THRESHOLD", default=85.0)

# --- transaction monitoring ---------------------------------------------------------------------
# Rules in shadow mode record would-be alerts for tuning and raise none (comma-separated names).
MONITORING_SHADOW_RULES = env.list("MONITORING_SHADOW_RULES", default=[])
# Rules switched off altogether (comma-separated names).
MONITORING_DISABLED_RULES = env.list("MONITORING_DISABLED_RULES", default=[])
# Source rows a rule reads per batch (bounded memory; the watermark moves after each batch).
MONITORING_BATCH_SIZE = env.int("MONITORING_BATCH_SIZE", default=5000)
# Score of a confirmed-fraud alert and of a chain-record mismatch (0–100).
MONITORING_CONFIRMED_FRAUD_SCORE = env.int("MONITORING_CONFIRMED_FRAUD_SCORE", default=90)
MONITORING_CHAIN_MISMATCH_SCORE = env.int("MONITORING_CHAIN_MISMATCH_SCORE", default=70)
# A case is due for a decision this many calendar days after it opens.
CASE_REVIEW_DAYS = env.int("CASE_REVIEW_DAYS", default=30)

# --- CTR (31 CFR 1010.311, .313, .306) -----------------------------------------------------------
# Amounts are decimal strings (read with blockguardian.money.to_decimal).
CTR_THRESHOLD = env.str("CTR_THRESHOLD", default="10000.00")  # more than this requires a CTR
CTR_FILING_DAYS = env.int("CTR_FILING_DAYS", default=15)

# --- SAR (31 CFR 1023.320 / 1020.320 / 1022.320) ------------------------------------------------
SAR_THRESHOLD_BROKER_DEALER = env.str("SAR_THRESHOLD_BROKER_DEALER", default="5000.00")
SAR_THRESHOLD_BANK = env.str("SAR_THRESHOLD_BANK", default="5000.00")
SAR_THRESHOLD_MSB = env.str("SAR_THRESHOLD_MSB", default="2000.00")
SAR_FILING_DAYS = env.int("SAR_FILING_DAYS", default=30)
# Extra days to identify a suspect (broker-dealers and banks only; never beyond 60 in all).
SAR_NO_SUSPECT_EXTENSION_DAYS = env.int("SAR_NO_SUSPECT_EXTENSION_DAYS", default=30)
SAR_MAX_DAYS = 60
# Continuing activity: the next SAR is due this many days after the previous one was filed.
SAR_CONTINUING_ACTIVITY_DAYS = env.int("SAR_CONTINUING_ACTIVITY_DAYS", default=120)

# --- FinCEN BSA E-Filing (CTRX, SARX batches) ---------------------------------------------------
FINCEN_SCHEMA_DIR = env.str("FINCEN_SCHEMA_DIR", default=str(BASE_DIR / "compliance" / "data" / "fincen"))
FINCEN_FILING_DIR = env.str("FINCEN_FILING_DIR", default=str(BASE_DIR / "var" / "private" / "fincen"))
# The transmitter (35), its contact (37), the filing institution (30, also the transaction
# location 34) and the contact office (8). Defaults describe the demonstration institution.
FINCEN_TRANSMITTER_NAME = env.str("FINCEN_TRANSMITTER_NAME", default="BlockGuardian Securities LLC")
FINCEN_TRANSMITTER_TIN = env.str("FINCEN_TRANSMITTER_TIN", default="000000000")
FINCEN_TRANSMITTER_CONTROL_CODE = env.str("FINCEN_TRANSMITTER_CONTROL_CODE", default="TBSATEST")
FINCEN_TRANSMITTER_CONTACT = env.str("FINCEN_TRANSMITTER_CONTACT", default="BSA Officer")
FINCEN_INSTITUTION_NAME = env.str("FINCEN_INSTITUTION_NAME", default="BlockGuardian Securities LLC")
FINCEN_INSTITUTION_EIN = env.str("FINCEN_INSTITUTION_EIN", default="000000000")
FINCEN_INSTITUTION_STREET = env.str("FINCEN_INSTITUTION_STREET", default="1 Liberty Plaza")
FINCEN_INSTITUTION_CITY = env.str("FINCEN_INSTITUTION_CITY", default="New York")
FINCEN_INSTITUTION_STATE = env.str("FINCEN_INSTITUTION_STATE", default="NY")
FINCEN_INSTITUTION_ZIP = env.str("FINCEN_INSTITUTION_ZIP", default="10006")
FINCEN_INSTITUTION_COUNTRY = env.str("FINCEN_INSTITUTION_COUNTRY", default="US")
FINCEN_INSTITUTION_PHONE = env.str("FINCEN_INSTITUTION_PHONE", default="2125550100")
# Federal regulator code (6 SEC for a broker-dealer, 2 FDIC, 4 OCC, 7 IRS for an MSB …).
FINCEN_PRIMARY_REGULATOR = env.str("FINCEN_PRIMARY_REGULATOR", default="6")
FINCEN_CONTACT_OFFICE = env.str("FINCEN_CONTACT_OFFICE", default="BSA Department")
