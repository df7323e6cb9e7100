"""Requirement, link, checklist and fee wording: facts 12-18 of the December 2026 review.

Each row cites its item in ``../shared/reference/domain-facts-2026-12-corrections.md``
(``fNN`` in the row id).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.assess import AssessResponse, assess, checklist_items, parse_request
from bot.codes import Note, Requirement, Status, UserType
from bot.data.checklist import ITEMS
from bot.data.limits import SOURCE_IDS
from bot.data.registry import DESIGNATION_PAPER_STATUSES, LINK_INFO, PROCEDURE_INFO, USER_TYPE_INFO
from bot.data.sources import AUTHORITATIVE_GRADES, SOURCES
from bot.verdict import NOTE_TEXT, REQUIREMENT_TEXT

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)  # 12:00 on 2026-11-22 in Tokyo
U = UserType
R = Requirement
S = Status
ITEM = {i.id: i for i in ITEMS}


def _request(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "user_type": "foreign_national",
        "procedure": "extension",
        "status": "student",
        "expiry": "2027-01-15",
        "has_my_number_card": True,
    }
    base.update(fields)
    return base


def run(**fields: Any) -> AssessResponse:
    return assess(parse_request(_request(**fields)), now=NOW)


def item_ids(**fields: Any) -> set[str]:
    return {i.id for i in checklist_items(parse_request(_request(**fields)))}


# ------------------------------------------------------------------ facts 12-13: requirements

AGENT_CODES = {R.AGENT_APPROVAL, R.AGENT_APPROVAL_OR_REQUIREMENTS, R.AGENT_APPROVAL_OR_NOTIFICATION}
# (user type, the one agent requirement it has, or None).
AGENT_ROWS: list[tuple[str, UserType, Requirement | None]] = [
    (
        "f12-organisation-staff-approved-or-meets-requirements",
        U.ORGANIZATION_STAFF,
        R.AGENT_APPROVAL_OR_REQUIREMENTS,
    ),
    ("f12-public-interest-staff-must-be-approved", U.PUBLIC_INTEREST_CORP_STAFF, R.AGENT_APPROVAL),
    ("f12-support-org-staff-must-be-approved", U.REGISTERED_SUPPORT_ORG_STAFF, R.AGENT_APPROVAL),
    ("f12-lawyer-approved-or-notified", U.LAWYER_SCRIVENER, R.AGENT_APPROVAL_OR_NOTIFICATION),
    ("f12-foreign-national-no-agent", U.FOREIGN_NATIONAL, None),
    ("f12-legal-representative-no-agent", U.LEGAL_REPRESENTATIVE, None),
    ("f12-relative-no-agent", U.RELATIVE, None),
]


@pytest.mark.parametrize(("row", "user", "agent"), AGENT_ROWS, ids=[r[0] for r in AGENT_ROWS])
def test_agent_requirement_per_user_type(
    row: str, user: UserType, agent: Requirement | None
) -> None:
    """Fact 12: only organisation staff may merely meet the requirements; lawyers may notify."""
    data = set(USER_TYPE_INFO[user].requirements) & AGENT_CODES
    assert data == ({agent} if agent else set()), row
    verdict = set(run(user_type=user.value, status="specified_skilled_worker_1").requirements)
    assert verdict & AGENT_CODES == data, row


TEXT_ROWS: list[tuple[str, Requirement, tuple[str, ...], tuple[str, ...]]] = [
    # (row id, code, must contain, must not contain)
    (
        "f12-approved-only",
        R.AGENT_APPROVAL,
        ("申請等取次者", "Approval"),
        ("requirements", "notif"),
    ),
    (
        "f12-or-meeting-requirements",
        R.AGENT_APPROVAL_OR_REQUIREMENTS,
        ("申請等取次者", "or meeting its requirements"),
        (),
    ),
    (
        "f12-or-notified",
        R.AGENT_APPROVAL_OR_NOTIFICATION,
        ("申請等取次者", "届出済"),
        ("requirements",),
    ),
    (
        "f13-certificate-number-official-name",
        R.NOTIFICATION_CERTIFICATE,
        (
            "申請等取次者証明書番号",
            "届出済証明書",
            "through your bar or gyoseishoshi association (単位会)",
        ),
        ("from your",),
    ),
]


@pytest.mark.parametrize(
    ("row", "code", "present", "absent"), TEXT_ROWS, ids=[r[0] for r in TEXT_ROWS]
)
def test_requirement_texts(
    row: str, code: Requirement, present: tuple[str, ...], absent: tuple[str, ...]
) -> None:
    """Facts 12-13: each requirement says exactly what the user type needs."""
    text = REQUIREMENT_TEXT[code]
    for part in present:
        assert part in text, (row, part)
    for part in absent:
        assert part not in text, (row, part)


def test_requirement_codes_only_grow() -> None:
    """Facts 12-13: the old codes keep their values (public contract); the new ones are added."""
    assert [r.value for r in Requirement][:6] == [
        "user_registration",
        "my_number_card",
        "use_application",
        "agent_approval",
        "notification_certificate",
        "request_from_receiving_org",
    ]


# ------------------------------------------------------------------ fact 14: own page

LINK_ROWS: list[tuple[str, UserType, str]] = [
    ("f14-organisation-staff", U.ORGANIZATION_STAFF, "isa_users_organization"),
    ("f14-public-interest-staff", U.PUBLIC_INTEREST_CORP_STAFF, "isa_users_organization"),
    ("f14-support-org-staff", U.REGISTERED_SUPPORT_ORG_STAFF, "isa_users_organization"),
    # The start-up guide's own URL is not in our sources: the ISA page it refers to.
    ("f14-lawyer-not-the-organisation-page", U.LAWYER_SCRIVENER, "isa_online"),
    ("f14-foreign-national", U.FOREIGN_NATIONAL, "isa_users_individual"),
    ("f14-legal-representative", U.LEGAL_REPRESENTATIVE, "isa_users_individual"),
    ("f14-relative", U.RELATIVE, "isa_users_individual"),
]


@pytest.mark.parametrize(("row", "user", "link_id"), LINK_ROWS, ids=[r[0] for r in LINK_ROWS])
def test_each_user_type_links_its_own_page(row: str, user: UserType, link_id: str) -> None:
    """Fact 14: 10_00114.html is for organisation, public-interest and support-org staff only."""
    assert USER_TYPE_INFO[user].link_id == link_id, row
    assert link_id in LINK_INFO
    links = [
        link.id for link in run(user_type=user.value, status="specified_skilled_worker_1").links
    ]
    assert link_id in links, row
    if user not in {
        U.ORGANIZATION_STAFF,
        U.PUBLIC_INTEREST_CORP_STAFF,
        U.REGISTERED_SUPPORT_ORG_STAFF,
    }:
        assert "isa_users_organization" not in links, row
    if user not in {U.FOREIGN_NATIONAL, U.LEGAL_REPRESENTATIVE, U.RELATIVE}:
        assert "isa_users_individual" not in links, row


# ------------------------------------------------------------------ fact 15: newborns

ACQUISITION_ROWS: list[tuple[str, dict[str, Any]]] = [
    ("f15-newborn-legal-representative", {"user_type": "legal_representative", "applicant_age": 0}),
    (
        "f15-newborn-under-16-flag",
        {"user_type": "legal_representative", "applicant_under_16": True},
    ),
    ("f15-lawyer-files-acquisition", {"user_type": "lawyer_scrivener"}),
    (
        "f15-acquisition-designated-activities",
        {"user_type": "lawyer_scrivener", "status": "designated_activities"},
    ),
]


@pytest.mark.parametrize(("row", "fields"), ACQUISITION_ROWS, ids=[r[0] for r in ACQUISITION_ROWS])
def test_acquisition_checklist_assumes_no_card_or_passport(
    row: str, fields: dict[str, Any]
) -> None:
    """Fact 15: an acquisition's applicant has no residence card and may have no passport."""
    items = checklist_items(parse_request(_request(procedure="acquisition", expiry=None, **fields)))
    ids = {i.id for i in items}
    assert not ids & {"mail_back_card", "passport_and_card", "designation_paper"}, row
    assert "mail_back_envelope" in ids, row
    for item in items:
        assert "residence card" not in item.text, (row, item.id)
        assert "Your passport" not in item.text, (row, item.id)


def test_newborn_gets_no_photo_item() -> None:
    """Fact 15: no photo under 16 (TIMING photo_min_age), also for an acquisition."""
    ids = item_ids(
        procedure="acquisition", expiry=None, user_type="legal_representative", applicant_age=0
    )
    assert "photo" not in ids
    adult = item_ids(
        procedure="acquisition", expiry=None, user_type="lawyer_scrivener", applicant_age=30
    )
    assert "photo" in adult


# ------------------------------------------------------------------ fact 16: 指定書

CHANGE = "change_of_status"
CAE = "certificate_of_authorized_employment"
HSP1 = "highly_skilled_professional_1"
HSP2 = "highly_skilled_professional_2"
SSW1 = "specified_skilled_worker_1"
DA = "designated_activities"
DESIGNATION_ROWS: list[tuple[str, dict[str, Any], bool]] = [
    ("f16-extension-designated-activities", {"status": DA}, True),
    ("f16-extension-ssw-i", {"status": SSW1}, True),
    ("f16-extension-ssw-ii", {"status": "specified_skilled_worker_2"}, True),
    ("f16-extension-hsp-i", {"status": HSP1}, True),
    ("f16-hsp-ii-holds-none", {"procedure": CAE, "status": HSP2, "expiry": None}, False),
    ("f16-extension-student-holds-none", {"status": "student"}, False),
    (
        "f16-change-from-ssw-holder",
        {"procedure": CHANGE, "status": SSW1, "new_status": "student"},
        True,
    ),
    (
        "f16-change-to-ssw-not-yet-holder",
        {"procedure": CHANGE, "status": "student", "new_status": SSW1},
        False,
    ),
    ("f16-change-hsp-i-to-hsp-ii", {"procedure": CHANGE, "status": HSP1, "new_status": HSP2}, True),
    (
        "f16-change-from-hsp-ii-holds-none",
        {"procedure": CHANGE, "status": HSP2, "new_status": DA, "expiry": None},
        False,
    ),
    (
        "f16-acquisition-holds-nothing",
        {"procedure": "acquisition", "status": DA, "expiry": None},
        False,
    ),
    (
        "f16-coe-holds-nothing",
        {"procedure": "certificate_of_eligibility", "status": SSW1, "expiry": None},
        False,
    ),
]


@pytest.mark.parametrize(
    ("row", "fields", "expected"), DESIGNATION_ROWS, ids=[r[0] for r in DESIGNATION_ROWS]
)
def test_designation_paper_only_for_holders(
    row: str, fields: dict[str, Any], expected: bool
) -> None:
    """Fact 16: the 指定書 goes back only if held (特定活動, 特定技能, 高度専門職1号)."""
    assert ("designation_paper" in item_ids(**fields)) is expected, row


def test_designation_paper_statuses() -> None:
    """Fact 16: 高度専門職 1号 (イ–ハ) only, not 2号; keyed to the status held."""
    holders = {
        S.DESIGNATED_ACTIVITIES,
        S.SPECIFIED_SKILLED_WORKER_1,
        S.SPECIFIED_SKILLED_WORKER_2,
        S.HIGHLY_SKILLED_PROFESSIONAL_1,
    }
    assert holders == DESIGNATION_PAPER_STATUSES
    item = ITEM["designation_paper"]
    assert item.held_statuses == DESIGNATION_PAPER_STATUSES
    assert item.statuses is None
    assert "examination complete" in item.text
    assert "third-party" in item.text
    assert SOURCES[item.source_id].grade == "3p"


def test_held_statuses_only_where_a_status_is_held() -> None:
    """Fact 16: ``held_statuses`` never meets a COE or acquisition (nothing is held yet)."""
    for item in ITEMS:
        if item.held_statuses is not None:
            assert item.procedures is not None, item.id
            assert not any(PROCEDURE_INFO[p].status_is_target for p in item.procedures), item.id


# ------------------------------------------------------------------ fact 17: graded limits


def test_attachment_limit_says_third_party() -> None:
    """Fact 17: the 25 MB limit is a third-party report, and the item says so."""
    item = ITEM["attachments"]
    assert "25 MB" in item.text
    assert "third-party" in item.text.lower()
    assert SOURCES[item.source_id].grade == "3p"


# ------------------------------------------------------------------ fact 18: fees


def test_fee_note_describes_the_change() -> None:
    """Fact 18: fees are changing, by cabinet order, by 2027-03-31; today's fees and their date."""
    text = NOTE_TEXT[Note.FEES_MAY_CHANGE]
    for part in ("changing", "cabinet order", "2027-03-31", "2025-04-01", "ISA fee page"):
        assert part in text, part
    verdict = run()
    assert Note.FEES_MAY_CHANGE in verdict.notes
    assert "isa_fees" in [link.id for link in verdict.links]


def test_fee_change_source() -> None:
    """Fact 18: cabinet approval 2026-03-10; Diet passage reported, date not confirmed."""
    title = SOURCES["fee_change_2026"].title
    for part in ("2026-03-10", "Diet", "not confirmed", "cabinet order", "2027-03-31"):
        assert part in title, part
    assert SOURCES["fee_change_2026"].grade == "3p"


# ------------------------------------------------------------------ sources of the review

REVIEW_SOURCES: list[tuple[str, str]] = [
    ("pr_by_any_path", "law"),  # fact 1
    ("pr_by_birth", "3p"),  # fact 2
    ("no_coe_statuses", "law"),  # fact 3
    ("supervised_training_online", "isa"),  # fact 4
    ("ikusei_shuro_transition", "3p"),  # fact 5
    ("relative_coe_notices", "isa"),  # facts 6-7
    ("applicant_in_japan", "3p"),  # fact 8
    ("self_filer_mid_long_term", "isa"),  # fact 9
    ("counter_closed_days", "law"),  # facts 10-11
    ("designation_paper_holders", "3p"),  # fact 16
]


@pytest.mark.parametrize(("source_id", "grade"), REVIEW_SOURCES, ids=[r[0] for r in REVIEW_SOURCES])
def test_review_sources(source_id: str, grade: str) -> None:
    """The December 2026 sources exist with an ISA URL, their grade and as-of date."""
    src = SOURCES[source_id]
    assert src.grade == grade
    assert src.url.startswith("https://www.moj.go.jp/isa/")
    assert src.as_of.isoformat() == "2026-12-01"
    assert src.title.strip()


def test_limits_cite_known_sources() -> None:
    """Every source the rules of the review cite exists."""
    assert set(SOURCE_IDS) <= set(SOURCES)


def test_law_is_authoritative() -> None:
    """Facts graded law are stated without a hedge, like ISA's own pages."""
    assert {"isa", "law"} == AUTHORITATIVE_GRADES
