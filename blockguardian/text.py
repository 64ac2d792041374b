"""Names and other short display text that staff read: refused when they hide or disguise what they
say (direction overrides, invisible or control characters, a word mixing scripts such as a Cyrillic
"А" among Latin letters)."""

from __future__ import annotations

import unicodedata

from rest_framework import serializers

# Control, format (bidi overrides, zero-width characters, the byte-order mark), private-use and
# surrogate code points, and the line and paragraph separators.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Zl", "Zp"}
# Scripts written together within one word (Japanese mixes kanji and kana).
_SCRIPT_GROUPS = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "CJK": "CJK", "HANGUL": "HANGUL"}


def _script(char: str) -> str | None:
    if not unicodedata.category(char).startswith("L"):
        return None
    first = unicodedata.name(char, "UNKNOWN").split()[0]
    return _SCRIPT_GROUPS.get(first, first)


def display_text_problem(value: str) -> str | None:
    """Why `value` may not be shown as a name, or None when it may."""
    for char in value:
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            return f"contains an invisible or control character (U+{ord(char):04X})"
    for word in value.split():
        scripts = {script for char in word if (script := _script(char))}
        if len(scripts) > 1:
            return f"mixes letters of several scripts in one word ({', '.join(sorted(scripts)).lower()})"
    return None


def validate_display_text(value: str) -> str:
    """A DRF validator for names: a 400 with the reason."""
    if problem := display_text_problem(value):
        raise serializers.ValidationError(f"This name {problem}.")
    return value
