"""Lint やさしい日本語 (Easy Japanese) texts: the catalog and the FAQ of ``ja_easy``.

    python tools/easy_japanese.py

Three rules, each message (a catalog msgstr, an FAQ question, an FAQ answer) on its own:

1. Sentences of at most 30 characters. A sentence ends at 。！？!? or a line break. Before
   counting, readings in parentheses after a kanji word are removed, each ``{placeholder}``
   and each URL counts as one character, and a bullet mark ("• ") at the start of a line
   is ignored.
2. A kanji outside grades 1-3 of the 学年別漢字配当表 (``bot/data/kanji_grades_1_3.txt``)
   has its reading in parentheses at its first use in the message: the kanji run holding
   it, or the word it starts (kanji run plus katakana, digits and more kanji, as in
   ``在留カード（ざいりゅうカード）``), is followed at once by ``（かな）`` or ``(かな)``.
   Later uses in the same message need no reading. Otherwise write the word in kana.
3. No honorific keigo (ございます, いたします, おります, いただ, 申し上げ, ご覧, 存じ,
   なさい, くださいませ, お越し, 参り). Plain です/ます and ください are fine.

Prints every problem (file, msgid or entry id, problem) and exits 1 if there is one.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KANJI_FILE = ROOT / "bot" / "data" / "kanji_grades_1_3.txt"
CATALOG = ROOT / "locales" / "ja_easy" / "LC_MESSAGES" / "messages.po"
FAQ_DIR = ROOT / "bot" / "faq" / "content" / "ja_easy"

MAX_SENTENCE = 30
GRADE_SIZES = {"grade1": 80, "grade2": 160, "grade3": 200}

_KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_KANA = "\u3041-\u309f\u30a1-\u30ff"
# A kanji run (々 repeats the kanji before it, so it belongs to the run).
KANJI_RUN = re.compile(f"[{_KANJI}々]+")
# A word that starts with kanji and goes on through katakana, digits, ・ and more kanji:
# 在留カード, 高度専門職1号, 経営・管理. Its reading may follow the whole word.
WORD = re.compile(f"[{_KANJI}々][{_KANJI}々\u30a1-\u30fa\u30fc・0-9０-９]*")
# A reading: kana only (spaces and ・ allowed between words), in full- or half-width brackets.
READING = re.compile(f"[（(][{_KANA}・ 　]*[{_KANA}][{_KANA}・ 　]*[）)]")
PLACEHOLDER = re.compile(r"\{\w+\}")
URL = re.compile(r"https?://[!-~]+")
BULLET = re.compile(r"^\s*[•・*-]\s+")
SENTENCE_END = re.compile(r"[。！？!?]")
KEIGO = (
    "ございます",
    "いたします",
    "おります",
    "いただ",
    "申し上げ",
    "ご覧",
    "存じ",
    "なさい",
    "くださいませ",
    "お越し",
    "参り",
)
# とおります (通ります) and なおります (直ります) are not the humble おります.
_KEIGO = re.compile("|".join(("(?<![とな])おります" if k == "おります" else k) for k in KEIGO))


def allowed_kanji(path: Path = KANJI_FILE) -> frozenset[str]:
    """The 440 kanji of grades 1-3; raises ValueError if the file's counts are wrong."""
    grades: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, _, chars = line.partition(":")
        grades[name.strip()] = chars.strip()
    everything = "".join(grades.values())
    sizes = {name: len(chars) for name, chars in grades.items()}
    if sizes != GRADE_SIZES or len(set(everything)) != len(everything):
        msg = f"{path}: expected {GRADE_SIZES} distinct kanji, found {sizes}"
        raise ValueError(msg)
    if not all(KANJI_RUN.fullmatch(c) for c in everything):
        msg = f"{path}: a character that is not a kanji"
        raise ValueError(msg)
    return frozenset(everything)


def _readings(text: str) -> list[tuple[int, int]]:
    """(start, end) of each reading in parentheses that follows a kanji run or word."""
    spans: list[tuple[int, int]] = []
    ends = {m.end() for m in KANJI_RUN.finditer(text)} | {m.end() for m in WORD.finditer(text)}
    for end in sorted(ends):
        found = READING.match(text, end) if end < len(text) else None
        if found and (not spans or spans[-1][1] <= end):
            spans.append(found.span())
    return spans


def _kanji_problems(text: str, allowed: frozenset[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for word in WORD.finditer(text):
        word_read = READING.match(text, word.end()) is not None
        for run in KANJI_RUN.finditer(word.group()):
            run_read = word_read or READING.match(text, word.start() + run.end()) is not None
            for char in run.group():
                if char in allowed or char == "々" or char in seen:
                    continue
                if not run_read:
                    out.append(f"kanji {char!r} in {word.group()!r} needs a reading (かな)")
                seen.add(char)
    return out


def _sentences(text: str) -> Iterator[str]:
    cut = sorted(_readings(text), reverse=True)
    for start, end in cut:
        text = text[:start] + text[end:]
    for raw in text.splitlines():
        line = URL.sub("＊", PLACEHOLDER.sub("＊", BULLET.sub("", raw)))
        for sentence in SENTENCE_END.split(line):
            if sentence.strip():
                yield sentence.strip()


def problems(text: str, allowed: frozenset[str]) -> list[str]:
    """Every way ``text`` breaks the three rules (an empty list when it keeps them)."""
    out = [
        f"sentence of {len(s)} characters (at most {MAX_SENTENCE}): {s!r}"
        for s in _sentences(text)
        if len(s) > MAX_SENTENCE
    ]
    out += _kanji_problems(text, allowed)
    out += [f"keigo {m.group()!r}" for m in _KEIGO.finditer(text)]
    return out


def _catalog_texts(path: Path) -> Iterator[tuple[str, str]]:
    with path.open("rb") as fh:
        catalog = read_po(fh)
    for message in catalog:
        if message.id and isinstance(message.string, str):
            yield str(message.id), message.string


def _faq_texts(folder: Path) -> Iterator[tuple[str, str, str]]:
    for path in sorted(folder.glob("*.toml")):
        for entry in tomllib.loads(path.read_text(encoding="utf-8")).get("entry", []):
            for field in ("question", "answer"):
                yield path.name, f"{entry.get('id')}.{field}", str(entry.get(field, "")).strip()


def main() -> int:
    allowed = allowed_kanji()
    found: list[str] = []
    if CATALOG.exists():
        where = CATALOG.relative_to(ROOT)
        for msgid, text in _catalog_texts(CATALOG):
            found += [f"{where}: {msgid!r}: {p}" for p in problems(text, allowed)]
    else:
        found.append(f"{CATALOG} is missing")
    if FAQ_DIR.is_dir():
        for name, entry, text in _faq_texts(FAQ_DIR):
            where = (FAQ_DIR / name).relative_to(ROOT)
            found += [f"{where}: {entry}: {p}" for p in problems(text, allowed)]
    else:
        found.append(f"{FAQ_DIR} is missing")
    for problem in found:
        print(problem)
    print(f"easy Japanese: {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
