"""Settings of the credit app (thresholds and switches; every one from the environment)."""

from ..env import env

# --- the model ---------------------------------------------------------------------------------
# Name of the scorecard in the model registry (blockguardian.models.ModelVersion).
CREDIT_MODEL_NAME = env.str("CREDIT_MODEL_NAME", default="credit_scorecard")

# Scaling: points to double the odds. Odds are good:bad (see credit.scorecard.Scaling): a score of
# CREDIT_BASE_SCORE means CREDIT_BASE_ODDS to 1 against default, and every CREDIT_PDO points more
# doubles those odds.
CREDIT_PDO = env.float("CREDIT_PDO", default=40.0)
CREDIT_BASE_SCORE = env.float("CREDIT_BASE_SCORE", default=660.0)
CREDIT_BASE_ODDS = env.float("CREDIT_BASE_ODDS", default=5.0)
CREDIT_SCORE_MIN = env.int("CREDIT_SCORE_MIN", default=300)
CREDIT_SCORE_MAX = env.int("CREDIT_SCORE_MAX", default=850)

# Score bands: the lowest score of each band above "poor".
CREDIT_BAND_FAIR_FROM = env.int("CREDIT_BAND_FAIR_FROM", default=580)
CREDIT_BAND_GOOD_FROM = env.int("CREDIT_BAND_GOOD_FROM", default=670)
CREDIT_BAND_VERY_GOOD_FROM = env.int("CREDIT_BAND_VERY_GOOD_FROM", default=740)
CREDIT_BAND_EXCEPTIONAL_FROM = env.int("CREDIT_BAND_EXCEPTIONAL_FROM", default=800)

# The default approval cut-off, used by the fairness screen (approval = score >= cut-off).
CREDIT_APPROVAL_CUTOFF = env.int("CREDIT_APPROVAL_CUTOFF", default=580)

# Fitting.
CREDIT_MIN_INFORMATION_VALUE = env.float("CREDIT_MIN_INFORMATION_VALUE", default=0.02)
CREDIT_MIN_BIN_SHARE = env.float("CREDIT_MIN_BIN_SHARE", default=0.05)
CREDIT_MAX_BINS = env.int("CREDIT_MAX_BINS", default=6)
CREDIT_REGULARISATION_C = env.float("CREDIT_REGULARISATION_C", default=1.0)
# Age: the bin cut (the 62+ bin scores at least as high as any younger bin) is fixed in
# credit.attributes; this is the age the rule-based fallback favours.
CREDIT_PROTECTED_AGE = env.int("CREDIT_PROTECTED_AGE", default=62)

# Validation by repeated stratified cross-validation.
CREDIT_CV_FOLDS = env.int("CREDIT_CV_FOLDS", default=5)
CREDIT_CV_REPEATS = env.int("CREDIT_CV_REPEATS", default=3)
CREDIT_CV_SEED = env.int("CREDIT_CV_SEED", default=20260)
# The training command refuses to register a model whose cross-validated mean AUC is below this.
CREDIT_MIN_CV_AUC = env.float("CREDIT_MIN_CV_AUC", default=0.70)

# Fairness screen: adverse impact ratio below this is flagged (a screen, not a legal test).
CREDIT_AIR_WARNING = env.float("CREDIT_AIR_WARNING", default=0.8)

# --- the platform mapping ------------------------------------------------------------------
# USD per Deutsche Mark of the training data: 1 DM ≈ 0.41 USD at the mid-1970s exchange rate,
# times ≈ 5.8 US consumer-price inflation since, ≈ 2.35 USD today.
CREDIT_USD_PER_DM = env.str("CREDIT_USD_PER_DM", default="2.35")
# How far back the platform repayment record looks for late payments and delinquencies.
CREDIT_HISTORY_LOOKBACK_DAYS = env.int("CREDIT_HISTORY_LOOKBACK_DAYS", default=730)

# --- scores --------------------------------------------------------------------------------
# How long a score is valid for lending decisions.
CREDIT_SCORE_VALID_DAYS = env.int("CREDIT_SCORE_VALID_DAYS", default=30)
# Largest loan the calculator accepts (USD).
CREDIT_MAX_LOAN_AMOUNT = env.str("CREDIT_MAX_LOAN_AMOUNT", default="1000000.00")
CREDIT_MAX_TERM_MONTHS = env.int("CREDIT_MAX_TERM_MONTHS", default=120)

# --- nightly rescoring and drift -----------------------------------------------------------
CREDIT_RESCORE_BATCH_SIZE = env.int("CREDIT_RESCORE_BATCH_SIZE", default=2000)
# Population stability index of the score distribution against training: bins, and the levels
# at which drift is reported as moderate / significant.
CREDIT_PSI_BINS = env.int("CREDIT_PSI_BINS", default=10)
CREDIT_PSI_MODERATE = env.float("CREDIT_PSI_MODERATE", default=0.10)
CREDIT_PSI_SIGNIFICANT = env.float("CREDIT_PSI_SIGNIFICANT", default=0.25)

# --- the rule-based fallback (no active model, or it fails to load) --------------------------
# Points added to CREDIT_RULES["base"] per platform fact; see credit.rules for how each applies.
CREDIT_RULES = env.json(
    "CREDIT_RULES",
    default={
        "base": 600,
        "cash_negative": -60,
        "cash_low": -20,
        "cash_high": 30,
        "savings_low": -10,
        "savings_mid": 15,
        "savings_high": 35,
        "history_delay": -60,
        "history_critical": -120,
        "history_paid_duly": 20,
        "term_long_months": 36,
        "term_long": -30,
        "term_short_months": 12,
        "term_short": 15,
        "instalment_high_rate": 4,
        "instalment_high": -30,
        "instalment_low_rate": 1,
        "instalment_low": 15,
        "employment_short": -20,
        "employment_long": 15,
        "age_protected": 20,
    },
)
