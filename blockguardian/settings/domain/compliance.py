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

# --- transaction monitoring: the rules over trading's transactions -------------------------------
# Source rows a set-based (SQL) rule takes per batch (one transaction). No source row enters Python
# (only detections do), and each batch re-reads its customers' look-back window, so large batches
# read least in all; a steady run every few minutes has far fewer new rows than this anyway.
MONITORING_SQL_BATCH_SIZE = env.int("MONITORING_SQL_BATCH_SIZE", default=1000000)
# From this many source rows a batch reads its look-back window by time rather than customer by
# customer (most customers are in it: a backlog or a by-hand run over dates).
MONITORING_SQL_WIDE_BATCH_ROWS = env.int("MONITORING_SQL_WIDE_BATCH_ROWS", default=50000)
# Source rows younger than this are left for the next run (a transaction still committing with a
# lower id is then not passed over by the watermark).
MONITORING_SOURCE_LAG_SECONDS = env.int("MONITORING_SOURCE_LAG_SECONDS", default=30)
# Large cash: a person's cash in or out on one CTR business day above CTR_THRESHOLD.
MONITORING_LARGE_CASH_SCORE = env.int("MONITORING_LARGE_CASH_SCORE", default=40)
# Structuring: cash in the band (inclusive) on at least STRUCTURING_MIN_DAYS business days within
# STRUCTURING_WINDOW_BUSINESS_DAYS, or STRUCTURING_SAME_DAY_COUNT of them on one business day
# summing above CTR_THRESHOLD. Detections of one customer and direction whose band days lie
# within the window of each other form one episode and one alert; the look-back bounds an episode.
STRUCTURING_BAND_MIN = env.str("STRUCTURING_BAND_MIN", default="8000.00")
STRUCTURING_BAND_MAX = env.str("STRUCTURING_BAND_MAX", default="9999.99")
STRUCTURING_MIN_DAYS = env.int("STRUCTURING_MIN_DAYS", default=3)
STRUCTURING_WINDOW_BUSINESS_DAYS = env.int("STRUCTURING_WINDOW_BUSINESS_DAYS", default=5)
STRUCTURING_SAME_DAY_COUNT = env.int("STRUCTURING_SAME_DAY_COUNT", default=2)
STRUCTURING_LOOKBACK_BUSINESS_DAYS = env.int("STRUCTURING_LOOKBACK_BUSINESS_DAYS", default=30)
MONITORING_STRUCTURING_SCORE = env.int("MONITORING_STRUCTURING_SCORE", default=75)
# Rapid movement: money in and out again (deposits, withdrawals; any method but internal) within
# RAPID_MOVEMENT_DAYS calendar days: at least RAPID_MOVEMENT_MIN_AMOUNT in, and out at least
# RAPID_MOVEMENT_OUT_RATIO of what came in.
RAPID_MOVEMENT_DAYS = env.int("RAPID_MOVEMENT_DAYS", default=3)
RAPID_MOVEMENT_MIN_AMOUNT = env.str("RAPID_MOVEMENT_MIN_AMOUNT", default="5000.00")
RAPID_MOVEMENT_OUT_RATIO = env.str("RAPID_MOVEMENT_OUT_RATIO", default="0.80")
MONITORING_RAPID_MOVEMENT_SCORE = env.int("MONITORING_RAPID_MOVEMENT_SCORE", default=65)
# Loan proceeds moved out: withdrawals within LOAN_PROCEEDS_OUT_DAYS calendar days of a disbursement
# into a portfolio reaching LOAN_PROCEEDS_OUT_RATIO of the proceeds.
LOAN_PROCEEDS_OUT_DAYS = env.int("LOAN_PROCEEDS_OUT_DAYS", default=5)
LOAN_PROCEEDS_OUT_RATIO = env.str("LOAN_PROCEEDS_OUT_RATIO", default="0.75")
MONITORING_LOAN_PROCEEDS_SCORE = env.int("MONITORING_LOAN_PROCEEDS_SCORE", default=70)
# Volume far above the customer's own history: one business day's volume (buys, sells, deposits,
# withdrawals) at least VOLUME_SPIKE_MULTIPLE times the average day of the previous
# VOLUME_SPIKE_HISTORY_DAYS calendar days, at least VOLUME_SPIKE_MIN_AMOUNT, with activity on at
# least VOLUME_SPIKE_MIN_HISTORY_DAYS of those days (a new customer has no history to exceed).
VOLUME_SPIKE_HISTORY_DAYS = env.int("VOLUME_SPIKE_HISTORY_DAYS", default=90)
VOLUME_SPIKE_MULTIPLE = env.str("VOLUME_SPIKE_MULTIPLE", default="10")
VOLUME_SPIKE_MIN_AMOUNT = env.str("VOLUME_SPIKE_MIN_AMOUNT", default="10000.00")
VOLUME_SPIKE_MIN_HISTORY_DAYS = env.int("VOLUME_SPIKE_MIN_HISTORY_DAYS", default=5)
MONITORING_VOLUME_SPIKE_SCORE = env.int("MONITORING_VOLUME_SPIKE_SCORE", default=50)
# High-risk jurisdictions (ISO 3166-1 alpha-2): wires whose beneficiary or beneficiary institution
# is in one of them. Default: countries under comprehensive US sanctions programs (CU, IR, KP, SY)
# and FATF's "call for action" list (KP, IR, MM); the institution sets its own list.
HIGH_RISK_COUNTRIES = env.list("HIGH_RISK_COUNTRIES", default=["CU", "IR", "KP", "SY", "MM"])
MONITORING_HIGH_RISK_JURISDICTION_SCORE = env.int("MONITORING_HIGH_RISK_JURISDICTION_SCORE", default=85)

# --- CTR: the daily drafting job ------------------------------------------------------------------
# Without --date the job drafts the CTRs of the business days ending with the previous one, this
# many of them (cash imported late still reaches its day's draft).
CTR_DRAFT_LOOKBACK_BUSINESS_DAYS = env.int("CTR_DRAFT_LOOKBACK_BUSINESS_DAYS", default=3)
