"""The verdict as a card (issue 13): the outcome in words and a symbol, the key dates as a
short timeline, then the reasons; what the widget's verdict card and Telegram's
headline-dates-checklist order are laid out from.

The verdict used to reach people as one line of text, its dates inside sentences. The card
gives channels the parts instead, already in the conversation's language (dates in words
as the rest of the verdict writes them), so a channel only arranges them. The outcome is
:func:`bot.takeaway.outcome`, the one the printable checklist shows too; the dates are
:func:`bot.keydates.key_dates` without the reminder-only "two weeks left".
"""

from __future__ import annotations

from bot.assess_contract import AssessResponse
from bot.i18n import Translator
from bot.i18n_marker import N_
from bot.keydates import DateKind, key_dates
from bot.models import Card, CardDate, Session
from bot.takeaway import OUTCOME_SYMBOL, OUTCOME_TEXT, outcome
from bot.verdict import answer_line, checklist_title, reason_lines

# The timeline's labels: short, since a date stands beside each.
DATE_LABELS: dict[DateKind, str] = {
    DateKind.WINDOW_OPENS: N_("Online filing opens"),
    DateKind.LAST_ONLINE_DAY: N_("Last day to file online"),
    DateKind.EXPIRY: N_("Period of stay ends"),
    DateKind.COUNTER_DEADLINE: N_("Last day at an immigration counter"),
}


def verdict_card(tr: Translator, session: Session, verdict: AssessResponse) -> Card:
    """The card for ``verdict``, in ``tr``'s language."""
    result = outcome(verdict)
    dates = [
        CardDate(
            kind=k.kind.value, date=k.day, label=tr.t(DATE_LABELS[k.kind]), text=tr.date(k.day)
        )
        for k in key_dates(verdict, session.slots.expiry)
        if k.kind in DATE_LABELS
    ]
    return Card(
        outcome=result.value,
        headline=tr.t(OUTCOME_TEXT[result]),
        symbol=OUTCOME_SYMBOL[result],
        answer=answer_line(tr, verdict),
        dates=dates,
        reasons=reason_lines(tr, session, verdict),
        checklist_title=checklist_title(tr, verdict) if verdict.checklist else None,
    )
