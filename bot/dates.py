"""Parse the dates people actually type at the "When does your period of stay expire?" step.

`parse_date` is pure, uses only the standard library and never raises.  It returns one of:

* `DateOK` - exactly one calendar date was meant;
* `DateAmbiguous` - a numeric ``a/b/YYYY`` where both day-first and month-first readings are
  valid and different (the two dates, sorted ascending);
* `DateInvalid` - the text is clearly a date but an impossible or unacceptable one; ``reason`` is
  one of `INVALID_REASONS` and ``params`` carries the values for the user-facing message;
* `NotADate` - anything else.

Normalisation before matching: anything longer than 100 characters after stripping is
`NotADate`; then Unicode NFKC (full-width digits, letters and punctuation become ASCII, and
``㋿ ㍻ ㍼`` become ``令和 平成 昭和``), lower-casing, deletion of zero-width characters, mapping of
dash look-alikes (``‐ ‑ ‒ – — ― − ー``) to ``-``, collapsing of whitespace runs to one space,
and removal of one trailing ``.`` or ``。``.  The whole remaining string must then be a date.
Optional single spaces are allowed around separators and around 年/月/日.

Accepted formats (Y = 4-digit year; M, D = 1-2 digits):

* ISO-like, year first: ``2027-01-15``, ``2027/1/15``, ``2027.1.15``, ``2027 1 15`` (the two
  separators must be the same character); compact ``20270115`` (exactly 8 digits, YYYYMMDD).
* Day/month with the year last: ``a/b/YYYY``, ``a-b-YYYY``, ``a.b.YYYY``, ``a b YYYY``.  If only
  one of day-first (a = day) and month-first (a = month) is a valid date it is returned; if both
  are valid and differ the result is `DateAmbiguous`; if neither is valid, the error of the
  reading whose month is in range is reported (day-first when both or neither are).
* English month names (full, 3-letter abbreviations and ``sept``, optional ``.`` after the name,
  optional ordinal suffix ``st/nd/rd/th`` after the day): ``15 January 2027``,
  ``15th of January, 2027``, ``15-Jan-2027``, ``15Jan2027``, ``January 15 2027``,
  ``Jan. 15, 2027``, ``Sept 3 2027``.
* Japanese: ``2027年1月15日``, ``2027年01月15日`` (the final 日 may be omitted), with Arabic or
  kanji numerals per field: ``二〇二七年一月十五日`` (digit-by-digit 〇一二…九, or 十-forms
  such as 十, 十五, 二十, 三十一).
* Japanese eras 令和 (2019-05-01..), 平成 (1989-01-08..2019-04-30) and 昭和
  (1926-12-25..1989-01-07), written out or as R/H/S: ``令和9年1月15日``, ``令和元年5月1日``,
  ``令和九年一月十五日``, ``令和9.1.15``, ``R9.1.15``, ``R09/01/15``, ``H31.4.30``, ``S64.1.7``.
  元 means era year 1.  Era year N maps to 2018+N, 1988+N and 1925+N respectively.

Invalid dates, checked in this order: two-digit years (``15/1/27``, ``15 Jan 27``, ``27年1月15日``)
give ``two_digit_year`` - we refuse to guess the century; era year 0 gives ``era_out_of_range``;
then ``year_out_of_range`` (accepted years are 1900..2199), ``month_out_of_range``,
``day_out_of_range`` (leap years respected) and finally ``era_out_of_range`` for an era date
outside its era (``令和元年4月30日``, ``昭和64年1月8日``).
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Final

__all__ = [
    "INVALID_REASONS",
    "MAX_INPUT_LENGTH",
    "MAX_YEAR",
    "MIN_YEAR",
    "DateAmbiguous",
    "DateInvalid",
    "DateOK",
    "DateResult",
    "NotADate",
    "parse_date",
]


@dataclass(frozen=True, slots=True)
class DateOK:
    """The text is exactly one valid date."""

    value: date


@dataclass(frozen=True, slots=True)
class DateAmbiguous:
    """A numeric day/month date with two valid readings."""

    options: tuple[date, date]  # the two readings, sorted ascending


@dataclass(frozen=True, slots=True)
class DateInvalid:
    """The text is a date, but an impossible or unacceptable one."""

    reason: str  # one of INVALID_REASONS
    params: dict[str, int | str]  # values for the message


@dataclass(frozen=True, slots=True)
class NotADate:
    """The text is not a date."""


DateResult = DateOK | DateAmbiguous | DateInvalid | NotADate

INVALID_REASONS: frozenset[str] = frozenset(
    {
        "month_out_of_range",  # params: {"month": 13}
        "day_out_of_range",  # params: {"year": 2027, "month": 2, "day": 30, "max_day": 28}
        "year_out_of_range",  # params: {"year": 1850}
        "era_out_of_range",  # params: {"era": "令和", "era_year": 0}
        "two_digit_year",  # params: {}
    }
)

MIN_YEAR: Final = 1900
MAX_YEAR: Final = 2199
MAX_INPUT_LENGTH: Final = 100


@dataclass(frozen=True, slots=True)
class _Era:
    name: str
    offset: int  # Gregorian year = offset + era year
    start: date
    end: date


_REIWA: Final = _Era("令和", 2018, date(2019, 5, 1), date(MAX_YEAR, 12, 31))
_HEISEI: Final = _Era("平成", 1988, date(1989, 1, 8), date(2019, 4, 30))
_SHOWA: Final = _Era("昭和", 1925, date(1926, 12, 25), date(1989, 1, 7))
_ERAS: Final[dict[str, _Era]] = {
    "令和": _REIWA,
    "r": _REIWA,
    "平成": _HEISEI,
    "h": _HEISEI,
    "昭和": _SHOWA,
    "s": _SHOWA,
}

_MONTHS: Final[dict[str, int]] = {
    **{
        name: number
        for number, name in enumerate(
            (
                "january",
                "february",
                "march",
                "april",
                "may",
                "june",
                "july",
                "august",
                "september",
                "october",
                "november",
                "december",
            ),
            start=1,
        )
    },
    **{
        name: number
        for number, name in enumerate(
            ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
            start=1,
        )
    },
    "sept": 9,
}

_KANJI_DIGITS: Final[dict[str, int]] = {k: v for v, k in enumerate("〇一二三四五六七八九")}
_KANJI: Final = "〇一二三四五六七八九十"
_DAYS_IN_MONTH: Final = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

# Zero-width characters are deleted; dash look-alikes (including the katakana prolonged sound
# mark that a Japanese IME produces for "-") become "-".
_TRANSLATION: Final[dict[int, str | None]] = {
    **dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff")),
    **dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc"), "-"),
}

# The same separator character twice, optionally surrounded by single spaces.
_SEP1: Final = r" ?(?P<sep>[-/. ]) ?"
_SEP2: Final = r" ?(?P=sep) ?"
_JP_YEAR: Final = rf"[0-9]{{1,4}}|[{_KANJI}]{{1,4}}"
_JP_MD: Final = rf"[0-9]{{1,2}}|[{_KANJI}]{{1,3}}"
_ERA: Final = r"(?P<era>令和|平成|昭和|[rhs])"
_MON: Final = "(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY: Final = r"(?P<d>[0-9]{1,2})(?:st|nd|rd|th)?"
_EN_YEAR: Final = r"(?P<y>[0-9]{4}|[0-9]{2})"
_EN_SEP: Final = r"(?: ?[-/.,] ?| )"

_COMPACT_RE: Final = re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})")
_NUMERIC_RE: Final = re.compile(
    rf"(?P<a>[0-9]{{1,4}}){_SEP1}(?P<b>[0-9]{{1,2}}){_SEP2}(?P<c>[0-9]{{1,4}})"
)
_JP_MONTH_DAY: Final = rf" ?年 ?(?P<m>{_JP_MD}) ?月 ?(?P<d>{_JP_MD})(?: ?日)?"
_JP_RE: Final = re.compile(rf"(?P<y>{_JP_YEAR}){_JP_MONTH_DAY}")
_ERA_JP_RE: Final = re.compile(rf"{_ERA} ?(?P<y>元|[0-9]{{1,2}}|[{_KANJI}]{{1,3}}){_JP_MONTH_DAY}")
_ERA_NUM_RE: Final = re.compile(
    rf"{_ERA} ?(?P<y>元|[0-9]{{1,2}}){_SEP1}(?P<m>[0-9]{{1,2}}){_SEP2}(?P<d>[0-9]{{1,2}})"
)
_EN_DMY_RE: Final = re.compile(rf"{_DAY}(?: of)?{_EN_SEP}?{_MON}{_EN_SEP}?{_EN_YEAR}")
_EN_MDY_RE: Final = re.compile(rf"{_MON}{_EN_SEP}?{_DAY}{_EN_SEP}{_EN_YEAR}")


def parse_date(text: str) -> DateResult:
    """Parse one user message as a date; never raises."""
    stripped = text.strip()
    if len(stripped) > MAX_INPUT_LENGTH:
        return NotADate()
    s = unicodedata.normalize("NFKC", stripped).translate(_TRANSLATION).lower()
    s = " ".join(s.split())
    if s.endswith((".", "。")):
        s = s[:-1].rstrip()
    if not s or len(s) > MAX_INPUT_LENGTH:
        return NotADate()
    first = s[0]
    if "0" <= first <= "9":
        return _parse_numeric(s) or _parse_japanese(s) or _parse_english(s) or NotADate()
    if "a" <= first <= "z":
        return _parse_era(s) or _parse_english(s) or NotADate()
    return _parse_era(s) or _parse_japanese(s) or NotADate()


def _parse_numeric(s: str) -> DateResult | None:
    if m := _COMPACT_RE.fullmatch(s):
        return _check(int(m["y"]), int(m["m"]), int(m["d"]))
    if (m := _NUMERIC_RE.fullmatch(s)) is None:
        return None
    a, b, c = m["a"], m["b"], m["c"]
    if len(a) == 4 and len(c) <= 2:
        return _check(int(a), int(b), int(c))
    if len(c) == 4 and len(a) <= 2:
        return _day_month(int(a), int(b), int(c))
    if len(a) <= 2 and len(c) <= 2:
        return _two_digit_year()
    return NotADate()


def _parse_japanese(s: str) -> DateResult | None:
    if (m := _JP_RE.fullmatch(s)) is None:
        return None
    year_text = m["y"]
    year, month, day = _number(year_text), _number(m["m"]), _number(m["d"])
    if year is None or month is None or day is None:
        return NotADate()
    digits = 2 if "十" in year_text else len(year_text)
    if digits <= 2:
        return _two_digit_year()
    if digits == 3:
        return NotADate()
    return _check(year, month, day)


def _parse_era(s: str) -> DateResult | None:
    m = _ERA_NUM_RE.fullmatch(s) or _ERA_JP_RE.fullmatch(s)
    if m is None:
        return None
    era = _ERAS[m["era"]]
    era_year = 1 if m["y"] == "元" else _number(m["y"])
    month, day = _number(m["m"]), _number(m["d"])
    if era_year is None or month is None or day is None:
        return NotADate()
    if era_year == 0:
        return DateInvalid("era_out_of_range", {"era": era.name, "era_year": 0})
    result = _check(era.offset + era_year, month, day)
    if isinstance(result, DateOK) and not era.start <= result.value <= era.end:
        return DateInvalid("era_out_of_range", {"era": era.name, "era_year": era_year})
    return result


def _parse_english(s: str) -> DateResult | None:
    m = _EN_DMY_RE.fullmatch(s) or _EN_MDY_RE.fullmatch(s)
    if m is None:
        return None
    if len(m["y"]) == 2:
        return _two_digit_year()
    return _check(int(m["y"]), _MONTHS[m["mon"]], int(m["d"]))


def _day_month(a: int, b: int, year: int) -> DateResult:
    """Resolve ``a/b/year`` where a and b could each be the day or the month."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        return DateInvalid("year_out_of_range", {"year": year})
    day_first = _check(year, b, a)
    month_first = _check(year, a, b)
    if isinstance(day_first, DateOK) and isinstance(month_first, DateOK):
        if day_first.value == month_first.value:
            return day_first
        low, high = sorted((day_first.value, month_first.value))
        return DateAmbiguous((low, high))
    if isinstance(day_first, DateOK):
        return day_first
    if isinstance(month_first, DateOK):
        return month_first
    if not 1 <= b <= 12 and 1 <= a <= 12:
        return month_first
    return day_first


def _check(year: int, month: int, day: int) -> DateOK | DateInvalid:
    """Validate a Gregorian year/month/day triple."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        return DateInvalid("year_out_of_range", {"year": year})
    if not 1 <= month <= 12:
        return DateInvalid("month_out_of_range", {"month": month})
    max_day = _DAYS_IN_MONTH[month - 1]
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        max_day = 29
    if not 1 <= day <= max_day:
        return DateInvalid(
            "day_out_of_range", {"year": year, "month": month, "day": day, "max_day": max_day}
        )
    return DateOK(date(year, month, day))


def _two_digit_year() -> DateInvalid:
    return DateInvalid("two_digit_year", {})


def _number(text: str) -> int | None:
    """Value of ASCII digits, positional kanji digits (二〇二七) or a 十-form (十五, 三十一)."""
    if text.isascii():
        return int(text)
    tens_text, ten, ones_text = text.partition("十")
    if not ten:
        value = 0
        for char in text:
            value = value * 10 + _KANJI_DIGITS[char]
        return value
    if len(tens_text) > 1 or len(ones_text) > 1 or "十" in ones_text:
        return None
    tens = _KANJI_DIGITS[tens_text] if tens_text else 1
    ones = _KANJI_DIGITS[ones_text] if ones_text else 0
    if tens == 0 or (ones_text and ones == 0):
        return None
    return tens * 10 + ones
