"""The records the two official ISA tables are read into (frozen dataclasses), and their
vocabularies (type aliases).

:mod:`bot.data.tables` reads ``tables/*.toml`` into these records;
:mod:`bot.data.table_queries` answers from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from bot.codes import Procedure, Status, TrainingType, UserType

Mark = Literal["○", "△", "×"]
# ``law``: the Immigration Control Act quoted (corrections file); the others as in sources.py.
Grade = Literal["isa", "law", "3p", "unverified"]
NoteKind = Literal["not_legible", "relative_coe_statuses", "applicant_under_16_or_unable"]
Effect = Literal["no", "conditional", "supervising_org_only", "none"]
StatusIs = Literal["held", "applied_for"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TableSource:
    """The header of a table file: which document it transcribes, and what was not read."""

    id: str
    pdf: str
    url: str
    title: str
    as_of: date
    grade: Grade
    not_read: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Cell:
    """One cell as printed: its mark and the 注 in it (``"△注2"``)."""

    mark: Mark
    note: str | None

    @property
    def printed(self) -> str:
        return self.mark + (self.note or "")


@dataclass(frozen=True, slots=True, kw_only=True)
class Condition:
    """A known condition on a row the table copy does not hold."""

    text: str
    grade: Grade
    source_id: str | None
    cites: str
    # When set, the row files only for these statuses (and this kind of training).
    only_statuses: frozenset[Status] | None
    only_training_type: TrainingType | None


@dataclass(frozen=True, slots=True, kw_only=True)
class UserRow:
    """A row of the user × procedure table (no cells when no copy holds the row)."""

    user: UserType
    filer_is_supervising_org: bool
    ja: str
    row_notes: tuple[str, ...]
    grade: Grade
    cells: Mapping[Procedure, Cell]
    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class TableNote:
    """A 注 of the user × procedure table."""

    id: str
    kind: NoteKind
    legible: bool
    text: str
    grade: Grade
    # 注2 only: the statuses a relative may file a COE for, the 特定活動 notices, and the
    # statuses on the best (hedged) reading.
    statuses: frozenset[Status]
    designated_activities_notices: frozenset[str]
    hedged_statuses: frozenset[Status]


@dataclass(frozen=True, slots=True, kw_only=True)
class UserProcedureTable:
    source: TableSource
    columns: tuple[Procedure, ...]
    column_ja: Mapping[Procedure, str]
    rows: tuple[UserRow, ...]
    notes: Mapping[str, TableNote]

    def row(self, user: UserType, *, filer_is_supervising_org: bool = False) -> UserRow:
        """The row for ``user`` (the 監理団体 row for supervising-organisation staff)."""
        supervising = user is UserType.ORGANIZATION_STAFF and filer_is_supervising_org
        for r in self.rows:
            if r.user is user and r.filer_is_supervising_org == supervising:
                return r
        msg = f"no row for {user.value}"  # pragma: no cover - the loader checks every user
        raise LookupError(msg)  # pragma: no cover


@dataclass(frozen=True, slots=True, kw_only=True)
class ScopeProcedure:
    """A 申請種別 the online system takes."""

    procedure: Procedure
    ja: str
    status_is: StatusIs
    # Re-entry and activity permission: online only together with one of these.
    only_with: frozenset[Procedure]


@dataclass(frozen=True, slots=True, kw_only=True)
class Excluded:
    """A status outside the online system, held or applied for."""

    status: Status
    ja: str
    grade: Grade
    cites: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NotOnline:
    """A procedure that is not online (for one status or new status, when given)."""

    procedure: Procedure
    ja: str
    status: Status | None
    new_status: Status | None
    grade: Grade
    cites: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NoCoe:
    """A status for which no Certificate of Eligibility exists (outside the 告示 only, when
    ``outside_notice_only``)."""

    status: Status
    ja: str
    outside_notice_only: bool
    grade: Grade
    cites: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Limit:
    """A per-status limit of the scope table."""

    id: str
    label_ja: str
    statuses: frozenset[Status]
    procedures: frozenset[Procedure] | None
    da_notices: frozenset[str] | None
    training_type: TrainingType | None
    effect: Effect
    grade: Grade
    cites: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusScopeTable:
    source: TableSource
    procedures: Mapping[Procedure, ScopeProcedure]
    excluded: tuple[Excluded, ...]
    not_online: tuple[NotOnline, ...]
    no_coe: tuple[NoCoe, ...]
    limits: tuple[Limit, ...]
