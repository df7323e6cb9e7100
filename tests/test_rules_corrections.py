"""The December 2026 accuracy review, finding by finding: each row cites its item in
../shared/reference/domain-facts-2026-12-corrections.md, and runs through ``assess``.

Today is Sunday 2026-11-22 in Tokyo (tests.test_rules.NOW); Monday 2026-11-23 is a
national holiday (勤労感謝の日).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.assess import AssessInputError, AssessResponse, parse_request
from bot.codes import Note, Reason
from tests.test_rules import NOW, run

R = Reason
N = Note

# (case id citing the item, request fields, expected reasons, notes that must be there,
# notes that must not be there)
Row = tuple[str, dict[str, Any], set[Reason], set[Note], set[Note]]
COE = {"procedure": "certificate_of_eligibility", "expiry": None}
LAWYER = {"user_type": "lawyer_scrivener"}
RELATIVE_COE = {**COE, "user_type": "relative"}
TRAINING = {"status": "technical_intern_training"}

ROWS: list[Row] = [
    # item 1: permanent residence by any path is counter only, no special period, a fee
    (
        "1: permanent residence procedure",
        {"procedure": "permanent_residence", "expiry": None},
        {R.PROCEDURE_NOT_ONLINE},
        {N.PR_NO_SPECIAL_PERIOD, N.PERMANENT_RESIDENCE_FEE},
        {N.SPECIAL_PERIOD},
    ),
    (
        "1: change of status to Permanent Resident",
        {"procedure": "change_of_status", "new_status": "permanent_resident"},
        {R.PROCEDURE_NOT_ONLINE},
        {N.PR_NO_SPECIAL_PERIOD, N.PERMANENT_RESIDENCE_FEE},
        {N.SPECIAL_PERIOD, N.FEES_MAY_CHANGE},
    ),
    (
        "1: change of status to Permanent Resident, by a lawyer",
        {**LAWYER, "procedure": "change_of_status", "new_status": "permanent_resident"},
        {R.PROCEDURE_NOT_ONLINE},
        {N.PR_NO_SPECIAL_PERIOD},
        {N.SPECIAL_PERIOD},
    ),
    (
        "1: re-entry with a change to Permanent Resident",
        {
            "procedure": "reentry_permit",
            "with_procedure": "change_of_status",
            "new_status": "permanent_resident",
        },
        {R.PROCEDURE_NOT_ONLINE},
        {N.PR_NO_SPECIAL_PERIOD},
        set(),
    ),
    # item 2: acquisition of Permanent Resident (a child born in Japan)
    (
        "2: acquisition of Permanent Resident",
        {**LAWYER, "procedure": "acquisition", "status": "permanent_resident", "expiry": None},
        {R.PROCEDURE_NOT_ONLINE},
        {N.PERMANENT_RESIDENCE_BY_BIRTH, N.ACQUISITION_30_DAYS},
        {N.PERMANENT_RESIDENCE_FEE, N.FEES_MAY_CHANGE, N.PR_NO_SPECIAL_PERIOD},
    ),
    (
        "2: acquisition of Spouse or Child of Permanent Resident is online",
        {
            **LAWYER,
            "procedure": "acquisition",
            "status": "spouse_or_child_of_permanent_resident",
            "expiry": None,
        },
        set(),
        {N.ACQUISITION_30_DAYS},
        set(),
    ),
    # item 3: no Certificate of Eligibility for some statuses
    (
        "3: no COE for Permanent Resident",
        {**LAWYER, **COE, "status": "permanent_resident"},
        {R.NO_COE_FOR_STATUS},
        set(),
        set(),
    ),
    (
        "3: no COE for HSP (ii)",
        {**LAWYER, **COE, "status": "highly_skilled_professional_2"},
        {R.NO_COE_FOR_STATUS},
        set(),
        set(),
    ),
    (
        "3: no COE for Designated Activities outside the notices",
        {**LAWYER, **COE, "status": "designated_activities", "da_notice": "outside"},
        {R.NO_COE_FOR_STATUS},
        set(),
        set(),
    ),
    (
        "3: COE for Designated Activities under notice 46",
        {**LAWYER, **COE, "status": "designated_activities", "da_notice": "46"},
        set(),
        set(),
        {N.DESIGNATED_ACTIVITIES_NOTICE_NUMBER},
    ),
    (
        "3: no COE for Long-Term Resident outside the notice",
        {**LAWYER, **COE, "status": "long_term_resident", "da_notice": "outside"},
        {R.NO_COE_FOR_STATUS},
        set(),
        set(),
    ),
    (
        "3: COE for Long-Term Resident under the notice",
        {**LAWYER, **COE, "status": "long_term_resident", "da_notice": "listed"},
        set(),
        set(),
        {N.LONG_TERM_RESIDENT_COE_NOTICE},
    ),
    (
        "6: relative COE for Designated Activities, in a notice whose number is not known",
        {**RELATIVE_COE, "status": "designated_activities", "da_notice": "listed"},
        {R.USER_TYPE_NOT_ALLOWED},
        {N.RELATIVE_COE_NOTICE_LIST},
        set(),
    ),
    (
        "3: COE for Long-Term Resident only under the notice (hedged)",
        {**LAWYER, **COE, "status": "long_term_resident"},
        set(),
        {N.LONG_TERM_RESIDENT_COE_NOTICE},
        set(),
    ),
    # item 4: supervised technical intern training only from the supervising organisation
    (
        "4: supervised training, the intern files",
        {**TRAINING, "training_type": "supervised"},
        {R.SUPERVISING_ORG_ONLY},
        set(),
        set(),
    ),
    (
        "4: supervised training, a lawyer files",
        {**TRAINING, **LAWYER, "training_type": "supervised"},
        {R.SUPERVISING_ORG_ONLY},
        set(),
        set(),
    ),
    (
        "4: supervised training, the implementing organisation files",
        {
            **TRAINING,
            "user_type": "organization_staff",
            "training_type": "supervised",
            "filer_is_supervising_org": False,
        },
        {R.SUPERVISING_ORG_ONLY},
        set(),
        set(),
    ),
    (
        "4: supervised training, the supervising organisation files",
        {
            **TRAINING,
            "user_type": "organization_staff",
            "training_type": "supervised",
            "filer_is_supervising_org": True,
        },
        set(),
        set(),
        {N.TECHNICAL_INTERN_SUPERVISING_ORG_ONLY},
    ),
    (
        "4: enterprise-type training is unaffected",
        {**TRAINING, "training_type": "enterprise"},
        set(),
        set(),
        {N.TECHNICAL_INTERN_SUPERVISING_ORG_ONLY},
    ),
    (
        "4: training type unknown: the limit is stated",
        {**TRAINING, **LAWYER},
        set(),
        {N.TECHNICAL_INTERN_SUPERVISING_ORG_ONLY},
        set(),
    ),
    # item 5: the 育成就労 note by the date asked (before 2027-04-01 here)
    (
        "5: COE for training before 2027-04-01",
        {**TRAINING, **LAWYER, **COE, "training_type": "enterprise"},
        set(),
        {N.TECHNICAL_INTERN_ENDS_2027},
        {N.TECHNICAL_INTERN_PLANS_CLOSED},
    ),
    # items 6-7: relatives filing a COE
    (
        "6: relative COE for Designated Activities under notice 33",
        {**RELATIVE_COE, "status": "designated_activities", "da_notice": "33"},
        set(),
        {N.RELATIVE_COE_NOTICE_LIST},
        set(),
    ),
    (
        "6: relative COE for Designated Activities under notice 33の2",
        {**RELATIVE_COE, "status": "designated_activities", "da_notice": "33の2"},
        set(),
        {N.RELATIVE_COE_NOTICE_LIST},
        set(),
    ),
    (
        "6: relative COE for Designated Activities under notice 46: not a family notice",
        {**RELATIVE_COE, "status": "designated_activities", "da_notice": "46"},
        {R.USER_TYPE_NOT_ALLOWED},
        {N.RELATIVE_COE_NOTICE_LIST},
        set(),
    ),
    (
        "6: relative COE for Designated Activities, notice not given",
        {**RELATIVE_COE, "status": "designated_activities"},
        {R.USER_TYPE_NOT_ALLOWED},
        {N.RELATIVE_COE_NOTICE_LIST},
        set(),
    ),
    (
        "7: relative COE for Spouse or Child of Permanent Resident: hedged yes",
        {**RELATIVE_COE, "status": "spouse_or_child_of_permanent_resident"},
        set(),
        {N.RELATIVE_COE_STATUS_LIST},
        set(),
    ),
    (
        "7: relative COE for Long-Term Resident: hedged yes",
        {**RELATIVE_COE, "status": "long_term_resident"},
        set(),
        {N.RELATIVE_COE_STATUS_LIST, N.LONG_TERM_RESIDENT_COE_NOTICE},
        set(),
    ),
    # item 8: the applicant must be in Japan (a COE is the opposite case)
    (
        "8: a lawyer files an extension for an applicant abroad",
        {**LAWYER, "applicant_in_japan": False},
        {R.APPLICANT_ABROAD},
        set(),
        set(),
    ),
    (
        "8: the employer files a change for an applicant abroad",
        {
            "user_type": "organization_staff",
            "procedure": "change_of_status",
            "new_status": "engineer_specialist_humanities_international",
            "applicant_in_japan": False,
        },
        {R.APPLICANT_ABROAD},
        set(),
        set(),
    ),
    (
        "8: re-entry with an extension, applicant abroad",
        {
            **LAWYER,
            "procedure": "reentry_permit",
            "with_procedure": "extension",
            "applicant_in_japan": False,
        },
        {R.APPLICANT_ABROAD},
        set(),
        set(),
    ),
    (
        "8: a COE for an applicant abroad is the usual case",
        {**LAWYER, **COE, "applicant_in_japan": False},
        set(),
        set(),
        set(),
    ),
    # item 9: a period of stay of 3 months or less cannot file as 外国人本人
    (
        "9: self-filer with a stay of 3 months or less",
        {"stay_over_3_months": False},
        {R.SHORT_PERIOD_OF_STAY},
        set(),
        set(),
    ),
    (
        "9: self-filer with a longer stay: no age/stay caveat",
        {"stay_over_3_months": True},
        set(),
        set(),
        {N.SELF_FILER_AGE_15},
    ),
    (
        "9: a lawyer may file for a short stay",
        {**LAWYER, "stay_over_3_months": False},
        set(),
        set(),
        set(),
    ),
    # items 10-11: counter deadlines past closed days
    (
        "10: expiry on a Saturday: counter deadline moves to Monday",
        {"expiry": "2027-01-16"},
        set(),
        {N.COUNTER_DEADLINE_MOVED, N.FILE_BY_PREVIOUS_BUSINESS_DAY},
        set(),
    ),
    (
        "10: expiry on a business day: nothing moves",
        {"expiry": "2027-01-15"},
        set(),
        set(),
        {N.COUNTER_DEADLINE_MOVED, N.FILE_BY_PREVIOUS_BUSINESS_DAY},
    ),
    (
        "10: expiry was yesterday (Saturday), the counter takes it on Tuesday after the holiday",
        {"expiry": "2026-11-21"},
        {R.EXPIRED},
        {N.COUNTER_DEADLINE_MOVED},
        {N.FILE_BY_PREVIOUS_BUSINESS_DAY},
    ),
]


@pytest.mark.parametrize(
    ("fields", "reasons", "present", "absent"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_corrections(
    fields: dict[str, Any], reasons: set[Reason], present: set[Note], absent: set[Note]
) -> None:
    result = run(**fields)
    assert set(result.reasons) == reasons
    assert result.online is (not reasons)
    assert present <= set(result.notes)
    assert not (absent & set(result.notes))


def _pr_change() -> AssessResponse:
    return run(procedure="change_of_status", new_status="permanent_resident")


def test_permanent_residence_by_change_quotes_no_online_fee_nor_dates() -> None:
    """Item 1: no ¥5,500 online fee, no checklist, no online dates, no special period."""
    result = _pr_change()
    assert result.checklist == []
    assert result.last_online_day is None
    assert result.opens_on is None
    assert "isa_fees" in {link.id for link in result.links}


@pytest.mark.parametrize(
    ("expiry", "deadline"),
    [
        ("2027-01-16", date(2027, 1, 18)),  # Saturday -> Monday
        ("2027-01-15", date(2027, 1, 15)),  # Friday: the day itself
        ("2026-11-21", date(2026, 11, 24)),  # Saturday, then Sunday and a holiday Monday
        ("2026-12-30", date(2027, 1, 4)),  # the year-end closure
    ],
)
def test_counter_deadline(expiry: str, deadline: date) -> None:
    """Items 10-11: the counter accepts the application on the next business day."""
    assert run(expiry=expiry).counter_deadline == deadline


def test_no_counter_deadline_without_an_expiry() -> None:
    assert run(NOW, **{**COE, "user_type": "lawyer_scrivener"}).counter_deadline is None


def test_training_plans_closed_note_after_the_date() -> None:
    """Item 5: worded by the date asked; a 1号→2号 move is never refused for the date."""
    after = datetime(2027, 4, 2, 3, 0, tzinfo=UTC)
    coe = run(after, **TRAINING, **LAWYER, **COE, training_type="enterprise")
    assert coe.online
    assert Note.TECHNICAL_INTERN_PLANS_CLOSED in coe.notes
    assert Note.TECHNICAL_INTERN_ENDS_2027 not in coe.notes
    move = run(
        after,
        **LAWYER,
        procedure="change_of_status",
        new_status="technical_intern_training",
        status="technical_intern_training",
        training_type="enterprise",
        expiry="2027-05-01",
    )
    assert move.online
    assert Note.TECHNICAL_INTERN_PLANS_CLOSED in move.notes


@pytest.mark.parametrize(
    "fields",
    [
        {"expiry": "0001-01-01"},
        {"expiry": "9999-12-31"},
        {"expiry": "1899-12-31"},
        {"expiry": "2200-01-01"},
        {"now": "0001-01-01T00:00:00+00:00"},
        {"now": "2200-01-01T00:00:00+09:00"},
        {"da_notice": "999"},
        {"da_notice": "forty-six"},
        {"training_type": "solo"},
    ],
)
def test_out_of_range_or_unknown_input_is_invalid(fields: dict[str, Any]) -> None:
    """Section 3: dates outside 1900-2199 and unknown values are invalid input."""
    base = {"user_type": "foreign_national", "procedure": "extension", "status": "student"}
    with pytest.raises(AssessInputError):
        parse_request({**base, "expiry": "2027-01-15", **fields})


@pytest.mark.parametrize("expiry", ["1900-01-01", "2199-12-31"])
def test_the_range_ends_are_valid(expiry: str) -> None:
    result = run(expiry=expiry)
    assert result.today == date(2026, 11, 22)


def test_never_online_cases_have_no_online_dates() -> None:
    """A case that can never be filed online shows no last online day."""
    for fields in (
        {"status": "temporary_visitor"},
        {"procedure": "permanent_residence", "expiry": None},
        {"training_type": "supervised", "status": "technical_intern_training"},
    ):
        result = run(**fields)
        assert not result.online
        assert result.last_online_day is None, fields


def test_not_yet_keeps_its_dates() -> None:
    """Window not open: the opening day and the last online day are given."""
    result = run(expiry="2027-03-01")
    assert result.reasons == [Reason.WINDOW_NOT_OPEN]
    assert result.opens_on == date(2026, 12, 1)
    assert result.last_online_day == date(2027, 2, 28)
    assert NOW.year == 2026


def test_a_not_yet_verdict_carries_only_notes_that_matter() -> None:
    """Section 4: the Japanese "not yet" verdict carried 7 notes, one about a question
    never asked; now the notes are those that change what the person does."""
    result = run(
        status="engineer_specialist_humanities_international",
        expiry="2027-03-01",
        stay_over_3_months=True,
        lang="ja",
    )
    assert result.reasons == [Reason.WINDOW_NOT_OPEN]
    assert Note.SELF_FILER_AGE_15 not in result.notes
    assert Note.SPECIAL_PERIOD not in result.notes
    assert len(result.notes) <= 5
    assert result.notes[0] is Note.MY_NUMBER_CARD_EXPIRES_WITH_STAY
