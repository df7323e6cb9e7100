"""The FAQ: content completeness, forbidden claims, search, evaluation set and CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.data.sources import SOURCES
from bot.faq.content import FAQ_LOCALES, FaqDataError, entries, load
from bot.faq.forbidden import CLAIMS, violations
from bot.faq.search import FaqIndex, looks_like_question, search, terms
from bot.faq.tuning import THRESHOLD
from bot.i18n import LOCALE_DIR, LOCALES, catalog_name
from tests.faq_cases import EVAL_FILE, HOLDOUT_FILE, Case, load_cases

ROOT = Path(__file__).resolve().parent.parent
FAQ = entries()

# The Q&A of the two seed documents (../shared/seeds): each must be covered.
SEED_IDS = (
    "abroad",
    "smartphone",
    "pending_proof",
    "last_day",
    "mistake_after_filing",
    "forgot_password",
    "lawyer_address",
    "system_fee",
)
# What issue 3 asks the FAQ to cover beyond the seeds.
REQUIRED_IDS = (
    *SEED_IDS,
    "special_period",
    "fees",
    "email_order",
    "my_number_expiry",
    "photo",
    "exam_complete_not_permission",
    "forgot_id",
    "card_in_post_travel",
    "card_reader",
    "jpki_client",
    "pin_vs_password",
    "password_lockout",
    "garbled_text",
    "mac",
    "no_email",
    "mail_back",
    "permanent_residence",
    "reentry_activity_alone",
    "foreign_ip_vpn",
    "bot_scope",
    "contact",
)


# --------------------------------------------------------------------------- content


def test_faq_covers_the_seeds_and_the_issue_list() -> None:
    missing = [eid for eid in REQUIRED_IDS if eid not in FAQ]
    assert not missing, f"FAQ entries missing: {missing}"
    assert len(FAQ) >= 50


@pytest.mark.parametrize("eid", sorted(FAQ))
def test_every_entry_is_sourced_dated_and_complete(eid: str) -> None:
    entry = FAQ[eid]
    assert entry.sources, eid
    for src in entry.sources:
        assert src.url.startswith("https://"), src
    assert entry.as_of.year >= 2023
    for locale in FAQ_LOCALES:
        text = entry.texts[locale]
        assert len(text.paraphrases) >= 4, (eid, locale)
        assert not re.search(r"https?://|www\.", text.answer), f"{eid}/{locale}: URL in answer"
        assert not re.search(r"<[a-z/][^>]*>", text.answer), f"{eid}/{locale}: markup in answer"
        assert "**" not in text.answer, f"{eid}/{locale}: Markdown in answer"


def test_hedged_entries_rest_on_weaker_sources() -> None:
    """``hedged`` follows the sources' grades, so the hedge line is never forgotten."""
    for entry in FAQ.values():
        grades = {SOURCES[s].grade for s in entry.source_ids}
        assert entry.hedged == (not grades <= {"isa", "law"})


@dataclass(frozen=True)
class BadContent:
    name: str
    meta: str
    en: str
    error: str


GOOD_EN = 'id = "a_b"\nquestion = "Q?"\nparaphrases = ["P1"]\nanswer = "A."\n'
GOOD_META = 'id = "a_b"\nsources = ["isa_flyer"]\nas_of = 2026-05-12\n'
BAD_CONTENT = (
    BadContent("unknown source", GOOD_META.replace("isa_flyer", "blog"), GOOD_EN, "unknown source"),
    BadContent("bad id", GOOD_META.replace("a_b", "A-B"), GOOD_EN.replace("a_b", "A-B"), "id must"),
    BadContent("no date", GOOD_META.replace("as_of = 2026-05-12\n", ""), GOOD_EN, "as_of"),
    BadContent("string date", GOOD_META.replace("2026-05-12", '"2026"'), GOOD_EN, "as_of"),
    BadContent("unknown link", GOOD_META + 'links = ["x"]\n', GOOD_EN, "unknown link"),
    BadContent("no answer", GOOD_META, GOOD_EN.replace('answer = "A."\n', ""), "answer missing"),
    BadContent("long answer", GOOD_META, GOOD_EN.replace('"A."', '"' + "x" * 1600 + '"'), "1600"),
    BadContent("no paraphrases", GOOD_META, GOOD_EN.replace('["P1"]', "[]"), "paraphrases"),
    BadContent("stray key", GOOD_META, GOOD_EN + 'sorce = "x"\n', "unknown keys"),
    BadContent("no text", GOOD_META, GOOD_EN.replace("a_b", "c_d"), "text for unknown"),
    BadContent("broken toml", GOOD_META, GOOD_EN + "answer = \n", "topic.toml"),
)


@pytest.mark.parametrize("case", BAD_CONTENT, ids=[c.name for c in BAD_CONTENT])
def test_bad_content_fails_loudly(tmp_path: Path, case: BadContent) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "topic.toml").write_text("[[entry]]\n" + case.meta, encoding="utf-8")
    (tmp_path / "en" / "topic.toml").write_text("[[entry]]\n" + case.en, encoding="utf-8")
    with pytest.raises(FaqDataError, match=re.escape(case.error)):
        load(tmp_path, locales=("en",))


def test_missing_locale_file_fails(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "topic.toml").write_text("[[entry]]\n" + GOOD_META, encoding="utf-8")
    (tmp_path / "en" / "topic.toml").write_text("[[entry]]\n" + GOOD_EN, encoding="utf-8")
    assert set(load(tmp_path, locales=("en",))) == {"a_b"}
    with pytest.raises(FaqDataError, match="no ja text"):
        load(tmp_path, locales=("en", "ja"))


# --------------------------------------------------------------------------- forbidden claims

# Each claim: sentences that make it (must be caught) and correct warnings (must pass).
CLAIM_EXAMPLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "vpn_workaround": (
        (
            "Use a Japanese VPN to reach the system from abroad.",
            "Try a proxy if the page does not load.",
            "A VPN lets you log in from overseas.",
            "VPNを使えば海外からも申請できます。",
            "プロキシ経由でアクセスできます。",
        ),
        (
            "A VPN or proxy does not help: do not try to get around the block.",
            "The system blocks foreign IP addresses; a VPN will not get you in.",
            "VPNやプロキシを使ってもアクセスできません。",
        ),
    ),
    "online_on_expiry_day": (
        (
            "You can still file online on the last day.",
            "Filing online on the expiry day is fine.",
            "You can apply online after the expiry as well.",
            "最終日でもオンラインで申請できます。",
            "満了日もオンラインで申請することができます。",
        ),
        (
            "You cannot file online on the last day of your period of stay.",
            "On the expiry day, go to the counter: online filing is not possible that day.",
            "在留期限の最終日にオンラインで申請することはできません。",
            "最終日はオンラインでは申請できません。窓口で申請してください。",
        ),
    ),
    "exam_complete_is_permission": (
        (
            "The examination complete email is your permission.",
            "You can start your new job once the examination complete mail arrives.",
            "審査完了メールは許可です。",
            "審査完了メールが届いたら働き始めてよいです。",
        ),
        (
            "The examination complete email is not a permission: wait for the new card.",
            "Do not start the new job until the card arrives.",
            "審査完了メールは許可ではありません。",
        ),
    ),
    "bot_files_for_you": (
        (
            "We will submit your application for you.",
            "I can fill in the form on your behalf.",
            "このボットが代わりに申請します。",
        ),
        (
            "This guide explains and links. It never fills in or submits an application.",
            "このボットは代わりに申請しません。",
        ),
    ),
    "pr_or_card_online": (
        (
            "Permanent residence can now be applied for online.",
            "You can apply for permanent residence online.",
            "永住許可申請もオンラインでできます。",
            "在留カードの更新はオンラインでできます。",
        ),
        (
            "Permanent residence cannot be applied for online.",
            "永住許可申請はオンラインではできません。",
        ),
    ),
    "reentry_or_activity_alone": (
        (
            "You can apply for a re-entry permit online on its own.",
            "You may file the part-time work permit online by itself.",
            "再入国許可だけでもオンラインで申請できます。",
            "資格外活動許可のみ申請可能です。",
        ),
        (
            "Re-entry permission is online only together with a change, extension or acquisition.",
            "再入国許可は単独ではオンライン申請できません。",
        ),
    ),
    "mail_passport": (
        (
            "Send your passport with the card.",
            "Enclose the original passport.",
            "パスポートを同封してください。",
        ),
        (
            "Do not send the passport.",
            "Never mail your passport.",
            "パスポートは送らないでください。",
            "パスポートを郵送しないでください。",
        ),
    ),
}


def test_every_claim_has_examples() -> None:
    assert {c.id for c in CLAIMS} == set(CLAIM_EXAMPLES)


@pytest.mark.parametrize("claim_id", sorted(CLAIM_EXAMPLES))
def test_forbidden_patterns_catch_the_claim_and_pass_the_warning(claim_id: str) -> None:
    bad, good = CLAIM_EXAMPLES[claim_id]
    for sentence in bad:
        assert claim_id in violations(sentence), f"not caught: {sentence!r}"
    for sentence in good:
        assert violations(sentence) == [], f"false alarm: {sentence!r}"


def test_no_faq_answer_makes_a_forbidden_claim() -> None:
    """Every answer in every locale (questions are the users' words, not claims)."""
    bad = [
        (f"{entry.id}/{locale}", violations(text.answer))
        for entry in FAQ.values()
        for locale, text in entry.texts.items()
        if violations(text.answer)
    ]
    assert not bad, bad


def test_no_translated_message_makes_a_forbidden_claim() -> None:
    bad = []
    for locale in LOCALES:
        with (LOCALE_DIR / catalog_name(locale) / "LC_MESSAGES" / "messages.po").open("rb") as f:
            catalog = read_po(f)
        for message in catalog:
            for text in (str(message.id), str(message.string)):
                if text and violations(text):
                    bad.append((locale, violations(text), text))
    assert not bad, bad


# --------------------------------------------------------------------------- search


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "Can I apply online from abroad?",
            [("word", "apply"), ("word", "online"), ("word", "abroad")],
        ),
        ("申請の期限", [("cjk", "申請"), ("cjk", "期限")]),
        ("パスワードをわすれた", [("cjk", "パスワード"), ("kana", "をわすれた")]),
        ("ＶＰＮ", [("word", "vpn")]),
        ("the and of?", []),
        ('"OR" NEAR(x*)', [("word", "near")]),
    ],
)
def test_terms(query: str, expected: list[tuple[str, str]]) -> None:
    assert [(t.kind, t.text) for t in terms(query)][: len(expected) or None] == expected


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "?",
        '"',
        '" OR 1=1 --',
        "NEAR(a b) AND *",
        "'; DROP TABLE porter_rows; --",
        "<script>alert(1)</script>",
        "🙂🙂🙂",
        "x" * 5000,
        "申請" * 2000,
        "%_%\\",
        "\x00\x01",
    ],
)
def test_search_never_raises(query: str) -> None:
    result = search(query, top=3)
    assert 0 <= len(result.hits) <= 3
    assert all(0.0 <= h.confidence <= 1.0 for h in result.hits)
    assert search("forgot my password").hits  # the index is intact afterwards


def test_concurrent_searches_on_a_cold_index_agree_with_serial_ones() -> None:
    """Two events at once: threads share one index (one connection behind a lock)."""
    questions = [c.q for c in EVAL[:40]]
    expected = [[h.entry.id for h in INDEX.search(q).hits] for q in questions]
    index = FaqIndex(FAQ)
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda q: [h.entry.id for h in index.search(q).hits], questions))
    assert got == expected


def test_fts_syntax_in_user_text_is_quoted() -> None:
    """Operators typed by a user are words to match, never FTS5 syntax."""
    plain = search("password forgot")
    tricky = search('password" OR "forgot')
    assert plain.top is not None
    assert tricky.top is not None
    assert plain.top.entry.id == tricky.top.entry.id


def test_confidence_is_ordered_and_bounded() -> None:
    result = search("I forgot the password of the online system", top=5)
    confidences = [h.confidence for h in result.hits]
    assert confidences == sorted(confidences, reverse=True)
    assert result.answered
    assert result.top is not None
    assert result.top.entry.id == "forgot_password"


def test_typo_fallback_finds_misspelled_words() -> None:
    result = search("pasword forgoten")
    assert result.top is not None
    assert result.top.entry.id == "forgot_password"


INDEX = FaqIndex(FAQ)


@pytest.mark.parametrize(
    ("query", "pieces"),
    [
        ("期限", [("short", "期限")]),  # two characters: LIKE, not FTS5
        ("在留期限", [("gram", "在留期限")]),
        ("申請出した", [("short", "申請")]),  # 出 alone is dropped
        ("パソコン持ってない", [("gram", "パソコン")]),
        ("児童手当", [("gram", "児童手当")]),  # unknown: kept, so it lowers confidence
    ],
)
def test_japanese_runs_split_into_known_pieces(query: str, pieces: list[tuple[str, str]]) -> None:
    got = [(t.kind, t.text) for raw in terms(query) for t in INDEX.lookup_terms(raw)]
    assert got[: len(pieces)] == pieces


def test_short_japanese_terms_use_the_like_fallback() -> None:
    [raw] = terms("期限")
    [term] = INDEX.lookup_terms(raw)
    assert term.kind == "short"
    rows = INDEX.rows(term)
    assert rows
    texts = [str(r["text"]) for r in INDEX._db.table("trigram_rows").rows_where()]
    hits = {i + 1 for i, text in enumerate(texts) if "期限" in text}
    assert rows == hits


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("Can I apply from abroad", True),
        ("fee?", True),
        ("海外から申請できますか", True),
        ("パスワードを忘れた場合はどうする", True),
        ("student", False),
        ("2027-01-15", False),
        ("留学", False),
    ],
)
def test_looks_like_question(text: str, question: bool) -> None:
    assert looks_like_question(text) is question


# --------------------------------------------------------------------------- evaluation set


EVAL = load_cases(EVAL_FILE)
HOLDOUT = load_cases(HOLDOUT_FILE)


def test_eval_set_is_large_varied_and_valid() -> None:
    assert len(EVAL) >= 150
    langs = Counter(c.lang for c in EVAL)
    assert langs["en"] >= 50
    assert langs["ja"] >= 50
    assert sum(c.expect == "none" for c in EVAL) >= 30
    unknown = {c.expect for c in EVAL} - set(FAQ) - {"none"}
    assert not unknown, unknown
    for eid in SEED_IDS:
        for lang in ("en", "ja"):
            assert sum(c.expect == eid and c.lang == lang for c in EVAL) >= 2, (eid, lang)


def evaluate(cases: list[Case] = EVAL) -> tuple[float, float, list[tuple[Case, str, float]]]:
    """Top-1 accuracy on in-scope questions, decline rate on out-of-scope ones, and misses."""
    misses: list[tuple[Case, str, float]] = []
    right = declined = 0
    scope = [c for c in cases if c.expect != "none"]
    outside = [c for c in cases if c.expect == "none"]
    for case in cases:
        result = search(case.q, top=1)
        got = result.top.entry.id if result.answered and result.top else "none"
        confidence = result.top.confidence if result.top else 0.0
        if got == case.expect:
            if case.expect == "none":
                declined += 1
            else:
                right += 1
        else:
            misses.append((case, got, confidence))
    return right / len(scope), declined / len(outside), misses


def test_eval_accuracy_and_decline_rate() -> None:
    """Issue 3: top-1 accuracy of at least 90%, out-of-scope declined at least 85%."""
    accuracy, decline, misses = evaluate()
    report = "\n".join(f"{c.expect:>28} <- {got:<28} {conf:.2f} {c.q}" for c, got, conf in misses)
    assert accuracy >= 0.90, f"top-1 accuracy {accuracy:.1%}\n{report}"
    assert decline >= 0.85, f"out-of-scope declined {decline:.1%}\n{report}"


def test_holdout_does_not_regress() -> None:
    """The held-out set was never tuned on; its figures are reported by bench/bench_faq.py
    (87.1% top-1 and 97.6% declined when first run). This floor only catches regressions."""
    assert len(HOLDOUT) >= 150
    assert {c.expect for c in HOLDOUT} - {"none"} == set(FAQ)
    accuracy, decline, misses = evaluate(HOLDOUT)
    report = "\n".join(f"{c.expect:>28} <- {got:<28} {conf:.2f} {c.q}" for c, got, conf in misses)
    assert accuracy >= 0.85, f"held-out top-1 accuracy {accuracy:.1%}\n{report}"
    assert decline >= 0.85, f"held-out out-of-scope declined {decline:.1%}\n{report}"


@pytest.mark.parametrize(
    "question",
    [
        "What's the weather in Tokyo tomorrow?",
        "明日の東京の天気は？",
        "how do i file my tax return",
        "tax return",
        "確定申告のやり方を教えて",
        "I got an email saying I won the US visa lottery, is it real?",
        "ビザの抽選に当選したというメールが来ました。本物ですか？",
        "green card lottery",
    ],
)
def test_the_issue_s_out_of_scope_examples_are_declined(question: str) -> None:
    """Issue 3: the weather, tax returns and visa lottery scams get "I don't know"."""
    result = search(question)
    assert not result.answered, [(h.entry.id, h.confidence) for h in result.hits]


def test_threshold_is_between_zero_and_one() -> None:
    assert 0 < THRESHOLD < 1


# --------------------------------------------------------------------------- CLI


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "faq", *args],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=ROOT,
        check=False,
        timeout=60,
    )


def test_cli_text_output_is_ready_to_paste() -> None:
    run = _cli("外国から申請できますか")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("1. ")
    assert "https://www.moj.go.jp/isa/" in run.stdout
    # Answered in Japanese for a Japanese question.
    assert "ログインも申請もできません" in run.stdout
    # Issue 11: no internal entry ids or confidence numbers in text people paste (they
    # stay in --json), and no code repository shown as a source.
    assert "[abroad" not in run.stdout
    assert not re.search(r"\(0\.\d\d\)|\b[01]\.\d\d\]", run.stdout)
    assert "github.com" not in run.stdout


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_third_party_sources_are_labelled_and_not_under_an_isa_address(lang: str) -> None:
    """A third-party source is said to be one, without an ISA URL beside it."""
    from bot.faq import entries
    from bot.faq.answer import entry_text, result_text, source_title
    from bot.faq.search import Hit, SearchResult
    from bot.i18n import translator

    tr = translator(lang)
    third = [e for e in entries().values() if e.sources[0].grade not in ("isa", "law")]
    assert third
    for entry in third:
        assert tr.t(
            "Third-party source: {source} (as of {date}); check the official ISA page.",
            source=source_title(tr, entry.sources[0]),
            date=tr.date(entry.as_of),
        ) in entry_text(tr, entry)
    for entry in entries().values():
        text = result_text(tr, SearchResult(query="q", hits=(Hit(entry, 1.0),)))
        assert "github.com" not in text
        for src in entry.sources:
            if src.grade not in ("isa", "law"):
                assert f"{source_title(tr, src)} <" not in text


def test_cli_json_is_stable() -> None:
    run = _cli("Can I apply online from abroad?", "--json", "--top", "2", "--lang", "ja")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert set(data) == {"api_version", "query", "lang", "answered", "threshold", "results"}
    assert data["api_version"] == 1
    assert data["lang"] == "ja"
    assert data["answered"] is True
    assert 1 <= len(data["results"]) <= 2
    first = data["results"][0]
    assert set(first) == {
        "id",
        "confidence",
        "question",
        "answer",
        "as_of",
        "hedged",
        "sources",
        "links",
    }
    assert first["id"] == "abroad"
    # "label" was added in issue 11 (what users read); nothing was renamed or dropped.
    assert set(first["sources"][0]) == {"id", "title", "label", "url", "as_of", "grade"}
    assert first["question"] == FAQ["abroad"].texts["ja"].question


def test_cli_declines_out_of_scope_with_the_information_centre() -> None:
    run = _cli("What is the weather in Osaka tomorrow?", "--json")
    data = json.loads(run.stdout)
    assert data["answered"] is False
    assert data["fallback"]["phone"] == "0570-013904"
    text = _cli("What is the weather in Osaka tomorrow?").stdout
    assert "0570-013904" in text


def test_cli_reads_stdin_and_rejects_bad_arguments() -> None:
    run = _cli("-", stdin="forgot my password")
    assert run.returncode == 0
    assert run.stdout.startswith("1. I forgot my password for the online system.")
    assert _cli("x", "--top", "0").returncode == 2
    assert _cli("x", "--lang", "fr").returncode == 2
    empty = _cli("  ")
    assert empty.returncode == 2
    assert "empty" in empty.stderr
