"""FAQ questions in the middle of the conversation: answer, then the same step again."""

from __future__ import annotations

import pytest

from bot.engine import Engine
from bot.models import Reply
from tests.conftest import Talk, drive, event
from tests.test_engine import EXTENSION_EN
from tests.test_faq import EVAL, SEED_IDS

# The way to each step of the guide: the first n answers of the engine tests' path (in
# Japanese for two of the steps, so answers are checked in both locales).
_STATES: tuple[str, ...] = ("ask_lang", "ask_user_type", "ask_procedure", "ask_status")
_STATES += ("ask_expiry", "ask_stay_length", "ask_my_number", "ask_location", "verdict")
_JA = ("lang:ja", *EXTENSION_EN[1:])
PATHS: dict[str, tuple[str, ...]] = {
    state: (_JA if state in ("ask_my_number", "verdict") else EXTENSION_EN)[:n]
    for n, state in enumerate(_STATES)
}
SEED_CASES = [c for c in EVAL if c.expect in SEED_IDS]


def _at(engine: Engine, user: str, state: str) -> Reply:
    def send(**fields: object) -> Reply:
        return engine.handle(event(user_key=user, **fields))

    reply = drive(send, *PATHS[state])
    assert reply.state == state
    return reply


def _text(reply: Reply) -> str:
    return "\n".join(m.text for m in reply.messages)


def test_seed_cases_cover_both_languages() -> None:
    for eid in SEED_IDS:
        assert {c.lang for c in SEED_CASES if c.expect == eid} == {"en", "ja"}


@pytest.mark.parametrize("state", list(PATHS))
def test_every_seed_question_is_answered_mid_flow_and_the_step_resumes(
    engine: Engine, state: str
) -> None:
    failures = []
    for n, case in enumerate(SEED_CASES):
        user = f"faq:{state}:{n}"
        before = _at(engine, user, state)
        after = engine.handle(event(user_key=user, text=case.q))
        got = after.faq.id if after.faq else None
        if got != case.expect:
            failures.append((case.q, case.expect, got))
            continue
        assert after.state == state
        assert after.expects == before.expects
        # The answer comes first, then the same question with the same buttons.
        assert after.messages[-1].buttons == before.messages[-1].buttons
        if state == "verdict":
            assert after.messages[-1] == before.messages[-1]
            assert after.verdict == before.verdict
        else:
            assert before.messages[-1].text.endswith(after.messages[-1].text)
        answer = after.messages[0].text
        assert answer.startswith(after_question(case.expect, after.locale or "en", state))
    assert not failures, failures


def after_question(eid: str, locale: str, state: str) -> str:
    from bot.faq import entries

    return entries()[eid].text(locale).question if state != "ask_lang" else ""


def test_a_button_still_fills_the_slot_after_a_question(talk: Talk) -> None:
    drive(talk, "lang:en")
    reply = talk(text="Can I apply online from abroad?")
    assert reply.faq is not None
    assert reply.faq.id == "abroad"
    reply = talk(choice="user_type:foreign_national")
    assert reply.state == "ask_procedure"
    assert reply.faq is None


def test_typed_answers_still_fill_the_slot(talk: Talk) -> None:
    drive(talk, "lang:en", "user_type:foreign_national", "procedure:extension")
    reply = talk(text="Student")
    assert reply.state == "ask_expiry"
    assert reply.faq is None
    reply = talk(text="2027-01-15")
    assert reply.state == "ask_stay_length"


@pytest.mark.parametrize(
    ("text", "state", "notice"),
    [
        ("2027-01-15", "ask_stay_length", "January 15, 2027"),
        ("15 January 2027", "ask_stay_length", "January 15, 2027"),
        ("03/04/2027", "ask_expiry", "Which date do you mean"),
        ("2027-02-30", "ask_expiry", "That date does not exist"),
        ("Engineer/Specialist in Humanities/International Services", "ask_expiry", "changed to"),
        ("技術・人文知識・国際業務", "ask_expiry", "changed to"),
        ("permanent resident", "ask_stay_length", "changed to"),
        ("blue", "ask_expiry", "couldn't read that as a date"),
    ],
)
def test_dates_and_statuses_typed_at_the_date_step_are_answers(
    talk: Talk, text: str, state: str, notice: str
) -> None:
    drive(talk, *PATHS["ask_expiry"])
    reply = talk(text=text)
    assert reply.faq is None
    assert reply.state == state
    assert notice in _text(reply)


def test_status_correction_at_the_date_step_replaces_the_status(engine: Engine) -> None:
    _at(engine, "u:correct", "ask_expiry")
    engine.handle(event(user_key="u:correct", text="技術・人文知識・国際業務"))
    reply = engine.handle(event(user_key="u:correct", text="2027-01-15"))
    assert reply.state == "ask_stay_length"
    session = engine.store.load("u:correct")
    assert session is not None
    assert session.slots.status is not None
    assert session.slots.status.value == "engineer_specialist_humanities_international"


@pytest.mark.parametrize(
    ("state", "question"),
    [
        ("ask_user_type", "What's the weather in Osaka tomorrow?"),
        ("ask_procedure", "確定申告のやり方を教えてください"),
        ("ask_expiry", "Is the green card lottery email I got real?"),
        ("verdict", "おすすめのラーメン屋はどこ？"),
    ],
)
def test_out_of_scope_questions_get_who_to_ask(engine: Engine, state: str, question: str) -> None:
    user = f"oos:{state}"
    before = _at(engine, user, state)
    reply = engine.handle(event(user_key=user, text=question))
    assert reply.faq is not None
    assert reply.faq.id is None
    assert reply.state == state
    assert "0570-013904" in reply.messages[0].text
    assert {b.id for b in reply.messages[0].buttons} == {
        "link:isa_online_qa",
        "link:isa_info_center",
    }
    assert reply.messages[-1].buttons == before.messages[-1].buttons


def test_a_wrong_short_answer_gets_the_re_prompt_not_the_faq(talk: Talk) -> None:
    drive(talk, "lang:en")
    reply = talk(text="blue")
    assert reply.faq is None
    assert "Sorry, I didn't understand" in _text(reply)


def test_a_first_message_question_is_answered_before_the_greeting(talk: Talk) -> None:
    reply = talk(text="外国からオンラインで申請できますか？")
    assert reply.faq is not None
    assert reply.faq.id == "abroad"
    assert reply.messages[0].text.startswith("外国から")  # answered in the question's language
    assert reply.state == "ask_lang"
    assert reply.expects is not None


def test_faq_answers_carry_source_date_and_link_buttons(talk: Talk) -> None:
    drive(talk, "lang:en")
    reply = talk(text="How do I prove my online application is pending?")
    assert reply.faq is not None
    answer = reply.messages[0]
    assert "Source:" in answer.text
    assert "(as of " in answer.text
    assert answer.buttons
    assert all(b.url and b.url.startswith("https://www.moj.go.jp/") for b in answer.buttons)


def test_the_stored_session_keeps_no_question_text(engine: Engine, db_path: object) -> None:
    _at(engine, "u:private", "ask_user_type")
    engine.handle(event(user_key="u:private", text="I forgot my password, what now?"))
    session = engine.store.load("u:private")
    assert session is not None
    assert "password" not in session.model_dump_json()
