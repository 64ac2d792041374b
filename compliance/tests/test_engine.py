"""The matching engine against the whole bundled SDN list (no database)."""

from __future__ import annotations

import pytest

from compliance.screening.engine import make_query

from . import factories


def _hit(index, name, ent_num, **kwargs):
    matches = index.screen(make_query(name, **kwargs), min_score=0, limit=None)
    return next((m for m in matches if m.entry.ent_num == ent_num), None)


def test_george_bush_is_not_a_confident_match_for_george_habbash(full_index):
    hit = _hit(full_index, "George Bush", factories.HABBASH)
    assert hit is None or hit.band != "confident"
    assert not any(m.band == "confident" for m in full_index.screen(make_query("George Bush"), min_score=0))
    # …while the real name, in any order, is.
    assert _hit(full_index, "George Habbash", factories.HABBASH).band == "confident"
    assert _hit(full_index, "Habbash George", factories.HABBASH).band == "confident"


@pytest.mark.parametrize("text", ["CORP", "LTD", "S.A.", "LLC", "GmbH", "Co., Ltd.", "S.A. de C.V."])
def test_a_legal_form_word_alone_matches_nothing(full_index, text):
    assert full_index.screen(make_query(text), min_score=0, limit=None) == []


def test_first_last_without_middle_name_and_same_year_of_birth_is_confident(full_index):
    hit = _hit(full_index, "Ivan Tsertsel", factories.TSERTSEL, date_of_birth="1966-03-01")
    assert hit.band == "confident"
    assert [r["code"] for r in hit.reasons] == ["name", "dob_year"]
    assert hit.matched_name == "TSERTSEL, Ivan Stanislavavich"


def test_a_contradicting_date_of_birth_leaves_a_review_not_a_confident_hit(full_index):
    hit = _hit(full_index, "Ivan Tsertsel", factories.TSERTSEL, date_of_birth="1980-02-03")
    assert hit.band == "review"
    assert "dob_contradicts" in [r["code"] for r in hit.reasons]
    assert hit.score < _hit(full_index, "Ivan Tsertsel", factories.TSERTSEL).score


def test_an_exact_date_of_birth_counts_more_than_the_year(full_index):
    exact = _hit(full_index, "Ivan Tsertsel", factories.TSERTSEL, date_of_birth="1966-09-08")
    year = _hit(full_index, "Ivan Tsertsel", factories.TSERTSEL, date_of_birth="1966")
    assert exact.score > year.score
    assert "dob_exact" in [r["code"] for r in exact.reasons]


def test_country_corroborates_or_contradicts(full_index):
    plain = _hit(full_index, "Ivan Tsertsel", factories.TSERTSEL).score
    assert _hit(full_index, "Ivan Tsertsel", factories.TSERTSEL, countries=["BY"]).score > plain
    assert _hit(full_index, "Ivan Tsertsel", factories.TSERTSEL, countries=["US"]).score < plain


@pytest.mark.parametrize(
    ("text", "ent_num"),
    [
        ("Usama bin Ladin", factories.BIN_LADEN),  # transliteration (alias)
        ("Oussama Ben Laden", factories.BIN_LADEN),  # French transliteration
        ("Usama bin Ladn", factories.BIN_LADEN),  # typo
        ("Banco Nacional de Cuba S.A.", factories.BANCO_NACIONAL),  # legal form added
        ("National Bank of Cuba", factories.BANCO_NACIONAL),  # alias
        ("Anglo Caribbean Company Limited", factories.ANGLO_CARIBBEAN),  # legal form spelled out
        ("I. S. Tsertsel", factories.TSERTSEL),  # initials
        ("Tsertsel Ivan", factories.TSERTSEL),  # word order
        ("Sláva Tsertsel Ivan", None),  # an extra unknown word: no longer a hit
    ],
)
def test_hard_variants(full_index, text, ent_num):
    if ent_num is None:
        assert _hit(full_index, text, factories.TSERTSEL).band is None
    else:
        assert _hit(full_index, text, ent_num).band in {"review", "confident"}


def test_every_hit_says_why(full_index):
    hit = _hit(full_index, "Mohamed Al Ghabra", 10114, date_of_birth="1980-06-01", countries=["GB"])
    codes = [r["code"] for r in hit.reasons]
    assert codes[0] == "name" and "dob_exact" in codes and "country_matches" in codes
    assert "MUHAMMAD" in hit.reasons[0]["detail"]
    assert all({"code", "detail", "effect"} <= set(r) for r in hit.reasons)


def test_a_match_on_a_weak_alias_or_without_any_exact_word_is_never_confident(full_index):
    weak = _hit(full_index, "BNC", factories.BANCO_NACIONAL)
    assert weak is not None and weak.band != "confident"
    fuzzy = _hit(full_index, "Hizbalah", 4697)
    assert fuzzy.band == "review" and "fuzzy_only" in [r["code"] for r in fuzzy.reasons]


def test_different_numbers_keep_sister_entities_apart(full_index):
    hit = _hit(full_index, "RIM GROUP PROPERTIES OF NEW YORK, CORP.", 26210)
    assert hit is not None and hit.band != "confident"
    assert "number_differs" in [r["code"] for r in hit.reasons]


def test_the_type_filter_keeps_only_that_kind_of_entry(full_index):
    matches = full_index.screen(make_query("Banco Nacional de Cuba", entry_type="person"), min_score=0, limit=None)
    assert matches and {m.entry.entry_type for m in matches} == {"person"}
    assert factories.BANCO_NACIONAL not in {m.entry.ent_num for m in matches}


def test_candidates_come_from_the_word_index_not_a_scan(full_index):
    query = make_query("Ivan Tsertsel")
    candidates = full_index._candidates(query, 0)
    assert 0 < len(candidates) <= 50 < full_index.name_count
    # A name sharing no word (nor a near word) with the list touches nothing.
    assert full_index._candidates(make_query("Xqzwv Jjkkpl"), 0) == []
