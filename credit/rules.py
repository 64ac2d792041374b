"""The documented rule-based score, used when no scorecard is active or the active one cannot be
loaded or evaluated (`method: "rules"`).

Points start at `CREDIT_RULES["base"]` and each platform fact adds or removes points:

| attribute | points (keys of `CREDIT_RULES`) |
|---|---|
| settled cash | overdrawn `cash_negative`, below 200 DM-equivalent `cash_low`, at or above `cash_high` |
| savings and investments | below 100 DM-eq. `savings_low`, 500–1000 `savings_mid`, 1000 and more `savings_high` |
| repayment record with us | charge-off or delinquency `history_critical`, late payment `history_delay`, repaid duly `history_paid_duly` |
| loan term | at least `term_long_months` → `term_long`; at most `term_short_months` → `term_short` |
| payment relative to income | code ≥ `instalment_high_rate` → `instalment_high`; ≤ `instalment_low_rate` → `instalment_low` |
| employment | under a year or unemployed `employment_short`; 4 years or more `employment_long` |
| age | 62 or older (`CREDIT_PROTECTED_AGE`) `age_protected`; younger or unknown: nothing |

Unknown facts score nothing either way. Age only ever adds points, and only for applicants 62 and
older, so it is never a reason for a lower score. The probability of default is read off the score
through the same odds convention as the scorecard (`credit.scorecard.Scaling`). Reasons use the
same "points below the best available" method as the scorecard.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import attributes as a
from .scorecard import MAX_REASONS, Scaling

Rule = Callable[[Any, Mapping[str, Any], int], str | None]


def _checking(value, rules, protected_age):
    return {a.CHK_NEGATIVE: "cash_negative", a.CHK_LOW: "cash_low", a.CHK_HIGH: "cash_high"}.get(value)


def _savings(value, rules, protected_age):
    return {a.SAV_LT_100: "savings_low", a.SAV_500_1000: "savings_mid", a.SAV_GE_1000: "savings_high"}.get(value)


def _history(value, rules, protected_age):
    return {
        a.HIST_CRITICAL: "history_critical",
        a.HIST_DELAY: "history_delay",
        a.HIST_PAID_DULY: "history_paid_duly",
        a.HIST_ALL_PAID_HERE: "history_paid_duly",
    }.get(value)


def _term(value, rules, protected_age):
    if value is None:
        return None
    if value >= rules["term_long_months"]:
        return "term_long"
    if value <= rules["term_short_months"]:
        return "term_short"
    return None


def _instalment(value, rules, protected_age):
    if value is None:
        return None
    if value >= rules["instalment_high_rate"]:
        return "instalment_high"
    if value <= rules["instalment_low_rate"]:
        return "instalment_low"
    return None


def _employment(value, rules, protected_age):
    if value in (a.EMP_LT_1, a.EMP_UNEMPLOYED):
        return "employment_short"
    if value in (a.EMP_4_7, a.EMP_GE_7):
        return "employment_long"
    return None


def _age(value, rules, protected_age):
    return "age_protected" if value is not None and value >= protected_age else None


RULES: dict[str, tuple[Rule, tuple[str, ...]]] = {
    # attribute: (rule, every points key it can give: the best of them is the attribute's maximum)
    a.CHECKING: (_checking, ("cash_negative", "cash_low", "cash_high")),
    a.SAVINGS: (_savings, ("savings_low", "savings_mid", "savings_high")),
    a.HISTORY: (_history, ("history_critical", "history_delay", "history_paid_duly")),
    a.DURATION: (_term, ("term_long", "term_short")),
    a.INSTALMENT_RATE: (_instalment, ("instalment_high", "instalment_low")),
    a.EMPLOYMENT: (_employment, ("employment_short", "employment_long")),
    a.AGE: (_age, ("age_protected",)),
}
# Attributes that may add points but are never a reason for a lower score.
NEVER_A_REASON = frozenset({a.AGE})


@dataclass(frozen=True)
class RuleScore:
    score: int
    probability_of_default: float
    points: dict[str, float]
    reasons: list[dict]


def rules_score(
    attributes: Mapping[str, Any], *, rules: Mapping[str, Any], scaling: Scaling, protected_age: int
) -> RuleScore:
    points: dict[str, float] = {}
    shortfalls: list[tuple[float, int, str]] = []
    for order, (name, (rule, keys)) in enumerate(RULES.items()):
        value = attributes.get(name)
        key = rule(value, rules, protected_age)
        got = float(rules[key]) if key else 0.0
        points[name] = got
        best = max([0.0, *(float(rules[k]) for k in keys)])
        if name not in NEVER_A_REASON and best - got > 0:
            shortfalls.append((best - got, order, name))
    total = float(rules["base"]) + sum(points.values())
    score = int(scaling.clip(total))
    reasons = []
    for gap, _order, name in sorted(shortfalls, key=lambda item: (-item[0], item[1]))[:MAX_REASONS]:
        value = attributes.get(name)
        reason = a.reason_for(name, value=value, missing=value is None)
        reason["points_below_best"] = round(gap, 1)
        reasons.append(reason)
    return RuleScore(
        score=score,
        probability_of_default=float(scaling.pd_from_points(score)),
        points={"base": float(rules["base"]), **points},
        reasons=reasons,
    )
