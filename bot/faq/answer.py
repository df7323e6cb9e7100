"""Turn an FAQ search result into reply messages (chat) or a JSON document (CLI, web).

The answer text is per-locale data; the frame around it (source line, "I don't
know", link labels) goes through the gettext catalogs.
"""

from __future__ import annotations

from typing import Any

from bot.data.registry import (
    INFO_CENTER_PHONE,
    INFO_CENTER_PHONE_ALT,
    INFO_CENTER_TEXT,
    LINK_INFO,
)
from bot.data.sources import AUTHORITATIVE_GRADES, Source
from bot.faq.content import FaqEntry
from bot.faq.search import SearchResult
from bot.i18n import Translator
from bot.i18n_marker import N_
from bot.models import Button, Message

FAQ_API_VERSION = 1
# Shown when nothing is confident enough: who to ask instead of a guess.
DECLINE_LINKS = ("isa_online_qa", "isa_info_center")

DONT_KNOW = N_(
    "I don't know the answer to that, and I would rather not guess. The ISA's Q&A page may "
    "have it, or ask the people who do know:"
)
SOURCE_LINE = N_("Source: {source} (as of {date})")
# A third-party source is never shown under an ISA address as if the ISA had said it, and
# no code repository is shown as a source (issue 11).
THIRD_PARTY_SOURCE_LINE = N_(
    "Third-party source: {source} (as of {date}); check the official ISA page."
)
HEDGE_LINE = N_(
    "Part of this comes from third-party reports, not the ISA itself: please check the ISA "
    "page before you rely on it."
)


def info_centre(tr: Translator) -> str:
    """The information centre's number and hours, with their caveat."""
    return tr.t(INFO_CENTER_TEXT, phone=INFO_CENTER_PHONE, phone_alt=INFO_CENTER_PHONE_ALT)


def decline_text(tr: Translator) -> str:
    """ "I don't know", and who to ask instead."""
    return tr.t(DONT_KNOW) + "\n" + info_centre(tr)


def link_buttons(tr: Translator, link_ids: tuple[str, ...]) -> list[Button]:
    """URL buttons for ISA pages."""
    return [
        Button(id=f"link:{lid}", label=tr.t(LINK_INFO[lid].label), url=LINK_INFO[lid].url)
        for lid in link_ids
    ]


def source_title(tr: Translator, source: Source) -> str:
    """A source as a help desk can paste it: its description in the reader's language,
    with the official Japanese title beside it when the page or law has one."""
    label = tr.t(source.label)
    if not source.official:
        return label
    space = "" if tr.locale.startswith("ja") else " "  # Japanese sets 「」 without a space
    return f"{label}{space}「{source.official}」"


def entry_text(tr: Translator, entry: FaqEntry) -> str:
    """Question, answer and source line of one entry in the translator's locale."""
    text = entry.text(tr.locale)
    primary = entry.sources[0]
    lines = [text.question, "", text.answer, ""]
    if entry.hedged:
        lines.append(tr.t(HEDGE_LINE))
    line = SOURCE_LINE if primary.grade in AUTHORITATIVE_GRADES else THIRD_PARTY_SOURCE_LINE
    lines.append(tr.t(line, source=source_title(tr, primary), date=tr.date(entry.as_of)))
    return "\n".join(lines)


def answer_messages(tr: Translator, result: SearchResult) -> list[Message]:
    """The top answer, or the "I don't know" message, as chat messages."""
    top = result.top
    if result.answered and top is not None:
        entry = top.entry
        return [
            Message(
                text=entry_text(tr, entry), buttons=link_buttons(tr, entry.link_ids), role="faq"
            )
        ]
    return [
        Message(
            text=decline_text(tr),
            buttons=link_buttons(tr, DECLINE_LINKS),
            role="faq",
        )
    ]


def _link_json(tr: Translator, link_id: str) -> dict[str, str]:
    link = LINK_INFO[link_id]
    return {"id": link_id, "label": tr.t(link.label), "url": link.url}


def result_json(tr: Translator, result: SearchResult) -> dict[str, Any]:
    """The stable ``faq --json`` / web shape (version :data:`FAQ_API_VERSION`)."""
    results = []
    for hit in result.hits:
        entry = hit.entry
        text = entry.text(tr.locale)
        results.append(
            {
                "id": entry.id,
                "confidence": hit.confidence,
                "question": text.question,
                "answer": text.answer,
                "as_of": entry.as_of.isoformat(),
                "hedged": entry.hedged,
                "sources": [
                    {
                        "id": s.id,
                        "title": s.title,
                        "label": source_title(tr, s),
                        "url": s.url,
                        "as_of": s.as_of.isoformat(),
                        "grade": s.grade,
                    }
                    for s in entry.sources
                ],
                "links": [_link_json(tr, lid) for lid in entry.link_ids],
            }
        )
    data: dict[str, Any] = {
        "api_version": FAQ_API_VERSION,
        "query": result.query,
        "lang": tr.locale,
        "answered": result.answered,
        "threshold": result.threshold,
        "results": results,
    }
    if not result.answered:
        data["fallback"] = {
            "text": decline_text(tr),
            "phone": INFO_CENTER_PHONE,
            "phone_alt": INFO_CENTER_PHONE_ALT,
            "links": [_link_json(tr, lid) for lid in DECLINE_LINKS],
        }
    return data


def result_text(tr: Translator, result: SearchResult) -> str:
    """Plain text for a terminal: numbered answers with sources and links, ready to paste."""
    blocks: list[str] = []
    if not result.answered:
        lines = [decline_text(tr)]
        lines += [f"  {tr.t(LINK_INFO[lid].label)}: {LINK_INFO[lid].url}" for lid in DECLINE_LINKS]
        blocks.append("\n".join(lines))
        return "\n\n".join(blocks)
    confident = [h for h in result.hits if h.confidence >= result.threshold]
    for number, hit in enumerate(confident, start=1):
        entry = hit.entry
        text = entry.text(tr.locale)
        lines = [f"{number}. {text.question}", "", text.answer]
        if entry.hedged:
            lines.append(tr.t(HEDGE_LINE))
        lines.append("")
        for src in entry.sources:
            if src.grade in AUTHORITATIVE_GRADES:
                source = f"{source_title(tr, src)} <{src.url}>"
                lines.append(tr.t(SOURCE_LINE, source=source, date=tr.date(src.as_of)))
            else:  # no ISA address under a third-party claim, no code repository
                lines.append(
                    tr.t(
                        THIRD_PARTY_SOURCE_LINE,
                        source=source_title(tr, src),
                        date=tr.date(src.as_of),
                    )
                )
        lines += [f"  {tr.t(LINK_INFO[lid].label)}: {LINK_INFO[lid].url}" for lid in entry.link_ids]
        blocks.append("\n".join(lines))
    # Entry ids and confidences stay in --json: no internal numbers in text people paste.
    return "\n\n".join(blocks)
