"""Fuzzy name screening against a list held in memory.

1. Candidates come from an inverted index of the list's words (exact words, one-deletion
   neighbours for typos, and adjacent words glued together for "ALQAIDA" ~ "AL QAIDA"): a query
   touches only the names that share a word with it, never the whole list.
2. Each candidate name is aligned word by word with the query (Jaro–Winkler between words,
   initials, glued words). Every word counts by how rare it is in the list (inverse document
   frequency), so "MUHAMMAD" or "AL" matched weigh little and a rare surname weighs a lot.
   Recall (how much of the query the name explains) and precision (how much of the name the query
   explains) combine into the name score, blended with rapidfuzz's token-sort ratio; a person
   whose surname is not matched at all is marked down.
3. Date of birth and country corroborate (points added) or contradict (points removed; a
   contradicting date of birth can never leave a confident hit).

Every hit says why: the reasons list each piece of evidence and its effect on the score.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler, Levenshtein
from rapidfuzz.process import cdist

from .normalize import ParsedName, is_number_token, parse_name
from .ofac import DateOfBirth

PERSON = "person"
ENTRY_TYPES = ("person", "entity", "vessel", "aircraft")


@dataclass(frozen=True)
class ScreeningConfig:
    review_threshold: float = 80.0
    confident_threshold: float = 90.0
    token_min_similarity: float = 0.88
    # …and at most this share of edits (Jaro–Winkler alone rewards a shared prefix too much:
    # STEPHANIE ~ STEPANOVIC).
    token_min_edit_similarity: float = 0.7
    fuzzy_min_length: int = 5
    initial_similarity: float = 0.7
    initial_max_weight: float = 1.5
    middle_name_discount: float = 0.5
    min_weight: float = 0.5
    surname_miss_factor: float = 0.8
    token_sort_weight: float = 0.1
    person_recall_exponent: float = 0.6
    max_candidates: int = 300
    common_word_postings: int = 1500
    dob_exact_bonus: float = 8.0
    dob_year_bonus: float = 5.0
    dob_near_years: int = 1
    dob_circa_years: int = 2
    dob_contradiction_penalty: float = 5.0
    country_bonus: float = 3.0
    country_penalty: float = 3.0

    @classmethod
    def from_settings(cls, **overrides) -> ScreeningConfig:
        from django.conf import settings

        values = {
            "review_threshold": settings.SCREENING_REVIEW_THRESHOLD,
            "confident_threshold": settings.SCREENING_CONFIDENT_THRESHOLD,
            "token_min_similarity": settings.SCREENING_TOKEN_MIN_SIMILARITY,
            "token_min_edit_similarity": settings.SCREENING_TOKEN_MIN_EDIT_SIMILARITY,
            "middle_name_discount": settings.SCREENING_MIDDLE_NAME_DISCOUNT,
            "surname_miss_factor": settings.SCREENING_SURNAME_MISS_FACTOR,
            "token_sort_weight": settings.SCREENING_TOKEN_SORT_WEIGHT,
            "max_candidates": settings.SCREENING_MAX_CANDIDATES,
            "dob_exact_bonus": settings.SCREENING_DOB_EXACT_BONUS,
            "dob_year_bonus": settings.SCREENING_DOB_YEAR_BONUS,
            "dob_near_years": settings.SCREENING_DOB_NEAR_YEARS,
            "dob_circa_years": settings.SCREENING_DOB_CIRCA_YEARS,
            "dob_contradiction_penalty": settings.SCREENING_DOB_CONTRADICTION_PENALTY,
            "country_bonus": settings.SCREENING_COUNTRY_BONUS,
            "country_penalty": settings.SCREENING_COUNTRY_PENALTY,
        }
        values.update(overrides)
        return cls(**values)


@dataclass(frozen=True)
class EntryInfo:
    """What the engine knows of one listed party. `key` is the caller's id for it."""

    key: int
    ent_num: int
    name: str
    entry_type: str
    programs: tuple[str, ...] = ()
    dates_of_birth: tuple[DateOfBirth, ...] = ()
    countries: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ListedName:
    """A name an entry is listed under: its primary name or an alias."""

    text: str
    alias_key: int | None = None
    alias_type: str = "primary"  # primary | aka | fka | nka | weak_aka


@dataclass(frozen=True)
class _Unit:
    text: str
    start: int
    end: int  # inclusive

    @property
    def size(self) -> int:
        return self.end - self.start + 1


@dataclass(frozen=True)
class _NameRecord:
    entry: int
    listed: ListedName
    parsed: ParsedName
    units: tuple[_Unit, ...]


@dataclass(frozen=True)
class _Alignment:
    name_score: float
    recall: float
    precision: float
    token_sort: float
    q_sim: list[float]
    c_sim: list[float]
    q_partner: dict[int, int]
    exact: bool
    surname_missed: bool


@dataclass(frozen=True)
class Query:
    name: ParsedName
    date_of_birth: tuple[dt.date, dt.date] | None = None  # a day, or a year as (1 Jan, 31 Dec)
    countries: frozenset[str] = frozenset()
    entry_type: str | None = None

    @property
    def dob_precision(self) -> str | None:
        if not self.date_of_birth:
            return None
        return "day" if self.date_of_birth[0] == self.date_of_birth[1] else "year"


@dataclass
class Match:
    entry: EntryInfo
    listed: ListedName
    score: float
    name_score: float
    band: str | None
    reasons: list[dict] = field(default_factory=list)

    @property
    def matched_name(self) -> str:
        return self.listed.text


def make_query(
    name: str | ParsedName,
    *,
    date_of_birth: dt.date | int | str | None = None,
    countries: Iterable[str] = (),
    entry_type: str | None = None,
) -> Query:
    """A query from a free-text name (or an already parsed one), a date of birth (a date, a year,
    or 'YYYY'/'YYYY-MM-DD'), ISO country codes and an optional entry type."""
    from .countries import country_code

    if isinstance(name, str):
        name = parse_name(name, person=None if entry_type is None else entry_type == PERSON)
    return Query(
        name=name,
        date_of_birth=_dob_range(date_of_birth),
        countries=frozenset(code for c in countries if (code := country_code(c))),
        entry_type=entry_type,
    )


def _dob_range(value: dt.date | int | str | None) -> tuple[dt.date, dt.date] | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value, value
    text = str(value).strip()
    if text.isdigit() and len(text) == 4:
        year = int(text)
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    day = dt.date.fromisoformat(text)
    return day, day


def _units(tokens: Sequence[str]) -> tuple[_Unit, ...]:
    units = [_Unit(t, i, i) for i, t in enumerate(tokens)]
    for size in (2, 3):
        for i in range(len(tokens) - size + 1):
            joined = "".join(tokens[i : i + size])
            if len(joined) >= 5:
                units.append(_Unit(joined, i, i + size - 1))
    return tuple(units)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class SanctionsIndex:
    """An in-memory index of a list's names. Build once per list version; thread-safe to read."""

    def __init__(self, entries: Iterable[tuple[EntryInfo, Sequence[ListedName]]], config: ScreeningConfig) -> None:
        self.config = config
        self.entries: list[EntryInfo] = []
        self.names: list[_NameRecord] = []
        self.postings: dict[str, list[int]] = defaultdict(list)
        for info, listed_names in entries:
            entry_idx = len(self.entries)
            self.entries.append(info)
            person = info.entry_type == PERSON
            seen: set[tuple[str, ...]] = set()
            for listed in listed_names:
                parsed = parse_name(listed.text, person=person)
                if not parsed or parsed.tokens in seen:
                    continue
                seen.add(parsed.tokens)
                name_idx = len(self.names)
                units = _units(parsed.tokens)
                self.names.append(_NameRecord(entry_idx, listed, parsed, units))
                for text in {u.text for u in units}:
                    self.postings[text].append(name_idx)
        self.postings = dict(self.postings)
        total = max(len(self.names), 1)
        self._max_weight = math.log(total + 1)
        self.weights = {t: max(math.log((total + 1) / len(p)), config.min_weight) for t, p in self.postings.items()}
        grouped: dict[str, list[str]] = defaultdict(list)
        single_words = {t for record in self.names for t in record.parsed.tokens}
        for text, postings in self.postings.items():
            if (
                text in single_words
                and len(text) >= config.fuzzy_min_length
                and len(postings) <= config.common_word_postings
            ):
                for key in _deletions(text) | {text}:
                    grouped[key].append(text)
        self.neighbours = {k: tuple(v) for k, v in grouped.items()}
        self._name_weight = [self._minimum_weight(record) for record in self.names]
        self.entries_by_key = {info.key: info for info in self.entries}

    def _minimum_weight(self, record: _NameRecord) -> float:
        """The smallest total weight a name's words can carry (its middle names discounted)."""
        person = self.entries[record.entry].entry_type == PERSON
        total = 0.0
        for k, token in enumerate(record.parsed.tokens):
            w = self.weight(token)
            if len(token) == 1:
                w = min(w, self.config.initial_max_weight)
            if person and k in record.parsed.middle:
                w *= self.config.middle_name_discount
            total += w
        return max(total, 1e-9)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def name_count(self) -> int:
        return len(self.names)

    def weight(self, token: str) -> float:
        return self.weights.get(token, self._max_weight)

    # --- candidates ---------------------------------------------------------------------------
    def _candidates(self, query: Query, min_name_score: float) -> list[int]:
        """Names sharing a word (or a near word) with the query, of the query's entry type if it
        has one, best first; names whose optimistic name score (every shared word matched, with a
        margin) stays below `min_name_score` are left out."""
        config = self.config
        units = _units(query.name.tokens)
        lookups: dict[str, float] = {}
        for unit in units:
            if unit.text in self.postings:
                lookups[unit.text] = self.weight(unit.text)
            if len(unit.text) >= config.fuzzy_min_length:
                for key in _deletions(unit.text) | {unit.text}:
                    for text in self.neighbours.get(key, ()):
                        lookups.setdefault(text, self.weight(text))
        if not lookups:
            return []
        limit = config.common_word_postings
        has_rare = any(len(self.postings[text]) <= limit for text in lookups)
        gained: dict[int, float] = defaultdict(float)
        for text, gain in lookups.items():
            postings = self.postings[text]
            if has_rare and len(postings) > limit:
                continue
            for name_idx in postings:
                gained[name_idx] += gain
        # An optimistic name score: the recall taken as 1, the precision as the weight the
        # shared words could explain (with a margin for glued words and initials).
        exponent_person, beta = config.person_recall_exponent, config.token_sort_weight
        bound: dict[int, float] = {}
        for name_idx, gain in gained.items():
            record = self.names[name_idx]
            entry_type = self.entries[record.entry].entry_type
            if query.entry_type and entry_type != query.entry_type:
                continue
            precision = min(1.0, (1.25 * gain + config.initial_max_weight) / self._name_weight[name_idx])
            exponent = exponent_person if entry_type == PERSON else 0.5
            estimate = 100 * ((1 - beta) * precision ** (1 - exponent) + beta)
            if estimate >= min_name_score:
                bound[name_idx] = estimate * gain
        ranked = sorted(bound, key=bound.__getitem__, reverse=True)
        return ranked[: config.max_candidates]

    # --- screening ----------------------------------------------------------------------------
    def screen(self, query: Query, *, min_score: float | None = None, limit: int | None = 25) -> list[Match]:
        """Ranked matches (one per entry, its best name) scoring at least `min_score` (default:
        the review threshold)."""
        config = self.config
        min_score = config.review_threshold if min_score is None else min_score
        if not query.name.tokens:
            return []
        # The most the evidence could add: a name scoring less than min_score minus this is dropped.
        max_bonus = (config.dob_exact_bonus if query.date_of_birth else 0.0) + (
            config.country_bonus if query.countries else 0.0
        )
        candidates = self._candidates(query, min_score - max_bonus)
        if not candidates:
            return []
        q_units = _units(query.name.tokens)
        similar = self._similar_units(q_units, candidates)
        best: dict[int, Match] = {}
        for name_idx in candidates:
            record = self.names[name_idx]
            alignment = self._align(query, q_units, record, similar)
            if alignment is None or alignment.name_score + max_bonus < min_score:
                continue
            match = self._match(query, record, alignment)
            if match.score >= min_score and (record.entry not in best or match.score > best[record.entry].score):
                best[record.entry] = match
        ranked = sorted(best.values(), key=lambda m: (-m.score, -m.name_score, m.entry.ent_num))
        return ranked[:limit] if limit else ranked

    def _similar_units(self, q_units: tuple[_Unit, ...], candidates: list[int]) -> dict[str, list[tuple[int, float]]]:
        """For every word (or glued words) of the candidates: the query units it resembles, with
        the Jaro–Winkler similarity (one vectorised rapidfuzz call for the whole query)."""
        threshold = self.config.token_min_similarity
        texts = sorted({u.text for c in candidates for u in self.names[c].units})
        matrix = cdist([u.text for u in q_units], texts, scorer=JaroWinkler.normalized_similarity, dtype=None)
        similar: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for qi, qu in enumerate(q_units):
            row = matrix[qi]
            for j in np.flatnonzero(row >= threshold):
                text = texts[j]
                if text == qu.text:
                    similar[text].append((qi, 1.0))
                elif (
                    min(len(text), len(qu.text)) >= 4  # short words match only exactly
                    and Levenshtein.normalized_similarity(text, qu.text) >= self.config.token_min_edit_similarity
                ):
                    similar[text].append((qi, float(row[j])))
        return similar

    def _align(
        self, query: Query, q_units: tuple[_Unit, ...], record: _NameRecord, similar: dict[str, list[tuple[int, float]]]
    ) -> _Alignment | None:
        """Word-by-word alignment of the query with one listed name, and the name score."""
        config = self.config
        q_tokens, c_tokens = query.name.tokens, record.parsed.tokens
        pairs: list[tuple[float, int, _Unit, _Unit]] = []
        for cu in record.units:
            for qi, sim in similar.get(cu.text, ()):
                qu = q_units[qi]
                pairs.append((sim, qu.end - qu.start + cu.end - cu.start, qu, cu))
        if query.name.has_initials or record.parsed.has_initials:
            for qu in q_units[: len(q_tokens)]:
                for cu in record.units[: len(c_tokens)]:
                    if len(qu.text) == 1 or len(cu.text) == 1:
                        short, long_ = (qu.text, cu.text) if len(qu.text) == 1 else (cu.text, qu.text)
                        if len(long_) > 1 and long_.startswith(short):
                            pairs.append((config.initial_similarity, 0, qu, cu))
        if not pairs:
            return None
        pairs.sort(key=lambda p: (-p[0], p[1]))
        q_sim = [0.0] * len(q_tokens)
        c_sim = [0.0] * len(c_tokens)
        q_partner: dict[int, int] = {}
        exact = False
        for sim, _, qu, cu in pairs:
            if any(q_sim[qu.start : qu.end + 1]) or any(c_sim[cu.start : cu.end + 1]):
                continue
            for i in range(qu.start, qu.end + 1):
                q_sim[i] = sim
            for k in range(cu.start, cu.end + 1):
                c_sim[k] = sim
            if qu.start == qu.end and cu.start == cu.end:
                q_partner[qu.start] = cu.start
            exact = exact or (sim == 1.0 and len(qu.text) > 1)

        person = self.entries[record.entry].entry_type == PERSON
        q_middle = query.name.middle if query.name.structured else range(1, len(q_tokens) - 1)
        c_middle = record.parsed.middle
        weight, discount, initial_cap = self.weight, config.middle_name_discount, config.initial_max_weight
        q_num = q_den = c_num = c_den = 0.0
        for i, token in enumerate(q_tokens):
            if i in q_partner:
                w = weight(c_tokens[q_partner[i]])
            else:
                w = weight(token)
            if len(token) == 1:
                w = min(w, initial_cap)
            if person and not q_sim[i] and i in q_middle:
                w *= discount
            q_num += w * q_sim[i]
            q_den += w
        for k, token in enumerate(c_tokens):
            w = weight(token)
            if len(token) == 1:
                w = min(w, initial_cap)
            if person and not c_sim[k] and k in c_middle:
                w *= discount
            c_num += w * c_sim[k]
            c_den += w
        recall = q_num / q_den if q_den else 0.0
        precision = c_num / c_den if c_den else 0.0
        exponent = config.person_recall_exponent if person else 0.5
        core = (recall**exponent) * (precision ** (1 - exponent))
        surname_missed = bool(
            person and record.parsed.surname and len(q_tokens) > 1 and not any(c_sim[k] for k in record.parsed.surname)
        )
        if surname_missed:
            core *= config.surname_miss_factor
        token_sort = fuzz.token_sort_ratio(query.name.text, record.parsed.text) / 100
        name_score = 100 * ((1 - config.token_sort_weight) * core + config.token_sort_weight * token_sort)
        return _Alignment(name_score, recall, precision, token_sort, q_sim, c_sim, q_partner, exact, surname_missed)

    def _match(self, query: Query, record: _NameRecord, al: _Alignment) -> Match:
        """The hit: name score plus the evidence of date of birth and country, with its reasons."""
        config = self.config
        entry = self.entries[record.entry]
        q_tokens, c_tokens = query.name.tokens, record.parsed.tokens
        matched = ", ".join(
            f"{q_tokens[i]}~{c_tokens[al.q_partner[i]]}"
            if i in al.q_partner and q_tokens[i] != c_tokens[al.q_partner[i]]
            else q_tokens[i]
            for i in range(len(q_tokens))
            if al.q_sim[i]
        )
        detail = (
            f"'{query.name.text}' ~ '{record.parsed.text}' ({record.listed.alias_type.replace('_', ' ')} name); "
            f"matched {matched}; recall {al.recall:.2f}, precision {al.precision:.2f} (weighted by rarity), "
            f"token sort {al.token_sort:.2f}"
        )
        unmatched = [c_tokens[k] for k in range(len(c_tokens)) if not al.c_sim[k]]
        if unmatched:
            detail += "; listed words not matched: " + ", ".join(unmatched)
        reasons = [{"code": "name", "detail": detail, "effect": round(al.name_score, 2)}]
        score, cap = al.name_score, 100.0
        never_confident = config.confident_threshold - 0.01
        if al.surname_missed:
            reasons.append(
                {
                    "code": "surname_not_matched",
                    "detail": f"the listed surname is not matched (name score x {config.surname_miss_factor})",
                    "effect": 0,
                }
            )
        numbers = [t for t, sim in zip(q_tokens, al.q_sim, strict=True) if not sim and is_number_token(t)]
        numbers += [t for t, sim in zip(c_tokens, al.c_sim, strict=True) if not sim and is_number_token(t)]
        if numbers:
            cap = min(cap, never_confident)
            reasons.append(
                {
                    "code": "number_differs",
                    "detail": f"unmatched number {', '.join(numbers)} (never confident)",
                    "effect": 0,
                }
            )
        if not al.exact:
            cap = min(cap, never_confident)
            reasons.append({"code": "fuzzy_only", "detail": "no word matched exactly (never confident)", "effect": 0})
        if record.listed.alias_type == "weak_aka":
            cap = min(cap, never_confident)
            reasons.append({"code": "weak_alias", "detail": "matched a weak alias (never confident)", "effect": 0})
        dob_effect, dob_reason = self._dob_evidence(query, entry)
        if dob_reason:
            reasons.append(dob_reason)
            score += dob_effect
            if dob_reason["code"] == "dob_contradicts":
                cap = min(cap, never_confident)
        if query.countries and entry.countries:
            shared = query.countries & entry.countries
            if shared:
                score += config.country_bonus
                reasons.append(
                    {
                        "code": "country_matches",
                        "detail": f"country {', '.join(sorted(shared))} is tied to the entry",
                        "effect": config.country_bonus,
                    }
                )
            else:
                score -= config.country_penalty
                reasons.append(
                    {
                        "code": "country_differs",
                        "detail": f"country {', '.join(sorted(query.countries))} is not among the entry's "
                        f"({', '.join(sorted(entry.countries))})",
                        "effect": -config.country_penalty,
                    }
                )
        score = round(max(0.0, min(score, cap, 100.0)), 2)
        if score >= config.confident_threshold:
            band = "confident"
        elif score >= config.review_threshold:
            band = "review"
        else:
            band = None
        return Match(entry, record.listed, score, round(al.name_score, 2), band, reasons)

    def _dob_evidence(self, query: Query, entry: EntryInfo) -> tuple[float, dict | None]:
        config = self.config
        if not query.date_of_birth or entry.entry_type != PERSON:
            return 0.0, None
        if not entry.dates_of_birth:
            return 0.0, {"code": "dob_unknown", "detail": "the entry lists no date of birth", "effect": 0}
        q_start, q_end = query.date_of_birth
        outcomes = []
        for dob in entry.dates_of_birth:
            widen = config.dob_circa_years if dob.precision == "circa" else 0
            low, high = dob.start.year - widen, dob.end.year + widen
            if query.dob_precision == "day" and dob.precision == "day" and q_start == dob.start:
                outcomes.append((3, config.dob_exact_bonus, "dob_exact", f"date of birth {q_start} is listed"))
            elif dob.start <= q_start and q_end <= dob.end or (low <= q_start.year and q_end.year <= high):
                outcomes.append(
                    (2, config.dob_year_bonus, "dob_year", f"year of birth {q_start.year} fits the listed '{dob.text}'")
                )
            elif low - config.dob_near_years <= q_start.year and q_end.year <= high + config.dob_near_years:
                outcomes.append((1, 0.0, "dob_near", f"year of birth {q_start.year} is near the listed '{dob.text}'"))
            else:
                outcomes.append(
                    (
                        0,
                        -config.dob_contradiction_penalty,
                        "dob_contradicts",
                        f"date of birth {q_start.year if query.dob_precision == 'year' else q_start} "
                        f"contradicts the listed '{'; '.join(d.text for d in entry.dates_of_birth)}'",
                    )
                )
        _, effect, code, detail = max(outcomes, key=lambda o: o[0])
        return effect, {"code": code, "detail": detail, "effect": effect}


def entries_from_records(records: Iterable) -> Iterable[tuple[EntryInfo, list[ListedName]]]:
    """Engine input from parsed OFAC records (`ofac.SdnRecord`), keyed by ent_num."""
    for record in records:
        info = EntryInfo(
            key=record.ent_num,
            ent_num=record.ent_num,
            name=record.name,
            entry_type=record.entry_type,
            programs=tuple(record.programs),
            dates_of_birth=tuple(record.dates_of_birth),
            countries=frozenset(record.countries),
        )
        names = [ListedName(record.name)]
        names += [ListedName(a.name, None, a.alt_type) for a in record.aliases]
        yield info, names
