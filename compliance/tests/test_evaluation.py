"""The labelled evaluation set and its floors.

Floors (the figures at the time of writing are in the report of `manage.py evaluate_screening`):
review threshold — recall ≥ 0.97, precision ≥ 0.93; confident threshold — precision ≥ 0.98,
recall ≥ 0.93; F1 ≥ 0.95 at both."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command

from compliance.screening.evaluation import load_pairs

FLOORS = {
    "review": {"recall": 0.97, "precision": 0.93, "f1": 0.95},
    "confident": {"recall": 0.93, "precision": 0.98, "f1": 0.95},
}


def test_the_labelled_set_has_every_kind_of_pair():
    pairs = load_pairs()
    kinds = {p.kind for p in pairs}
    assert len(pairs) >= 300
    assert {"alias", "initials", "word_order", "accents", "transliteration", "legal_form", "typo"} <= kinds
    assert {"lookalike", "decoy"} <= kinds
    assert sum(p.label for p in pairs) >= 150 and sum(not p.label for p in pairs) >= 150


def test_evaluate_screening_meets_its_floors():
    out = StringIO()
    call_command("evaluate_screening", "--list", "files", "--json", stdout=out)
    figures = json.loads(out.getvalue())
    assert figures["pairs"] >= 300
    for name, floors in FLOORS.items():
        result = figures["thresholds"][name]
        for metric, floor in floors.items():
            assert result[metric] >= floor, (name, metric, result)
