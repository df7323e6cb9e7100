"""The two official ISA tables, read and checked at import.

``tables/user_procedures.toml`` is 「利用者ごとの申請可能な手続」 (PDF 001369137): which user
may file which procedure, cell by cell (○ / △ / × with the 注 of the cell).
``tables/status_scope.toml`` is 「利用可能な申請種別及び在留資格(対象範囲)」 (PDF 001351658):
which procedures and statuses the online system takes, with the limits the reference files
give (each with its own source and grade when it is not from the PDF).

Both files are read into the records of :mod:`bot.data.table_records` and checked at
import: a bad edit raises :class:`TableDataError` naming the file and the row. The loaded
tables are :data:`USER_PROCEDURES` and :data:`STATUS_SCOPE`; what they allow is answered by
:mod:`bot.data.table_queries`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn, get_args

from bot.codes import Procedure, Status, TrainingType, UserType
from bot.data.sources import SOURCES
from bot.data.table_records import (
    Cell,
    Condition,
    Effect,
    Excluded,
    Grade,
    Limit,
    Mark,
    NoCoe,
    NoteKind,
    NotOnline,
    ScopeProcedure,
    StatusScopeTable,
    TableNote,
    TableSource,
    UserProcedureTable,
    UserRow,
)

TABLES_DIR = Path(__file__).parent / "tables"
USER_PROCEDURES_FILE = TABLES_DIR / "user_procedures.toml"
STATUS_SCOPE_FILE = TABLES_DIR / "status_scope.toml"

MARKS: tuple[Mark, ...] = get_args(Mark)
GRADES: tuple[Grade, ...] = get_args(Grade)
CELL_PATTERN = re.compile(r"^(○|△|×)(注[0-9])?$")
# A 告示 number as printed on a designation paper (指定書): "7", "33の2".
NOTICE_PATTERN = re.compile(r"^[1-9][0-9]?(?:の[2-9])?$")


class TableDataError(ValueError):
    """A table file is malformed or inconsistent; the message names the file and row."""


# --------------------------------------------------------------------------- reading


class _Table:
    """One TOML table being read, for error messages that name the file and the row."""

    def __init__(self, path: Path, where: str, data: Any, allowed: Iterable[str]) -> None:
        self.path = path
        self.where = where
        if not isinstance(data, dict):
            self.fail("expected a table")
        self.data: dict[str, Any] = data
        stray = sorted(set(data) - set(allowed))
        if stray:
            self.fail(f"unknown keys {', '.join(stray)}")

    def fail(self, problem: str) -> NoReturn:
        msg = f"{self.path.name}: {self.where}: {problem}"
        raise TableDataError(msg)

    def str_(self, key: str, *, required: bool = True, empty: bool = False) -> str:
        value = self.data.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (not empty and not value.strip()):
            self.fail(f"{key} must be a non-empty string")
        return str(value)

    def bool_(self, key: str, *, default: bool | None = None) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.fail(f"{key} must be true or false")
        return bool(value)

    def date_(self, key: str) -> date:
        value = self.data.get(key)
        if not isinstance(value, date):
            self.fail(f"{key} must be a date (YYYY-MM-DD)")
        return value

    def grade(self, key: str = "grade") -> Grade:
        value = self.data.get(key)
        grade = next((g for g in GRADES if g == value), None)
        if grade is None:
            self.fail(f"{key} must be one of {', '.join(GRADES)}, not {value!r}")
        return grade

    def code(self, key: str, enum: type[Any], *, required: bool = True) -> Any:
        value = self.data.get(key)
        if value is None and not required:
            return None
        try:
            return enum(value)
        except ValueError:
            self.fail(f"{key}: unknown {enum.__name__} {value!r}")

    def codes(self, key: str, enum: type[Any]) -> frozenset[Any] | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not value:
            self.fail(f"{key} must be a non-empty list")
        out = set()
        for v in value:
            try:
                out.add(enum(v))
            except ValueError:
                self.fail(f"{key}: unknown {enum.__name__} {v!r}")
        return frozenset(out)

    def statuses(self, key: str) -> frozenset[Status] | None:
        """A list of ``{status = code, ja = name}`` tables: the code with its Japanese name."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not value:
            self.fail(f"{key} must be a non-empty list of {{status, ja}} tables")
        out = set()
        for i, item in enumerate(value, 1):
            entry = _Table(self.path, f"{self.where} {key}[{i}]", item, ("status", "ja"))
            entry.str_("ja")
            out.add(entry.code("status", Status))
        return frozenset(out)

    def notices(self, key: str) -> frozenset[str] | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not value:
            self.fail(f"{key} must be a non-empty list of notice numbers")
        for v in value:
            if not isinstance(v, str) or not NOTICE_PATTERN.match(v):
                self.fail(f"{key}: {v!r} is not a notice number like '7' or '33の2'")
        return frozenset(value)

    def source_id(self, key: str = "source_id", *, required: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if value not in SOURCES:
            self.fail(f"{key}: unknown source {value!r} (bot/data/sources.py)")
        return str(value)

    def tables(self, key: str) -> list[Any]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            self.fail(f"{key} must be an array of tables ([[{key}]])")
        return value


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        msg = f"{path.name}: {exc}"
        raise TableDataError(msg) from exc


_SOURCE_KEYS = ("id", "pdf", "url", "title", "as_of", "as_of_note", "grade", "version", "not_read")


def _source(path: Path, top: _Table) -> TableSource:
    t = _Table(path, "[source]", top.data.get("source"), _SOURCE_KEYS)
    sid = t.source_id("id", required=True)
    if sid is None:  # pragma: no cover - source_id(required=True) never returns None
        t.fail("id is required")
    url = t.str_("url")
    if url != SOURCES[sid].url:
        t.fail(f"url {url!r} differs from source {sid!r} in bot/data/sources.py")
    pdf = t.str_("pdf")
    if not url.endswith(f"/{pdf}.pdf"):
        t.fail(f"url {url!r} is not PDF {pdf}")
    return TableSource(
        id=sid,
        pdf=pdf,
        url=url,
        title=t.str_("title"),
        as_of=t.date_("as_of"),
        grade=t.grade(),
        not_read=t.str_("not_read"),
    )


def _cell(t: _Table, key: str, value: Any, notes: Mapping[str, Any]) -> Cell:
    match = CELL_PATTERN.match(value) if isinstance(value, str) else None
    if match is None:
        t.fail(f"cell {key} = {value!r}: write ○, △ or ×, then the 注 if any ('△注2')")
    mark = next(m for m in MARKS if m == match.group(1))
    note = match.group(2)
    if note is not None and note not in notes:
        t.fail(f"cell {key} = {value!r}: no [[note]] {note}")
    return Cell(mark=mark, note=note)


def _condition(path: Path, where: str, raw: Any) -> Condition:
    keys = ("text", "grade", "source_id", "cites", "only_statuses", "only_training_type")
    t = _Table(path, where, raw, keys)
    return Condition(
        text=t.str_("text"),
        grade=t.grade(),
        source_id=t.source_id(),
        cites=t.str_("cites"),
        only_statuses=t.statuses("only_statuses"),
        only_training_type=t.code("only_training_type", TrainingType, required=False),
    )


def _note(path: Path, index: int, raw: Any) -> TableNote:
    keys = (
        "id",
        "kind",
        "legible",
        "text",
        "best_reading",
        "grade",
        "grade_note",
        "statuses",
        "designated_activities_notices",
        "hedged_statuses",
        "hedged_grade",
    )
    t = _Table(path, f"[[note]] {index}", raw, keys)
    nid = t.str_("id")
    t.where = f"[[note]] {index} ({nid})"
    kinds: tuple[NoteKind, ...] = get_args(NoteKind)
    kind = next((k for k in kinds if k == t.data.get("kind")), None)
    if kind is None:
        t.fail(f"kind must be one of {', '.join(kinds)}")
    legible = t.bool_("legible")
    text = t.str_("text", empty=not legible)
    if not legible:
        if text:
            t.fail("an illegible note has no text: put our reading in best_reading")
        t.str_("best_reading")
    statuses = t.statuses("statuses") or frozenset()
    notices = t.notices("designated_activities_notices") or frozenset()
    hedged = t.statuses("hedged_statuses") or frozenset()
    if kind == "relative_coe_statuses":
        if not statuses:
            t.fail("a status-list note needs statuses")
        if (Status.DESIGNATED_ACTIVITIES in statuses) != bool(notices):
            t.fail("特定活動 is listed exactly when designated_activities_notices are")
        if hedged:
            t.grade("hedged_grade")
    elif statuses or notices or hedged:
        t.fail(f"only a relative_coe_statuses note lists statuses, not {kind}")
    return TableNote(
        id=nid,
        kind=kind,
        legible=legible,
        text=text,
        grade=t.grade(),
        statuses=statuses,
        designated_activities_notices=notices,
        hedged_statuses=hedged,
    )


def _notes(path: Path, top: _Table) -> dict[str, TableNote]:
    notes: dict[str, TableNote] = {}
    for i, raw in enumerate(top.tables("note"), 1):
        note = _note(path, i, raw)
        if note.id in notes:
            top.fail(f"[[note]] {i}: duplicate note {note.id}")
        notes[note.id] = note
    return notes


def _columns(path: Path, top: _Table) -> dict[Procedure, str]:
    columns: dict[Procedure, str] = {}
    for i, raw in enumerate(top.tables("column"), 1):
        t = _Table(path, f"[[column]] {i}", raw, ("procedure", "ja"))
        proc: Procedure = t.code("procedure", Procedure)
        if proc in columns:
            t.fail(f"duplicate column {proc.value}")
        columns[proc] = t.str_("ja")
    if not columns:
        top.fail("no [[column]]")
    return columns


_ROW_KEYS = (
    "user",
    "filer_is_supervising_org",
    "ja",
    "ja_gloss",
    "row_notes",
    "grade",
    "grade_note",
    "cells",
    "condition",
)


def _row(
    path: Path,
    index: int,
    raw: Any,
    *,
    notes: Mapping[str, TableNote],
    columns: Mapping[Procedure, str],
    rows: list[UserRow],
) -> UserRow:
    t = _Table(path, f"[[row]] {index}", raw, _ROW_KEYS)
    user: UserType = t.code("user", UserType)
    supervising = t.bool_("filer_is_supervising_org", default=False)
    t.where = f"[[row]] {index} ({user.value}{' 監理団体' if supervising else ''})"
    if supervising and user is not UserType.ORGANIZATION_STAFF:
        t.fail("only organization_staff rows can be the supervising organisation's")
    if any(r.user is user and r.filer_is_supervising_org == supervising for r in rows):
        t.fail("duplicate row")
    grade = t.grade()
    raw_notes = t.data.get("row_notes", [])
    if not isinstance(raw_notes, list) or any(n not in notes for n in raw_notes):
        t.fail(f"row_notes {raw_notes!r}: every entry must be a [[note]] id")
    raw_cells = t.data.get("cells", {})
    if not isinstance(raw_cells, dict):
        t.fail("cells must be a table")
    cells: dict[Procedure, Cell] = {}
    for key, value in raw_cells.items():
        proc = next((c for c in columns if c.value == key), None)
        if proc is None:
            t.fail(f"cells: {key!r} is not a [[column]] procedure")
        cells[proc] = _cell(t, key, value, notes)
    if grade == "unverified" and cells:
        t.fail("an unverified row has no cells: no copy of it was read")
    if grade != "unverified" and set(cells) != set(columns):
        missing = ", ".join(c.value for c in columns if c not in cells)
        t.fail(f"a transcribed row has a cell in every column; missing: {missing}")
    conditions = tuple(
        _condition(path, f"{t.where} condition {j}", c)
        for j, c in enumerate(t.tables("condition"), 1)
    )
    if grade == "unverified" and not conditions:
        t.fail("an unverified row lists the conditions the reference files know")
    return UserRow(
        user=user,
        filer_is_supervising_org=supervising,
        ja=t.str_("ja"),
        row_notes=tuple(raw_notes),
        grade=grade,
        cells=MappingProxyType(cells),
        conditions=conditions,
    )


def load_user_procedures(path: Path = USER_PROCEDURES_FILE) -> UserProcedureTable:
    """Read and check the user × procedure table; raise :class:`TableDataError`."""
    top = _Table(path, "top level", _read(path), ("source", "marks", "column", "row", "note"))
    source = _source(path, top)
    marks = _Table(path, "[marks]", top.data.get("marks"), MARKS)
    for m in MARKS:
        marks.str_(m)
    notes = _notes(path, top)
    columns = _columns(path, top)
    rows: list[UserRow] = []
    for i, raw in enumerate(top.tables("row"), 1):
        rows.append(_row(path, i, raw, notes=notes, columns=columns, rows=rows))
    plain = {r.user for r in rows if not r.filer_is_supervising_org}
    missing_users = [u.value for u in UserType if u not in plain]
    if missing_users:
        top.fail(f"no [[row]] for {', '.join(missing_users)}")
    return UserProcedureTable(
        source=source,
        columns=tuple(columns),
        column_ja=MappingProxyType(columns),
        rows=tuple(rows),
        notes=MappingProxyType(notes),
    )


_PROCEDURE_KEYS = (
    "procedure",
    "ja",
    "status_is",
    "only_with",
    "only_with_grade",
    "only_with_source_id",
    "only_with_cites",
)


def _procedures(path: Path, top: _Table) -> dict[Procedure, ScopeProcedure]:
    procedures: dict[Procedure, ScopeProcedure] = {}
    for i, raw in enumerate(top.tables("procedure"), 1):
        t = _Table(path, f"[[procedure]] {i}", raw, _PROCEDURE_KEYS)
        proc: Procedure = t.code("procedure", Procedure)
        t.where = f"[[procedure]] {i} ({proc.value})"
        if proc in procedures:
            t.fail("duplicate procedure")
        status_is = t.data.get("status_is")
        if status_is not in ("held", "applied_for"):
            t.fail("status_is must be 'held' or 'applied_for'")
        only_with = t.codes("only_with", Procedure) or frozenset()
        if only_with:
            t.grade("only_with_grade")
            t.source_id("only_with_source_id", required=True)
            t.str_("only_with_cites")
        procedures[proc] = ScopeProcedure(
            procedure=proc,
            ja=t.str_("ja"),
            status_is="held" if status_is == "held" else "applied_for",
            only_with=only_with,
        )
    for sp in procedures.values():
        if not sp.only_with <= set(procedures) or sp.procedure in sp.only_with:
            top.fail(f"[[procedure]] {sp.procedure.value}: only_with must name other procedures")
    return procedures


def _excluded(path: Path, top: _Table) -> list[Excluded]:
    excluded: list[Excluded] = []
    for i, raw in enumerate(top.tables("excluded"), 1):
        t = _Table(path, f"[[excluded]] {i}", raw, ("status", "ja", "grade", "source_id", "cites"))
        t.source_id()
        excluded.append(
            Excluded(
                status=t.code("status", Status),
                ja=t.str_("ja"),
                grade=t.grade(),
                cites=t.str_("cites"),
            )
        )
    return excluded


_NOT_ONLINE_KEYS = (
    "procedure",
    "ja",
    "status",
    "status_ja",
    "new_status",
    "new_status_ja",
    "grade",
    "source_id",
    "cites",
)


def _not_online(
    path: Path, top: _Table, procedures: Mapping[Procedure, ScopeProcedure]
) -> list[NotOnline]:
    not_online: list[NotOnline] = []
    for i, raw in enumerate(top.tables("not_online"), 1):
        t = _Table(path, f"[[not_online]] {i}", raw, _NOT_ONLINE_KEYS)
        t.source_id()
        entry = NotOnline(
            procedure=t.code("procedure", Procedure),
            ja=t.str_("ja"),
            status=t.code("status", Status, required=False),
            new_status=t.code("new_status", Status, required=False),
            grade=t.grade(),
            cites=t.str_("cites"),
        )
        if entry.status is not None:
            t.str_("status_ja")
        if entry.new_status is not None:
            t.str_("new_status_ja")
        unqualified = entry.status is None and entry.new_status is None
        if unqualified and entry.procedure in procedures:
            t.fail(f"{entry.procedure.value} is both a [[procedure]] and not online")
        not_online.append(entry)
    covered = set(procedures) | {
        n.procedure for n in not_online if n.status is None and n.new_status is None
    }
    uncovered = [p.value for p in Procedure if p not in covered]
    if uncovered:
        top.fail(f"procedures neither online nor not online: {', '.join(uncovered)}")
    return not_online


def _no_coe(path: Path, top: _Table) -> list[NoCoe]:
    no_coe: list[NoCoe] = []
    keys = ("status", "ja", "outside_notice_only", "grade", "cites")
    for i, raw in enumerate(top.tables("no_coe"), 1):
        t = _Table(path, f"[[no_coe]] {i}", raw, keys)
        no_coe.append(
            NoCoe(
                status=t.code("status", Status),
                ja=t.str_("ja"),
                outside_notice_only=t.bool_("outside_notice_only", default=False),
                grade=t.grade(),
                cites=t.str_("cites"),
            )
        )
    return no_coe


_LIMIT_KEYS = (
    "id",
    "label_ja",
    "statuses",
    "procedures",
    "da_notices",
    "training_type",
    "effect",
    "condition",
    "quote",
    "grade",
    "in_force",
    "source_id",
    "cites",
)
EFFECTS: tuple[Effect, ...] = get_args(Effect)


def _limit(path: Path, index: int, raw: Any, limits: list[Limit]) -> Limit:
    t = _Table(path, f"[[limit]] {index}", raw, _LIMIT_KEYS)
    lid = t.str_("id")
    t.where = f"[[limit]] {index} ({lid})"
    if any(lim.id == lid for lim in limits):
        t.fail("duplicate id")
    effect = next((e for e in EFFECTS if e == t.data.get("effect")), None)
    if effect is None:
        t.fail(f"effect must be one of {', '.join(EFFECTS)}")
    statuses = t.statuses("statuses")
    if statuses is None:
        t.fail("statuses is required")
    t.source_id()
    limit = Limit(
        id=lid,
        label_ja=t.str_("label_ja"),
        statuses=statuses,
        procedures=t.codes("procedures", Procedure),
        da_notices=t.notices("da_notices"),
        training_type=t.code("training_type", TrainingType, required=False),
        effect=effect,
        grade=t.grade(),
        cites=t.str_("cites"),
    )
    if effect in ("conditional", "none"):
        t.str_("condition")
    if effect == "none" and t.data.get("in_force") != "unverified":
        t.fail("a limit with effect 'none' says in_force = 'unverified'")
    if limit.da_notices and statuses != {Status.DESIGNATED_ACTIVITIES}:
        t.fail("da_notices go with 特定活動 only")
    if limit.training_type and statuses != {Status.TECHNICAL_INTERN_TRAINING}:
        t.fail("training_type goes with 技能実習 only")
    return limit


def load_status_scope(path: Path = STATUS_SCOPE_FILE) -> StatusScopeTable:
    """Read and check the status-scope table; raise :class:`TableDataError`."""
    keys = ("source", "effects", "procedure", "excluded", "not_online", "no_coe", "limit")
    top = _Table(path, "top level", _read(path), keys)
    source = _source(path, top)
    effects = _Table(path, "[effects]", top.data.get("effects"), EFFECTS)
    for e in EFFECTS:
        effects.str_(e)
    procedures = _procedures(path, top)
    limits: list[Limit] = []
    for i, raw in enumerate(top.tables("limit"), 1):
        limits.append(_limit(path, i, raw, limits))
    return StatusScopeTable(
        source=source,
        procedures=MappingProxyType(procedures),
        excluded=tuple(_excluded(path, top)),
        not_online=tuple(_not_online(path, top, procedures)),
        no_coe=tuple(_no_coe(path, top)),
        limits=tuple(limits),
    )


USER_PROCEDURES: UserProcedureTable = load_user_procedures()
STATUS_SCOPE: StatusScopeTable = load_status_scope()
