"""Precision, recall and F1 of the screening engine on the labelled pairs in
`compliance/data/screening_eval/` (hand.csv: hand-written hard variants and traps; derived.csv:
true matches from the SDN aliases, look-alike entries and common-name decoys).

A pair is (query, entry, label). At a threshold t the pair is predicted a match when the entry is
among the query's hits scoring at least t; an entry of `*` (decoys) means "any entry".
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .engine import SanctionsIndex, make_query

EVAL_DIR = Path(__file__).resolve().parent.parent / "data" / "screening_eval"
FILES = ("hand.csv", "derived.csv")


@dataclass(frozen=True)
class Pair:
    query: str
    date_of_birth: str
    country: str
    entry_type: str
    ent_num: int | None  # None: any entry
    label: bool
    kind: str
    note: str
    source: str


def load_pairs(directory: Path = EVAL_DIR) -> list[Pair]:
    pairs = []
    for name in FILES:
        with open(directory / name, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                pairs.append(
                    Pair(
                        query=row["query"],
                        date_of_birth=row["date_of_birth"].strip(),
                        country=row["country"].strip(),
                        entry_type=row["type"].strip(),
                        ent_num=None if row["ent_num"].strip() == "*" else int(row["ent_num"]),
                        label=row["label"].strip() == "1",
                        kind=row["kind"].strip(),
                        note=row["note"],
                        source=name,
                    )
                )
    return pairs


@dataclass
class ThresholdResult:
    threshold: float
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    errors: list[tuple[str, Pair, float | None]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class EvaluationReport:
    pairs: int
    positives: int
    negatives: int
    results: dict[str, ThresholdResult]
    by_kind: dict[str, Counter]


def evaluate(index: SanctionsIndex, pairs: list[Pair], thresholds: dict[str, float]) -> EvaluationReport:
    floor = min(thresholds.values())
    results = {name: ThresholdResult(value) for name, value in thresholds.items()}
    by_kind: dict[str, Counter] = defaultdict(Counter)
    for pair in pairs:
        query = make_query(
            pair.query,
            date_of_birth=pair.date_of_birth or None,
            countries=[pair.country] if pair.country else [],
            entry_type=pair.entry_type or None,
        )
        matches = index.screen(query, min_score=floor, limit=None)
        if pair.ent_num is None:
            score = matches[0].score if matches else None
        else:
            score = next((m.score for m in matches if m.entry.ent_num == pair.ent_num), None)
        by_kind[pair.kind]["pairs"] += 1
        for name, result in results.items():
            predicted = score is not None and score >= result.threshold
            if predicted and pair.label:
                result.tp += 1
            elif predicted:
                result.fp += 1
                result.errors.append(("false positive", pair, score))
            elif pair.label:
                result.fn += 1
                result.errors.append(("false negative", pair, score))
            else:
                result.tn += 1
            by_kind[pair.kind][f"correct_{name}"] += int(predicted == pair.label)
    positives = sum(p.label for p in pairs)
    return EvaluationReport(len(pairs), positives, len(pairs) - positives, results, dict(by_kind))
