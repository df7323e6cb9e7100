"""The assess contract (v1): the request and response shapes and their validation.

These are promises to partners (README, "The assess contract"): fields may be added,
never renamed or dropped without a new version. :mod:`bot.assess` holds the rules.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.codes import Note, Procedure, Reason, Requirement, Status, TrainingType, UserType
from bot.i18n import LOCALES

API_VERSION = "1"
# The dates the assessment accepts: anything outside is a typing error, not a case.
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2199, 12, 31)
# A 告示 number on a designation paper (指定書): "46", "33の2"; "listed" (in a 告示, number
# not given) or "outside" (告示外). Also for Long-Term Resident (定住者告示).
DA_NOTICE_PATTERN = r"^(?:[1-9][0-9]?(?:の[2-9])?|listed|outside)$"
DA_NOTICE_OUTSIDE = "outside"
DA_NOTICE_LISTED = "listed"


def check_date_range(value: date) -> date:
    """``value`` if it lies in 1900-01-01 … 2199-12-31; ValueError otherwise."""
    if not MIN_DATE <= value <= MAX_DATE:
        msg = f"must be between {MIN_DATE.isoformat()} and {MAX_DATE.isoformat()}"
        raise ValueError(msg)
    return value


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
    # Added in 0.4: whether the applicant (not the filer) is in Japan now.
    applicant_in_japan: bool = True
    # Added in 0.4: whether the period of stay granted is longer than 3 months.
    stay_over_3_months: bool | None = None
    # Added in 0.4: the kind of Technical Intern Training, and (for 所属機関 staff) whether
    # the filer is the supervising organisation (監理団体).
    training_type: TrainingType | None = None
    filer_is_supervising_org: bool | None = None
    # Added in 0.4: the 告示 number on the designation paper (指定書) for Designated
    # Activities, e.g. "46" or "33の2"; "listed" (a 告示 case, number not given) or
    # "outside" (告示外), also for Long-Term Resident (定住者告示).
    da_notice: str | None = Field(default=None, pattern=DA_NOTICE_PATTERN)

    @field_validator("expiry")
    @classmethod
    def _expiry_in_range(cls, value: date | None) -> date | None:
        return None if value is None else check_date_range(value)

    @field_validator("now")
    @classmethod
    def _now_in_range(cls, value: datetime | None) -> datetime | None:
        if value is not None:
            check_date_range(value.date())
        return value


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
    # Added in 0.4: the last day to apply at a counter, moved past closed days (null when
    # no expiry matters).
    counter_deadline: date | None = None


class AssessInputError(ValueError):
    """The request is invalid; the message names the valid values."""


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
