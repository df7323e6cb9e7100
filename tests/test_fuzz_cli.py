"""Hypothesis fuzzing of the command line's entry points (issue 12): the date parser,
``assess`` (JSON text in, verdict or one documented error out) and ``chat --jsonl``
(random lines, bytes that are not UTF-8 included: one JSON object out per line).

Derandomized, so every run tries the same cases; about 10 s of CPU in all.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.__main__ import main
from bot.assess import AssessInputError, AssessResponse, assess, parse_request
from bot.assess_contract import AssessRequest
from bot.channels.terminal import INTERNAL_ERROR, JSON_SPACE, run_jsonl
from bot.clock import fixed_clock
from bot.codes import Procedure, Status, TrainingType, UserType
from bot.dates import (
    INVALID_REASONS,
    MAX_YEAR,
    MIN_YEAR,
    DateAmbiguous,
    DateInvalid,
    DateOK,
    NotADate,
    parse_date,
)
from bot.engine import Engine
from bot.flows.guide import STEP_CHOICES
from bot.i18n import LOCALES
from bot.json_input import JSONInputError, decode_json
from bot.storage import SQLiteStore

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
FUZZ = settings(
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LOW, HIGH = date(MIN_YEAR, 1, 1), date(MAX_YEAR, 12, 31)

# --------------------------------------------------------------------------- dates

KANJI = "〇一二三四五六七八九"
MONTHS = ("Jan", "February", "mar", "Sept", "december")


def kanji_positional(n: int) -> str:
    return "".join(KANJI[int(c)] for c in str(n))


def kanji_tens(n: int) -> str:
    tens, ones = divmod(n % 100, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else KANJI[tens] + "十")
    return head + (KANJI[ones] if ones else "")


@st.composite
def date_like(draw: st.DrawFn) -> str:
    """A date in one of the formats people type, with any year (1 and 9999 too),
    month and day, including impossible ones."""
    y = draw(st.one_of(st.integers(0, 99_999), st.sampled_from([1, 1899, 2200, 9999])))
    m = draw(st.integers(0, 99))
    d = draw(st.integers(0, 99))
    era = draw(st.sampled_from(["令和", "平成", "昭和", "R", "h", "S"]))
    forms = [
        f"{y:04d}-{m:02d}-{d:02d}",
        f"{y}/{m}/{d}",
        f"{d}/{m}/{y}",
        f"{m}.{d}.{y:04d}",
        f"{y:04d}{m:02d}{d:02d}",
        f"{y}年{m}月{d}日",
        f"{kanji_positional(y)}年{kanji_tens(m)}月{kanji_tens(d)}日",
        f"{era}{y % 100}年{m}月{d}日",
        f"{era}{kanji_tens(y)}年{kanji_tens(m)}月{kanji_tens(d)}日",
        f"{era}{y % 100}.{m}.{d}",
        f"{d} {draw(st.sampled_from(MONTHS))} {y}",
        f"{draw(st.sampled_from(MONTHS))} {d}, {y}",
    ]
    text = draw(st.sampled_from(forms))
    return draw(
        st.sampled_from(
            [
                text,
                text.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
                f" {text}。",
            ]
        )
    )


@settings(FUZZ, max_examples=400)
@given(st.one_of(date_like(), st.text(max_size=120)))
def test_parse_date_never_raises_and_stays_in_range(text: str) -> None:
    """Any text: one of the four results, and every date returned lies in 1900-2199."""
    result = parse_date(text)
    assert isinstance(result, DateOK | DateAmbiguous | DateInvalid | NotADate)
    if isinstance(result, DateOK):
        assert LOW <= result.value <= HIGH, text
    elif isinstance(result, DateAmbiguous):
        assert all(LOW <= value <= HIGH for value in result.options), text
    elif isinstance(result, DateInvalid):
        assert result.reason in INVALID_REASONS


# --------------------------------------------------------------------------- assess

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**300, max_value=10**320),
    st.floats(allow_nan=False),
    st.text(max_size=30),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
any_date = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
any_instant = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)


def field(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a valid value, sometimes any JSON value."""
    return st.one_of(valid, valid, valid, json_values)


REQUEST_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "user_type": field(st.sampled_from(list(UserType))),
    "procedure": field(st.sampled_from(list(Procedure))),
    "with_procedure": field(st.sampled_from(list(Procedure))),
    "status": field(st.sampled_from(list(Status))),
    "new_status": field(st.sampled_from(list(Status))),
    "expiry": field(
        st.one_of(any_date.map(date.isoformat), st.dates(LOW, HIGH).map(date.isoformat))
    ),
    "now": field(any_instant.map(datetime.isoformat)),
    "filer_in_japan": field(st.booleans()),
    "foreign_ip": field(st.booleans()),
    "applicant_age": field(st.integers(-5, 200)),
    "applicant_unable": field(st.booleans()),
    "applicant_under_16": field(st.booleans()),
    "has_my_number_card": field(st.booleans()),
    "lang": field(st.sampled_from(LOCALES)),
    "applicant_in_japan": field(st.booleans()),
    "stay_over_3_months": field(st.booleans()),
    "training_type": field(st.sampled_from(list(TrainingType))),
    "filer_is_supervising_org": field(st.booleans()),
    "da_notice": field(st.sampled_from(["46", "33の2", "listed", "outside", "0", "46の1"])),
}
requests = st.fixed_dictionaries(
    {
        "user_type": REQUEST_FIELDS["user_type"],
        "procedure": REQUEST_FIELDS["procedure"],
        "status": REQUEST_FIELDS["status"],
    },
    optional={
        k: v for k, v in REQUEST_FIELDS.items() if k not in ("user_type", "procedure", "status")
    },
)


@settings(FUZZ, max_examples=200)
@given(st.one_of(requests, json_values, requests.map(lambda r: {**r, "surprise": 1})))
def test_parse_request_and_assess_raise_only_their_documented_error(data: Any) -> None:
    """The library path of ``assess``: any decoded JSON gives a response or
    AssessInputError (a ValueError with a message), nothing else."""
    problem = None
    try:
        request = parse_request(data)
        response = assess(request, now=NOW)
    except AssessInputError as exc:
        problem = str(exc)
    if problem is not None:
        assert problem.strip()
        return
    assert isinstance(request, AssessRequest)
    assert isinstance(response, AssessResponse)
    for value in (request.expiry, request.now and request.now.date()):
        assert value is None or LOW <= value <= HIGH


@settings(FUZZ, max_examples=200)
@given(st.one_of(st.binary(max_size=80), st.text(max_size=80), json_values.map(json.dumps)))
def test_decode_json_raises_only_json_input_error(data: bytes | str) -> None:
    """Bytes, text (lone surrogates included) or JSON: a value or JSONInputError."""
    problem = "none"
    try:
        decode_json(data)
    except JSONInputError as exc:
        problem = str(exc)
    assert problem.strip()


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@settings(FUZZ, max_examples=150)
@given(
    st.one_of(
        requests.map(json.dumps),
        json_values.map(json.dumps),
        st.text(max_size=60),
        st.binary(max_size=60).map(lambda b: b.decode("utf-8", "surrogateescape")),
    )
)
def test_assess_command_exits_0_or_2_with_one_line(text: str) -> None:
    """``python -m bot assess --json=TEXT`` in-process: a JSON verdict and exit 0, or
    exit 2 and one ``error:`` line; never an exception."""
    code, out, err = run_cli("assess", f"--json={text}")
    if code == 0:
        assert isinstance(json.loads(out), dict)
        assert err == ""
    else:
        assert code == 2, err
        assert out == ""
        assert err.startswith("error: ")
        assert len(err.splitlines()) == 1


# --------------------------------------------------------------------------- chat --jsonl

BUTTONS = [f"{slot}:{value}" for slot, choices in STEP_CHOICES.items() for value, _, _ in choices]
BUTTONS += [
    "expiry:0001-01-01",
    "expiry:9999-12-31",
    "expiry:1899-12-31",
    "expiry:2027-01-15",
    "expiry:2027-02-30",
    "status:student",
    "lang:xx",
    "cmd:back",
    "cmd:forget",
    ":",
    "",
]
events = st.fixed_dictionaries(
    {},
    optional={
        "text": st.one_of(
            st.text(max_size=30),
            st.sampled_from(["0001-01-01", "9999/12/31", "元年1月1日", "student"]),
        ),
        "choice": st.sampled_from(BUTTONS),
        "command": st.sampled_from(["back", "restart", "help", "lang", "forget", "fly"]),
        "arg": st.sampled_from(["ja", "xx", ""]),
        "partner": st.sampled_from(["acme", "nope", "demo", "no spaces", ""]),
        "now": st.one_of(
            any_instant.map(datetime.isoformat),
            st.datetimes(
                min_value=datetime(1900, 1, 1, 14),
                max_value=datetime(2199, 12, 31, 10),
                timezones=st.sampled_from(
                    [UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))]
                ),
            ).map(datetime.isoformat),
        ),
        "user_key": st.sampled_from(["fuzz", "other", "", 5]),
        "locale_hint": st.sampled_from(["ja", "vi-VN", "zz", "x" * 300]),
    },
)
lines = st.one_of(
    events.map(lambda e: json.dumps(e).encode()),
    events.map(lambda e: json.dumps(e, ensure_ascii=False).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=40),
    st.text(max_size=40).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from(
        [b"", b"   ", b"\r", b"[" * 300, b'{"text": ' + b"9" * 5000 + b"}", b"\xef\xbb\xbf{}"]
    ),
).map(lambda b: b.replace(b"\n", b" "))


def answered(line: bytes) -> bool:
    """Whether run_jsonl answers the line: all but lines of JSON whitespace only."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return bool(text.strip(JSON_SPACE))


@pytest.fixture(scope="module")
def jsonl_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One real SQLite file for all examples (sessions carry over between them, as
    they would between runs of ``chat --jsonl`` on one database)."""
    store = SQLiteStore(tmp_path_factory.mktemp("fuzz") / "fuzz.db")
    yield Engine(store, clock=fixed_clock(NOW))
    store.close()


# Lines that take the fuzz user to the expiry question, where forged date buttons and
# typed dates (year 1, 9999) are tried.
TO_EXPIRY = [
    json.dumps(e).encode()
    for e in (
        {"command": "restart"},
        {"choice": "user_type:foreign_national"},
        {"choice": "procedure:extension"},
        {"choice": "status:student"},
    )
]


@settings(FUZZ, max_examples=120)
@given(
    batch=st.one_of(
        st.lists(lines, min_size=1, max_size=12),
        st.lists(lines, min_size=1, max_size=8).map(lambda tail: TO_EXPIRY + tail),
    )
)
def test_jsonl_answers_every_line_with_one_json_object(
    jsonl_engine: Engine, batch: list[bytes]
) -> None:
    """``chat --jsonl`` in-process on a real SQLite file: one UTF-8 JSON object per line
    that is not blank, a reply or an error, never an internal error, never an exception."""
    stdout = io.StringIO()
    stdin = io.BytesIO(b"\n".join(batch) + b"\n")
    assert run_jsonl(jsonl_engine, "fuzz", stdin, stdout, frozenset({"acme"})) == 0
    out = stdout.getvalue()
    out.encode("utf-8")  # strict: no lone surrogates reach the output
    replies = [json.loads(line) for line in out.splitlines()]
    assert len(replies) == sum(answered(line) for line in batch)
    for reply in replies:
        assert isinstance(reply, dict)
        assert reply.get("error") != INTERNAL_ERROR
        assert "error" in reply or reply["messages"]
