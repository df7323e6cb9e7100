"""The corrected verdicts through the conversation: the new questions appear only where
they change the answer, and the verdict words follow the case (corrections items cited)."""

from __future__ import annotations

import io
import json

import pytest
from pydantic import ValidationError

from bot.channels.terminal import run_jsonl
from bot.engine import Engine
from bot.i18n import translator
from bot.models import Event, Reply
from tests.conftest import Talk, drive


def _text(reply: Reply) -> str:
    return "\n".join(m.text for m in reply.messages)


def _states(talk: Talk, *steps: str) -> tuple[list[str | None], Reply]:
    states: list[str | None] = []
    reply = talk(text="hello")
    for s in steps:
        reply = talk(choice=s) if ":" in s and not s[0].isdigit() else talk(text=s)
        states.append(reply.state)
    return states, reply


def test_a_change_to_permanent_resident_typed_is_not_online(talk: Talk) -> None:
    """Item 1: 永住者 typed at the "changing to" step gives "no", asks no expiry."""
    states, reply = _states(
        talk,
        "lang:en",
        "user_type:foreign_national",
        "procedure:change_of_status",
        "留学",
        "永住者",
    )
    assert states[-1] == "verdict"
    assert reply.verdict is not None
    assert reply.verdict.reasons == ["procedure_not_online"]
    assert "permanent_residence_fee" in reply.verdict.notes
    text = _text(reply)
    assert "Last day to file online" not in text
    assert "¥10,000" in text
    assert "¥5,500" not in text
    # A counter-only application: nothing about logging in to the online system.
    assert "Before the first online filing" not in text
    assert "my_number_card_expires_with_stay" not in reply.verdict.notes
    # The rule that decided it is dated by its source (the December 2026 review).
    assert reply.verdict.as_of.isoformat() == "2026-12-01"


def test_acquisition_of_permanent_resident_points_to_the_online_route(talk: Talk) -> None:
    """Item 2: counter within 30 days; the 永住者の配偶者等 acquisition is online."""
    _, reply = _states(
        talk, "lang:en", "user_type:legal_representative", "procedure:acquisition", "永住者"
    )
    assert reply.verdict is not None
    assert not reply.verdict.online
    assert "30 days" in _text(reply)
    assert "永住者の配偶者等" in _text(reply)


def test_the_notice_question_decides_a_relatives_coe(talk: Talk) -> None:
    """Item 6: a relative's COE for Designated Activities by the notice number."""
    states, reply = _states(
        talk,
        "lang:en",
        "user_type:relative",
        "relative_condition:under_16",
        "procedure:certificate_of_eligibility",
        "特定活動",
    )
    assert states[-1] == "ask_da_notice"
    assert reply.expects is not None
    assert reply.expects.kind == "text"
    # "2" is a notice number here, not a press of the second button.
    reply = talk(text="第33号")
    assert reply.state != "ask_da_notice"


@pytest.mark.parametrize(("notice", "online"), [("33の2", True), ("46", False), ("告示外", False)])
def test_notice_answers(talk: Talk, notice: str, *, online: bool) -> None:
    _, reply = _states(
        talk,
        "lang:en",
        "user_type:relative",
        "relative_condition:under_16",
        "procedure:certificate_of_eligibility",
        "特定活動",
        notice,
    )
    while reply.verdict is None:
        assert reply.messages[-1].buttons, reply
        reply = talk(choice=reply.messages[-1].buttons[0].id)
    assert reply.verdict.online is online


def test_a_typed_notice_that_is_not_one_is_reprompted(talk: Talk) -> None:
    _states(
        talk,
        "lang:en",
        "user_type:lawyer_scrivener",
        "procedure:certificate_of_eligibility",
        "特定活動",
    )
    reply = talk(text="nine hundred")
    assert reply.state == "ask_da_notice"
    assert "for example 46" in _text(reply)


def test_supervised_training_asks_who_files(talk: Talk) -> None:
    """Item 4: the type is asked for training; the company or the supervising
    organisation only for staff filing supervised training."""
    states, reply = _states(
        talk,
        "lang:en",
        "user_type:organization_staff",
        "procedure:extension",
        "技能実習",
        "training_type:supervised",
    )
    assert states[-2:] == ["ask_training_type", "ask_supervising_org"]
    reply = talk(choice="filer_is_supervising_org:no")
    while reply.verdict is None:
        reply = (
            talk(choice=reply.messages[-1].buttons[0].id)
            if reply.expects and (reply.expects.kind == "choice")
            else talk(text="2027-01-15")
        )
    assert reply.verdict.reasons == ["supervising_org_only"]


def test_no_training_question_for_other_statuses(talk: Talk) -> None:
    states, _ = _states(
        talk, "lang:en", "user_type:organization_staff", "procedure:extension", "status:student"
    )
    assert "ask_training_type" not in states


def test_the_applicant_location_is_asked_of_other_filers(talk: Talk) -> None:
    """Item 8: a lawyer filing an extension is asked where the applicant is."""
    states, reply = drive_states(talk)
    assert states[-1] == "ask_applicant_location"
    reply = talk(choice="applicant_in_japan:abroad")
    assert reply.verdict is not None
    assert reply.verdict.reasons == ["applicant_abroad"]
    assert "Last day to file online" not in _text(reply)


def drive_states(talk: Talk) -> tuple[list[str | None], Reply]:
    return _states(
        talk,
        "lang:en",
        "user_type:lawyer_scrivener",
        "procedure:extension",
        "status:student",
        "2027-01-15",
        "location:japan",
    )


def test_a_self_filer_is_asked_the_stay_length(talk: Talk) -> None:
    """Item 9: a stay of 3 months or less cannot file as 外国人本人."""
    states, _ = _states(
        talk,
        "lang:en",
        "user_type:foreign_national",
        "procedure:extension",
        "status:student",
        "2027-01-15",
    )
    assert states[-1] == "ask_stay_length"
    reply = drive(talk, "stay_over_3_months:no", "has_my_number_card:yes", "location:japan")
    assert reply.verdict is not None
    assert reply.verdict.reasons == ["short_period_of_stay"]


def test_expiry_day_on_a_closed_day_never_says_go_today(talk: Talk) -> None:
    """Item 10: Sunday 2026-11-22 is the expiry day: the counter is closed today, the next
    business day is Tuesday (Monday is a holiday); no "go today"."""
    _, reply = _states(
        talk,
        "lang:en",
        "user_type:lawyer_scrivener",
        "procedure:extension",
        "status:student",
        "2026-11-22",
        "location:japan",
        "applicant_in_japan:japan",
    )
    assert reply.verdict is not None
    assert reply.verdict.reasons == ["expiry_today"]
    text = _text(reply)
    assert "closed today" in text
    assert "during its opening hours" not in text
    assert "November 24, 2026" in text
    assert "not overstaying" not in text


def test_verdict_dates_are_in_time_order(talk: Talk) -> None:
    _, reply = _states(
        talk,
        "lang:en",
        "user_type:lawyer_scrivener",
        "procedure:extension",
        "status:student",
        "2027-03-06",  # a Saturday; the window opens 2026-12-06
        "location:japan",
        "applicant_in_japan:japan",
    )
    text = reply.messages[0].text
    opens = text.index("Online filing opens on")
    last = text.index("Last day to file online")
    counter = text.index("Last day to apply at a counter")
    assert opens < last < counter


def test_a_forged_date_button_is_refused_and_the_session_lives(talk: Talk) -> None:
    """A forged `expiry:0001-01-01` press is not a value; the verdict still works after."""
    _states(talk, "lang:en", "user_type:lawyer_scrivener", "procedure:extension", "status:student")
    reply = talk(choice="expiry:0001-01-01")
    assert reply.state == "ask_expiry"
    assert translator("en").t("That choice is not available here. Please choose one of these.") in (
        _text(reply)
    )
    reply = drive(talk, "2027-01-15", "location:japan", "applicant_in_japan:japan")
    assert reply.verdict is not None
    assert reply.verdict.online


def test_an_event_now_out_of_range_is_invalid(engine: Engine) -> None:
    with pytest.raises(ValidationError):
        Event.model_validate({"user_key": "u", "text": "hi", "now": "0001-01-01T00:00:00+00:00"})
    out = io.StringIO()
    lines = json.dumps({"text": "hi", "now": "0001-01-01T00:00:00Z"}) + "\n"
    lines += json.dumps({"text": "hi"}) + "\n"
    run_jsonl(engine, "cli:x", io.StringIO(lines), out)
    first, second = (json.loads(x) for x in out.getvalue().splitlines())
    assert "now" in first["error"]
    assert second["expects"]["slot"] == "lang"


def test_a_long_term_resident_coe_asks_whether_it_is_a_notice_case(talk: Talk) -> None:
    """Item 3: a COE for Long-Term Resident exists only for 定住者告示 cases."""
    states, reply = _states(
        talk,
        "lang:en",
        "user_type:lawyer_scrivener",
        "procedure:certificate_of_eligibility",
        "定住者",
    )
    assert states[-1] == "ask_da_notice"
    assert "定住者告示" in _text(reply)
    reply = talk(choice="da_notice:outside")
    assert reply.verdict is not None
    assert reply.verdict.reasons == ["no_coe_for_status"]


# Issue 11: a status named the way people say it fills the status slot, in every locale.
SAYING_STUDENT = {
    "en": "I'm a student",
    "ja": "留学生です",
    "ja-easy": "りゅうがくせいです",
    "zh-Hans": "我是留学生",
    "vi": "tôi là du học sinh",
    "ko": "저는 유학생입니다",
    "tl": "estudyante ako",
    "pt-BR": "sou estudante",
    "ne": "म विद्यार्थी हुँ",
    "id": "saya pelajar",
    "my": "ကျောင်းသား ဖြစ်ပါတယ်",
}


@pytest.mark.parametrize(("locale", "text"), sorted(SAYING_STUDENT.items()))
def test_a_status_said_in_words_fills_the_slot(talk: Talk, locale: str, text: str) -> None:
    _states(talk, f"lang:{locale}", "user_type:foreign_national", "procedure:extension")
    reply = talk(text=text)
    assert reply.state == "ask_expiry", (locale, _text(reply))
    assert reply.faq is None


def test_every_locale_has_a_way_to_say_student() -> None:
    from bot.i18n import LOCALES

    assert set(SAYING_STUDENT) == set(LOCALES)


@pytest.mark.parametrize("text", ["12", "15", "2026/12/1"])
def test_numbers_and_dates_at_a_choice_step_are_not_questions(talk: Talk, text: str) -> None:
    """Issue 11: "12" got the lawyer-registration entry and "15" the under-15 one."""
    _states(talk, "lang:en")
    reply = talk(text=text)
    assert reply.faq is None
    assert reply.state == "ask_user_type"
    if text.isdigit():
        assert "Please choose a number from 1 to 7." in _text(reply)


@pytest.mark.parametrize("text", ["12", "VPN", "2027-01-15", "パスポート"])
def test_fragments_after_the_verdict_get_the_menu(talk: Talk, text: str) -> None:
    _, reply = _states(
        talk,
        "lang:en",
        "user_type:lawyer_scrivener",
        "procedure:permanent_residence",
        "status:student",
    )
    assert reply.state == "verdict"
    reply = talk(text=text)
    assert reply.faq is None
    assert "Your answers are complete" in _text(reply)


@pytest.mark.parametrize("query", ["12", "15", "2026/12/1", "15 January 2027", "VPN", "更新"])
def test_the_faq_search_declines_fragments(query: str) -> None:
    from bot.faq.search import search

    assert not search(query, locale="en").answered
    assert not search(query, locale="ja").answered
