"""Channel-neutral message types and the typed session.

``Incoming`` is what every channel turns its updates into; ``Reply`` is what the
engine returns for the channel to render. ``Session`` is the whole stored state
of one conversation: typed, validated on load, never a loose dict. It holds
codes and dates only, never free text a user typed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.assess import AssessResponse
from bot.assess_contract import DA_NOTICE_PATTERN, check_date_range
from bot.codes import Location, Procedure, RelativeCondition, Status, TrainingType, UserType

CommandName = Literal["back", "restart", "help", "lang", "forget"]
COMMANDS: tuple[CommandName, ...] = ("back", "restart", "help", "lang", "forget")
# The longest text the engine reads; longer input gets a re-prompt, not processing.
MAX_TEXT = 500
# The longest user key a channel may use (e.g. "tg:123456789").
MAX_KEY = 200


# A partner code (``acme``): what a deep link, an embed or the web API may carry.
PARTNER_CODE = r"^[A-Za-z0-9-]{1,40}$"


class Event(BaseModel):
    """One event from a user, in any channel (contract: chat --jsonl events).

    Every channel builds its events through this model and its validator: at most one
    of ``text``, ``choice`` and ``command`` (an event with none of them opens or
    resumes a conversation: the greeting), and ``arg`` only with a command."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user_key: str = Field(min_length=1, max_length=MAX_KEY)
    text: str | None = None
    choice: str | None = None
    command: CommandName | None = None
    arg: str | None = None
    # The channel's guess at the user's language (Telegram language_code, Accept-Language).
    locale_hint: str | None = None
    # Added in 0.3: the partner code a deep link or embed carried (``acme``); kept as a code.
    partner: str | None = Field(default=None, pattern=PARTNER_CODE)
    # Overrides the engine's clock for this event (tests, replays): 1900-2199 only.
    now: AwareDatetime | None = None

    @field_validator("now")
    @classmethod
    def _now_in_range(cls, value: datetime | None) -> datetime | None:
        if value is not None:
            check_date_range(value.date())
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Event:
        given = [k for k in ("text", "choice", "command") if getattr(self, k) is not None]
        if len(given) > 1:
            msg = f"send one of text, choice or command, not {' and '.join(given)}"
            raise ValueError(msg)
        if self.arg is not None and self.command is None:
            msg = "arg goes with a command"
            raise ValueError(msg)
        return self

    @property
    def is_open(self) -> bool:
        """No text, choice or command: the conversation is opened (or resumed)."""
        return self.text is None and self.choice is None and self.command is None


# The name this model had before 0.4; kept for code written against it.
Incoming = Event


class Button(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    label: str
    # Set on link buttons only (added in 0.1): the channel opens it instead of sending the id.
    url: str | None = None


# Added in 0.4: what a message is, for channels to style by. ``headline``: the verdict's
# answer (Telegram bolds its first line); ``body``: more of the verdict (needs, notes,
# checklist); ``prompt``: the current question, with this turn's notices before it;
# ``notice``: what a turn says at the verdict; ``help``: the help text; ``faq``: an FAQ
# answer or "I don't know"; ``handoff``: the link to the official system.
Role = Literal["headline", "body", "prompt", "notice", "help", "faq", "handoff"]


class Message(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    buttons: list[Button] = Field(default_factory=list)
    role: Role = "body"


class Expects(BaseModel):
    model_config = ConfigDict(frozen=True)

    slot: str
    kind: Literal["choice", "date", "text"]


class FaqRef(BaseModel):
    """Which FAQ entry a turn answered (added in 0.2): a code, never the user's text."""

    model_config = ConfigDict(frozen=True)

    # The entry answered, or None when the bot declined ("I don't know").
    id: str | None
    confidence: float


class CardDate(BaseModel):
    """One date of the verdict card's timeline (added in 0.5)."""

    model_config = ConfigDict(frozen=True)

    # window_opens, last_online_day, expiry or counter_deadline (bot.keydates.DateKind).
    kind: str
    date: date
    # What the date is, and the date in words, in the conversation's language.
    label: str
    text: str


class Card(BaseModel):
    """The verdict laid out as a card (added in 0.5): what channels show as the outcome,
    a timeline of dates, then the reasons. The checklist is the verdict's own; the
    messages still carry the whole verdict as text for channels that show only text."""

    model_config = ConfigDict(frozen=True)

    # online_now, not_yet (only the online window is not open yet) or not_online
    # (bot.takeaway.Outcome).
    outcome: str
    # The outcome in words, a symbol for it, and the verdict's answer sentence.
    headline: str
    symbol: str
    answer: str
    dates: list[CardDate]
    reasons: list[str]
    # "What to prepare (as of …):", or None when there is no checklist.
    checklist_title: str | None = None


class Reply(BaseModel):
    """The engine's answer to one event (contract: chat --jsonl replies)."""

    model_config = ConfigDict(frozen=True)

    messages: list[Message]
    expects: Expects | None
    verdict: AssessResponse | None = None
    # Added in 0.1: the step the conversation is at, and its language.
    state: str | None = None
    locale: str | None = None
    # Added in 0.2: set when the turn was a question the FAQ answered (or declined).
    faq: FaqRef | None = None
    # Added in 0.5: the verdict as a card, on the reply that shows the whole verdict.
    card: Card | None = None


class Slots(BaseModel):
    """The answers collected so far: codes and dates only."""

    model_config = ConfigDict(extra="forbid")

    user_type: UserType | None = None
    relative_condition: RelativeCondition | None = None
    procedure: Procedure | None = None
    with_procedure: Procedure | None = None
    # The user said re-entry / activity permission is filed on its own.
    main_declined: bool = False
    status: Status | None = None
    new_status: Status | None = None
    expiry: date | None = None
    has_my_number_card: bool | None = None
    location: Location | None = None
    # Added in 0.4 (absent in older sessions: None).
    training_type: TrainingType | None = None
    filer_is_supervising_org: bool | None = None
    # The 告示 number on the designation paper ("46", "33の2"), "listed" or "outside".
    da_notice: str | None = Field(default=None, pattern=DA_NOTICE_PATTERN)
    stay_over_3_months: bool | None = None
    applicant_in_japan: bool | None = None


SCHEMA_VERSION = 1


class Session(BaseModel):
    """One conversation's stored state."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    key: str
    flow: str
    state: str
    locale: str
    slots: Slots = Field(default_factory=Slots)
    history: list[str] = Field(default_factory=list)
    # Readings of an ambiguous date (03/04/2027), offered as buttons.
    pending_dates: list[date] = Field(default_factory=list)
    # Statuses offered at the status step (a group, or matches of a typed name).
    status_filter: list[Status] | None = None
    turns: int = 0
    # The partner code the conversation started from (analytics only; first one wins).
    partner: str | None = None
    # Optimistic-concurrency counter, incremented on every save.
    version: int = 0
    updated_at: datetime | None = None


def reply_to_json(reply: Reply) -> dict[str, object]:
    """The reply's wire shape: ``url`` appears on link buttons only."""
    data = reply.model_dump(mode="json")
    for message in data["messages"]:
        for button in message["buttons"]:
            if button.get("url") is None:
                button.pop("url", None)
    return data
