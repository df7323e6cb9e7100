"""Tests for bot.dates.parse_date: table tests per format plus Hypothesis fuzzing."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dates import (
    INVALID_REASONS,
    MAX_YEAR,
    MIN_YEAR,
    DateAmbiguous,
    DateInvalid,
    DateOK,
    DateResult,
    NotADate,
    parse_date,
)

D = date(2027, 1, 15)
RESULT_TYPES = (DateOK, DateAmbiguous, DateInvalid, NotADate)
PARAM_KEYS: dict[str, set[str]] = {
    "month_out_of_range": {"month"},
    "day_out_of_range": {"year", "month", "day", "max_day"},
    "year_out_of_range": {"year"},
    "era_out_of_range": {"era", "era_year"},
    "two_digit_year": set(),
}
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
FULL_WIDTH = str.maketrans("0123456789-/", "０１２３４５６７８９－／")


def day_out(year: int, month: int, day: int, max_day: int) -> DateInvalid:
    """Build the expected day_out_of_range result."""
    return DateInvalid(
        "day_out_of_range", {"year": year, "month": month, "day": day, "max_day": max_day}
    )


def era_out(era: str, era_year: int) -> DateInvalid:
    """Build the expected era_out_of_range result."""
    return DateInvalid("era_out_of_range", {"era": era, "era_year": era_year})


TWO_DIGIT = DateInvalid("two_digit_year", {})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-01-15", D),
        ("2027-1-15", D),
        ("2027/1/15", D),
        ("2027/01/15", D),
        ("2027.1.15", D),
        ("2027 1 15", D),
        ("2027 - 01 - 15", D),
        ("20270115", D),
        ("２０２７－０１－１５", D),
        ("２０２７／１／１５", D),
        ("2027ー01ー15", D),  # katakana prolonged sound mark typed as a dash
        ("2027\u201301\u201315", D),  # en dash
        ("  2027-01-15  ", D),
        ("\t2027-01-15\n", D),
        ("2027-01-15.", D),
        ("\ufeff2027-01-15\u200b", D),
        ("1900-01-01", date(1900, 1, 1)),
        ("2199-12-31", date(2199, 12, 31)),
    ],
)
def test_iso_and_separators(text: str, expected: date) -> None:
    """Year-first numeric dates with any supported separator parse to DateOK."""
    assert parse_date(text) == DateOK(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15 January 2027", D),
        ("15 Jan 2027", D),
        ("15 jan 2027", D),
        ("15 JANUARY 2027", D),
        ("15th January, 2027", D),
        ("15th of January 2027", D),
        ("January 15 2027", D),
        ("January 15, 2027", D),
        ("January 15th, 2027", D),
        ("Jan 15, 2027", D),
        ("Jan. 15, 2027", D),
        ("Jan. 15, 2027.", D),
        ("15-Jan-2027", D),
        ("15 Jan. 2027", D),
        ("15Jan2027", D),
        ("Sept 3 2027", date(2027, 9, 3)),
        ("Sep 3 2027", date(2027, 9, 3)),
        ("3 September 2027", date(2027, 9, 3)),
        ("1st March 2027", date(2027, 3, 1)),
        ("2nd May 2027", date(2027, 5, 2)),
        ("May 23rd 2027", date(2027, 5, 23)),
        ("Feb 28, 2027", date(2027, 2, 28)),
        ("31 Dec 2027", date(2027, 12, 31)),
        ("Ｊａｎ １５， ２０２７", D),
    ],
)
def test_english(text: str, expected: date) -> None:
    """English month-name dates, day-first or month-first, parse to DateOK."""
    assert parse_date(text) == DateOK(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027年1月15日", D),
        ("2027年01月15日", D),
        ("2027 年 1 月 15 日", D),
        ("2027年 1月 15日", D),
        ("2027年1月15", D),
        ("2027年1月15日。", D),
        ("２０２７年１月１５日", D),
        ("二〇二七年一月十五日", D),
        ("二〇二七年十二月三十一日", date(2027, 12, 31)),
        ("二〇二七年二月二十日", date(2027, 2, 20)),
        ("2027年十月十日", date(2027, 10, 10)),
    ],
)
def test_japanese(text: str, expected: date) -> None:
    """Gregorian dates written with 年月日 (Arabic, full-width or kanji numerals) parse."""
    assert parse_date(text) == DateOK(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和9年1月15日", D),
        ("令和 9 年 1 月 15 日", D),
        ("令和09年01月15日", D),
        ("令和九年一月十五日", D),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("令和元年五月一日", date(2019, 5, 1)),
        ("㋿9年1月15日", D),
        ("令和9.1.15", D),
        ("令和9/1/15", D),
        ("R9.1.15", D),
        ("R9/1/15", D),
        ("R9-1-15", D),
        ("R09.01.15", D),
        ("r9.1.15", D),
        ("Ｒ９．１．１５", D),
        ("R9年1月15日", D),
        ("R元.5.1", date(2019, 5, 1)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("平成三十一年四月三十日", date(2019, 4, 30)),
        ("H31.4.30", date(2019, 4, 30)),
        ("h1.1.8", date(1989, 1, 8)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("昭和元年12月25日", date(1926, 12, 25)),
        ("S64.1.7", date(1989, 1, 7)),
        ("㍻31年4月30日", date(2019, 4, 30)),
    ],
)
def test_era(text: str, expected: date) -> None:
    """Japanese era dates, written out or abbreviated R/H/S, map to the Gregorian date."""
    assert parse_date(text) == DateOK(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和元年4月30日", era_out("令和", 1)),
        ("R1.4.30", era_out("令和", 1)),
        ("令和0年1月1日", era_out("令和", 0)),
        ("R0.5.1", era_out("令和", 0)),
        ("平成31年5月1日", era_out("平成", 31)),
        ("平成32年1月1日", era_out("平成", 32)),
        ("平成元年1月7日", era_out("平成", 1)),
        ("H0.1.8", era_out("平成", 0)),
        ("昭和64年1月8日", era_out("昭和", 64)),
        ("S64.1.8", era_out("昭和", 64)),
        ("昭和元年12月24日", era_out("昭和", 1)),
        ("令和9年2月29日", day_out(2027, 2, 29, 28)),
        ("令和10年2月29日", DateOK(date(2028, 2, 29))),
        ("R9.13.1", DateInvalid("month_out_of_range", {"month": 13})),
        ("令和十年十三月一日", DateInvalid("month_out_of_range", {"month": 13})),
    ],
)
def test_era_boundaries_and_errors(text: str, expected: DateResult) -> None:
    """Era dates outside their era, era year 0 and impossible era dates are rejected."""
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/01/2027", DateOK(D)),
        ("15-1-2027", DateOK(D)),
        ("15.1.2027", DateOK(D)),
        ("15 1 2027", DateOK(D)),
        ("1/15/2027", DateOK(D)),
        ("01.15.2027", DateOK(D)),
        ("05/05/2027", DateOK(date(2027, 5, 5))),
        ("03/04/2027", DateAmbiguous((date(2027, 3, 4), date(2027, 4, 3)))),
        ("04/03/2027", DateAmbiguous((date(2027, 3, 4), date(2027, 4, 3)))),
        ("1-12-2027", DateAmbiguous((date(2027, 1, 12), date(2027, 12, 1)))),
        ("31/02/2027", day_out(2027, 2, 31, 28)),
        ("30/02/2027", day_out(2027, 2, 30, 28)),
        ("02/30/2027", day_out(2027, 2, 30, 28)),
        ("31/04/2027", day_out(2027, 4, 31, 30)),
        ("0/5/2027", day_out(2027, 5, 0, 31)),
        ("5/0/2027", day_out(2027, 5, 0, 31)),
        ("13/13/2027", DateInvalid("month_out_of_range", {"month": 13})),
        ("0/0/2027", DateInvalid("month_out_of_range", {"month": 0})),
        ("03/04/1850", DateInvalid("year_out_of_range", {"year": 1850})),
        ("15/1/27", TWO_DIGIT),
        ("1/15/27", TWO_DIGIT),
        ("27/1/15", TWO_DIGIT),
        ("27-01-15", TWO_DIGIT),
        ("15 Jan 27", TWO_DIGIT),
        ("Jan 15, 27", TWO_DIGIT),
        ("27年1月15日", TWO_DIGIT),
        ("二十七年一月十五日", TWO_DIGIT),
    ],
)
def test_day_month_order_and_two_digit_years(text: str, expected: DateResult) -> None:
    """Numeric a/b/YYYY is resolved or flagged ambiguous; two-digit years are refused."""
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-02-30", day_out(2027, 2, 30, 28)),
        ("2028-02-30", day_out(2028, 2, 30, 29)),
        ("2027-04-31", day_out(2027, 4, 31, 30)),
        ("2027-01-00", day_out(2027, 1, 0, 31)),
        ("2027-01-32", day_out(2027, 1, 32, 31)),
        ("20270230", day_out(2027, 2, 30, 28)),
        ("30 February 2027", day_out(2027, 2, 30, 28)),
        ("Feb 30, 2027", day_out(2027, 2, 30, 28)),
        ("2027年2月30日", day_out(2027, 2, 30, 28)),
        ("0 Jan 2027", day_out(2027, 1, 0, 31)),
        ("2027-13-01", DateInvalid("month_out_of_range", {"month": 13})),
        ("2027-00-01", DateInvalid("month_out_of_range", {"month": 0})),
        ("20271301", DateInvalid("month_out_of_range", {"month": 13})),
        ("2027年13月1日", DateInvalid("month_out_of_range", {"month": 13})),
        ("1850-01-01", DateInvalid("year_out_of_range", {"year": 1850})),
        ("1899-12-31", DateInvalid("year_out_of_range", {"year": 1899})),
        ("2200-01-01", DateInvalid("year_out_of_range", {"year": 2200})),
        ("0000-01-01", DateInvalid("year_out_of_range", {"year": 0})),
        ("18500101", DateInvalid("year_out_of_range", {"year": 1850})),
        ("15 Jan 1850", DateInvalid("year_out_of_range", {"year": 1850})),
        ("1850年1月1日", DateInvalid("year_out_of_range", {"year": 1850})),
        ("1850-13-45", DateInvalid("year_out_of_range", {"year": 1850})),
    ],
)
def test_impossible_dates(text: str, expected: DateInvalid) -> None:
    """Impossible dates return DateInvalid with the reason and message params."""
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2028-02-29", DateOK(date(2028, 2, 29))),
        ("2000-02-29", DateOK(date(2000, 2, 29))),
        ("2027-02-29", day_out(2027, 2, 29, 28)),
        ("2100-02-29", day_out(2100, 2, 29, 28)),
        ("1900-02-29", day_out(1900, 2, 29, 28)),
        ("29/02/2028", DateOK(date(2028, 2, 29))),
        ("29 Feb 2028", DateOK(date(2028, 2, 29))),
        ("令和10年2月29日", DateOK(date(2028, 2, 29))),
    ],
)
def test_leap_years(text: str, expected: DateResult) -> None:
    """February 29 is valid only in Gregorian leap years."""
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        ".",
        "yes",
        "no",
        "next spring",
        "3 months",
        "hello 2027",
        "2027",
        "2027-01",
        "January 2027",
        "15 January",
        "2027年1月",
        "令和9年",
        "tomorrow",
        "2027-01-15T00:00:00",
        "2027-01-15 10:00",
        "2027-01-15..",
        "on 2027-01-15",
        "2027-01-15 please",
        "2027/01-15",
        "02027-01-15",
        "2027-001-15",
        "202/1/15",
        "2027/1/2027",
        "2701155",
        "270115",
        "202701150",
        "15 Janu 2027",
        "15 Foo 2027",
        "15 Jan 202",
        "15 Jan 20270",
        "jan152027",
        "2027年1月15日まで",
        "平成",
        "大正10年1月1日",
        "T10.1.1",
        "令和9年1月15日 15時",
        "十十年一月一日",
        "二〇二七年〇十月一日",
        "二〇二七年十〇月一日",
        "二〇二七年一月十十日",
        "２０２７年一月十五日x",
        "'; DROP TABLE users; --",
        "<script>alert(1)</script>",
        "2027-01-15<script>",
        "\x00",
        "2027-01-15\x00",
        "🎉",
        "🎉 2027-01-15",
        "٢٠٢٧-٠١-١٥",  # Arabic-Indic digits are not ASCII after NFKC
        "\ud800",
        "x" * 101,
        " " * 1000 + "x" * 101,
    ],
)
def test_not_a_date(text: str) -> None:
    """Text that is not wholly a date returns NotADate."""
    assert parse_date(text) == NotADate()


def test_length_cap_is_after_stripping() -> None:
    """Surrounding whitespace does not count towards the 100-character cap."""
    padded = " " * 500 + "2027-01-15" + "\n" * 500
    assert parse_date(padded) == DateOK(D)
    assert parse_date("1" * 101) == NotADate()
    assert parse_date("2027-01-15" + " " * 91 + "x") == NotADate()


def test_huge_input_is_rejected() -> None:
    """A multi-megabyte message is not a date (the length cap applies before scanning)."""
    assert parse_date("2027-01-15 " * 1_000_000) == NotADate()


def test_results_are_immutable() -> None:
    """Result dataclasses are frozen."""
    result = parse_date("2027-01-15")
    assert isinstance(result, DateOK)
    with pytest.raises(AttributeError):
        result.value = date(2028, 1, 1)  # type: ignore[misc]


def test_invalid_params_are_not_shared() -> None:
    """Each DateInvalid gets its own params dict, so mutating one cannot affect another."""
    first = parse_date("15/1/27")
    assert isinstance(first, DateInvalid)
    first.params["oops"] = 1
    assert parse_date("15/1/27") == TWO_DIGIT


# --- Hypothesis -------------------------------------------------------------------------------

dates_in_range = st.dates(min_value=date(MIN_YEAR, 1, 1), max_value=date(MAX_YEAR, 12, 31))
DATE_ALPHABET = (
    "0123456789０１２３４５６７８９/-.,: "  # digits and separators
    "年月日元令和平成昭和rhsRHS〇一二三四五六七八九十"  # Japanese forms
    "thjanfebsept"  # English forms
)


@settings(max_examples=300)
@given(st.text())
def test_never_raises_on_any_text(text: str) -> None:
    """parse_date never raises and always returns one of the four result types."""
    assert isinstance(parse_date(text), RESULT_TYPES)


@settings(max_examples=300)
@given(st.text(alphabet=DATE_ALPHABET, max_size=30))
def test_never_raises_on_date_like_text(text: str) -> None:
    """Near-miss strings built from date characters never raise and give valid results."""
    result = parse_date(text)
    assert isinstance(result, RESULT_TYPES)
    if isinstance(result, DateInvalid):
        assert result.reason in INVALID_REASONS
        assert set(result.params) == PARAM_KEYS[result.reason]
    if isinstance(result, DateAmbiguous):
        assert result.options[0] < result.options[1]


@settings(max_examples=150)
@given(dates_in_range)
def test_round_trip_common_formats(value: date) -> None:
    """Any date in 1900..2199 written in each common format parses back to itself."""
    y, m, d = value.year, value.month, value.day
    texts = [
        f"{y:04d}-{m:02d}-{d:02d}",
        f"{y}/{m}/{d}",
        f"{y}年{m}月{d}日",
        f"{d} {MONTH_NAMES[m - 1]} {y}",
        f"{MONTH_NAMES[m - 1][:3]} {d}, {y}",
        f"{y:04d}{m:02d}{d:02d}",
        f"{y:04d}-{m:02d}-{d:02d}".translate(FULL_WIDTH),
        f"{y}年{m}月{d}日".translate(FULL_WIDTH),
    ]
    for text in texts:
        assert parse_date(text) == DateOK(value), text


KANJI_DIGITS = "〇一二三四五六七八九"


def kanji_small(n: int) -> str:
    """Write 1..99 the usual way: 九, 十五, 二十, 三十一."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else KANJI_DIGITS[tens] + "十")
    return head + (KANJI_DIGITS[ones] if ones else "")


@settings(max_examples=150)
@given(st.dates(min_value=date(1926, 12, 25), max_value=date(2117, 12, 31)))
def test_round_trip_era_formats(value: date) -> None:
    """Any 昭和..令和99 date written in its era (long, abbreviated, kanji) parses back."""
    if value >= date(2019, 5, 1):
        era, letter, era_year = "令和", "R", value.year - 2018
    elif value >= date(1989, 1, 8):
        era, letter, era_year = "平成", "H", value.year - 1988
    else:
        era, letter, era_year = "昭和", "S", value.year - 1925
    m, d = value.month, value.day
    year_text = "元" if era_year == 1 else str(era_year)
    texts = [
        f"{era}{year_text}年{m}月{d}日",
        f"{letter}{era_year:02d}.{m:02d}.{d:02d}",
        f"{letter.lower()}{era_year}/{m}/{d}",
        f"{era}{kanji_small(era_year)}年{kanji_small(m)}月{kanji_small(d)}日",
    ]
    for text in texts:
        assert parse_date(text) == DateOK(value), text


@settings(max_examples=150)
@given(
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=MIN_YEAR, max_value=MAX_YEAR),
)
def test_small_day_and_month_is_ambiguous(a: int, b: int, year: int) -> None:
    """a/b/YYYY with distinct a, b in 1..12 is ambiguous; equal a, b is a single date."""
    result = parse_date(f"{a:02d}/{b:02d}/{year}")
    if a == b:
        assert result == DateOK(date(year, a, a))
    else:
        low, high = sorted((date(year, a, b), date(year, b, a)))
        assert result == DateAmbiguous((low, high))


@settings(max_examples=150)
@given(dates_in_range.filter(lambda value: value.day > 12))
def test_day_over_twelve_is_unambiguous(value: date) -> None:
    """When the day is over 12, both D/M/YYYY and M/D/YYYY resolve to the one date."""
    assert parse_date(f"{value.day}/{value.month}/{value.year}") == DateOK(value)
    assert parse_date(f"{value.month}/{value.day}/{value.year}") == DateOK(value)


@settings(max_examples=300)
@given(
    st.integers(min_value=0, max_value=9999),
    st.integers(min_value=0, max_value=99),
    st.integers(min_value=0, max_value=99),
    st.sampled_from(
        ["{y:04d}-{m}-{d}", "{d}/{m}/{y:04d}", "{y:04d}年{m}月{d}日", "{d} Jan {y:04d}"]
    ),
)
def test_invalid_reasons_are_declared(y: int, m: int, d: int, template: str) -> None:
    """Every DateInvalid reason is in INVALID_REASONS and carries exactly its params."""
    result = parse_date(template.format(y=y, m=m, d=d))
    assert isinstance(result, DateOK | DateAmbiguous | DateInvalid)
    if isinstance(result, DateInvalid):
        assert result.reason in INVALID_REASONS
        assert set(result.params) == PARAM_KEYS[result.reason]
