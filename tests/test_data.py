"""The domain data: complete, sourced, dated and consistent with the public codes."""

from __future__ import annotations

from datetime import date

import pytest

from bot.codes import Note, Procedure, Reason, Requirement, Status, UserType
from bot.data.checklist import ITEMS
from bot.data.registry import (
    LINKS,
    PROCEDURE_INFO,
    PROCEDURES,
    STATUS_INFO,
    STATUSES,
    TIMING,
    USER_TYPE_INFO,
    USER_TYPES,
)
from bot.data.sources import SOURCES
from bot.verdict import NOTE_TEXT, REASON_TEXT, REQUIREMENT_TEXT

DATA_COMPILED = date(2026, 12, 1)  # the December 2026 accuracy review

RECORDS: list[tuple[str, str]] = (
    [(f"user_type:{u.code}", u.source_id) for u in USER_TYPES]
    + [(f"procedure:{p.code}", p.source_id) for p in PROCEDURES]
    + [(f"status:{s.code}", s.source_id) for s in STATUSES]
    + [(f"checklist:{i.id}", i.source_id) for i in ITEMS]
    + [(f"link:{link.id}", link.source_id) for link in LINKS]
    + [(f"timing:{t.id}", t.source_id) for t in TIMING.values()]
)


@pytest.mark.parametrize(("record", "source_id"), RECORDS, ids=[r[0] for r in RECORDS])
def test_every_record_has_a_dated_source(record: str, source_id: str) -> None:
    """Every rule, checklist item and link names a known source with a URL and an as-of date."""
    assert source_id, f"{record} has no source"
    src = SOURCES[source_id]
    assert src.url.startswith("https://www.moj.go.jp/isa/"), record
    assert isinstance(src.as_of, date)
    assert date(2023, 1, 1) <= src.as_of <= DATA_COMPILED
    assert src.grade in ("isa", "law", "3p", "unverified")
    assert src.title.strip()


# Reasons and notes whose text quotes a timing rule's number. The texts are msgids, so
# they cannot be formatted from the rule without a catalog change; this keeps them in step.
QUOTED_TIMING: list[tuple[str, Reason | Note, str]] = [
    ("extension_window_months", Reason.WINDOW_NOT_OPEN, "filed from about {} months before"),
    ("extension_window_months", Note.SHORT_STAY_WINDOW_UNVERIFIED, "The {}-month rule"),
    ("relative_applicant_age_under", Reason.RELATIVE_CONDITION_NOT_MET, "applicant is under {} "),
    ("self_filer_min_age", Reason.SELF_FILER_INELIGIBLE, "aged {} or over"),
    ("self_filer_min_age", Note.SELF_FILER_AGE_15, "aged {} or over"),
]


@pytest.mark.parametrize(
    ("rule_id", "code", "quote"), QUOTED_TIMING, ids=[f"{q[0]}:{q[1]}" for q in QUOTED_TIMING]
)
def test_texts_quote_the_timing_rules(rule_id: str, code: Reason | Note, quote: str) -> None:
    """A reason or note that states a timing rule's number states the rule's value."""
    text = REASON_TEXT[code] if isinstance(code, Reason) else NOTE_TEXT[code]
    assert quote.format(TIMING[rule_id].value) in text


def test_no_invented_system_domain() -> None:
    """No link points at an unverified login domain: we hand off via the ISA page."""
    for link in LINKS:
        assert "rasens" not in link.url
        assert "ras-immigration" not in link.url


def test_codes_are_complete() -> None:
    """Every public code has its data record and its explanation text."""
    assert set(USER_TYPE_INFO) == set(UserType)
    assert len(UserType) == 7
    assert set(PROCEDURE_INFO) == set(Procedure)
    assert len(Procedure) == 9
    assert set(STATUS_INFO) == set(Status)
    assert len(Status) == 32
    assert set(REASON_TEXT) == set(Reason)
    assert set(REQUIREMENT_TEXT) == set(Requirement)
    assert set(NOTE_TEXT) == set(Note)


@pytest.mark.parametrize(
    ("code", "online"),
    [
        (p, p not in (Procedure.PERMANENT_RESIDENCE, Procedure.RESIDENCE_CARD_RENEWAL))
        for p in Procedure
    ],
)
def test_online_procedures(code: Procedure, online: bool) -> None:
    """Seven procedures are online; permanent residence and card renewal are not."""
    assert PROCEDURE_INFO[code].online is online


def test_excluded_statuses() -> None:
    """Exactly Diplomat, Temporary Visitor and departure preparation are excluded."""
    excluded = {s.code for s in STATUSES if s.excluded}
    assert excluded == {
        Status.DIPLOMAT,
        Status.TEMPORARY_VISITOR,
        Status.DESIGNATED_ACTIVITIES_DEPARTURE_PREPARATION,
    }


def test_statuses_without_period() -> None:
    """Permanent Resident and HSP (ii) have no period of stay."""
    assert {s.code for s in STATUSES if not s.has_period} == {
        Status.PERMANENT_RESIDENT,
        Status.HIGHLY_SKILLED_PROFESSIONAL_2,
    }


def test_checklist_ids_unique_and_stable() -> None:
    """Checklist ids are unique snake_case (they are part of the contract)."""
    ids = [i.id for i in ITEMS]
    assert len(ids) == len(set(ids))
    for item_id in ids:
        assert item_id.replace("_", "").isalnum()
        assert item_id == item_id.lower()


def test_every_status_has_a_checklist_path() -> None:
    """Every status gets either its own documents or the 'see ISA' item for an extension."""
    status_items = [
        i
        for i in ITEMS
        if i.statuses is not None
        and i.procedures is not None
        and Procedure.EXTENSION in i.procedures
    ]
    for status in Status:
        assert any(status in (i.statuses or ()) for i in status_items), status


def test_synonyms_do_not_collide() -> None:
    """A typed status name maps to one status only."""
    seen: dict[str, Status] = {}
    for info in STATUSES:
        for syn in info.synonyms:
            assert seen.setdefault(syn, info.code) == info.code, syn
