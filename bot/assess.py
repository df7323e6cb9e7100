"""The one pure assessment: can this application be filed online now?

``assess(request, now=...)`` depends only on its arguments and the sourced data in
:mod:`bot.data`. It is exposed as ``python -m bot assess`` and used by the
conversation's verdict step. The request and response shapes are a public
contract (README, "assess JSON").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from bot.clock import day_before, months_before, today_in_tokyo
from bot.codes import Note, Procedure, Reason, Requirement, Status, UserType
from bot.data.checklist import ITEMS, ChecklistItem
from bot.data.registry import (
    FEES_TEXT,
    HANDOFF_LINK_ID,
    LINK_INFO,
    MY_NUMBER_FILERS,
    PROCEDURE_INFO,
    RELATIVE_COE_STATUSES,
    SCOPE_LIMITED,
    STATUS_INFO,
    SUPPORT_ORG_STATUSES,
    TIMING,
    USER_TYPE_INFO,
)
from bot.data.sources import SOURCES
from bot.i18n import LOCALES, translator

P = Procedure
S = Status

API_VERSION = "1"


class AssessRequest(BaseModel):
    """The assess request (contract v1; fields may be added, never renamed)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user_type: UserType
    procedure: Procedure
    with_procedure: Procedure | None = None
    status: Status
    # For a change of status: the status applied for (added in 0.1).
    new_status: Status | None = None
    expiry: date | None = None
    filer_in_japan: bool = True
    foreign_ip: bool = False
    applicant_age: int | None = Field(default=None, ge=0, le=130)
    applicant_unable: bool | None = None
    # Added in 0.1: what a relative knows when the exact age is not given.
    applicant_under_16: bool | None = None
    has_my_number_card: bool | None = None
    now: AwareDatetime | None = None
    lang: str = "en"


class ChecklistEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    source: str
    as_of: date


class LinkEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    url: str
    label: str


class AssessResponse(BaseModel):
    """The assess response (contract v1)."""

    model_config = ConfigDict(frozen=True)

    online: bool
    reasons: list[Reason]
    last_online_day: date | None
    opens_on: date | None
    requirements: list[Requirement]
    checklist: list[ChecklistEntry]
    links: list[LinkEntry]
    as_of: date
    # Added in 0.1 (additive): caveats, the Tokyo date used, the contract version.
    notes: list[Note]
    today: date
    api_version: str = API_VERSION


class AssessInputError(ValueError):
    """The request is invalid; the message names the valid values."""


# Blockers that the user can remove (wait, go back to Japan, get a card): the
# checklist still helps them prepare. Other blockers make it noise.
_FIXABLE: frozenset[Reason] = frozenset(
    {Reason.WINDOW_NOT_OPEN, Reason.ABROAD, Reason.FOREIGN_IP, Reason.MY_NUMBER_CARD_REQUIRED}
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


def situation(req: AssessRequest) -> Situation:
    """Derive the main application, the timing procedure and the relevant status."""
    info = PROCEDURE_INFO[req.procedure]
    main = req.with_procedure if req.with_procedure in info.only_with else None
    timing = main or req.procedure
    relevant = req.status
    if P.CHANGE_OF_STATUS in (req.procedure, main) and req.new_status is not None:
        relevant = req.new_status
    procs = frozenset({req.procedure} | ({main} if main else set()))
    return Situation(main, timing, relevant, procs)


def needs_expiry_for(
    procedure: Procedure, with_procedure: Procedure | None, status: Status
) -> bool:
    """Whether the period-of-stay expiry matters (the flow asks it only then)."""
    info = PROCEDURE_INFO[procedure]
    main = with_procedure if with_procedure in info.only_with else None
    timing = PROCEDURE_INFO[main or procedure]
    st = STATUS_INFO[status]
    return info.online and timing.uses_expiry and st.has_period and not st.excluded


def needs_expiry(req: AssessRequest) -> bool:
    """Whether the period-of-stay expiry matters for this request."""
    return needs_expiry_for(req.procedure, req.with_procedure, req.status)


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


def _user_rules(req: AssessRequest, sit: Situation) -> tuple[list[Reason], list[Note]]:
    reasons: list[Reason] = []
    notes: list[Note] = []
    user = req.user_type
    if user is UserType.RELATIVE:
        if req.procedure in (P.CERTIFICATE_OF_AUTHORIZED_EMPLOYMENT, P.ACTIVITY_PERMISSION):
            reasons.append(Reason.USER_TYPE_NOT_ALLOWED)
        elif req.procedure is P.CERTIFICATE_OF_ELIGIBILITY:
            notes.append(Note.RELATIVE_COE_STATUS_LIST)
            if req.status not in RELATIVE_COE_STATUSES:
                reasons.append(Reason.USER_TYPE_NOT_ALLOWED)
        elif PROCEDURE_INFO[req.procedure].online and not (
            _under(req, "relative_applicant_age_under") or req.applicant_unable
        ):
            reasons.append(Reason.RELATIVE_CONDITION_NOT_MET)
    if user is UserType.FOREIGN_NATIONAL:
        notes.append(Note.SELF_FILER_AGE_15)
        min_age = TIMING["self_filer_min_age"].value
        if (req.applicant_age is not None and req.applicant_age < min_age) or (
            req.status is S.OFFICIAL and not PROCEDURE_INFO[req.procedure].status_is_target
        ):
            reasons.append(Reason.SELF_FILER_INELIGIBLE)
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
    if user is UserType.ORGANIZATION_STAFF and sit.relevant_status is S.TECHNICAL_INTERN_TRAINING:
        notes.append(Note.TECHNICAL_INTERN_SUPERVISING_ORG_ONLY)
    return reasons, notes


def _timing_rules(
    req: AssessRequest, sit: Situation, today: date
) -> tuple[list[Reason], list[Note], date | None, date | None]:
    reasons: list[Reason] = []
    notes: list[Note] = []
    if not needs_expiry(req):
        return reasons, notes, None, None
    expiry = req.expiry
    if expiry is None:
        msg = (
            f"expiry (YYYY-MM-DD) is required for procedure {req.procedure.value!r} "
            f"with status {req.status.value!r}: it is the period-of-stay expiry date "
            "(在留期間満了日), not the residence card's validity date"
        )
        raise AssessInputError(msg)
    last_online = day_before(expiry)
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
    if today < expiry:
        if sit.timing_procedure in (P.EXTENSION, P.CHANGE_OF_STATUS):
            notes.append(Note.SPECIAL_PERIOD)
        if expiry.weekday() >= 5:
            notes.append(Note.FILE_BY_PREVIOUS_BUSINESS_DAY)
    return reasons, notes, last_online, opens_on


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
    if sit.relevant_status in SCOPE_LIMITED:
        notes.append(Note.STATUS_SCOPE_LIMITS)
    if sit.relevant_status is S.DESIGNATED_ACTIVITIES:
        notes.append(Note.DESIGNATED_ACTIVITIES_NOTICE_NUMBER)
    if req.procedure is P.CERTIFICATE_OF_ELIGIBILITY and req.status is S.TECHNICAL_INTERN_TRAINING:
        notes.append(Note.TECHNICAL_INTERN_ENDS_2027)
    return reasons, notes


def _procedure_rules(req: AssessRequest, sit: Situation) -> tuple[list[Reason], list[Note]]:
    reasons: list[Reason] = []
    notes: list[Note] = []
    info = PROCEDURE_INFO[req.procedure]
    if not info.online:
        reasons.append(Reason.PROCEDURE_NOT_ONLINE)
    if info.only_with and sit.main is None:
        reasons.append(Reason.NEEDS_MAIN_APPLICATION)
    if req.procedure is P.PERMANENT_RESIDENCE:
        notes.append(Note.PR_NO_SPECIAL_PERIOD)
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
    if not PROCEDURE_INFO[req.procedure].online:
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
    ids.append(
        "isa_users_individual" if req.user_type in MY_NUMBER_FILERS else "isa_users_organization"
    )
    if req.user_type in (
        UserType.ORGANIZATION_STAFF,
        UserType.PUBLIC_INTEREST_CORP_STAFF,
        UserType.REGISTERED_SUPPORT_ORG_STAFF,
    ):
        ids.append("isa_use_application")
    ids.append("isa_online_qa")
    if Reason.USER_TYPE_NOT_ALLOWED in reasons or Note.RELATIVE_COE_STATUS_LIST in notes:
        ids.append("isa_user_procedure_pdf")
    if Note.STATUS_SCOPE_LIMITS in notes or Reason.STATUS_EXCLUDED in reasons:
        ids.append("isa_scope_pdf")
    if Note.SPECIAL_PERIOD in notes:
        ids.append("isa_special_period")
    if "keep_receipt_email" in item_ids:
        ids.append("isa_pending_proof")
    if "photo" in item_ids:
        ids.append("isa_photo")
    if {"fee_form", "reentry_fee"} & item_ids:
        ids.append("isa_fees")
    ids.append("isa_info_center")
    return _dedupe(ids)


def assess(req: AssessRequest, *, now: datetime) -> AssessResponse:
    """Decide whether ``req`` can be filed online at ``req.now`` (or ``now``).

    Every reason found is reported, not just the first; ``online`` is true only
    when there is none. Raises :class:`AssessInputError` when the expiry date is
    needed but missing.
    """
    instant = req.now or now
    today = today_in_tokyo(instant)
    sit = situation(req)
    reasons: list[Reason] = []
    notes: list[Note] = []
    if not req.filer_in_japan:
        reasons.append(Reason.ABROAD)
    if req.foreign_ip:
        reasons.append(Reason.FOREIGN_IP)
    for rule_reasons, rule_notes in (
        _procedure_rules(req, sit),
        _status_rules(req, sit),
        _user_rules(req, sit),
    ):
        reasons += rule_reasons
        notes += rule_notes
    timing_reasons, timing_notes, last_online, opens_on = _timing_rules(req, sit, today)
    reasons += timing_reasons
    notes += timing_notes
    reasons = _dedupe(reasons)

    items = checklist_items(req) if set(reasons) <= _FIXABLE else []
    if any(item.has_fee for item in items):
        notes.append(Note.FEES_MAY_CHANGE)
    if sit.relevant_status in _WORK_CATEGORY and items:
        notes.append(Note.EMPLOYER_CATEGORY_UNKNOWN)
    notes = _dedupe(notes)

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
    )
    return AssessResponse(
        online=not reasons,
        reasons=reasons,
        last_online_day=last_online,
        opens_on=opens_on,
        requirements=list(USER_TYPE_INFO[req.user_type].requirements),
        checklist=checklist,
        links=links,
        as_of=max(s.as_of for s in used_sources),
        notes=notes,
        today=today,
    )


_ENUM_FIELDS: dict[str, tuple[str, ...]] = {
    "user_type": tuple(UserType),
    "procedure": tuple(Procedure),
    "with_procedure": tuple(Procedure),
    "status": tuple(Status),
    "new_status": tuple(Status),
    "lang": LOCALES,
}


def parse_request(data: Any) -> AssessRequest:
    """Validate a decoded JSON request; raise AssessInputError naming the valid values."""
    if not isinstance(data, dict):
        msg = "the request must be a JSON object"
        raise AssessInputError(msg)
    if "lang" in data and data["lang"] not in LOCALES:
        msg = f"invalid lang {data['lang']!r}; valid values: {', '.join(LOCALES)}"
        raise AssessInputError(msg)
    try:
        return AssessRequest.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors(include_url=False):
            field = ".".join(str(p) for p in err["loc"]) or "request"
            line = f"{field}: {err['msg']}"
            if field in _ENUM_FIELDS:
                problem = "missing" if err["type"] == "missing" else f"invalid {err['input']!r}"
                line = f"{field}: {problem}; valid values: {', '.join(_ENUM_FIELDS[field])}"
            elif field == "expiry":
                line += " (use YYYY-MM-DD)"
            elif field == "now":
                line += " (use an ISO-8601 instant with an offset, e.g. 2027-01-15T09:00:00+09:00)"
            lines.append(line)
        raise AssessInputError("invalid request:\n  " + "\n  ".join(lines)) from None
