"""The screening engine: name normalisation, the token index of a sanctions list and fuzzy scoring.

Plain Python over plain records (no database), so the same engine serves the loaded list, a
subset of changed entries after a list update, a FinCEN 314(a) subject list and the evaluation.
"""
