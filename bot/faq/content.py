"""FAQ entries: language-neutral metadata plus per-locale text, loaded from TOML.

Layout (``bot/faq/content/``)::

    <topic>.toml           # [[entry]] id, sources, links, as_of  (one file per topic)
    <locale>/<topic>.toml  # [[entry]] id, question, paraphrases, keywords, answer

Every entry has an id, a question with paraphrases, an answer per locale, at
least one source (an id from :mod:`bot.data.sources`, which carries the URL)
and an as-of date. :func:`load` checks all of it and raises
:class:`FaqDataError` naming the file and entry, so a bad edit fails at import
time in tests rather than mid-conversation.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from bot.data.registry import LINK_INFO
from bot.data.sources import AUTHORITATIVE_GRADES, SOURCES, Source
from bot.i18n import LOCALES, catalog_name

CONTENT_DIR = Path(__file__).parent / "content"
FAQ_LOCALES: tuple[str, ...] = LOCALES
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
MAX_ANSWER = 1500  # characters; leaves room for the source line under Telegram's 4,096


class FaqDataError(ValueError):
    """The FAQ content is incomplete or inconsistent."""


@dataclass(frozen=True, slots=True)
class FaqText:
    """One entry's words in one locale."""

    question: str
    paraphrases: tuple[str, ...]
    keywords: tuple[str, ...]
    answer: str

    @property
    def phrasings(self) -> tuple[str, ...]:
        """The question and its paraphrases: what the search matches against."""
        return (self.question, *self.paraphrases)


@dataclass(frozen=True, slots=True)
class FaqEntry:
    """An FAQ entry: id, topic, sources, links, as-of date and its text per locale."""

    id: str
    topic: str
    source_ids: tuple[str, ...]
    link_ids: tuple[str, ...]
    as_of: date
    texts: dict[str, FaqText]

    @property
    def sources(self) -> tuple[Source, ...]:
        return tuple(SOURCES[s] for s in self.source_ids)

    @property
    def hedged(self) -> bool:
        """True when any source is third-party or unverified: the answer must say so."""
        return any(s.grade not in AUTHORITATIVE_GRADES for s in self.sources)

    def text(self, locale: str) -> FaqText:
        """The entry's text in ``locale``, falling back to English."""
        return self.texts.get(locale) or self.texts["en"]


def _read(path: Path) -> list[dict[str, Any]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        msg = f"{path}: {exc}"
        raise FaqDataError(msg) from exc
    entries = data.get("entry")
    if not isinstance(entries, list):
        msg = f"{path}: expected [[entry]] tables"
        raise FaqDataError(msg)
    return entries


def _strings(value: Any, where: str, *, required: bool = True) -> tuple[str, ...]:
    if value is None and not required:
        return ()
    ok = isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
    if not ok or (required and not value):
        msg = f"{where}: expected a non-empty list of non-empty strings"
        raise FaqDataError(msg)
    return tuple(v.strip() for v in value)


def _meta(path: Path) -> list[tuple[str, tuple[str, ...], tuple[str, ...], date]]:
    rows = []
    for raw in _read(path):
        eid = raw.get("id")
        where = f"{path.name}: entry {eid!r}"
        if not isinstance(eid, str) or not ID_PATTERN.match(eid):
            msg = f"{where}: id must match {ID_PATTERN.pattern}"
            raise FaqDataError(msg)
        sources = _strings(raw.get("sources"), f"{where} sources")
        for s in sources:
            if s not in SOURCES:
                msg = f"{where}: unknown source {s!r}"
                raise FaqDataError(msg)
        links = _strings(raw.get("links"), f"{where} links", required=False)
        for link in links:
            if link not in LINK_INFO:
                msg = f"{where}: unknown link {link!r}"
                raise FaqDataError(msg)
        as_of = raw.get("as_of")
        if not isinstance(as_of, date):
            msg = f"{where}: as_of must be a TOML date (2026-05-12)"
            raise FaqDataError(msg)
        extra = set(raw) - {"id", "sources", "links", "as_of"}
        if extra:
            msg = f"{where}: unknown keys {sorted(extra)}"
            raise FaqDataError(msg)
        rows.append((eid, sources, links, as_of))
    return rows


def _text(raw: dict[str, Any], where: str) -> FaqText:
    question, answer = raw.get("question"), raw.get("answer")
    if not isinstance(question, str) or not question.strip():
        msg = f"{where}: question missing"
        raise FaqDataError(msg)
    if not isinstance(answer, str) or not answer.strip():
        msg = f"{where}: answer missing"
        raise FaqDataError(msg)
    if len(answer) > MAX_ANSWER:
        msg = f"{where}: answer is {len(answer)} characters (at most {MAX_ANSWER})"
        raise FaqDataError(msg)
    extra = set(raw) - {"id", "question", "paraphrases", "keywords", "answer"}
    if extra:
        msg = f"{where}: unknown keys {sorted(extra)}"
        raise FaqDataError(msg)
    return FaqText(
        question=question.strip(),
        paraphrases=_strings(raw.get("paraphrases"), f"{where} paraphrases"),
        keywords=_strings(raw.get("keywords"), f"{where} keywords", required=False),
        answer=answer.strip(),
    )


def load(
    directory: Path = CONTENT_DIR, locales: tuple[str, ...] = FAQ_LOCALES
) -> dict[str, FaqEntry]:
    """Read and check every entry; raises :class:`FaqDataError` on any gap."""
    entries: dict[str, FaqEntry] = {}
    for meta_path in sorted(directory.glob("*.toml")):
        topic = meta_path.stem
        texts: dict[str, dict[str, FaqText]] = {}
        for locale in locales:
            path = directory / catalog_name(locale) / meta_path.name
            if not path.exists():
                msg = f"{path}: missing (topic {topic!r} has no {locale} text)"
                raise FaqDataError(msg)
            by_id: dict[str, FaqText] = {}
            for raw in _read(path):
                eid = raw.get("id")
                where = f"{locale}/{path.name}: entry {eid!r}"
                if not isinstance(eid, str):
                    msg = f"{where}: id missing"
                    raise FaqDataError(msg)
                if eid in by_id:
                    msg = f"{where}: duplicate id"
                    raise FaqDataError(msg)
                by_id[eid] = _text(raw, where)
            texts[locale] = by_id
        meta = _meta(meta_path)
        ids = {m[0] for m in meta}
        for locale, by_id in texts.items():
            stray = set(by_id) - ids
            if stray:
                msg = f"{locale}/{meta_path.name}: text for unknown entries {sorted(stray)}"
                raise FaqDataError(msg)
        for eid, sources, links, as_of in meta:
            if eid in entries:
                msg = f"{meta_path.name}: entry {eid!r} is also in topic {entries[eid].topic!r}"
                raise FaqDataError(msg)
            per_locale = {}
            for locale in locales:
                if eid not in texts[locale]:
                    msg = f"{locale}/{meta_path.name}: entry {eid!r} has no {locale} text"
                    raise FaqDataError(msg)
                per_locale[locale] = texts[locale][eid]
            entries[eid] = FaqEntry(eid, topic, sources, links, as_of, per_locale)
    for locale_dir in directory.iterdir():
        if locale_dir.is_dir() and locale_dir.name in {catalog_name(x) for x in locales}:
            for path in locale_dir.glob("*.toml"):
                if not (directory / path.name).exists():
                    msg = f"{path}: no metadata file {path.name} for this topic"
                    raise FaqDataError(msg)
    if not entries:
        msg = f"{directory}: no FAQ entries"
        raise FaqDataError(msg)
    return entries


@cache
def entries() -> dict[str, FaqEntry]:
    """The packaged FAQ, loaded once."""
    return load()
