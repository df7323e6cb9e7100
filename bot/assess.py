"""The one pure assessment: can this application be filed online now?

``assess(request, now=...)`` depends only on its arguments and the sourced data in
:mod:`bot.data`. It is exposed as ``python -m bot assess`` and used by the
conversation's verdict step. The request and response shapes are a public
contract (:mod:`bot.assess_contract`, re-exported here; README, "assess JSON").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from bot.assess_contract import (
    API_VERSION,
    DA_NOTICE_LISTED,
    DA_NOTICE_OUTSIDE,
    DA_NOTICE_PATTERN,
    MAX_DATE,
    MIN_DATE,
    AssessInputError,
    AssessRequest,
    AssessResponse,
    ChecklistEntry,
    LinkEntry,
    check_date_range,
    parse_request,
)
from bot.clock import day_before, months_before, today_in_tokyo
from bot.codes import Note, Procedure, Reason, Status, TrainingType, UserType
from bot.data.checklist import ITEMS, ChecklistItem
from bot.data.limits import (
    APPLICANT_IN_JAPAN_PROCEDURES,
    APPLICANT_IN_JAPAN_SOURCE,
    COE_ONLY_UNDER_NOTICE,
    COUNTER_DEADLINE_SOURCE,
    NO_COE_SOURCE,
    NO_COE_STATUSES,
    PERMANENT_RESIDENCE_BY_BIRTH_SOURCE,
    PERMANENT_RESIDENCE_SOURCE,
    RELATIVE_COE_DA_NOTICES,
    RELATIVE_COE_HEDGED_STATUSES,
    RELATIVE_COE_SOURCE,
    RELATIVE_COE_STATUSES,
    SHORT_STAY_SOURCE,
    SUPERVISED_TRAINING_SOURCE,
    TRAINING_PLANS_CLOSE,
    TRAINING_SOURCE,
)
from bot.data.registry import (
    FEES_TEXT,
    HANDOFF_LINK_ID,
    LINK_INFO,
    MY_NUMBER_FILERS,
    PROCEDURE_INFO,
    SCOPE_LIMITED,
    STATUS_INFO,
    SUPPORT_ORG_STATUSES,
    TIMING,
    USER_TYPE_INFO,
)
from bot.data.sources import SOURCES
from bot.i18n import translator
from bot.office_days import counter_deadline

P = Procedure
S = Status

# Blockers that the user can remove (wait, go back to Japan, get a card): the
# checklist still helps them prepare. Other blockers make it noise.
_FIXABLE: frozenset[Reason] = frozenset(
    {
        Reason.WINDOW_NOT_OPEN,
        Reason.ABROAD,
        Reason.FOREIGN_IP,
        Reason.MY_NUMBER_CARD_REQUIRED,
        Reason.APPLICANT_ABROAD,
    }
)
_PHOTO_EXEMPT_PROCEDURES = frozenset({P.CHANGE_OF_STATUS, P.EXTENSION, P.ACQUISITION})
_WORK_CATEGORY = frozenset({S.ENGINEER_SPECIALIST_HUMANITIES_INTERNATIONAL, S.BUSINESS_MANAGER})


@dataclass(frozen=True, slots=True)
class Situation:
    """Derived facts about a request, shared by the rules below."""

    main: Procedure | None  # the main application for re-entry / activity permission
    timing_procedure: Procedure  # whose timing rules apply
    relevant_status: Status  # for checklists and per-status limits
    procedures: frozenset[Procedure]  # the procedure plus its main application
    # Permanent Resident by any path: the procedure, a change to it, an acquisition of it.
    permanent_residence: bool


def is_permanent_residence(
    procedure: Procedure, main: Procedure | None, status: Status, new_status: Status | None
) -> bool:
    """Items 1-2: every path to Permanent Resident is the permanent residence application."""
    if procedure is P.PERMANENT_RESIDENCE:
        return True
    procs = {procedure, main}
    if P.CHANGE_OF_STATUS in procs and new_status is S.PERMANENT_RESIDENT:
        return True
    return P.ACQUISITION in procs and status is S.PERMANENT_RESIDENT


def main_application(procedure: Procedure, with_procedure: Procedure | None) -> Procedure | None:
    """The main application re-entry or activity permission is filed with, if any."""
    return with_procedure if with_procedure in PROCEDURE_INFO[procedure].only_with else None


def relevant_status_of(
    procedure: Procedure, main: Procedure | None, status: Status, new_status: Status | None
) -> Status:
    """The status the rules look at: the one applied for in a change, else ``status``."""
    if P.CHANGE_OF_STATUS in (procedure, main) and new_status is not None:
        return new_status
    return status


def no_coe_exists(procedure: Procedure, status: Status, da_notice: str | None) -> bool:
    """Item 3: a COE asked for a status that has none, or outside the 告示."""
    return procedure is P.CERTIFICATE_OF_ELIGIBILITY and (
        status in NO_COE_STATUSES
        or (status in COE_ONLY_UNDER_NOTICE and da_notice == DA_NOTICE_OUTSIDE)
    )


def situation(req: AssessRequest) -> Situation:
    """Derive the main application, the timing procedure and the relevant status."""
    main = main_application(req.procedure, req.with_procedure)
    timing = main or req.procedure
    relevant = relevant_status_of(req.procedure, main, req.status, req.new_status)
    procs = frozenset({req.procedure} | ({main} if main else set()))
    pr = is_permanent_residence(req.procedure, main, req.status, req.new_status)
    return Situation(main, timing, relevant, procs, pr)


def needs_expiry_for(
    procedure: Procedure,
    with_procedure: Procedure | None,
    status: Status,
    new_status: Status | None = None,
) -> bool:
    """Whether the period-of-stay expiry matters (the flow asks it only then)."""
    info = PROCEDURE_INFO[procedure]
    main = main_application(procedure, with_procedure)
    if is_permanent_residence(procedure, main, status, new_status):
        return False
    timing = PROCEDURE_INFO[main or procedure]
    st = STATUS_INFO[status]
    return info.online and timing.uses_expiry and st.has_period and not st.excluded


def needs_expiry(req: AssessRequest) -> bool:
    """Whether the period-of-stay expiry matters for this request."""
    return needs_expiry_for(req.procedure, req.with_procedure, req.status, req.new_status)


# The age the request field ``applicant_under_16`` (the flow's "under 16" answer) is about.
_UNDER_16_FIELD_AGE = 16


def _under(req: AssessRequest, rule_id: str) -> bool:
    """Whether the applicant is known to be younger than the age of timing rule ``rule_id``.

    An exact ``applicant_age`` decides. Without it, ``applicant_under_16`` answers only
    for an age limit of 16 or more.
    """
    limit = TIMING[rule_id].value
    if req.applicant_age is not None:
        return req.applicant_age < limit
    return bool(req.applicant_under_16) and limit >= _UNDER_16_FIELD_AGE


def _relative_coe(req: AssessRequest) -> tuple[list[Reason], list[Note]]:
    """Items 6-7: a relative's COE, by the status (and notice) applied for."""
    if req.status is S.DESIGNATED_ACTIVITIES:
        if req.da_notice in RELATIVE_COE_DA_NOTICES:
            return [], [Note.RELATIVE_COE_NOTICE_LIST]
        return [Reason.USER_TYPE_NOT_ALLOWED], [Note.RELATIVE_COE_NOTICE_LIST]
    if req.status in RELATIVE_COE_STATUSES or req.status in RELATIVE_COE_HEDGED_STATUSES:
        return [], [Note.RELATIVE_COE_STATUS_LIST]
    return [Reason.USER_TYPE_NOT_ALLOWED], [Note.RELATIVE_COE_STATUS_LIST]


def _user_rules(req: AssessRequest, sit: Situation) -> tuple[list[Reason], list[Note]]:
    reasons: list[Reason] = []
    notes: list[Note] = []
    user = req.user_type
    online = PROCEDURE_INFO[req.procedure].online and not sit.permanent_residence
    if user is UserType.RELATIVE:
        if req.procedure in (P.CERTIFICATE_OF_AUTHORIZED_EMPLOYMENT, P.ACTIVITY_PERMISSION):
            reasons.append(Reason.USER_TYPE_NOT_ALLOWED)
        elif req.procedure is P.CERTIFICATE_OF_ELIGIBILITY:
            coe_reasons, coe_notes = _relative_coe(req)
            reasons += coe_reasons
            notes += coe_notes
        elif online and not (_under(req, "relative_applicant_age_under") or req.applicant_unable):
            reasons.append(Reason.RELATIVE_CONDITION_NOT_MET)
    if user is UserType.FOREIGN_NATIONAL:
        min_age = TIMING["self_filer_min_age"].value
        if (req.applicant_age is not None and req.applicant_age < min_age) or (
            req.status is S.OFFICIAL and not PROCEDURE_INFO[req.procedure].status_is_target
        ):
            reasons.append(Reason.SELF_FILER_INELIGIBLE)
        if req.stay_over_3_months is False and online:
            reasons.append(Reason.SHORT_PERIOD_OF_STAY)
        if req.stay_over_3_months is None:
            notes.append(Note.SELF_FILER_AGE_15)
        if (
            STATUS_INFO[req.status].has_period
            and not PROCEDURE_INFO[req.procedure].status_is_target
        ):
            notes.append(Note.MY_NUMBER_CARD_EXPIRES_WITH_STAY)
    if user in MY_NUMBER_FILERS and req.has_my_number_card is False:
        reasons.append(Reason.MY_NUMBER_CARD_REQUIRED)
    if user is UserType.REGISTERED_SUPPORT_ORG_STAFF and sit.relevant_status not in (
        SUPPORT_ORG_STATUSES
    ):
        reasons.append(Reason.USER_TYPE_NOT_ALLOWED)
        notes.append(Note.SUPPORT_ORG_SSW_ONLY)
    return reasons, notes


def _training_rules(
    req: AssessRequest, sit: Situation, today: date
) -> tuple[list[Reason], list[Note]]:
    """Items 4-5: supervised training is filed online by the supervising organisation
    only; the 育成就労 transition, worded by the day asked."""
    reasons: list[Reason] = []
    notes: list[Note] = []
    supervising_org = (
        req.user_type is UserType.ORGANIZATION_STAFF and req.filer_is_supervising_org is True
    )
    if sit.relevant_status is not S.TECHNICAL_INTERN_TRAINING:
        if supervising_org:  # a 監理団体 files for supervised training only
            reasons.append(Reason.USER_TYPE_NOT_ALLOWED)
        return reasons, notes
    if req.training_type is TrainingType.ENTERPRISE and supervising_org:
        reasons.append(Reason.USER_TYPE_NOT_ALLOWED)
    if req.training_type is TrainingType.SUPERVISED:
        supervising = (
            req.user_type is UserType.ORGANIZATION_STAFF and req.filer_is_supervising_org is True
        )
        if not supervising:
            reasons.append(Reason.SUPERVISING_ORG_ONLY)
    elif req.training_type is None:
        notes.append(Note.TECHNICAL_INTERN_SUPERVISING_ORG_ONLY)
    if P.CERTIFICATE_OF_ELIGIBILITY in sit.procedures or P.CHANGE_OF_STATUS in sit.procedures:
        if today >= TRAINING_PLANS_CLOSE:
            notes.append(Note.TECHNICAL_INTERN_PLANS_CLOSED)
        elif P.CERTIFICATE_OF_ELIGIBILITY in sit.procedures:
            notes.append(Note.TECHNICAL_INTERN_ENDS_2027)
    return reasons, notes


def _where_rules(req: AssessRequest, sit: Situation) -> list[Reason]:
    """The filer's and the applicant's location (item 8: two separate questions)."""
    reasons: list[Reason] = []
    if not req.filer_in_japan:
        reasons.append(Reason.ABROAD)
    if req.foreign_ip:
        reasons.append(Reason.FOREIGN_IP)
    if not req.applicant_in_japan and sit.procedures & APPLICANT_IN_JAPAN_PROCEDURES:
        reasons.append(Reason.APPLICANT_ABROAD)
    return reasons


@dataclass(frozen=True, slots=True)
class Timing:
    reasons: list[Reason]
    notes: list[Note]
    last_online_day: date | None
    opens_on: date | None
    counter_deadline: date | None


def _timing_rules(req: AssessRequest, sit: Situation, today: date) -> Timing:
    reasons: list[Reason] = []
    notes: list[Note] = []
    if not needs_expiry(req):
        return Timing(reasons, notes, None, None, None)
    expiry = req.expiry
    if expiry is None:
        msg = (
            f"expiry (YYYY-MM-DD) is required for procedure {req.procedure.value!r} "
            f"with status {req.status.value!r}: it is the period-of-stay expiry date "
            "(在留期間満了日), not the residence card's validity date"
        )
        raise AssessInputError(msg)
    last_online = day_before(expiry)
    deadline = counter_deadline(expiry)
    opens_on: date | None = None
    if today == expiry:
        reasons.append(Reason.EXPIRY_TODAY)
    elif today > expiry:
        reasons.append(Reason.EXPIRED)
    if sit.timing_procedure is P.EXTENSION:
        opens_on = months_before(expiry, TIMING["extension_window_months"].value)
        if today < opens_on:
            reasons.append(Reason.WINDOW_NOT_OPEN)
            notes.append(Note.SHORT_STAY_WINDOW_UNVERIFIED)
    if today < expiry and sit.timing_procedure in (P.EXTENSION, P.CHANGE_OF_STATUS):
        notes.append(Note.SPECIAL_PERIOD)
    if deadline != expiry and today <= deadline:
        notes.append(Note.COUNTER_DEADLINE_MOVED)
        if today < expiry:
            notes.append(Note.FILE_BY_PREVIOUS_BUSINESS_DAY)
    return Timing(reasons, notes, last_online, opens_on, deadline)


def _status_rules(req: AssessRequest, sit: Situation) -> tuple[list[Reason], list[Note]]:
    reasons: list[Reason] = []
    notes: list[Note] = []
    statuses = {req.status} | ({req.new_status} if req.new_status else set())
    if any(STATUS_INFO[s].excluded for s in statuses):
        reasons.append(Reason.STATUS_EXCLUDED)
    if sit.timing_procedure is P.EXTENSION and not STATUS_INFO[req.status].has_period:
        reasons.append(Reason.NO_PERIOD_OF_STAY)
        notes.append(Note.NO_PERIOD_OF_STAY_CARD_VALIDITY)
    if req.procedure is P.RESIDENCE_CARD_RENEWAL and not STATUS_INFO[req.status].has_period:
        notes.append(Note.NO_PERIOD_OF_STAY_CARD_VALIDITY)
    if sit.relevant_status in SCOPE_LIMITED and not sit.permanent_residence:
        notes.append(Note.STATUS_SCOPE_LIMITS)
    if sit.relevant_status is S.DESIGNATED_ACTIVITIES and req.da_notice is None:
        notes.append(Note.DESIGNATED_ACTIVITIES_NOTICE_NUMBER)
    if no_coe_exists(req.procedure, req.status, req.da_notice):
        reasons.append(Reason.NO_COE_FOR_STATUS)
    elif (
        req.procedure is P.CERTIFICATE_OF_ELIGIBILITY
        and req.status is S.LONG_TERM_RESIDENT
        and req.da_notice is None
    ):
        notes.append(Note.LONG_TERM_RESIDENT_COE_NOTICE)
    return reasons, notes


def _procedure_rules(req: AssessRequest, sit: Situation) -> tuple[list[Reason], list[Note]]:
    reasons: list[Reason] = []
    notes: list[Note] = []
    info = PROCEDURE_INFO[req.procedure]
    if not info.online or sit.permanent_residence:
        reasons.append(Reason.PROCEDURE_NOT_ONLINE)
    if info.only_with and sit.main is None:
        reasons.append(Reason.NEEDS_MAIN_APPLICATION)
    if sit.permanent_residence and P.ACQUISITION in sit.procedures:
        # Item 2: a child born in Japan; no fee quoted (not confirmed).
        notes.append(Note.PERMANENT_RESIDENCE_BY_BIRTH)
    elif sit.permanent_residence:
        notes.append(Note.PR_NO_SPECIAL_PERIOD)
        notes.append(Note.PERMANENT_RESIDENCE_FEE)
    if req.procedure is P.REENTRY_PERMIT:
        notes.append(Note.PASSPORT_STICKER_COUNTER)
    if P.ACQUISITION in sit.procedures:
        notes.append(Note.ACQUISITION_30_DAYS)
    return reasons, notes


def _applies(item: ChecklistItem, req: AssessRequest, sit: Situation) -> bool:
    if item.procedures is not None and not (item.procedures & sit.procedures):
        return False
    if item.statuses is not None and sit.relevant_status not in item.statuses:
        return False
    if item.held_statuses is not None and req.status not in item.held_statuses:
        return False  # the status held now (not the one applied for)
    return not (
        item.skip_under_16
        and _under(req, "photo_min_age")
        and sit.procedures & _PHOTO_EXEMPT_PROCEDURES
    )


def _fee(item: ChecklistItem, sit: Situation) -> str:
    for proc in sorted(sit.procedures):
        if (item.procedures is None or proc in item.procedures) and proc in FEES_TEXT:
            return FEES_TEXT[proc]
    msg = f"checklist item {item.id} has a fee but no procedure with a fee matched"
    raise LookupError(msg)


def checklist_items(req: AssessRequest) -> list[ChecklistItem]:
    """The checklist items that apply to a request (untranslated)."""
    sit = situation(req)
    if not PROCEDURE_INFO[req.procedure].online or sit.permanent_residence:
        return []
    return [item for item in ITEMS if _applies(item, req, sit)]


_T = TypeVar("_T")


def _dedupe(values: Iterable[_T]) -> list[_T]:
    return list(dict.fromkeys(values))


def _links(
    req: AssessRequest, sit: Situation, reasons: list[Reason], notes: list[Note], item_ids: set[str]
) -> list[str]:
    ids = [HANDOFF_LINK_ID]
    for proc in sorted(sit.procedures):
        ids.append(PROCEDURE_INFO[proc].link_id)
    ids.append(USER_TYPE_INFO[req.user_type].link_id)
    if req.user_type in (
        UserType.ORGANIZATION_STAFF,
        UserType.PUBLIC_INTEREST_CORP_STAFF,
        UserType.REGISTERED_SUPPORT_ORG_STAFF,
    ):
        ids.append("isa_use_application")
    ids.append("isa_online_qa")
    if Reason.USER_TYPE_NOT_ALLOWED in reasons or {
        Note.RELATIVE_COE_STATUS_LIST,
        Note.RELATIVE_COE_NOTICE_LIST,
    } & set(notes):
        ids.append("isa_user_procedure_pdf")
    if {Reason.STATUS_EXCLUDED, Reason.SUPERVISING_ORG_ONLY} & set(reasons) or {
        Note.STATUS_SCOPE_LIMITS,
        Note.TECHNICAL_INTERN_SUPERVISING_ORG_ONLY,
    } & set(notes):
        ids.append("isa_scope_pdf")
    if Note.SPECIAL_PERIOD in notes:
        ids.append("isa_special_period")
    if "keep_receipt_email" in item_ids:
        ids.append("isa_pending_proof")
    if "photo" in item_ids:
        ids.append("isa_photo")
    if {"fee_form", "reentry_fee"} & item_ids or Note.PERMANENT_RESIDENCE_FEE in notes:
        ids.append("isa_fees")
    ids.append("isa_info_center")
    return _dedupe(ids)


# The notes in the order they matter to the person: what changes what they must do
# first, background last.
NOTE_ORDER: tuple[Note, ...] = (
    Note.PERMANENT_RESIDENCE_BY_BIRTH,
    Note.PR_NO_SPECIAL_PERIOD,
    Note.COUNTER_DEADLINE_MOVED,
    Note.FILE_BY_PREVIOUS_BUSINESS_DAY,
    Note.MY_NUMBER_CARD_EXPIRES_WITH_STAY,
    Note.ACQUISITION_30_DAYS,
    Note.RELATIVE_COE_NOTICE_LIST,
    Note.RELATIVE_COE_STATUS_LIST,
    Note.TECHNICAL_INTERN_SUPERVISING_ORG_ONLY,
    Note.TECHNICAL_INTERN_PLANS_CLOSED,
    Note.TECHNICAL_INTERN_ENDS_2027,
    Note.SUPPORT_ORG_SSW_ONLY,
    Note.DESIGNATED_ACTIVITIES_NOTICE_NUMBER,
    Note.LONG_TERM_RESIDENT_COE_NOTICE,
    Note.STATUS_SCOPE_LIMITS,
    Note.NO_PERIOD_OF_STAY_CARD_VALIDITY,
    Note.PASSPORT_STICKER_COUNTER,
    Note.SPECIAL_PERIOD,
    Note.SHORT_STAY_WINDOW_UNVERIFIED,
    Note.SELF_FILER_AGE_15,
    Note.EMPLOYER_CATEGORY_UNKNOWN,
    Note.PERMANENT_RESIDENCE_FEE,
    Note.FEES_MAY_CHANGE,
)
_NOTE_RANK = {note: rank for rank, note in enumerate(NOTE_ORDER)}
# Notes that do not matter yet while it is too early to file at all.
_NOT_YET_BACKGROUND = frozenset({Note.SPECIAL_PERIOD})
# Notes about using the online system: beside the point when it can never be used.
_ONLINE_SYSTEM_NOTES = frozenset(
    {
        Note.MY_NUMBER_CARD_EXPIRES_WITH_STAY,
        Note.SELF_FILER_AGE_15,
        Note.SHORT_STAY_WINDOW_UNVERIFIED,
    }
)
# The source of each rule added in the December 2026 review (bot.data.limits), so the
# verdict's as-of date covers the rules that decided it.
RULE_SOURCES: dict[Reason | Note, str] = {
    Reason.APPLICANT_ABROAD: APPLICANT_IN_JAPAN_SOURCE,
    Reason.NO_COE_FOR_STATUS: NO_COE_SOURCE,
    Reason.SUPERVISING_ORG_ONLY: SUPERVISED_TRAINING_SOURCE,
    Reason.SHORT_PERIOD_OF_STAY: SHORT_STAY_SOURCE,
    Note.TECHNICAL_INTERN_SUPERVISING_ORG_ONLY: SUPERVISED_TRAINING_SOURCE,
    Note.TECHNICAL_INTERN_ENDS_2027: TRAINING_SOURCE,
    Note.TECHNICAL_INTERN_PLANS_CLOSED: TRAINING_SOURCE,
    Note.RELATIVE_COE_NOTICE_LIST: RELATIVE_COE_SOURCE,
    Note.RELATIVE_COE_STATUS_LIST: RELATIVE_COE_SOURCE,
    Note.LONG_TERM_RESIDENT_COE_NOTICE: NO_COE_SOURCE,
    Note.COUNTER_DEADLINE_MOVED: COUNTER_DEADLINE_SOURCE,
    Note.FILE_BY_PREVIOUS_BUSINESS_DAY: COUNTER_DEADLINE_SOURCE,
    Note.PR_NO_SPECIAL_PERIOD: PERMANENT_RESIDENCE_SOURCE,
    Note.PERMANENT_RESIDENCE_FEE: PERMANENT_RESIDENCE_SOURCE,
    Note.PERMANENT_RESIDENCE_BY_BIRTH: PERMANENT_RESIDENCE_BY_BIRTH_SOURCE,
}


def assess(req: AssessRequest, *, now: datetime) -> AssessResponse:
    """Decide whether ``req`` can be filed online at ``req.now`` (or ``now``).

    Every reason found is reported, not just the first; ``online`` is true only
    when there is none. The online dates (``opens_on``, ``last_online_day``) are given
    only for a case that can be filed online once its blockers are removed. Raises
    :class:`AssessInputError` when the expiry date is needed but missing.
    """
    instant = req.now or now
    today = today_in_tokyo(instant)
    sit = situation(req)
    reasons: list[Reason] = _where_rules(req, sit)
    notes: list[Note] = []
    for rule_reasons, rule_notes in (
        _procedure_rules(req, sit),
        _status_rules(req, sit),
        _user_rules(req, sit),
        _training_rules(req, sit, today),
    ):
        reasons += rule_reasons
        notes += rule_notes
    timing = _timing_rules(req, sit, today)
    reasons = _dedupe(reasons + timing.reasons)
    notes += timing.notes
    fixable = set(reasons) <= _FIXABLE

    items = checklist_items(req) if fixable else []
    if any(item.has_fee for item in items):
        notes.append(Note.FEES_MAY_CHANGE)
    if sit.relevant_status in _WORK_CATEGORY and items:
        notes.append(Note.EMPLOYER_CATEGORY_UNKNOWN)
    if reasons == [Reason.WINDOW_NOT_OPEN]:  # too early to file at all: not yet relevant
        notes = [n for n in notes if n not in _NOT_YET_BACKGROUND]
    if not fixable:  # never online: what concerns the online system does not matter
        notes = [n for n in notes if n not in _ONLINE_SYSTEM_NOTES]
    notes = sorted(_dedupe(notes), key=_NOTE_RANK.__getitem__)

    tr = translator(req.lang)
    checklist = [
        ChecklistEntry(
            id=item.id,
            text=tr.t(item.text, fee=_fee(item, sit)) if item.has_fee else tr.t(item.text),
            source=SOURCES[item.source_id].url,
            as_of=SOURCES[item.source_id].as_of,
        )
        for item in items
    ]
    link_ids = _links(req, sit, reasons, notes, {item.id for item in items})
    links = [
        LinkEntry(id=i, url=LINK_INFO[i].url, label=tr.t(LINK_INFO[i].label)) for i in link_ids
    ]
    used_sources = (
        [SOURCES[item.source_id] for item in items]
        + [SOURCES[LINK_INFO[i].source_id] for i in link_ids]
        + [SOURCES[USER_TYPE_INFO[req.user_type].source_id]]
        + [SOURCES[PROCEDURE_INFO[req.procedure].source_id]]
        + [SOURCES[RULE_SOURCES[r]] for r in reasons if r in RULE_SOURCES]
        + [SOURCES[RULE_SOURCES[n]] for n in notes if n in RULE_SOURCES]
        + ([SOURCES[PERMANENT_RESIDENCE_SOURCE]] if sit.permanent_residence else [])
    )
    return AssessResponse(
        online=not reasons,
        reasons=reasons,
        last_online_day=timing.last_online_day if fixable else None,
        opens_on=timing.opens_on if fixable else None,
        requirements=list(USER_TYPE_INFO[req.user_type].requirements),
        checklist=checklist,
        links=links,
        as_of=max(s.as_of for s in used_sources),
        notes=notes,
        today=today,
        counter_deadline=timing.counter_deadline,
    )


__all__ = [
    "API_VERSION",
    "DA_NOTICE_LISTED",
    "DA_NOTICE_OUTSIDE",
    "DA_NOTICE_PATTERN",
    "MAX_DATE",
    "MIN_DATE",
    "NOTE_ORDER",
    "AssessInputError",
    "AssessRequest",
    "AssessResponse",
    "ChecklistEntry",
    "LinkEntry",
    "assess",
    "check_date_range",
    "checklist_items",
    "is_permanent_residence",
    "main_application",
    "needs_expiry",
    "needs_expiry_for",
    "no_coe_exists",
    "parse_request",
    "relevant_status_of",
    "situation",
]
