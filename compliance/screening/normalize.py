"""Name normalisation: case, accents, punctuation, "LAST, First" order, legal forms, transliteration.

A name becomes a tuple of canonical tokens. Spelling variants of one name (Mohammed, Muhammad,
Mohamed …) map to one canonical token, so they match exactly and count as one word when the
engine weighs words by how rare they are in the list.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

# Letters that Unicode decomposition leaves alone.
_SPECIAL_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "SS",
        "æ": "ae",
        "Æ": "AE",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "TH",
        "œ": "oe",
        "Œ": "OE",
        "ı": "i",
        "ŀ": "l",
        "ħ": "h",
        "Ħ": "H",
    }
)
# Marks that join a word rather than separate two: O'Brien, Ja'far, al‑Qaida's.
_JOINERS = re.compile(r"['’‘`´ʻʼʿʾ]")
# Initialisms written with dots (S.A., L.L.C., C.V.): the dots go, the letters join.
_DOTTED = re.compile(r"\b(?:[A-Z]\.){2,}")
_NON_ALNUM = re.compile(r"[^A-Z0-9]+")

# Words that say what kind of legal person an entity is, not which one it is.
LEGAL_FORMS = frozenset(
    [
        "AB",
        "AG",
        "AS",
        "ASA",
        "BHD",
        "BV",
        "BVBA",
        "CCP",
        "CIA",
        "CJSC",
        "CO",
        "COMPANY",
        "CORP",
        "CORPORATION",
        "CV",
        "CVA",
        "EIRL",
        "EURL",
        "FZC",
        "FZCO",
        "FZE",
        "FZLLC",
        "GIE",
        "GMBH",
        "INC",
        "INCORPORATED",
        "JSC",
        "KFT",
        "KG",
        "KK",
        "LDA",
        "LIMITED",
        "LLC",
        "LLP",
        "LP",
        "LTD",
        "LTDA",
        "NV",
        "OAO",
        "OJSC",
        "OOO",
        "OY",
        "PAO",
        "PJSC",
        "PLC",
        "PT",
        "PTE",
        "PTY",
        "PVT",
        "RL",
        "SA",
        "SAC",
        "SAL",
        "SARL",
        "SAS",
        "SCA",
        "SCS",
        "SE",
        "SL",
        "SNC",
        "SPA",
        "SPRL",
        "SRL",
        "TOO",
        "TOV",
        "ULC",
        "ZAO",
        "SAPI",
        "SAB",
        "SC",
        "SCL",
        "SCP",
        "FCZO",
        "EOOD",
        "OOD",
        "AD",
        "EAD",
        "DOO",
        "SRO",
        "ZRT",
        "NYRT",
        "UAB",
        "SIA",
        "OU",
        "KS",
        "SPZOO",
        "AO",
        "SDN",
        "AS",
        "PR",
    ]
)
# Forms written before the name (Russian, Ukrainian, Indonesian, Baltic, Balkan companies).
LEADING_LEGAL_FORMS = frozenset(
    [
        "AO",
        "CJSC",
        "EAD",
        "EOOD",
        "JSC",
        "OAO",
        "OJSC",
        "OOD",
        "OOO",
        "PAO",
        "PJSC",
        "PT",
        "SIA",
        "TOO",
        "TOV",
        "UAB",
        "ZAO",
        "DOO",
        "LLC",
    ]
)
# Single letters and connectors that only occur around legal forms ("S. DE R.L. DE C.V.").
_LEGAL_CONNECTORS = frozenset({"DE", "S", "Y", "AND", "E"})
# Courtesy titles carry no identity.
TITLES = frozenset({"MR", "MRS", "MS", "MISS", "DR", "PROF", "SIR", "MADAM", "MME", "MLLE", "HERR", "FRAU"})

# Transliteration variants → one canonical spelling. Each line: canonical, then its variants.
_VARIANT_LINES = """
MUHAMMAD MOHAMMED MOHAMMAD MOHAMED MOHAMAD MUHAMMED MUHAMED MUHAMAD MOHAMMET MOHD MUHD MOHAMMEDD MEHMET MEHMED MOUHAMED MOHAMMAD MOHAMMADOU MUHAMMADU MOHAMADOU MAHAMAT MAHAMMAD MOHAMMADE
AHMAD AHMED AHMET AHMEED AHAMED AHMADOU
MAHMUD MAHMOUD MAHMOOD MEHMOOD MAHMOD
HUSAYN HUSSEIN HUSSAIN HUSAIN HOSSEIN HUSEIN HOSEIN HUSEYIN HOUSSEIN HOSSAIN HUSAIYN
HASAN HASSAN HASEN HASSEN HASANN
HUSAYNI HUSSEINI HOSSEINI HUSAINI HUSSAINI
MUSTAFA MUSTAPHA MOSTAFA MOSTAPHA MUSTAFAH
YUSUF YOUSSEF YOUSEF YOUSIF YUSEF YOUSSOUF YUSSUF YOUSUF YOSEF
IBRAHIM EBRAHIM IBRAHEEM IBRAHEM IBRAAHIM
ABDALLAH ABDULLAH ABDULLA ABDALLA ABDOULLAH ABDULAH ABDELLAH
USAMA OSAMA OUSSAMA USSAMAH USAMAH OSSAMA
UMAR OMAR OMER OUMAR
UTHMAN OTHMAN OSMAN USMAN OUSMANE OSMANE UTMAN
ALI ALY ALEE
SULAYMAN SULEIMAN SOLEIMAN SULAIMAN SOLIMAN SULEYMAN SULEMAN SOLAIMAN SULAYMAAN
KHALID KHALED KHALEED
QASIM KASSEM QASSEM KASIM QASEM QASSIM KASEM
HAMID HAMEED HAMED
RAHMAN REHMAN RAHMANE
MUHSIN MOHSEN MOHSIN MUHSEN
NASIR NASSER NASER NASSIR NACER
JAFAR JAAFAR JAFFAR DJAFAR
YASIN YASSIN YASSINE YASEEN
ISMAIL ISMAEL ESMAIL ISMAAIL
SAYYID SAYED SAYYED SEYED SEYYED SAYID SAYEED
ABU ABOU ABO
BIN IBN BEN
AL EL UL
ABDAL ABDUL ABDEL ABDOUL ABDOL
ZAYN ZAIN ZEIN
YAHYA YAHIA YAHIYA
ZAKARIYA ZAKARIA ZAKARIYYA ZAKARIAH
MUSA MOUSSA MOUSA MOOSA
ISA EISA ISSA
AYMAN AIMAN
JAMAL GAMAL DJAMAL
QADIR KADIR QADER KADER
QURAYSHI QURAISHI QURESHI KURAYSHI
SALIH SALEH SALEHH
SAID SAEED SAEID SAIID
FAYSAL FAISAL FEISAL
HAYDAR HAIDAR HAIDER HEIDAR
KARIM KAREEM
RASHID RASHEED RACHID
MAJID MAJEED MADJID
WALID WALEED OUALID
KHALIL KHALEEL
ALEKSANDR ALEXANDER ALEKSANDER OLEKSANDR ALEXANDR ALEXANDRE
SERGEY SERGEI SERGIY SERHIY SERHII SERGII
YURIY YURI YURII IURII IOURI
DMITRIY DMITRI DMITRY DMITRII
ANDREY ANDREI ANDRIY ANDRII
ALEKSEY ALEKSEI ALEXEY ALEXEI OLEKSIY OLEKSII
YEVGENIY YEVGENY EVGENY EVGENIY EVGENII YEVGENI
NIKOLAY NIKOLAI MYKOLA NICOLAI
VIKTOR VICTOR
IGOR IHOR
OLEG OLEH
VLADIMIR VOLODYMYR WLADIMIR
MIKHAIL MYKHAILO MIKHAEL
GRIGORIY GRIGORI GRIGORY HRYHORIY
ARKADIY ARKADY ARKADI
VALERIY VALERY VALERI
VITALIY VITALY VITALI
ANATOLIY ANATOLY ANATOLI
YEVGENIYA EVGENIYA YEVGENIA EVGENIA
TATYANA TATIANA TETIANA
PYOTR PETR PETRO PIOTR
FYODOR FEDOR FEDIR
YAKOV YAKOW IAKOV
KONSTANTIN CONSTANTIN KOSTIANTYN
ILYA ILIA ILLYA
MAKSIM MAXIM MAKSYM
ARTYOM ARTEM ARTIOM
SEMYON SEMEN SEMION
HIZBALLAH HEZBOLLAH HIZBOLLAH HIZBULLAH HEZBALLAH HIZBALLA HISBOLLAH
QAIDA QAEDA QAIDAH QAEDAH
"""

VARIANTS: dict[str, str] = {}
for _line in _VARIANT_LINES.strip().splitlines():
    _canonical, *_others = _line.split()
    for _word in (_canonical, *_others):
        VARIANTS.setdefault(_word, _canonical)

# Glued prefixes that are spelled apart elsewhere: ABDULRAHMAN ~ ABD AL RAHMAN ~ ABDEL RAHMAN.
_GLUED_PREFIXES = ("ABDUL", "ABDEL", "ABDOUL", "ABDOL")


# Numbers and roman numerals tell apart vessels, aircraft and sister companies ("… II CORP.").
_ROMAN = frozenset(
    ["II", "III", "IV", "VI", "VII", "VIII", "IX", "XII", "XIII", "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX"]
)  # not XI, LI: names


def is_number_token(token: str) -> bool:
    return token in _ROMAN or any(ch.isdigit() for ch in token)


def fold(text: str) -> str:
    """Upper case ASCII without accents; joiners removed, dotted initialisms closed up."""
    text = unicodedata.normalize("NFKC", text or "").translate(_SPECIAL_LETTERS)
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = _JOINERS.sub("", text).upper()
    text = _DOTTED.sub(lambda m: m.group(0).replace(".", ""), text)
    return text.encode("ascii", "ignore").decode()


def canonical_token(word: str) -> str:
    word = VARIANTS.get(word, word)
    for prefix in _GLUED_PREFIXES:
        if word.startswith(prefix) and len(word) > len(prefix) + 2:
            rest = word[len(prefix) :]
            return "ABDAL" + VARIANTS.get(rest, rest)
    return word


def words(text: str) -> list[str]:
    """Folded words, in order (digits kept: vessel and aircraft names carry them)."""
    return [w for w in _NON_ALNUM.split(fold(text)) if w]


def strip_legal_forms(tokens: list[str]) -> list[str]:
    """Drop the legal form at the end of a name ("… S.A. DE C.V.", "… CO., LTD.") and at its start
    ("OOO …", "PT …"), with the connectors inside it. Words in the middle stay."""
    end = len(tokens)
    while end > 0 and (tokens[end - 1] in LEGAL_FORMS or tokens[end - 1] in _LEGAL_CONNECTORS):
        end -= 1
    if not any(t in LEGAL_FORMS for t in tokens[end:]):
        end = len(tokens)
    start = 0
    while start < end and tokens[start] in LEADING_LEGAL_FORMS:
        start += 1
    return tokens[start:end]


@dataclass(frozen=True)
class ParsedName:
    """A name as canonical tokens, with the part each token plays when that is known.

    For persons written "LAST, First Middle" (the list's form) or given in parts (KYC), the
    surname tokens, the first given name and the middle names are known; for a free-text
    "First Last" the first token is taken as the given name and the last as the surname.
    """

    tokens: tuple[str, ...]
    surname: frozenset[int] = field(default_factory=frozenset)
    given: frozenset[int] = field(default_factory=frozenset)
    middle: frozenset[int] = field(default_factory=frozenset)
    structured: bool = False  # parts known for certain (a comma, or KYC fields)

    @cached_property
    def has_initials(self) -> bool:
        return any(len(t) == 1 for t in self.tokens)

    @property
    def text(self) -> str:
        return " ".join(self.tokens)

    def __bool__(self) -> bool:
        return bool(self.tokens)


def _canonical(tokens: list[str], *, person: bool | None) -> list[str]:
    tokens = [t for t in tokens if t not in TITLES]
    if person is not True:
        tokens = strip_legal_forms(tokens)
    return [canonical_token(t) for t in tokens]


def parse_name(text: str, *, person: bool | None = None) -> ParsedName:
    """Parse a free-text name. `person`: True (an individual), False (entity, vessel, aircraft),
    None (unknown: legal forms are removed, a comma is read as "LAST, First")."""
    if person is not False and text.count(",") == 1:
        last, first = text.split(",")
        last_tokens = _canonical(words(last), person=person)
        first_tokens = _canonical(words(first), person=person)
        if last_tokens and first_tokens:
            return _structured(first_tokens, [], last_tokens)
    tokens = _canonical(words(text), person=person)
    if person is True and len(tokens) >= 2:
        return ParsedName(
            tuple(tokens),
            surname=frozenset({len(tokens) - 1}),
            given=frozenset({0}),
            middle=frozenset(range(1, len(tokens) - 1)),
        )
    return ParsedName(tuple(tokens))


def parse_person_parts(*, first: str = "", middle: str = "", last: str = "") -> ParsedName:
    """A person's name from its parts (KYC): the roles of the tokens are known."""
    first_tokens = _canonical(words(first), person=True)
    middle_tokens = _canonical(words(middle), person=True)
    last_tokens = _canonical(words(last), person=True)
    if not last_tokens:
        return parse_name(" ".join([first, middle]), person=True)
    return _structured(first_tokens, middle_tokens, last_tokens)


def _structured(first: list[str], middle: list[str], last: list[str]) -> ParsedName:
    tokens = [*first, *middle, *last]
    n_first, n_middle = len(first), len(middle)
    given = frozenset({0}) if first else frozenset()
    middle_idx = frozenset(range(1, n_first)) | frozenset(range(n_first, n_first + n_middle))
    surname = frozenset(range(n_first + n_middle, len(tokens)))
    return ParsedName(tuple(tokens), surname=surname, given=given, middle=middle_idx, structured=True)
