"""Country names as the SDN list writes them (and as people type them) → ISO 3166-1 alpha-2 codes."""

from __future__ import annotations

import re
from functools import lru_cache

from .normalize import fold

# code: names (the first is the display name); the list's own spellings included.
_COUNTRIES = """
AD Andorra
AE United Arab Emirates | UAE | U.A.E. | Emirates | Dubai | Abu Dhabi | Sharjah
AF Afghanistan
AG Antigua and Barbuda
AI Anguilla
AL Albania
AM Armenia
AO Angola
AR Argentina
AT Austria
AU Australia
AW Aruba
AZ Azerbaijan
BA Bosnia and Herzegovina | Bosnia-Herzegovina | Bosina-Herzegovina | Bosnia | Herzegovina
BB Barbados
BD Bangladesh
BE Belgium
BF Burkina Faso
BG Bulgaria
BH Bahrain
BI Burundi
BJ Benin
BM Bermuda
BN Brunei | Brunei Darussalam
BO Bolivia
BR Brazil
BS Bahamas | Bahamas, The | The Bahamas
BT Bhutan
BW Botswana
BY Belarus | Byelorussia
BZ Belize
CA Canada
CD Congo, Democratic Republic of the | Democratic Republic of the Congo | DRC | Congo-Kinshasa | Zaire
CF Central African Republic | CAR
CG Congo, Republic of the | Republic of the Congo | Congo-Brazzaville | Congo
CH Switzerland
CI Cote d Ivoire | Cote d'Ivoire | Ivory Coast
CK Cook Islands
CL Chile
CM Cameroon
CN China | People's Republic of China | PRC
CO Colombia
CR Costa Rica
CU Cuba
CV Cabo Verde | Cape Verde
CW Curacao
CY Cyprus
CZ Czech Republic | Czechia
DE Germany | Federal Republic of Germany
DJ Djibouti
DK Denmark
DM Dominica
DO Dominican Republic
DZ Algeria
EC Ecuador
EE Estonia
EG Egypt
EH Western Sahara
ER Eritrea
ES Spain
ET Ethiopia
FI Finland
FJ Fiji
FR France
GA Gabon
GB United Kingdom | UK | U.K. | Great Britain | England | Scotland | Wales | Northern Ireland
GD Grenada
GE Georgia
GG Guernsey
GH Ghana
GI Gibraltar
GM Gambia | The Gambia | Gambia, The
GN Guinea
GQ Equatorial Guinea
GR Greece
GT Guatemala
GW Guinea-Bissau
GY Guyana
HK Hong Kong
HN Honduras
HR Croatia
HT Haiti
HU Hungary
ID Indonesia
IE Ireland
IL Israel
IM Man, Isle of | Isle of Man
IN India
IQ Iraq
IR Iran | Islamic Republic of Iran
IS Iceland
IT Italy
JE Jersey
JM Jamaica
JO Jordan
JP Japan
KE Kenya
KG Kyrgyzstan | Kirghizia | Kirghiz SSR
KH Cambodia
KM Comoros | Comoros Islands
KN Saint Kitts and Nevis | St Kitts and Nevis | St. Kitts & Nevis | St. Kitts and Nevis
KP Korea, North | North Korea | DPRK | Democratic People's Republic of Korea
KR Korea, South | South Korea | Republic of Korea
KW Kuwait
KY Cayman Islands
KZ Kazakhstan
LA Laos | Lao People's Democratic Republic
LB Lebanon
LC Saint Lucia
LI Liechtenstein
LK Sri Lanka
LR Liberia
LS Lesotho
LT Lithuania
LU Luxembourg
LV Latvia
LY Libya
MA Morocco
MC Monaco
MD Moldova
ME Montenegro
MG Madagascar
MH Marshall Islands
MK North Macedonia | Macedonia | Macedonia, The Former Yugoslav Republic of
ML Mali
MM Burma | Myanmar
MN Mongolia
MO Macau | Macao
MR Mauritania
MT Malta
MU Mauritius
MV Maldives
MW Malawi
MX Mexico
MY Malaysia
MZ Mozambique
NA Namibia
NE Niger
NG Nigeria
NI Nicaragua
NL Netherlands | Holland
NO Norway
NP Nepal
NZ New Zealand
OM Oman
PA Panama
PE Peru
PG Papua New Guinea
PH Philippines | Phillipines | the Philippines
PK Pakistan
PL Poland
PS Palestinian Territories | Palestine | Palestinian | West Bank | Gaza | Gaza Strip
PT Portugal
PW Palau
PY Paraguay
QA Qatar
RO Romania
RS Serbia | Serbia and Montenegro
RU Russia | Russian Federation | the Russian Federation | USSR
RW Rwanda
SA Saudi Arabia
SB Solomon Islands
SC Seychelles
SD Sudan
SE Sweden
SG Singapore
SI Slovenia
SK Slovakia
SL Sierra Leone
SM San Marino
SN Senegal
SO Somalia
SR Suriname
SS South Sudan
SV El Salvador
SY Syria | Syrian Arab Republic
SZ Eswatini | Swaziland
TD Chad
TG Togo
TH Thailand
TJ Tajikistan
TM Turkmenistan
TN Tunisia
TR Turkey | Turkiye
TT Trinidad and Tobago
TW Taiwan
TZ Tanzania
UA Ukraine | Crimea
UG Uganda
US United States | USA | U.S.A. | United States of America | U.S.
UY Uruguay
UZ Uzbekistan
VC Saint Vincent and the Grenadines | St. Vincent and the Grenadines
VE Venezuela
VG Virgin Islands, British | British Virgin Islands
VN Vietnam | Viet Nam
VU Vanuatu
WS Samoa
XK Kosovo
YE Yemen
ZA South Africa
ZM Zambia
ZW Zimbabwe
"""

_ALPHA3 = {
    "USA": "US", "GBR": "GB", "RUS": "RU", "IRN": "IR", "IRQ": "IQ", "SYR": "SY", "PRK": "KP", "KOR": "KR",
    "CUB": "CU", "VEN": "VE", "MEX": "MX", "COL": "CO", "CHN": "CN", "DEU": "DE", "FRA": "FR", "ESP": "ES",
    "ITA": "IT", "CAN": "CA", "LBN": "LB", "PAK": "PK", "AFG": "AF", "SAU": "SA", "ARE": "AE", "TUR": "TR",
    "UKR": "UA", "BLR": "BY", "YEM": "YE", "LBY": "LY", "SDN": "SD", "SOM": "SO", "NIC": "NI", "MMR": "MM",
}  # fmt: skip


def _key(text: str) -> str:
    return " ".join(re.findall(r"[A-Z0-9]+", fold(text)))


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], dict[str, str]]:
    by_name: dict[str, str] = {}
    names: dict[str, str] = {}
    for line in _COUNTRIES.strip().splitlines():
        code, rest = line.split(" ", 1)
        variants = [v.strip() for v in rest.split("|")]
        names[code] = variants[0]
        for variant in variants:
            by_name[_key(variant)] = code
    return by_name, names


def country_code(text: str | None) -> str | None:
    """The ISO alpha-2 code of a country written as a code or a name ("Korea, North", "Region:
    Crimea", "Jalisco, Mexico" → its last part), or None when it is not recognised."""
    if not text:
        return None
    by_name, names = _table()
    raw = text.strip()
    if len(raw) == 2 and raw.isalpha() and raw.upper() in names:
        return raw.upper()
    if len(raw) == 3 and raw.isalpha() and raw.isupper() and raw in _ALPHA3:
        return _ALPHA3[raw]
    key = _key(raw.removeprefix("Region:").strip())
    if key in by_name:
        return by_name[key]
    for part in reversed(re.split(r"[,()]", raw)):
        part_key = _key(part)
        if part_key in by_name:
            return by_name[part_key]
    words = key.split()
    for size in (3, 2, 1):  # "Khartoum Sudan", "Valle Colombia"
        if len(words) >= size and " ".join(words[-size:]) in by_name:
            return by_name[" ".join(words[-size:])]
    return None


def country_name(code: str) -> str:
    return _table()[1].get(code, code)
