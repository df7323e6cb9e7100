"""What a conversation at its verdict amounts to, for the documents a person keeps: the
calendar file (:mod:`bot.calendar_file`) and the printable checklist
(:mod:`bot.checklist_page`), issue 13.

Both are made from the assess request the answers amount to and its verdict, so the web,
Telegram and ``python -m bot assess --format html`` say the same thing. A conversation
still asking questions has no verdict, hence nothing to take away.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from bot.assess_contract import AssessRequest, AssessResponse
from bot.codes import Reason
from bot.i18n import Translator
from bot.i18n_marker import N_
from bot.models import Session

BRAND = N_("Zairyu Guide: online residence applications")


class Outcome(StrEnum):
    """The verdict in three words, said in words and a symbol, never by colour alone."""

    ONLINE_NOW = "online_now"
    NOT_YET = "not_yet"
    NOT_ONLINE = "not_online"


OUTCOME_TEXT: dict[Outcome, str] = {
    Outcome.ONLINE_NOW: N_("Online now"),
    Outcome.NOT_YET: N_("Not yet online"),
    Outcome.NOT_ONLINE: N_("Not online"),
}
OUTCOME_SYMBOL: dict[Outcome, str] = {
    Outcome.ONLINE_NOW: "✓",
    Outcome.NOT_YET: "…",
    Outcome.NOT_ONLINE: "✗",
}


def outcome(verdict: AssessResponse) -> Outcome:
    """Online now; not yet (only the window is not open); or not online."""
    if verdict.online:
        return Outcome.ONLINE_NOW
    if verdict.reasons == [Reason.WINDOW_NOT_OPEN]:
        return Outcome.NOT_YET
    return Outcome.NOT_ONLINE


def verdict_request(session: Session, now: datetime) -> AssessRequest | None:
    """The assess request of a conversation at its verdict; None while it still asks."""
    # Imported here: the rendering builds the verdict card, which reads the outcome above.
    from bot.render import current_step  # noqa: PLC0415
    from bot.verdict import assess_request  # noqa: PLC0415

    if current_step(session).slot is not None:
        return None
    return assess_request(session, now)


def with_official(tr: Translator, label: str, official: str) -> str:
    """A translated label with the official Japanese beside it (once, in Japanese)."""
    text = tr.t(label)
    if not official or text == official:
        return text
    space = "" if tr.locale.startswith("ja") else " "  # Japanese sets 「」 without a space
    return f"{text}{space}「{official}」"
