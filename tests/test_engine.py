"""The engine through ``handle()``: conversation, commands, persistence, bad input."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from bot.clock import fixed_clock
from bot.engine import Engine
from bot.flows.guide import GUIDE
from bot.i18n import LOCALES
from bot.models import Incoming, Reply
from bot.storage import SQLiteStore
from tests.conftest import NOW, Talk, drive, event

EXTENSION_EN = (
    "lang:en",
    "user_type:foreign_national",
    "procedure:extension",
    "status:student",
    "2027-01-15",
    "stay_over_3_months:yes",
    "has_my_number_card:yes",
    "location:japan",
)


def _button_ids(reply: Reply) -> list[str]:
    return [b.id for m in reply.messages for b in m.buttons]


def _text(reply: Reply) -> str:
    return "\n".join(m.text for m in reply.messages)


def test_first_message_greets_and_asks_language(talk: Talk) -> None:
    """Any first message gets the greeting and the language question."""
    reply = talk(text="hello")
    assert "never fill in or submit" in _text(reply)
    assert reply.expects is not None
    assert reply.expects.slot == "lang"
    assert _button_ids(reply) == [f"lang:{loc}" for loc in LOCALES]


def test_full_conversation_reaches_verdict(talk: Talk) -> None:
    """Seven answers lead to an online 'yes', a checklist and the hand-off link button."""
    reply = drive(talk, *EXTENSION_EN)
    assert reply.expects is None
    assert reply.verdict is not None
    assert reply.verdict.online
    assert reply.verdict.last_online_day is not None
    text = _text(reply)
    assert "Yes: this can be filed online now." in text
    assert "Last day to file online: January 14, 2027." in text
    link = next(b for m in reply.messages for b in m.buttons if b.url)
    assert link.url == "https://www.moj.go.jp/isa/applications/online/onlineshinsei.html"
    assert {"cmd:back", "cmd:restart"} <= set(_button_ids(reply))


def test_expiry_day_verdict_sends_to_counter(talk: Talk) -> None:
    """On the expiry day the verdict is 'no'. Today (2026-11-22) is a Sunday: the offices
    are closed, so it never says "go today" but gives the next business day (the Monday
    is a holiday). Corrections item 10."""
    steps = list(EXTENSION_EN)
    steps[4] = "2026-11-22"
    reply = drive(talk, *steps)
    assert reply.verdict is not None
    assert reply.verdict.reasons == ["expiry_today"]
    assert "go to the nearest regional immigration office today" not in _text(reply)
    assert "closed today" in _text(reply)
    assert "November 24, 2026" in _text(reply)


def test_expiry_day_on_a_business_day_sends_to_the_counter_today(talk: Talk) -> None:
    """On a business day the expiry-day verdict says to go to the office today."""
    monday = "2026-11-30T01:00:00Z"
    talk(text="hello", now=monday)
    for step in EXTENSION_EN:
        if step == "2027-01-15":
            reply = talk(text="2026-11-30", now=monday)
        elif ":" in step:
            reply = talk(choice=step, now=monday)
        else:
            reply = talk(text=step, now=monday)
    assert reply.verdict is not None
    assert reply.verdict.reasons == ["expiry_today"]
    assert "go to the nearest regional immigration office today" in _text(reply)


def test_date_is_confirmed_in_words(talk: Talk) -> None:
    """A typed date is confirmed back in words before the next question."""
    reply = drive(talk, *EXTENSION_EN[:4], "令和9年1月15日")
    assert reply.messages[-1].text.startswith("Expiry date: January 15, 2027.")
    assert reply.expects is not None
    assert reply.expects.slot == "stay_over_3_months"


def test_ambiguous_date_asks_which(talk: Talk) -> None:
    """03/04/2027 offers both readings as buttons; choosing one fills the date."""
    reply = drive(talk, *EXTENSION_EN[:4], "03/04/2027")
    assert "March 4, 2027 or April 3, 2027" in _text(reply)
    assert _button_ids(reply) == ["expiry:2027-03-04", "expiry:2027-04-03"]
    reply = talk(choice="expiry:2027-04-03")
    assert "Expiry date: April 3, 2027." in _text(reply)


@pytest.mark.parametrize(
    ("typed", "needle"),
    [
        ("2027-02-30", "month 2 of 2027 has 28 days"),
        ("2027-13-01", "There is no month 13"),
        ("1/15/27", "year in full"),
        ("next spring", "couldn't read that as a date"),
        ("2099-01-01", "too far ahead"),
        ("令和元年4月30日", "outside the 令和 era"),
    ],
)
def test_bad_dates_get_a_reason(talk: Talk, typed: str, needle: str) -> None:
    """An impossible or unreadable date gets a re-prompt that says why, at the same step."""
    reply = drive(talk, *EXTENSION_EN[:4], typed)
    assert needle in _text(reply)
    assert reply.expects is not None
    assert reply.expects.slot == "expiry"


def test_back_clears_the_answer(talk: Talk, store: SQLiteStore) -> None:
    """Back returns to the previous question and forgets its answer."""
    drive(talk, *EXTENSION_EN[:4])
    reply = talk(command="back")
    assert reply.expects is not None
    assert reply.expects.slot == "status"
    reply = talk(command="back")
    assert reply.expects is not None
    assert reply.expects.slot == "procedure"
    saved = store.load("test:1")
    assert saved is not None
    assert saved.slots.procedure is None
    assert saved.slots.user_type == "foreign_national"


def test_back_from_verdict_and_at_first_question(talk: Talk) -> None:
    """Back from the verdict reopens the last question; at the first it says so."""
    drive(talk, *EXTENSION_EN)
    reply = talk(choice="cmd:back")
    assert reply.expects is not None
    assert reply.expects.slot == "location"
    talk(command="restart")
    for _ in range(3):
        reply = talk(command="back")
    assert "This is the first question." in _text(reply)


def test_restart_keeps_the_language(talk: Talk) -> None:
    """Restart goes back to 'who files?' in the chosen language."""
    drive(talk, "lang:ja", "user_type:relative")
    reply = talk(command="restart")
    assert reply.expects is not None
    assert reply.expects.slot == "user_type"
    assert reply.locale == "ja"


def test_help_keeps_the_step(talk: Talk) -> None:
    """Help explains the current question and asks it again."""
    drive(talk, *EXTENSION_EN[:4])
    reply = talk(command="help")
    assert "在留期間満了日" in _text(reply)
    assert "0570-013904" in _text(reply)
    assert reply.expects is not None
    assert reply.expects.slot == "expiry"


def test_language_switch_mid_flow(talk: Talk, store: SQLiteStore) -> None:
    """Changing language re-renders the current step and keeps every answer."""
    drive(talk, *EXTENSION_EN[:3])
    reply = talk(command="lang", arg="ja")
    assert reply.locale == "ja"
    assert reply.expects is not None
    assert reply.expects.slot == "status"
    saved = store.load("test:1")
    assert saved is not None
    assert saved.slots.procedure == "extension"
    reply = talk(choice="lang:en")
    assert reply.locale == "en"
    assert "status of residence" in _text(reply)


def test_language_picker_without_argument(talk: Talk) -> None:
    """'lang' alone shows the current question and then the language buttons (the
    question's buttons come first, so their numbers do not change)."""
    drive(talk, *EXTENSION_EN[:2])
    reply = talk(text="language")
    assert reply.messages[0].buttons[0].id == "procedure:extension"
    assert reply.messages[-1].buttons[0].id == "lang:en"
    assert reply.expects is not None
    assert reply.expects.slot == "procedure"


def test_forget_deletes_the_session(talk: Talk, store: SQLiteStore) -> None:
    """Forget deletes the stored session; the next message starts afresh."""
    drive(talk, *EXTENSION_EN[:3])
    assert store.exists("test:1")
    reply = talk(command="forget")
    assert reply.expects is None
    assert store.load("test:1") is None
    assert not store.exists("test:1")
    reply = talk(text="hi again")
    assert reply.expects is not None
    assert reply.expects.slot == "lang"


def test_stale_button_is_answered_gracefully(talk: Talk) -> None:
    """A button from an earlier question re-shows the current one and changes nothing."""
    drive(talk, *EXTENSION_EN[:4])
    reply = talk(choice="user_type:relative")
    assert "earlier question" in _text(reply)
    assert reply.expects is not None
    assert reply.expects.slot == "expiry"


@pytest.mark.parametrize(
    "choice", ["status:unicorn", "status:", "nonsense", "status_group:space", ":", "lang:xx"]
)
def test_unknown_button_values(talk: Talk, choice: str) -> None:
    """Unknown or malformed button ids never crash and keep the step."""
    drive(talk, *EXTENSION_EN[:3])
    reply = talk(choice=choice)
    assert reply.expects is not None
    assert reply.expects.slot == "status"


@pytest.mark.parametrize(
    "text",
    [
        "x" * 5000,
        "🙂🙃🎌",
        "<script>alert(1)</script>",
        "'; DROP TABLE sessions; --",
        "\x00\x01\x02",
        "   ",
        "👨‍👩‍👧‍👦" * 100,
    ],
)
def test_bad_input_reprompts(talk: Talk, store: SQLiteStore, text: str) -> None:
    """Pastes, emoji, markup and SQL get a re-prompt; the session and the table survive."""
    drive(talk, *EXTENSION_EN[:3])
    reply = talk(text=text)
    assert reply.expects is not None
    assert reply.expects.slot == "status"
    assert reply.messages[-1].buttons
    saved = store.load("test:1")
    assert saved is not None
    assert saved.state == "ask_status"


def test_long_paste_says_too_long(talk: Talk) -> None:
    """A 5,000-character paste is refused with a clear message."""
    drive(talk, *EXTENSION_EN[:3])
    assert "too long" in _text(talk(text="a" * 5000))


@pytest.mark.parametrize(
    "pasted", ["AB12345678CD", "my card is ab12345678cd", "1234 5678 9012", "TK1234567"]
)
def test_id_numbers_are_not_kept(talk: Talk, db_path: Path, pasted: str) -> None:
    """A pasted card, passport or My Number number is warned about and stored nowhere."""
    drive(talk, *EXTENSION_EN[:3])
    reply = talk(text=pasted)
    assert "I have not kept it" in _text(reply)
    conn = sqlite3.connect(db_path)
    dump = "\n".join(conn.iterdump())
    conn.close()
    assert pasted.upper() not in dump.upper()
    assert "5678" not in dump


def test_free_text_is_never_stored(talk: Talk, db_path: Path) -> None:
    """What a user types is interpreted, not stored: only codes and dates are saved."""
    drive(talk, *EXTENSION_EN[:4], "my name is Zebedee Quux")
    conn = sqlite3.connect(db_path)
    dump = "\n".join(conn.iterdump())
    conn.close()
    assert "Zebedee" not in dump


@pytest.mark.parametrize(
    ("typed", "status"),
    [
        ("技人国", "engineer_specialist_humanities_international"),
        ("Gijinkoku", "engineer_specialist_humanities_international"),
        ("留学", "student"),
        ("student visa", "student"),
        ("ＳＴＵＤＥＮＴ", "student"),
        ("permanent resident", "permanent_resident"),
        ("日本人の配偶者等", "spouse_or_child_of_japanese_national"),
        ("Long-Term Resident", "long_term_resident"),
    ],
)
def test_typed_status_names(talk: Talk, store: SQLiteStore, typed: str, status: str) -> None:
    """Status names and common synonyms in either language fill the status."""
    drive(talk, *EXTENSION_EN[:3], typed)
    saved = store.load("test:1")
    assert saved is not None
    assert saved.slots.status == status


def test_ambiguous_status_offers_matches(talk: Talk) -> None:
    """'SSW' matches both Specified Skilled Worker statuses; both are offered."""
    reply = drive(talk, *EXTENSION_EN[:3], "ssw")
    ids = _button_ids(reply)
    assert "status:specified_skilled_worker_1" in ids
    assert "status:specified_skilled_worker_2" in ids
    assert "Did you mean" in _text(reply)


def test_unknown_status_name(talk: Talk) -> None:
    """An unknown status name is refused with the list again."""
    reply = drive(talk, *EXTENSION_EN[:3], "astronaut")
    assert "don't know that status" in _text(reply)


def test_status_groups(talk: Talk) -> None:
    """A group button shows that group's statuses; 'All groups' goes back."""
    reply = drive(talk, *EXTENSION_EN[:3], "status_group:other")
    assert "status:temporary_visitor" in _button_ids(reply)
    reply = talk(choice="status_group:all")
    assert "status_group:work" in _button_ids(reply)


def test_number_picks_a_button(talk: Talk, store: SQLiteStore) -> None:
    """Typing '2' presses the second button of the current question."""
    drive(talk, "lang:en", "2")
    saved = store.load("test:1")
    assert saved is not None
    assert saved.slots.user_type == "organization_staff"


def test_relative_flow_asks_the_condition(talk: Talk) -> None:
    """A relative is asked whether the applicant is under 16 or unable."""
    reply = drive(talk, "lang:en", "user_type:relative")
    assert reply.expects is not None
    assert reply.expects.slot == "relative_condition"
    reply = drive(
        talk,
        "lang:en",
        "user_type:relative",
        "relative_condition:neither",
        "procedure:extension",
        "status:dependent",
        "2027-01-15",
        "has_my_number_card:yes",
        "location:japan",
        "applicant_in_japan:japan",
    )
    assert reply.verdict is not None
    assert reply.verdict.reasons == ["relative_condition_not_met"]


def test_counter_only_procedure_skips_to_verdict(talk: Talk) -> None:
    """Permanent residence needs no expiry or location: the verdict follows the status."""
    reply = drive(
        talk, "lang:en", "user_type:foreign_national", "procedure:permanent_residence", "留学"
    )
    assert reply.verdict is not None
    assert reply.verdict.reasons == ["procedure_not_online"]


def test_reentry_asks_for_the_main_application(talk: Talk) -> None:
    """Re-entry asks which application it goes with; 'on its own' ends in 'not online'."""
    reply = drive(talk, "lang:en", "user_type:lawyer_scrivener", "procedure:reentry_permit")
    assert reply.expects is not None
    assert reply.expects.slot == "with_procedure"
    reply = drive(
        talk,
        "lang:en",
        "user_type:lawyer_scrivener",
        "procedure:reentry_permit",
        "with_procedure:none",
        "status:student",
    )
    assert reply.verdict is not None
    assert reply.verdict.reasons == ["needs_main_application"]


def test_change_asks_the_new_status(talk: Talk) -> None:
    """A change of status asks the status applied for after the current one."""
    reply = drive(
        talk, "lang:en", "user_type:lawyer_scrivener", "procedure:change_of_status", "留学"
    )
    assert reply.expects is not None
    assert reply.expects.slot == "new_status"


def test_japanese_conversation(talk: Talk) -> None:
    """The whole conversation works in Japanese, with dates formatted for ja."""
    reply = drive(
        talk,
        "lang:ja",
        "user_type:foreign_national",
        "procedure:extension",
        "status:student",
        "2027/1/15",
    )
    assert "2027年1月15日" in _text(reply)
    reply = drive(talk, "lang:ja", *EXTENSION_EN[1:])
    assert reply.verdict is not None
    assert reply.locale == "ja"
    assert "2027年1月14日" in _text(reply)


def test_restart_of_the_process_loses_nothing(db_path: Path) -> None:
    """A new engine on the same file continues where the old one stopped."""
    first = Engine(SQLiteStore(db_path), clock=fixed_clock(NOW))
    for s in ("hi", "lang:en", "user_type:foreign_national"):
        first.handle(event(choice=s) if ":" in s else event(text=s))
    del first
    second = Engine(SQLiteStore(db_path), clock=fixed_clock(NOW))
    reply = second.handle(event(choice="procedure:extension"))
    assert reply.expects is not None
    assert reply.expects.slot == "status"


def test_current_does_not_change_the_session(engine: Engine, store: SQLiteStore) -> None:
    """current() re-renders the step without saving anything."""
    assert engine.current("nobody").expects is not None
    assert store.load("nobody") is None


def test_corrupt_row_starts_afresh(engine: Engine, store: SQLiteStore) -> None:
    """A row that no longer validates is replaced by a new session, not a crash."""
    store.db.execute(
        "INSERT INTO sessions (key, data, version, updated_at) VALUES (?, ?, ?, ?)",
        ["test:1", '{"not": "a session"}', 3, "x"],
    )
    reply = engine.handle(event(text="hello"))
    assert reply.expects is not None
    assert reply.expects.slot == "lang"
    assert store.db["quarantine"].count == 1


def test_two_messages_at_once_from_one_user(engine: Engine, store: SQLiteStore) -> None:
    """Concurrent turns of one user are serialized: every turn is applied, none is lost."""
    engine.handle(event(text="hi"))
    engine.handle(event(choice="lang:en"))
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def send() -> None:
        try:
            barrier.wait()
            engine.handle(event(text="🙂"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    saved = store.load("test:1")
    assert saved is not None
    assert saved.turns == 10


def test_two_processes_on_one_file(db_path: Path) -> None:
    """Two engines (as two processes) on one file: optimistic saves replay, nothing is lost."""
    a = Engine(SQLiteStore(db_path), clock=fixed_clock(NOW))
    b = Engine(SQLiteStore(db_path), clock=fixed_clock(NOW))
    a.handle(event(text="hi"))
    barrier = threading.Barrier(2)

    def run(engine: Engine) -> None:
        barrier.wait()
        for _ in range(25):
            engine.handle(event(text="🙂"))

    threads = [threading.Thread(target=run, args=(e,)) for e in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    saved = SQLiteStore(db_path).load("test:1")
    assert saved is not None
    assert saved.turns == 51


def test_users_are_independent(engine: Engine) -> None:
    """Two users' conversations don't affect each other."""
    engine.handle(Incoming(user_key="a", text="hi"))
    engine.handle(Incoming(user_key="a", choice="lang:ja"))
    reply = engine.handle(Incoming(user_key="b", text="hi"))
    assert reply.expects is not None
    assert reply.expects.slot == "lang"


def test_machine_is_shared_and_its_carriers_reused(talk: Talk) -> None:
    """One Machine per flow, built once; turns reuse a small pool of carrier models
    (moved with set_state), so the machine does not grow with the number of turns."""
    machine = GUIDE.machine
    drive(talk, *EXTENSION_EN)
    drive(talk, *EXTENSION_EN)
    assert GUIDE.machine is machine
    assert 1 <= len(machine.models) <= 2  # one per turn running at once (a test runs one)
    assert all(getattr(m, "session", None) is None for m in machine.models)
    assert machine.auto_transitions is False
    # Flows keep no state callbacks: the guards on the transitions are the whole logic.
    assert all(not st.on_enter and not st.on_exit for st in machine.states.values())
    # One guarded `next` per step and one `back` per step: not every pair of steps.
    assert len(GUIDE.transitions()) == 2 * len(GUIDE.steps) - 1


def test_locale_hint_sets_first_language(engine: Engine) -> None:
    """A channel's language hint (e.g. Telegram language_code) is the first guess."""
    reply = engine.handle(Incoming(user_key="jp", text="こんにちは", locale_hint="ja-JP"))
    assert reply.locale == "ja"


def test_help_as_the_first_message_keeps_the_greeting(talk: Talk) -> None:
    """/help before the language is chosen (the very first message): the greeting, with
    its warning about card numbers, comes first, then the help."""
    reply = talk(command="help")
    text = _text(reply)
    assert text.startswith("Hello! I help you check")
    assert "Please don't send names or card, passport or My Number numbers." in text
    assert "You can type at any time: back, restart, help" in text
    assert text.index("Hello!") < text.index("You can type at any time")
    assert reply.expects is not None
    assert reply.expects.slot == "lang"


def test_help_typed_as_a_word_first_keeps_the_greeting(talk: Talk) -> None:
    """The same with 'help' typed as text, and later help does not greet again."""
    assert "Please don't send names" in _text(talk(text="help"))
    assert "Hello!" not in _text(talk(text="help"))


def _at_ambiguous_date(talk: Talk) -> Reply:
    reply = drive(talk, *EXTENSION_EN[:4], "03/04/2030")
    assert _button_ids(reply) == ["expiry:2030-03-04", "expiry:2030-04-03"]
    return reply


def test_lang_at_the_ambiguous_date_keeps_the_date_buttons_first(talk: Talk) -> None:
    """/lang while two readings of a date are pending: the readings stay the first
    buttons (numbers 1 and 2), the languages come after them."""
    _at_ambiguous_date(talk)
    reply = talk(command="lang")
    ids = _button_ids(reply)
    assert ids[:2] == ["expiry:2030-03-04", "expiry:2030-04-03"]
    assert ids[2:] == [f"lang:{loc}" for loc in LOCALES]
    assert reply.expects is not None
    assert reply.expects.slot == "expiry"


def test_number_after_lang_still_picks_the_date(talk: Talk, store: SQLiteStore) -> None:
    """After /lang, typing 2 still means the second reading of the date."""
    _at_ambiguous_date(talk)
    talk(command="lang")
    reply = talk(text="2")
    saved = store.load("test:1")
    assert saved is not None
    assert str(saved.slots.expiry) == "2030-04-03"
    assert reply.expects is not None
    assert reply.expects.slot == "stay_over_3_months"


def test_lang_then_a_language_keeps_the_pending_dates(talk: Talk) -> None:
    """Choosing a language from the chooser re-asks the same two dates, in that
    language, with the same ids."""
    _at_ambiguous_date(talk)
    talk(command="lang")
    reply = talk(choice="lang:ja")
    assert reply.locale == "ja"
    assert _button_ids(reply) == ["expiry:2030-03-04", "expiry:2030-04-03"]


def test_recap_lists_the_answers_so_far(engine: Engine, talk: Talk) -> None:
    """Engine.recap: the labels of the answered steps, in the session's language."""
    assert engine.recap("test:1") is None
    drive(talk, "lang:en")
    assert engine.recap("test:1") is None  # the language alone is no answer to recap
    drive(talk, *EXTENSION_EN[1:5])
    assert engine.recap("test:1") == (
        "So far: The foreign national (myself) · Extension of Period of Stay · Student"
        " · expires January 15, 2027"
    )
    talk(command="back")
    assert engine.recap("test:1") == (
        "So far: The foreign national (myself) · Extension of Period of Stay · Student"
    )
    talk(command="lang", arg="ja")
    recap = engine.recap("test:1")
    assert recap is not None
    assert "留学" in recap
    assert "Student" not in recap


def test_recap_frames_answers_that_need_their_question(engine: Engine, talk: Talk) -> None:
    """A yes/no answer names its question; the verdict keeps every answer."""
    drive(talk, *EXTENSION_EN)
    recap = engine.recap("test:1")
    assert recap is not None
    assert "My Number Card: Yes" in recap
    assert recap.endswith("In Japan, on a Japanese network")
