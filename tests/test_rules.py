"""The assessment rules, tested as a table through the one pure function ``assess``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from bot.assess import AssessInputError, AssessResponse, assess, parse_request
from bot.clock import months_before, today_in_tokyo
from bot.codes import Note, Reason, Requirement, UserType
from bot.data.registry import TIMING

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)  # 12:00 on 2026-11-22 in Tokyo
R = Reason


def run(clock_now: datetime = NOW, **fields: Any) -> AssessResponse:
    base: dict[str, Any] = {
        "user_type": "foreign_national",
        "procedure": "extension",
        "status": "student",
        "expiry": "2027-01-15",
        "has_my_number_card": True,
    }
    base.update(fields)
    return assess(parse_request(base), now=clock_now)


# (case id, request fields, expected reasons). Online iff no reasons.
TABLE: list[tuple[str, dict[str, Any], set[Reason]]] = [
    ("extension inside the window", {}, set()),
    ("expiry day itself", {"expiry": "2026-11-22"}, {R.EXPIRY_TODAY}),
    ("day after expiry", {"expiry": "2026-11-21"}, {R.EXPIRED}),
    ("long after expiry", {"expiry": "2025-01-01"}, {R.EXPIRED}),
    ("day before expiry is the last online day", {"expiry": "2026-11-23"}, set()),
    ("extension window not open", {"expiry": "2027-03-01"}, {R.WINDOW_NOT_OPEN}),
    ("extension window opens today", {"expiry": "2027-02-22"}, set()),
    ("extension window opens tomorrow", {"expiry": "2027-02-23"}, {R.WINDOW_NOT_OPEN}),
    (
        "change of status has no 3-month window",
        {
            "procedure": "change_of_status",
            "expiry": "2027-09-30",
            "new_status": "engineer_specialist_humanities_international",
        },
        set(),
    ),
    (
        "change of status on the expiry day",
        {"procedure": "change_of_status", "expiry": "2026-11-22"},
        {R.EXPIRY_TODAY},
    ),
    (
        "certificate of authorized employment after expiry",
        {"procedure": "certificate_of_authorized_employment", "expiry": "2026-11-01"},
        {R.EXPIRED},
    ),
    (
        "COE has no expiry",
        {
            "procedure": "certificate_of_eligibility",
            "expiry": None,
            "user_type": "organization_staff",
            "status": "engineer_specialist_humanities_international",
        },
        set(),
    ),
    # excluded statuses, held or applied for
    ("temporary visitor excluded", {"status": "temporary_visitor"}, {R.STATUS_EXCLUDED}),
    ("diplomat excluded", {"status": "diplomat", "expiry": None}, {R.STATUS_EXCLUDED}),
    (
        "departure preparation excluded",
        {"status": "designated_activities_departure_preparation"},
        {R.STATUS_EXCLUDED},
    ),
    (
        "change to temporary visitor excluded",
        {"procedure": "change_of_status", "new_status": "temporary_visitor"},
        {R.STATUS_EXCLUDED},
    ),
    (
        "COE for temporary visitor excluded",
        {
            "procedure": "certificate_of_eligibility",
            "status": "temporary_visitor",
            "expiry": None,
            "user_type": "lawyer_scrivener",
        },
        {R.STATUS_EXCLUDED, R.NO_COE_FOR_STATUS},  # corrections item 3: no COE exists
    ),
    # re-entry and activity permission only with a main application
    ("re-entry alone", {"procedure": "reentry_permit"}, {R.NEEDS_MAIN_APPLICATION}),
    ("activity permission alone", {"procedure": "activity_permission"}, {R.NEEDS_MAIN_APPLICATION}),
    (
        "re-entry with extension",
        {"procedure": "reentry_permit", "with_procedure": "extension"},
        set(),
    ),
    (
        "re-entry with extension on the expiry day",
        {"procedure": "reentry_permit", "with_procedure": "extension", "expiry": "2026-11-22"},
        {R.EXPIRY_TODAY},
    ),
    (
        "activity permission with acquisition",
        {"procedure": "activity_permission", "with_procedure": "acquisition", "expiry": None},
        set(),
    ),
    (
        "re-entry with re-entry is not a main application",
        {"procedure": "reentry_permit", "with_procedure": "reentry_permit"},
        {R.NEEDS_MAIN_APPLICATION},
    ),
    # counter-only procedures
    ("permanent residence", {"procedure": "permanent_residence"}, {R.PROCEDURE_NOT_ONLINE}),
    (
        "residence card renewal",
        {"procedure": "residence_card_renewal", "status": "permanent_resident", "expiry": None},
        {R.PROCEDURE_NOT_ONLINE},
    ),
    # relatives
    (
        "relative for an adult able to apply",
        {"user_type": "relative"},
        {R.RELATIVE_CONDITION_NOT_MET},
    ),
    ("relative, applicant under 16 (age)", {"user_type": "relative", "applicant_age": 10}, set()),
    (
        "relative, applicant aged 16",
        {"user_type": "relative", "applicant_age": 16},
        {R.RELATIVE_CONDITION_NOT_MET},
    ),
    (
        "relative, applicant under 16 (flag)",
        {"user_type": "relative", "applicant_under_16": True},
        set(),
    ),
    ("relative, applicant unable", {"user_type": "relative", "applicant_unable": True}, set()),
    (
        "relative may not file a certificate of authorized employment",
        {
            "user_type": "relative",
            "procedure": "certificate_of_authorized_employment",
            "applicant_age": 10,
        },
        {R.USER_TYPE_NOT_ALLOWED},
    ),
    (
        "relative may not file activity permission",
        {
            "user_type": "relative",
            "procedure": "activity_permission",
            "with_procedure": "extension",
            "applicant_age": 10,
        },
        {R.USER_TYPE_NOT_ALLOWED},
    ),
    (
        "relative COE for a student",
        {"user_type": "relative", "procedure": "certificate_of_eligibility", "expiry": None},
        set(),
    ),
    (
        "relative COE for an engineer",
        {
            "user_type": "relative",
            "procedure": "certificate_of_eligibility",
            "expiry": None,
            "status": "engineer_specialist_humanities_international",
        },
        {R.USER_TYPE_NOT_ALLOWED},
    ),
    (
        "relative without a My Number Card",
        {"user_type": "relative", "applicant_age": 3, "has_my_number_card": False},
        {R.MY_NUMBER_CARD_REQUIRED},
    ),
    # self-filers and My Number
    ("self-filer under 15", {"applicant_age": 14}, {R.SELF_FILER_INELIGIBLE}),
    ("self-filer aged 15", {"applicant_age": 15}, set()),
    ("self-filer with status Official", {"status": "official"}, {R.SELF_FILER_INELIGIBLE}),
    (
        "self-filer without a My Number Card",
        {"has_my_number_card": False},
        {R.MY_NUMBER_CARD_REQUIRED},
    ),
    ("self-filer, card unknown: not a blocker", {"has_my_number_card": None}, set()),
    (
        "legal representative without a card",
        {"user_type": "legal_representative", "has_my_number_card": False},
        {R.MY_NUMBER_CARD_REQUIRED},
    ),
    (
        "lawyer needs no My Number Card",
        {"user_type": "lawyer_scrivener", "has_my_number_card": False},
        set(),
    ),
    # where the filer is
    ("filing from abroad", {"filer_in_japan": False}, {R.ABROAD}),
    ("foreign IP inside Japan", {"foreign_ip": True}, {R.FOREIGN_IP}),
    (
        "abroad, foreign IP and expired: every reason",
        {"filer_in_japan": False, "foreign_ip": True, "expiry": "2026-10-01"},
        {R.ABROAD, R.FOREIGN_IP, R.EXPIRED},
    ),
    # statuses without a period of stay
    (
        "permanent resident cannot extend",
        {"status": "permanent_resident", "expiry": None},
        {R.NO_PERIOD_OF_STAY},
    ),
    (
        "HSP (ii) cannot extend",
        {"status": "highly_skilled_professional_2", "expiry": None},
        {R.NO_PERIOD_OF_STAY},
    ),
    # organisations
    (
        "support organisation for a Specified Skilled Worker",
        {"user_type": "registered_support_org_staff", "status": "specified_skilled_worker_1"},
        set(),
    ),
    (
        "support organisation for a student",
        {"user_type": "registered_support_org_staff"},
        {R.USER_TYPE_NOT_ALLOWED},
    ),
    (
        "employer staff for an engineer",
        {
            "user_type": "organization_staff",
            "status": "engineer_specialist_humanities_international",
        },
        set(),
    ),
]


@pytest.mark.parametrize(("fields", "expected"), [c[1:] for c in TABLE], ids=[c[0] for c in TABLE])
def test_rules_table(fields: dict[str, Any], expected: set[Reason]) -> None:
    """Each case gives exactly the expected reasons, and online iff there are none."""
    result = run(**fields)
    assert set(result.reasons) == expected
    assert result.online is (not expected)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 22, 14, 59, 59, tzinfo=UTC), set()),  # 23:59:59 on the 22nd in Tokyo
        (datetime(2026, 11, 22, 15, 0, 0, tzinfo=UTC), {R.EXPIRY_TODAY}),  # midnight in Tokyo
        (datetime(2026, 11, 23, 14, 59, 59, tzinfo=UTC), {R.EXPIRY_TODAY}),
        (datetime(2026, 11, 23, 15, 0, 0, tzinfo=UTC), {R.EXPIRED}),
    ],
)
def test_jst_boundary(now: datetime, expected: set[Reason]) -> None:
    """15:00 UTC is midnight in Tokyo: the expiry day starts then, not at UTC midnight."""
    result = run(clock_now=now, expiry="2026-11-23")
    assert set(result.reasons) == expected


def test_now_in_request_overrides_the_clock() -> None:
    """The request's own ``now`` wins over the injected clock."""
    assert run(expiry="2026-11-23").online
    late = run(expiry="2026-11-23", now="2026-11-23T00:00:00+09:00")
    assert late.reasons == [R.EXPIRY_TODAY]
    assert late.today == date(2026, 11, 23)


@pytest.mark.parametrize(
    ("expiry", "opens", "last"),
    [
        ("2027-01-15", date(2026, 10, 15), date(2027, 1, 14)),
        ("2027-05-31", date(2027, 2, 28), date(2027, 5, 30)),
        ("2028-05-31", date(2028, 2, 29), date(2028, 5, 30)),
        ("2027-03-01", date(2026, 12, 1), date(2027, 2, 28)),
    ],
)
def test_window_dates(expiry: str, opens: date, last: date) -> None:
    """opens_on is expiry minus 3 months clamped to month end; last online day is expiry - 1."""
    result = run(expiry=expiry)
    assert result.opens_on == opens
    assert result.last_online_day == last


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2027, 5, 31), 3, date(2027, 2, 28)),
        (date(2028, 5, 31), 3, date(2028, 2, 29)),
        (date(2027, 1, 15), 3, date(2026, 10, 15)),
        (date(2027, 3, 31), 1, date(2027, 2, 28)),
        (date(2026, 12, 31), 3, date(2026, 9, 30)),
        (date(2027, 2, 28), 12, date(2026, 2, 28)),
    ],
)
def test_months_before_clamps(day: date, months: int, expected: date) -> None:
    """Month arithmetic clamps to the last day of a shorter month."""
    assert months_before(day, months) == expected


def test_today_in_tokyo_requires_aware_datetime() -> None:
    """A naive datetime is refused: 'today' must be unambiguous."""
    with pytest.raises(ValueError, match="timezone-aware"):
        today_in_tokyo(datetime(2026, 11, 22, 3, 0))


@pytest.mark.parametrize(
    ("user_type", "requirements"),
    [
        (UserType.FOREIGN_NATIONAL, {Requirement.USER_REGISTRATION, Requirement.MY_NUMBER_CARD}),
        (
            UserType.LEGAL_REPRESENTATIVE,
            {Requirement.USER_REGISTRATION, Requirement.MY_NUMBER_CARD},
        ),
        (UserType.RELATIVE, {Requirement.USER_REGISTRATION, Requirement.MY_NUMBER_CARD}),
        (
            UserType.LAWYER_SCRIVENER,
            {
                Requirement.AGENT_APPROVAL_OR_NOTIFICATION,  # corrections item 12
                Requirement.NOTIFICATION_CERTIFICATE,
                Requirement.USER_REGISTRATION,
            },
        ),
        (  # corrections item 12: only affiliated-organisation staff may meet the requirements
            UserType.ORGANIZATION_STAFF,
            {Requirement.AGENT_APPROVAL_OR_REQUIREMENTS, Requirement.USE_APPLICATION},
        ),
        (
            UserType.PUBLIC_INTEREST_CORP_STAFF,
            {
                Requirement.AGENT_APPROVAL,
                Requirement.USE_APPLICATION,
                Requirement.REQUEST_FROM_RECEIVING_ORG,
            },
        ),
        (
            UserType.REGISTERED_SUPPORT_ORG_STAFF,
            {
                Requirement.AGENT_APPROVAL,
                Requirement.USE_APPLICATION,
                Requirement.REQUEST_FROM_RECEIVING_ORG,
            },
        ),
    ],
)
def test_requirements_per_user_type(user_type: UserType, requirements: set[Requirement]) -> None:
    """Each user type lists what it needs before the first online filing."""
    result = run(user_type=user_type.value, status="specified_skilled_worker_1", applicant_age=3)
    assert set(result.requirements) == requirements


def test_expiry_required_where_it_matters() -> None:
    """An extension without an expiry date is refused with a message about which date."""
    with pytest.raises(AssessInputError, match="在留期間満了日"):
        run(expiry=None)


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"user_type": "boss"}, "valid values: organization_staff"),
        ({"procedure": "visa"}, "valid values: certificate_of_eligibility"),
        ({"status": "tourist"}, "valid values: diplomat"),
        ({"expiry": "2027-02-30"}, "expiry"),
        ({"lang": "xx"}, "valid values: en, ja"),
        ({"now": "2026-11-22T03:00:00"}, "now"),
        ({"colour": "red"}, "colour"),
        ({"applicant_age": -1}, "applicant_age"),
    ],
)
def test_invalid_requests_name_the_valid_values(data: dict[str, Any], needle: str) -> None:
    """Invalid input raises AssessInputError whose message names the field or valid values."""
    with pytest.raises(AssessInputError, match=needle):
        run(**data)


def test_request_must_be_an_object() -> None:
    """A JSON array or string is not a request."""
    with pytest.raises(AssessInputError, match="JSON object"):
        parse_request(["extension"])


def _ids(result: AssessResponse) -> set[str]:
    return {item.id for item in result.checklist}


def test_checklist_common_and_status_items() -> None:
    """A student's extension lists the common items plus the student documents, with sources."""
    ids = _ids(run())
    assert {
        "application_data",
        "photo",
        "attachments",
        "fee_form",
        "keep_receipt_email",
        "enrolment_certificate",
        "transcript",
    } <= ids
    assert "employer_category_proof" not in ids
    for item in run().checklist:
        assert item.source.startswith("https://www.moj.go.jp/isa/")


def test_checklist_unknown_employer_category_shows_superset() -> None:
    """For an engineer the category 3/4 documents are listed, and a note says why."""
    result = run(status="engineer_specialist_humanities_international")
    assert {"employer_category_proof", "residence_tax_certificates"} <= _ids(result)
    assert Note.EMPLOYER_CATEGORY_UNKNOWN in result.notes


def test_checklist_change_uses_the_new_status() -> None:
    """A change from student to engineer lists the engineer's documents, not the student's."""
    result = run(
        procedure="change_of_status", new_status="engineer_specialist_humanities_international"
    )
    ids = _ids(result)
    assert "employer_category_proof" in ids
    assert "enrolment_certificate" not in ids


def test_checklist_no_photo_under_16() -> None:
    """No photo for an extension when the applicant is under 16."""
    assert "photo" not in _ids(run(user_type="relative", applicant_age=8))
    assert "photo" in _ids(run(user_type="legal_representative", applicant_age=20))


def test_checklist_coe_offers_electronic_certificate() -> None:
    """A COE checklist offers the electronic certificate by email, not the card mail-back."""
    ids = _ids(
        run(procedure="certificate_of_eligibility", expiry=None, user_type="lawyer_scrivener")
    )
    assert "ecoe_by_email" in ids
    assert "mail_back_card" not in ids


def test_checklist_fee_text_has_amount_and_date() -> None:
    """The fee item quotes the online fee with its effective date."""
    fee = next(i for i in run().checklist if i.id == "fee_form")
    assert "5,500" in fee.text
    assert "2025-04-01" in fee.text


def test_checklist_reentry_fee() -> None:
    """Re-entry with an extension lists both the extension fee and the re-entry fee."""
    result = run(procedure="reentry_permit", with_procedure="extension")
    texts = {i.id: i.text for i in result.checklist}
    assert "5,500" in texts["fee_form"]
    assert "3,500 / 6,500" in texts["reentry_fee"]


@pytest.mark.parametrize(
    "fields",
    [
        {"expiry": "2026-11-01"},
        {"status": "temporary_visitor"},
        {"procedure": "permanent_residence"},
        {"user_type": "relative"},
    ],
)
def test_no_checklist_when_blocked_for_good(fields: dict[str, Any]) -> None:
    """An expired, excluded, counter-only or not-allowed case gets no online checklist."""
    assert run(**fields).checklist == []


def test_checklist_kept_when_only_too_early() -> None:
    """'Too early' still shows what to prepare."""
    result = run(expiry="2027-06-30")
    assert result.reasons == [R.WINDOW_NOT_OPEN]
    assert result.checklist


def test_checklist_separates_card_validity_from_expiry() -> None:
    """The passport/card item tells the period-of-stay expiry apart from the card's validity."""
    item = next(i for i in run().checklist if i.id == "passport_and_card")
    assert "在留期間満了日" in item.text


def test_links_start_with_the_handoff_and_end_with_the_information_centre() -> None:
    """The ISA online page comes first; the information centre last."""
    links = run().links
    assert links[0].id == "isa_online"
    assert links[-1].id == "isa_info_center"
    assert len({link.id for link in links}) == len(links)


def test_japanese_checklist() -> None:
    """lang=ja translates the checklist texts."""
    fee = next(i for i in run(lang="ja").checklist if i.id == "fee_form")
    assert "手数料納付書" in fee.text
    assert "5,500" in fee.text


@pytest.mark.parametrize(
    ("fields", "note"),
    [
        ({"status": "designated_activities"}, Note.DESIGNATED_ACTIVITIES_NOTICE_NUMBER),
        (
            {"status": "technical_intern_training", "user_type": "organization_staff"},
            Note.TECHNICAL_INTERN_SUPERVISING_ORG_ONLY,
        ),
        (
            {
                "procedure": "certificate_of_eligibility",
                "expiry": None,
                "status": "technical_intern_training",
                "user_type": "organization_staff",
            },
            Note.TECHNICAL_INTERN_ENDS_2027,
        ),
        ({"procedure": "permanent_residence"}, Note.PR_NO_SPECIAL_PERIOD),
        ({}, Note.SPECIAL_PERIOD),
        ({}, Note.MY_NUMBER_CARD_EXPIRES_WITH_STAY),
        ({"expiry": "2027-01-16"}, Note.FILE_BY_PREVIOUS_BUSINESS_DAY),  # a Saturday
        ({"expiry": "2027-06-30"}, Note.SHORT_STAY_WINDOW_UNVERIFIED),
        ({"status": "permanent_resident", "expiry": None}, Note.NO_PERIOD_OF_STAY_CARD_VALIDITY),
    ],
)
def test_notes(fields: dict[str, Any], note: Note) -> None:
    """Caveats are attached where the data is uncertain or a condition can't be checked."""
    assert note in run(**fields).notes


def test_as_of_is_the_newest_source_used() -> None:
    """as_of is a real date no later than the data compilation."""
    result = run()
    assert date(2024, 1, 1) <= result.as_of <= date(2026, 12, 1)


# ------------------------------------------------------------------ timing rules are read


def _first(holds: Callable[[int], bool]) -> int:
    """The smallest n in 0..40 for which ``holds(n)`` (the boundary of a rule)."""
    return next(n for n in range(41) if holds(n))


_WINDOW_EXPIRY = date(2027, 6, 15)


def _too_early(months_ahead: int) -> bool:
    """Whether an extension filed ``months_ahead`` months before expiry is too early."""
    today = months_before(_WINDOW_EXPIRY, months_ahead)
    at = datetime.combine(today, time(3), tzinfo=UTC)  # 12:00 in Tokyo
    return R.WINDOW_NOT_OPEN in run(clock_now=at, expiry=_WINDOW_EXPIRY.isoformat()).reasons


# The boundary each timing rule draws, as the assessment shows it (found by probing
# ``assess``, never by reading the rule).
OBSERVED_BOUNDARY: dict[str, Callable[[], int]] = {
    # The most months before expiry at which an extension is not too early.
    "extension_window_months": lambda: _first(lambda n: _too_early(n + 1)),
    # The youngest applicant a relative may not file for (unless unable to apply).
    "relative_applicant_age_under": lambda: _first(
        lambda age: (
            R.RELATIVE_CONDITION_NOT_MET in run(user_type="relative", applicant_age=age).reasons
        )
    ),
    # The youngest foreign national who may file for themselves.
    "self_filer_min_age": lambda: _first(
        lambda age: R.SELF_FILER_INELIGIBLE not in run(applicant_age=age).reasons
    ),
    # The youngest applicant whose extension needs a photo.
    "photo_min_age": lambda: _first(
        lambda age: "photo" in _ids(run(user_type="legal_representative", applicant_age=age))
    ),
}


def _set_rule(monkeypatch: pytest.MonkeyPatch, rule_id: str, value: int) -> None:
    monkeypatch.setitem(TIMING, rule_id, replace(TIMING[rule_id], value=value))


def test_every_timing_rule_is_probed() -> None:
    """Each timing rule has a probe below: a rule nothing reads must be deleted, not kept."""
    assert set(OBSERVED_BOUNDARY) == set(TIMING)


@pytest.mark.parametrize("rule_id", sorted(OBSERVED_BOUNDARY))
def test_timing_rule_is_the_boundary_in_effect(rule_id: str) -> None:
    """The assessment's boundary is the rule's value: 3 months, under 16, 15 or older, 16."""
    assert OBSERVED_BOUNDARY[rule_id]() == TIMING[rule_id].value


@pytest.mark.parametrize("delta", [-2, 2])
@pytest.mark.parametrize("rule_id", sorted(OBSERVED_BOUNDARY))
def test_timing_rule_is_read(monkeypatch: pytest.MonkeyPatch, rule_id: str, delta: int) -> None:
    """Moving a rule's value moves the assessment's boundary with it: nothing hard-codes it."""
    value = TIMING[rule_id].value + delta
    _set_rule(monkeypatch, rule_id, value)
    assert OBSERVED_BOUNDARY[rule_id]() == value


@pytest.mark.parametrize(("limit", "condition_met"), [(14, False), (16, True), (18, True)])
def test_under_16_answer_against_the_age_rule(
    monkeypatch: pytest.MonkeyPatch, limit: int, condition_met: bool
) -> None:
    """Without an exact age, "under 16" meets a relative age limit of 16 or more only."""
    _set_rule(monkeypatch, "relative_applicant_age_under", limit)
    result = run(user_type="relative", applicant_under_16=True)
    assert (R.RELATIVE_CONDITION_NOT_MET not in result.reasons) is condition_met
