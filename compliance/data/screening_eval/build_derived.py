"""Build derived.csv, the generated part of the screening evaluation set (hand.csv is hand-written).

    .venv/bin/python compliance/data/screening_eval/build_derived.py

Deterministic (fixed seed) and committed with its output, so the set only changes on purpose:

* alias: true matches from the SDN aliases in alt.csv — an entry's alias, written as a customer
  or a clerk would (persons "First Middle Last", mixed case; no type given for half of them);
* lookalike: non-matches between different entries that look alike — a listed person's name
  (with their year of birth when listed) against another listed person of the same surname and
  different given names, an entity's name against another entity sharing most of its words;
* decoy: common names (Faker, several Latin-script locales) that no listed name contains,
  with a date of birth for half of them; any hit above a threshold counts as a false positive.
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))

from compliance.screening.normalize import parse_name  # noqa: E402
from compliance.screening.ofac import read_sanctions_dir  # noqa: E402

SEED = 20240630
FIELDS = ["query", "date_of_birth", "country", "type", "ent_num", "label", "kind", "note"]


def _person_text(name: str) -> str:
    if name.count(",") == 1:
        last, first = (p.strip() for p in name.split(","))
        return f"{first.title()} {last.title()}"
    return name.title()


def main() -> None:
    rng = random.Random(SEED)
    records = list(read_sanctions_dir(ROOT / "compliance" / "data" / "ofac"))
    rows: list[dict] = []

    # --- alias: true matches -------------------------------------------------------------------
    with_alias = [r for r in records if any(a.alt_type in {"aka", "fka", "nka"} for a in r.aliases)]
    persons = [r for r in with_alias if r.entry_type == "person"]
    others = [r for r in with_alias if r.entry_type != "person"]
    for record in rng.sample(persons, 100) + rng.sample(others, 60):
        alias = rng.choice([a for a in record.aliases if a.alt_type in {"aka", "fka", "nka"}])
        person = record.entry_type == "person"
        text = _person_text(alias.name) if person else (alias.name.title() if rng.random() < 0.5 else alias.name)
        rows.append(
            {
                "query": text,
                "type": record.entry_type if rng.random() < 0.5 else "",
                "ent_num": record.ent_num,
                "label": 1,
                "kind": "alias",
                "note": f"{alias.alt_type} of {record.name}",
            }
        )

    # --- lookalike: different entries that look alike -----------------------------------------------
    by_surname: dict[tuple, list] = {}
    for record in records:
        if record.entry_type == "person" and record.name.count(",") == 1:
            parsed = parse_name(record.name, person=True)
            surname = tuple(parsed.tokens[i] for i in sorted(parsed.surname))
            by_surname.setdefault(surname, []).append((record, parsed))
    pairs = []
    for group in by_surname.values():
        for a, pa in group:
            for b, pb in group:
                given_a = {pa.tokens[i] for i in range(len(pa.tokens)) if i not in pa.surname}
                given_b = {pb.tokens[i] for i in range(len(pb.tokens)) if i not in pb.surname}
                if a.ent_num < b.ent_num and given_a and given_b and not given_a & given_b:
                    pairs.append((a, b))
    for a, b in rng.sample(pairs, 90):
        year = str(a.dates_of_birth[0].start.year) if a.dates_of_birth and rng.random() < 0.5 else ""
        rows.append(
            {
                "query": _person_text(a.name),
                "date_of_birth": year,
                "type": "person",
                "ent_num": b.ent_num,
                "label": 0,
                "kind": "lookalike",
                "note": f"SDN {a.ent_num} against {b.name}",
            }
        )
    entities = [(r, set(parse_name(r.name, person=False).tokens)) for r in records if r.entry_type == "entity"]
    entity_pairs = []
    for i, (a, ta) in enumerate(entities):
        for b, tb in entities[i + 1 :]:
            if len(ta) >= 2 and len(tb) >= 2 and ta != tb and len(ta & tb) / len(ta | tb) >= 0.5:
                entity_pairs.append((a, b))
    for a, b in rng.sample(entity_pairs, min(40, len(entity_pairs))):
        rows.append(
            {
                "query": a.name,
                "ent_num": b.ent_num,
                "label": 0,
                "kind": "lookalike",
                "note": f"SDN {a.ent_num} against {b.name}",
            }
        )

    # --- decoy: common names no listed name contains ----------------------------------------------------
    from faker import Faker

    listed_token_sets = [set(parse_name(r.name, person=r.entry_type == "person").tokens) for r in records]
    for record in records:
        listed_token_sets += [
            set(parse_name(a.name, person=record.entry_type == "person").tokens) for a in record.aliases
        ]
    decoys: list[dict] = []
    for locale, count in (("en_US", 25), ("es_MX", 20), ("de_DE", 10), ("fr_FR", 10), ("tr_TR", 10), ("pt_BR", 10)):
        fake = Faker(locale)
        fake.seed_instance(SEED)
        made = 0
        while made < count:
            first, last = fake.first_name(), fake.last_name()
            tokens = set(parse_name(f"{first} {last}", person=True).tokens)
            if any(tokens <= listed for listed in listed_token_sets):
                continue
            dob = fake.date_of_birth(minimum_age=18, maximum_age=90).isoformat() if made % 2 == 0 else ""
            decoys.append(
                {
                    "query": f"{first} {last}",
                    "date_of_birth": dob,
                    "type": "person",
                    "ent_num": "*",
                    "label": 0,
                    "kind": "decoy",
                    "note": locale,
                }
            )
            made += 1
    rows += decoys

    with open(HERE / "derived.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow({field: row.get(field, "") for field in FIELDS})
    print(f"wrote {len(rows)} pairs to {HERE / 'derived.csv'}")


if __name__ == "__main__":
    main()
