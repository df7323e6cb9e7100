"""The official ISA tables as data (bot/data/tables/*.toml), and ``assess`` held to them.

1. The files say what the reference files say, cell by cell (lay these tables beside
   ../shared/reference/domain-facts-2026-update.md §3, domain-facts.md §2 and
   domain-facts-2026-12-corrections.md facts 1-7).
2. A bad edit fails at import with the file and the row named.
3. ``table_allows`` answers known cases as the sources do.
4. The grid: over every user type × procedure × status (and the inputs that can change the
   answer), wherever ``assess`` says "online", the tables do not say "no".
5. Properties over timing and locations (hypothesis): the shape of every verdict.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from itertools import product
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.assess import (
    AssessInputError,
    AssessRequest,
    AssessResponse,
    assess,
    needs_expiry,
    parse_request,
)
from bot.clock import TOKYO
from bot.codes import (
    Location,
    Note,
    Procedure,
    Reason,
    RelativeCondition,
    Status,
    TrainingType,
    UserType,
)
from bot.data.checklist import ITEMS
from bot.data.registry import LINK_INFO, PROCEDURE_INFO, STATUS_INFO
from bot.data.sources import SOURCES
from bot.data.table_queries import Answer, table_allows, table_answer
from bot.data.tables import (
    STATUS_SCOPE,
    STATUS_SCOPE_FILE,
    USER_PROCEDURES,
    USER_PROCEDURES_FILE,
    TableDataError,
    load_status_scope,
    load_user_procedures,
)
from bot.i18n import translator
from bot.models import Session, Slots
from bot.office_days import closed
from bot.office_days import counter_deadline as office_counter_deadline
from bot.verdict import verdict_messages

P = Procedure
S = Status
U = UserType
R = Reason

# =============================================================== 1. the transcription

# 利用者ごとの申請可能な手続 (PDF 001369137), as domain-facts-2026-update §3 gives it.
#            在留資格認定 変更   更新    取得  就労資格 資格外  再入国
COLUMNS = (
    P.CERTIFICATE_OF_ELIGIBILITY,
    P.CHANGE_OF_STATUS,
    P.EXTENSION,
    P.ACQUISITION,
    P.CERTIFICATE_OF_AUTHORIZED_EMPLOYMENT,
    P.ACTIVITY_PERMISSION,
    P.REENTRY_PERMIT,
)
USER_PROCEDURE_CELLS: dict[UserType, tuple[str, ...]] = {
    U.FOREIGN_NATIONAL: ("○", "○", "○", "○", "○", "○", "○"),  # 外国人本人 (注1)
    U.LEGAL_REPRESENTATIVE: ("○", "○", "○", "○", "○", "○", "○"),  # 法定代理人 (注1)
    U.RELATIVE: ("△注2", "△注3", "△注3", "△", "×", "×", "△注3"),  # 親族 (注1)
    U.LAWYER_SCRIVENER: ("○", "○", "○", "○", "○", "○", "○"),  # 弁護士・行政書士
}
ROW_NOTES: dict[UserType, tuple[str, ...]] = {
    U.FOREIGN_NATIONAL: ("注1",),
    U.LEGAL_REPRESENTATIVE: ("注1",),
    U.RELATIVE: ("注1",),
    U.LAWYER_SCRIVENER: (),
}
# 注2: the statuses for which a relative may file a COE (corrections fact 6), and the family
# statuses on the best reading (corrections fact 7: a hedged yes).
NOTE_2_STATUSES = {
    S.CULTURAL_ACTIVITIES,  # 文化活動
    S.STUDENT,  # 留学
    S.DEPENDENT,  # 家族滞在
    S.DESIGNATED_ACTIVITIES,  # 特定活動, under the notices below only
    S.SPOUSE_OR_CHILD_OF_JAPANESE_NATIONAL,  # 日本人の配偶者等
}
NOTE_2_NOTICES = {
    *("7", "18", "19", "23", "24", "30", "31", "33", "33の2", "34", "38", "39", "47", "52")
}
NOTE_2_HEDGED = {S.SPOUSE_OR_CHILD_OF_PERMANENT_RESIDENT, S.LONG_TERM_RESIDENT}
# Rows in no available copy: unverified, no cells, only the known conditions.
UNVERIFIED_ROWS: dict[tuple[UserType, bool], frozenset[Status] | None] = {
    (U.ORGANIZATION_STAFF, False): None,
    (U.ORGANIZATION_STAFF, True): frozenset({S.TECHNICAL_INTERN_TRAINING}),  # 監理団体
    (U.PUBLIC_INTEREST_CORP_STAFF, False): None,
    (U.REGISTERED_SUPPORT_ORG_STAFF, False): frozenset(
        {S.SPECIFIED_SKILLED_WORKER_1, S.SPECIFIED_SKILLED_WORKER_2}
    ),
}

# 利用可能な申請種別及び在留資格(対象範囲) (PDF 001351658, 2024-08-07) and the limits on the
# same question from the Q&A, the flyer and the Act (domain-facts.md §2; corrections 1-4).
EXCLUDED = {S.DIPLOMAT, S.TEMPORARY_VISITOR, S.DESIGNATED_ACTIVITIES_DEPARTURE_PREPARATION}
ONLY_WITH = {
    P.REENTRY_PERMIT: {P.CHANGE_OF_STATUS, P.EXTENSION, P.ACQUISITION},
    P.ACTIVITY_PERMISSION: {P.CHANGE_OF_STATUS, P.EXTENSION, P.ACQUISITION},
}
# (procedure, status, new_status) that are not online.
NOT_ONLINE = {
    (P.PERMANENT_RESIDENCE, None, None),
    (P.RESIDENCE_CARD_RENEWAL, None, None),
    (P.CHANGE_OF_STATUS, None, S.PERMANENT_RESIDENT),  # fact 1
    (P.ACQUISITION, S.PERMANENT_RESIDENT, None),  # fact 2
}
# status -> no COE at all (False) or only outside the 告示 (True) (fact 3).
NO_COE = {
    S.PERMANENT_RESIDENT: False,
    S.HIGHLY_SKILLED_PROFESSIONAL_2: False,
    S.TEMPORARY_VISITOR: False,
    S.DESIGNATED_ACTIVITIES: True,
    S.LONG_TERM_RESIDENT: True,
}
# id -> (statuses, procedures, da_notices, training_type, effect)
LIMITS: dict[str, tuple[set[Status], set[Procedure] | None, set[str] | None, Any, str]] = {
    "technical_intern_supervised": (
        {S.TECHNICAL_INTERN_TRAINING},
        None,
        None,
        TrainingType.SUPERVISED,
        "supervising_org_only",
    ),
    "dependent_supporter_in_scope": ({S.DEPENDENT}, None, None, None, "conditional"),
    "designated_activities_15_no_extension": (
        {S.DESIGNATED_ACTIVITIES},
        {P.EXTENSION},
        {"15"},
        None,
        "no",
    ),
    "designated_activities_epa_no_coe": (
        {S.DESIGNATED_ACTIVITIES},
        {P.CERTIFICATE_OF_ELIGIBILITY},
        None,
        None,
        "conditional",
    ),
    "employer_category_1_2_older_version": (
        {
            S.BUSINESS_MANAGER,
            S.RESEARCHER,
            S.ENGINEER_SPECIALIST_HUMANITIES_INTERNATIONAL,
            S.INTRA_COMPANY_TRANSFEREE,
            S.SKILLED_LABOR,
        },
        None,
        None,
        None,
        "none",
    ),
}


def test_the_headers_name_the_pdfs_and_what_could_not_be_read() -> None:
    up, sc = USER_PROCEDURES.source, STATUS_SCOPE.source
    assert (up.id, up.pdf, up.title) == (
        "isa_user_procedure_pdf",
        "001369137",
        "利用者ごとの申請可能な手続",
    )
    assert up.url == "https://www.moj.go.jp/isa/content/001369137.pdf"
    assert (sc.id, sc.pdf, sc.title) == (
        "isa_scope_pdf",
        "001351658",
        "利用可能な申請種別及び在留資格(対象範囲)",
    )
    assert sc.url == "https://www.moj.go.jp/isa/content/001351658.pdf"
    assert sc.as_of == date(2024, 8, 7)
    assert up.as_of == SOURCES[up.id].as_of
    assert (up.grade, sc.grade) == ("isa", "isa")
    for what in ("注1", "所属機関", "公益法人", "登録支援機関", "監理団体"):
        assert what in up.not_read, what
    for what in ("EPA", "per-status rows"):
        assert what in sc.not_read, what


def test_the_user_procedure_cells_are_the_texts() -> None:
    assert USER_PROCEDURES.columns == COLUMNS
    transcribed = {
        r.user: tuple(r.cells[c].printed for c in COLUMNS)
        for r in USER_PROCEDURES.rows
        if r.grade != "unverified"
    }
    assert transcribed == USER_PROCEDURE_CELLS
    for row in USER_PROCEDURES.rows:
        if row.grade != "unverified":
            assert row.row_notes == ROW_NOTES[row.user], row.user


def test_the_rows_no_copy_holds_are_unverified_without_cells() -> None:
    rows = {
        (r.user, r.filer_is_supervising_org): r
        for r in USER_PROCEDURES.rows
        if r.grade == "unverified"
    }
    assert set(rows) == set(UNVERIFIED_ROWS)
    for key, only in UNVERIFIED_ROWS.items():
        row = rows[key]
        assert not row.cells, key
        assert any("申請等取次者" in c.text for c in row.conditions), key
        limits = [c.only_statuses for c in row.conditions if c.only_statuses is not None]
        assert limits == ([only] if only else []), key
    supervising = rows[(U.ORGANIZATION_STAFF, True)]
    assert [c.only_training_type for c in supervising.conditions if c.only_training_type] == [
        TrainingType.SUPERVISED
    ]
    # Only 所属機関 staff may merely meet the approval requirements (corrections fact 12).
    for key, row in rows.items():
        meets = any("meeting the approval" in c.text for c in row.conditions)
        assert meets == (key[0] is U.ORGANIZATION_STAFF), key


def test_the_notes_are_transcribed_as_far_as_they_were_read() -> None:
    notes = USER_PROCEDURES.notes
    assert set(notes) == {"注1", "注2", "注3"}
    assert not notes["注1"].legible
    assert notes["注1"].grade == "unverified"
    assert notes["注2"].statuses == NOTE_2_STATUSES
    assert notes["注2"].designated_activities_notices == NOTE_2_NOTICES
    assert notes["注2"].hedged_statuses == NOTE_2_HEDGED
    assert "under 16" in notes["注3"].text
    assert "illness" in notes["注3"].text


def test_the_scope_table_is_the_texts() -> None:
    assert {e.status for e in STATUS_SCOPE.excluded} == EXCLUDED
    assert {
        p: set(sp.only_with) for p, sp in STATUS_SCOPE.procedures.items() if sp.only_with
    } == ONLY_WITH
    assert set(STATUS_SCOPE.procedures) == set(COLUMNS)
    assert {(n.procedure, n.status, n.new_status) for n in STATUS_SCOPE.not_online} == NOT_ONLINE
    assert {n.status: n.outside_notice_only for n in STATUS_SCOPE.no_coe} == NO_COE
    got = {
        lim.id: (
            set(lim.statuses),
            None if lim.procedures is None else set(lim.procedures),
            None if lim.da_notices is None else set(lim.da_notices),
            lim.training_type,
            lim.effect,
        )
        for lim in STATUS_SCOPE.limits
    }
    assert got == LIMITS
    applied_for = {p for p, sp in STATUS_SCOPE.procedures.items() if sp.status_is == "applied_for"}
    assert applied_for == {P.CERTIFICATE_OF_ELIGIBILITY, P.ACQUISITION}
    # Facts not from the scope PDF carry their own grade.
    grades = {(n.procedure, n.status, n.new_status): n.grade for n in STATUS_SCOPE.not_online}
    assert grades[(P.RESIDENCE_CARD_RENEWAL, None, None)] == "3p"
    assert {n.status: n.grade for n in STATUS_SCOPE.no_coe}[S.LONG_TERM_RESIDENT] == "3p"


def _ja(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def test_the_japanese_names_beside_the_codes_are_the_official_ones() -> None:
    for proc, ja in USER_PROCEDURES.column_ja.items():
        assert ja == PROCEDURE_INFO[proc].official_ja, proc
    for proc, sp in STATUS_SCOPE.procedures.items():
        assert sp.ja == PROCEDURE_INFO[proc].official_ja, proc
    for ex in STATUS_SCOPE.excluded:
        assert _ja(ex.ja) == _ja(STATUS_INFO[ex.status].official_ja), ex.status
    for nc in STATUS_SCOPE.no_coe:
        assert _ja(nc.ja) == _ja(STATUS_INFO[nc.status].official_ja), nc.status


def test_every_status_list_in_the_files_has_its_japanese_name() -> None:
    def walk(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            if "status" in node and "ja" in node and len(node) == 2:
                yield node
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    seen = 0
    for path in (USER_PROCEDURES_FILE, STATUS_SCOPE_FILE):
        for entry in walk(tomllib.loads(path.read_text(encoding="utf-8"))):
            status = Status(entry["status"])
            assert _ja(entry["ja"]) == _ja(STATUS_INFO[status].official_ja), (path.name, entry)
            seen += 1
    assert seen >= 15


# =============================================================== 2. errors name the row


def _broken(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / source.name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'extension = "△注3"',
            'extension = "△注9"',
            "user_procedures.toml: [[row]] 3 (relative): cell extension = '△注9': no [[note]]",
        ),
        (
            'acquisition = "△"',
            'acquisition = "maybe"',
            "[[row]] 3 (relative): cell acquisition = 'maybe': write ○, △ or ×",
        ),
        (
            'grade_note = "row not in any available copy of the PDF: no cells"',
            'cells = { extension = "○" }',
            "[[row]] 5 (organization_staff): an unverified row has no cells",
        ),
        (
            'activity_permission = "×"\n',
            "",
            "[[row]] 3 (relative): a transcribed row has a cell in every column",
        ),
        (
            'user = "lawyer_scrivener"',
            'user = "lawyer"',
            "[[row]] 4: user: unknown UserType 'lawyer'",
        ),
        (
            'id = "注3"',
            'id = "注3"\nwording = "x"',
            "[[note]] 3: unknown keys wording",
        ),
    ],
)
def test_a_bad_user_procedure_file_names_the_file_and_row(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = _broken(tmp_path, USER_PROCEDURES_FILE, old, new)
    with pytest.raises(TableDataError) as err:
        load_user_procedures(path)
    assert message in str(err.value)
    assert str(err.value).startswith("user_procedures.toml: ")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'da_notices = ["15"]',
            'da_notices = ["fifteen"]',
            "[[limit]] 3 (designated_activities_15_no_extension): da_notices: 'fifteen'",
        ),
        (
            'effect = "conditional"\ncondition = "only if',
            'effect = "maybe"\ncondition = "only if',
            "[[limit]] 2 (dependent_supporter_in_scope): effect must be one of",
        ),
        (
            'status = "temporary_visitor"\nja = "短期滞在"\ngrade = "isa"',
            'status = "visitor"\nja = "短期滞在"\ngrade = "isa"',
            "[[excluded]] 2: status: unknown Status 'visitor'",
        ),
        (
            'procedure = "residence_card_renewal"',
            'procedure = "residence_card"',
            "[[not_online]] 2: procedure: unknown Procedure 'residence_card'",
        ),
        (
            'url = "https://www.moj.go.jp/isa/content/001351658.pdf"',
            'url = "https://www.moj.go.jp/isa/content/001351659.pdf"',
            "[source]: url",
        ),
    ],
)
def test_a_bad_status_scope_file_names_the_file_and_row(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = _broken(tmp_path, STATUS_SCOPE_FILE, old, new)
    with pytest.raises(TableDataError) as err:
        load_status_scope(path)
    assert message in str(err.value)
    assert str(err.value).startswith("status_scope.toml: ")


def test_a_file_that_is_not_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "status_scope.toml"
    path.write_text("[source\n", encoding="utf-8")
    with pytest.raises(TableDataError, match=r"^status_scope\.toml: "):
        load_status_scope(path)


# =============================================================== 3. known answers

DA = S.DESIGNATED_ACTIVITIES
TIT = S.TECHNICAL_INTERN_TRAINING
SUP, ENT = TrainingType.SUPERVISED, TrainingType.ENTERPRISE

# (user, procedure, status, keyword arguments, expected answer, source)
KNOWN: list[tuple[UserType, Procedure, Status, dict[str, Any], Answer, str]] = [
    (U.FOREIGN_NATIONAL, P.EXTENSION, S.STUDENT, {}, "yes", "001369137 ○"),
    (U.LAWYER_SCRIVENER, P.CERTIFICATE_OF_ELIGIBILITY, S.STUDENT, {}, "yes", "001369137 ○"),
    (U.LEGAL_REPRESENTATIVE, P.ACQUISITION, S.DEPENDENT, {}, "conditional", "家族滞在 limit"),
    (U.RELATIVE, P.CERTIFICATE_OF_ELIGIBILITY, S.STUDENT, {}, "yes", "注2 list"),
    (U.RELATIVE, P.CERTIFICATE_OF_ELIGIBILITY, DA, {"da_notice": "7"}, "conditional", "注2; EPA"),
    (U.RELATIVE, P.CERTIFICATE_OF_ELIGIBILITY, DA, {"da_notice": "46"}, "no", "fact 6"),
    (U.RELATIVE, P.CERTIFICATE_OF_ELIGIBILITY, DA, {"da_notice": "outside"}, "no", "facts 3, 6"),
    (U.RELATIVE, P.CERTIFICATE_OF_ELIGIBILITY, DA, {}, "conditional", "fact 6: ask the notice"),
    (
        U.RELATIVE,
        P.CERTIFICATE_OF_ELIGIBILITY,
        S.SPOUSE_OR_CHILD_OF_PERMANENT_RESIDENT,
        {},
        "conditional",
        "fact 7: hedged yes",
    ),
    (
        U.RELATIVE,
        P.CERTIFICATE_OF_ELIGIBILITY,
        S.LONG_TERM_RESIDENT,
        {},
        "conditional",
        "facts 3, 7",
    ),
    (
        U.RELATIVE,
        P.CERTIFICATE_OF_ELIGIBILITY,
        S.ENGINEER_SPECIALIST_HUMANITIES_INTERNATIONAL,
        {},
        "no",
        "注2",
    ),
    (U.RELATIVE, P.CERTIFICATE_OF_AUTHORIZED_EMPLOYMENT, S.STUDENT, {}, "no", "×"),
    (
        U.RELATIVE,
        P.ACTIVITY_PERMISSION,
        S.STUDENT,
        {"with_procedure": P.EXTENSION, "relative_condition_met": True},
        "no",
        "×",
    ),
    (U.RELATIVE, P.EXTENSION, S.STUDENT, {"relative_condition_met": True}, "yes", "注3"),
    (U.RELATIVE, P.EXTENSION, S.STUDENT, {"relative_condition_met": False}, "no", "注3"),
    (U.RELATIVE, P.EXTENSION, S.STUDENT, {}, "conditional", "注3"),
    (
        U.RELATIVE,
        P.ACQUISITION,
        S.STUDENT,
        {"relative_condition_met": False},
        "conditional",
        "△ without 注",
    ),
    (U.LEGAL_REPRESENTATIVE, P.REENTRY_PERMIT, S.STUDENT, {}, "no", "only with"),
    (
        U.LEGAL_REPRESENTATIVE,
        P.REENTRY_PERMIT,
        S.STUDENT,
        {"with_procedure": P.EXTENSION},
        "yes",
        "only with",
    ),
    (U.LAWYER_SCRIVENER, P.PERMANENT_RESIDENCE, S.STUDENT, {}, "no", "fact 1"),
    (U.FOREIGN_NATIONAL, P.RESIDENCE_CARD_RENEWAL, S.PERMANENT_RESIDENT, {}, "no", "Q1-5"),
    (
        U.LAWYER_SCRIVENER,
        P.CHANGE_OF_STATUS,
        S.ENGINEER_SPECIALIST_HUMANITIES_INTERNATIONAL,
        {"new_status": S.PERMANENT_RESIDENT},
        "no",
        "fact 1",
    ),
    (
        U.FOREIGN_NATIONAL,
        P.REENTRY_PERMIT,
        S.STUDENT,
        {"with_procedure": P.CHANGE_OF_STATUS, "new_status": S.PERMANENT_RESIDENT},
        "no",
        "fact 1",
    ),
    (U.LEGAL_REPRESENTATIVE, P.ACQUISITION, S.PERMANENT_RESIDENT, {}, "no", "fact 2"),
    (
        U.LAWYER_SCRIVENER,
        P.CERTIFICATE_OF_ELIGIBILITY,
        S.HIGHLY_SKILLED_PROFESSIONAL_2,
        {},
        "no",
        "fact 3",
    ),
    (U.LAWYER_SCRIVENER, P.CERTIFICATE_OF_ELIGIBILITY, S.PERMANENT_RESIDENT, {}, "no", "fact 3"),
    (
        U.LAWYER_SCRIVENER,
        P.CERTIFICATE_OF_ELIGIBILITY,
        DA,
        {"da_notice": "outside"},
        "no",
        "fact 3: no COE outside the 告示",
    ),
    (
        U.LAWYER_SCRIVENER,
        P.CERTIFICATE_OF_ELIGIBILITY,
        S.LONG_TERM_RESIDENT,
        {},
        "conditional",
        "fact 3: a 定住者 COE only under the 告示",
    ),
    (U.LAWYER_SCRIVENER, P.EXTENSION, S.DIPLOMAT, {}, "no", "excluded"),
    (
        U.LAWYER_SCRIVENER,
        P.CHANGE_OF_STATUS,
        S.STUDENT,
        {"new_status": S.TEMPORARY_VISITOR},
        "no",
        "excluded when applied for",
    ),
    (U.LAWYER_SCRIVENER, P.EXTENSION, TIT, {"training_type": SUP}, "no", "fact 4"),
    (U.FOREIGN_NATIONAL, P.EXTENSION, TIT, {"training_type": SUP}, "no", "fact 4"),
    (U.LAWYER_SCRIVENER, P.EXTENSION, TIT, {"training_type": ENT}, "yes", "fact 4"),
    (U.LAWYER_SCRIVENER, P.EXTENSION, TIT, {}, "conditional", "fact 4: ask the type"),
    (
        U.ORGANIZATION_STAFF,
        P.EXTENSION,
        TIT,
        {"training_type": SUP, "filer_is_supervising_org": False},
        "no",
        "fact 4: not the implementing organisation",
    ),
    (
        U.ORGANIZATION_STAFF,
        P.EXTENSION,
        TIT,
        {"training_type": SUP, "filer_is_supervising_org": True},
        "unknown",
        "監理団体 row not read",
    ),
    (
        U.ORGANIZATION_STAFF,
        P.EXTENSION,
        S.STUDENT,
        {"filer_is_supervising_org": True},
        "no",
        "監理団体: 技能実習 only",
    ),
    (U.ORGANIZATION_STAFF, P.EXTENSION, S.STUDENT, {}, "unknown", "row not read"),
    (U.PUBLIC_INTEREST_CORP_STAFF, P.EXTENSION, S.STUDENT, {}, "unknown", "row not read"),
    (U.REGISTERED_SUPPORT_ORG_STAFF, P.EXTENSION, S.STUDENT, {}, "no", "特定技能 only"),
    (
        U.REGISTERED_SUPPORT_ORG_STAFF,
        P.CHANGE_OF_STATUS,
        S.STUDENT,
        {"new_status": S.SPECIFIED_SKILLED_WORKER_1},
        "unknown",
        "row not read",
    ),
    (U.FOREIGN_NATIONAL, P.EXTENSION, DA, {"da_notice": "15"}, "no", "告示15号"),
    (U.FOREIGN_NATIONAL, P.EXTENSION, DA, {"da_notice": "46"}, "yes", "告示15号 only"),
    (U.FOREIGN_NATIONAL, P.EXTENSION, DA, {}, "conditional", "告示15号: ask"),
    (
        U.FOREIGN_NATIONAL,
        P.REENTRY_PERMIT,
        DA,
        {"with_procedure": P.EXTENSION, "da_notice": "15"},
        "no",
        "告示15号",
    ),
    (
        U.LAWYER_SCRIVENER,
        P.CERTIFICATE_OF_ELIGIBILITY,
        DA,
        {"da_notice": "46"},
        "conditional",
        "EPA notices: numbers not transcribed",
    ),
    (
        U.LAWYER_SCRIVENER,
        P.EXTENSION,
        S.ENGINEER_SPECIALIST_HUMANITIES_INTERNATIONAL,
        {},
        "yes",
        "employer-category limit not known to be in force",
    ),
]


@pytest.mark.parametrize(
    "case", KNOWN, ids=[f"{u.value}-{p.value}-{s.value}-{src}" for u, p, s, _, _, src in KNOWN]
)
def test_table_allows_known_cases(
    case: tuple[UserType, Procedure, Status, dict[str, Any], Answer, str],
) -> None:
    user, procedure, status, kwargs, expected, source = case
    answer = table_answer(user, procedure, status, **kwargs)
    assert answer.answer == expected, (source, answer.because)
    assert table_allows(user, procedure, status, **kwargs) == expected


# =============================================================== 4. the grid

# 2026-11-22 12:00 in Tokyo; the expiry is inside the extension window, on a business day.
GRID_NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
GRID_EXPIRY = date(2027, 1, 15)
MAIN = (P.CHANGE_OF_STATUS, P.EXTENSION, P.ACQUISITION)
ALONE_OK = tuple(p for p in Procedure if p not in (P.CHANGE_OF_STATUS, *ONLY_WITH))
# A change of status: every held status to nothing named and to 永住者, and a few held
# statuses to every new status.
HELD_SAMPLE = (
    S.STUDENT,
    S.ENGINEER_SPECIALIST_HUMANITIES_INTERNATIONAL,
    S.TECHNICAL_INTERN_TRAINING,
    S.DESIGNATED_ACTIVITIES,
    S.DEPENDENT,
    S.TRAINEE,
    S.SPOUSE_OR_CHILD_OF_JAPANESE_NATIONAL,
    S.TEMPORARY_VISITOR,
)
CHANGES: list[tuple[Status, Status | None]] = sorted(
    {(s, None) for s in Status}
    | {(s, S.PERMANENT_RESIDENT) for s in Status}
    | {(h, n) for h in HELD_SAMPLE for n in Status},
    key=lambda pair: (pair[0].value, pair[1].value if pair[1] else ""),
)
WITH_CHANGE: list[tuple[Status, Status | None]] = sorted(
    {(s, None) for s in Status}
    | {(s, S.PERMANENT_RESIDENT) for s in Status}
    | {(S.STUDENT, n) for n in Status},
    key=lambda pair: (pair[0].value, pair[1].value if pair[1] else ""),
)
DA_NOTICES = (None, "46", "7", "outside")
TRAINING = (None, SUP, ENT)
UNDER_16, UNABLE, NEITHER = (
    RelativeCondition.UNDER_16,
    RelativeCondition.UNABLE,
    RelativeCondition.NEITHER,
)


def _base_cases() -> Iterator[tuple[Procedure, Procedure | None, Status, Status | None]]:
    for proc in ALONE_OK:
        for status in Status:
            yield proc, None, status, None
    for status, new in CHANGES:
        yield P.CHANGE_OF_STATUS, None, status, new
    for proc in ONLY_WITH:
        for main in (None, P.EXTENSION, P.ACQUISITION):
            for status in Status:
                yield proc, main, status, None
        for status, new in WITH_CHANGE:
            yield proc, P.CHANGE_OF_STATUS, status, new


def _grid() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(request fields, table arguments) over the grid."""
    for user in UserType:
        supervising = (None, False, True) if user is U.ORGANIZATION_STAFF else (None,)
        conditions = tuple(RelativeCondition) if user is U.RELATIVE else (None,)
        stays = (None, True) if user is U.FOREIGN_NATIONAL else (None,)
        for proc, main, status, new in _base_cases():
            notices = DA_NOTICES if DA in (status, new) else (None,)
            trainings = TRAINING if TIT in (status, new) else (None,)
            for sup, cond, stay, notice, training, in_japan in product(
                supervising, conditions, stays, notices, trainings, (True, False)
            ):
                fields: dict[str, Any] = {
                    "user_type": user,
                    "procedure": proc,
                    "with_procedure": main,
                    "status": status,
                    "new_status": new,
                    "expiry": GRID_EXPIRY,
                    "has_my_number_card": True,
                    "applicant_in_japan": in_japan,
                    "stay_over_3_months": stay,
                    "training_type": training,
                    "filer_is_supervising_org": sup,
                    "da_notice": notice,
                    "applicant_under_16": None if cond is None else cond is UNDER_16,
                    "applicant_unable": None if cond is None else cond is UNABLE,
                }
                table = {
                    "with_procedure": main,
                    "new_status": new,
                    "relative_condition_met": None if cond is None else cond is not NEITHER,
                    "da_notice": notice,
                    "training_type": training,
                    "filer_is_supervising_org": sup,
                }
                yield fields, table


def _case(fields: dict[str, Any]) -> str:
    shown = {k: getattr(v, "value", v) for k, v in fields.items() if v is not None}
    shown.pop("expiry", None)
    shown.pop("has_my_number_card", None)
    return ", ".join(f"{k}={v}" for k, v in shown.items())


def test_the_grid_assess_says_online_only_where_the_tables_allow() -> None:
    """Wherever ``assess`` says online, the official tables must not say no."""
    online = 0
    refused: list[str] = []
    groups: Counter[str] = Counter()
    for fields, table in _grid():
        try:
            verdict = assess(AssessRequest(**fields), now=GRID_NOW)
        except AssessInputError:
            continue
        if not verdict.online:
            continue
        online += 1
        answer = table_answer(fields["user_type"], fields["procedure"], fields["status"], **table)
        if answer.answer == "no":
            first_no = next(b for b in answer.because if b.startswith("no: "))
            groups[first_no.split(" (")[0]] += 1
            if len(refused) < 40:
                refused.append(f"{_case(fields)}\n      tables: {'; '.join(answer.because)}")
    assert online > 5000, "the grid found too few online cases to mean anything"
    summary = "\n".join(f"  {n:6d} × {why}" for why, n in groups.most_common())
    assert not refused, (
        f"assess says online where the official tables say no ({sum(groups.values())} cases):\n"
        f"{summary}\nfirst cases:\n  " + "\n  ".join(refused)
    )


# =============================================================== 5. properties

# Reasons that can go away (wait, come back to Japan, change the network, get a card):
# every other reason means this case can never be filed online.
FIXABLE = {
    R.WINDOW_NOT_OPEN,
    R.ABROAD,
    R.FOREIGN_IP,
    R.MY_NUMBER_CARD_REQUIRED,
    R.APPLICANT_ABROAD,
}
EXPIRY_KINDS = (
    *("long_past", "yesterday", "today", "tomorrow"),
    *("inside", "inside", "inside", "outside", "closed", "closed"),
)
NEEDS_EXPIRY = (P.EXTENSION, P.CHANGE_OF_STATUS, P.CERTIFICATE_OF_AUTHORIZED_EMPLOYMENT)
GO_TODAY = ("today, during its opening hours", "immigration office today")
PROPERTY_SETTINGS = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def _next_closed(day: date) -> date:
    while closed(day) is None:
        day += timedelta(days=1)
    return day


@st.composite
def cases(
    draw: st.DrawFn,
    *,
    procedures: tuple[Procedure, ...] = tuple(Procedure),
    expiry_kinds: tuple[str, ...] = EXPIRY_KINDS,
    today_closed: bool | None = None,
    users: tuple[UserType, ...] = tuple(UserType),
    filer_locations: tuple[Location, ...] = (*[Location.JAPAN] * 4, *Location),
    applicant_in_japan: tuple[bool, ...] = (True, True, True, False),
) -> tuple[dict[str, Any], datetime]:
    """A request (JSON fields) and the instant it is asked at.

    The defaults lean towards the cases that can be filed online, so "yes" is common too.
    """
    user = draw(st.sampled_from(users))
    procedure = draw(st.sampled_from(procedures))
    status = draw(st.sampled_from(tuple(Status)))
    main = draw(st.sampled_from((None, *MAIN))) if procedure in ONLY_WITH else None
    new_status = None
    if P.CHANGE_OF_STATUS in (procedure, main):
        new_status = draw(st.none() | st.sampled_from(tuple(Status)))
    # Today: any day, or (to exercise closures) the next day the counters are closed.
    today = draw(st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)))
    if today_closed if today_closed is not None else draw(st.booleans()):
        today = _next_closed(today)
    kind = draw(st.sampled_from(expiry_kinds))
    if kind == "long_past":
        expiry = today - timedelta(days=draw(st.integers(2, 400)))
    elif kind == "yesterday":
        expiry = today - timedelta(days=1)
    elif kind == "today":
        expiry = today
    elif kind == "tomorrow":
        expiry = today + timedelta(days=1)
    elif kind == "inside":
        expiry = today + timedelta(days=draw(st.integers(2, 88)))
    elif kind == "outside":
        expiry = today + timedelta(days=draw(st.integers(93, 800)))
    else:  # an expiry on a weekend, a holiday or the year-end closure
        expiry = _next_closed(today + timedelta(days=draw(st.integers(0, 120))))
    instant = datetime.combine(today, time(draw(st.integers(0, 23)), 30), tzinfo=TOKYO)
    location = draw(st.sampled_from(filer_locations))
    statuses = {status, new_status}
    fields: dict[str, Any] = {
        "user_type": user.value,
        "procedure": procedure.value,
        "status": status.value,
        "expiry": expiry.isoformat(),
        "filer_in_japan": location is not Location.ABROAD,
        "foreign_ip": location is Location.JAPAN_FOREIGN_NETWORK,
        "applicant_in_japan": draw(st.sampled_from(applicant_in_japan)),
        "has_my_number_card": draw(st.sampled_from((True, True, True, None, False))),
        "stay_over_3_months": draw(st.sampled_from((True, True, None, False))),
        "lang": "en",
    }
    if main is not None:
        fields["with_procedure"] = main.value
    if new_status is not None:
        fields["new_status"] = new_status.value
    if user is U.RELATIVE:
        condition = draw(st.sampled_from(tuple(RelativeCondition)))
        fields["applicant_under_16"] = condition is RelativeCondition.UNDER_16
        fields["applicant_unable"] = condition is RelativeCondition.UNABLE
    if user is U.ORGANIZATION_STAFF:
        fields["filer_is_supervising_org"] = draw(st.sampled_from((None, False, True)))
    if TIT in statuses:
        fields["training_type"] = draw(st.sampled_from((None, "supervised", "enterprise")))
    if DA in statuses:
        fields["da_notice"] = draw(st.sampled_from((None, "46", "7", "15", "33の2", "outside")))
    return {k: v for k, v in fields.items() if v is not None}, instant


def _assess(fields: dict[str, Any], instant: datetime) -> tuple[AssessRequest, AssessResponse]:
    request = parse_request(fields)
    return request, assess(request, now=instant)


def _verdict_text(request: AssessRequest, response: AssessResponse) -> str:
    location = (
        Location.ABROAD
        if not request.filer_in_japan
        else Location.JAPAN_FOREIGN_NETWORK
        if request.foreign_ip
        else Location.JAPAN
    )
    session = Session(
        key="test:official-tables",
        flow="guide",
        state="verdict",
        locale="en",
        slots=Slots(
            user_type=request.user_type,
            procedure=request.procedure,
            with_procedure=request.with_procedure,
            status=request.status,
            new_status=request.new_status,
            expiry=request.expiry,
            has_my_number_card=request.has_my_number_card,
            location=location,
            applicant_in_japan=request.applicant_in_japan,
            stay_over_3_months=request.stay_over_3_months,
            training_type=request.training_type,
            filer_is_supervising_org=request.filer_is_supervising_org,
            da_notice=request.da_notice,
        ),
    )
    messages = verdict_messages(translator("en"), session, response)
    return "\n".join(m.text for m in messages)


@PROPERTY_SETTINGS
@given(cases())
def test_online_exactly_when_there_is_no_reason(case: tuple[dict[str, Any], datetime]) -> None:
    _, v = _assess(*case)
    assert v.online == (not v.reasons)


@PROPERTY_SETTINGS
@given(cases(procedures=NEEDS_EXPIRY + tuple(ONLY_WITH)))
def test_the_dates_are_in_order(case: tuple[dict[str, Any], datetime]) -> None:
    """opens_on <= last_online_day < expiry <= counter_deadline, whenever they are set."""
    request, v = _assess(*case)
    expiry = request.expiry
    assert expiry is not None
    if v.opens_on and v.last_online_day:
        assert v.opens_on <= v.last_online_day
    if v.last_online_day:
        assert v.last_online_day < expiry
    if v.counter_deadline:
        assert expiry <= v.counter_deadline
        # the first day on or after the expiry that the counters are open (facts 10-11)
        assert closed(v.counter_deadline) is None
        assert v.counter_deadline == office_counter_deadline(expiry)


@PROPERTY_SETTINGS
@given(cases())
def test_no_last_online_day_when_it_can_never_be_filed_online(
    case: tuple[dict[str, Any], datetime],
) -> None:
    _, v = _assess(*case)
    permanent = set(v.reasons) - FIXABLE
    assert v.last_online_day is None or not permanent, (v.reasons, v.last_online_day)


@PROPERTY_SETTINGS
@given(
    cases(procedures=NEEDS_EXPIRY + tuple(ONLY_WITH), expiry_kinds=("today",), today_closed=True)
)
def test_no_go_today_on_a_closed_day(case: tuple[dict[str, Any], datetime]) -> None:
    request, v = _assess(*case)
    assert closed(v.today) is not None
    text = _verdict_text(request, v)
    for phrase in GO_TODAY:
        assert phrase not in text, (v.reasons, text)


@PROPERTY_SETTINGS
@given(
    cases(
        procedures=NEEDS_EXPIRY + tuple(ONLY_WITH),
        expiry_kinds=("today",),
        applicant_in_japan=(False,),
    )
    | cases(
        procedures=NEEDS_EXPIRY + tuple(ONLY_WITH),
        expiry_kinds=("today",),
        users=(U.FOREIGN_NATIONAL,),
        filer_locations=(Location.ABROAD,),
    )
)
def test_no_go_today_when_the_applicant_is_abroad(case: tuple[dict[str, Any], datetime]) -> None:
    """The applicant is abroad (a self-filer abroad is an applicant abroad)."""
    request, v = _assess(*case)
    text = _verdict_text(request, v)
    for phrase in GO_TODAY:
        assert phrase not in text, (v.reasons, text)


@PROPERTY_SETTINGS
@given(
    cases(
        procedures=NEEDS_EXPIRY + tuple(ONLY_WITH),
        expiry_kinds=("today",),
        filer_locations=(Location.ABROAD,),
    )
)
def test_no_go_today_when_the_filer_is_abroad(case: tuple[dict[str, Any], datetime]) -> None:
    """A filer who is abroad cannot go to an office today: only an applicant who is in
    Japan (filed for by someone else) is told to go, by name."""
    request, v = _assess(*case)
    text = _verdict_text(request, v)
    told = [phrase for phrase in GO_TODAY if phrase in text]
    if told:
        assert request.applicant_in_japan, (v.reasons, text)
        assert request.user_type is not U.FOREIGN_NATIONAL, (v.reasons, text)
        assert "the applicant should apply at the nearest regional immigration office today" in (
            text
        ), (v.reasons, text)


@PROPERTY_SETTINGS
@given(cases(procedures=NEEDS_EXPIRY, expiry_kinds=("closed",)))
def test_an_expiry_on_a_closed_day_gets_the_previous_business_day_note(
    case: tuple[dict[str, Any], datetime],
) -> None:
    """The note covers holidays and the year end as well as weekends (issue 17 §2)."""
    request, v = _assess(*case)
    expiry = date.fromisoformat(case[0]["expiry"])
    if v.online and v.today < expiry and needs_expiry(request):
        assert Note.FILE_BY_PREVIOUS_BUSINESS_DAY in v.notes, (expiry, closed(expiry), v.notes)


@PROPERTY_SETTINGS
@given(cases())
def test_every_checklist_item_and_link_has_a_source(case: tuple[dict[str, Any], datetime]) -> None:
    _, v = _assess(*case)
    items = {item.id: item for item in ITEMS}
    for entry in v.checklist:
        source = SOURCES[items[entry.id].source_id]
        assert (entry.source, entry.as_of) == (source.url, source.as_of), entry.id
    for link in v.links:
        assert LINK_INFO[link.id].source_id in SOURCES, link.id
        assert link.url == LINK_INFO[link.id].url
    assert v.as_of <= date(2199, 12, 31)


@PROPERTY_SETTINGS
@given(cases())
def test_online_only_where_the_tables_allow(case: tuple[dict[str, Any], datetime]) -> None:
    request, v = _assess(*case)
    if not v.online:
        return
    met = None
    if request.applicant_under_16 is not None or request.applicant_unable is not None:
        met = bool(request.applicant_under_16 or request.applicant_unable)
    answer = table_answer(
        request.user_type,
        request.procedure,
        request.status,
        with_procedure=request.with_procedure,
        new_status=request.new_status,
        relative_condition_met=met,
        da_notice=request.da_notice,
        training_type=request.training_type,
        filer_is_supervising_org=request.filer_is_supervising_org,
    )
    assert answer.answer != "no", answer.because
