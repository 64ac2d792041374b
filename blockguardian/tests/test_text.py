"""Display-text checks for names: real names in any script pass, disguised ones do not."""

import pytest

from blockguardian.text import display_text_problem


@pytest.mark.parametrize(
    "name",
    ["Avery Jordan", "José Núñez", "Anne-Marie O'Neil", "山田 太郎", "やまだ たろう", "Ελένη", "Retirement 退休"],
)
def test_real_names_in_any_script_pass(name):
    assert display_text_problem(name) is None


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("\u202eevil\u202c", "U+202E"),
        ("Ave\u200bry", "U+200B"),
        ("\ufeffAvery", "U+FEFF"),
        ("Avery\u0007", "U+0007"),
        ("\u0410very", "several scripts"),
    ],
)
def test_hidden_characters_and_mixed_script_words_are_refused_with_the_reason(name, why):
    assert why in display_text_problem(name)
