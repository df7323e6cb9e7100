"""What the two official ISA tables allow: :func:`table_answer` and :func:`table_allows`.

They answer from the tables loaded by :mod:`bot.data.tables` only (never from
:mod:`bot.assess`), so tests can hold ``assess`` to them: wherever ``assess`` says "online",
the tables must not say "no".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.assess_contract import DA_NOTICE_OUTSIDE
from bot.codes import Procedure, Status, TrainingType, UserType
from bot.data.table_records import Limit, TableNote, UserRow
from bot.data.tables import STATUS_SCOPE, USER_PROCEDURES

Answer = Literal["yes", "conditional", "no", "unknown"]
# How strongly an answer holds: when parts of a case disagree, the strongest wins.
_STRENGTH: dict[Answer, int] = {"yes": 0, "conditional": 1, "unknown": 2, "no": 3}


@dataclass(frozen=True, slots=True, kw_only=True)
class TableAnswer:
    """What the tables say about a case, and which entries decided it."""

    answer: Answer
    because: tuple[str, ...]


class _Verdict:
    """Collects the answers of a case's parts; the strongest wins (no > unknown > …)."""

    def __init__(self) -> None:
        self.answer: Answer = "yes"
        self.because: list[str] = []

    def add(self, answer: Answer, why: str) -> None:
        if answer == "yes":
            return
        self.because.append(f"{answer}: {why}")
        if _STRENGTH[answer] > _STRENGTH[self.answer]:
            self.answer = answer


def _note_answer(
    note: TableNote,
    *,
    target: Status,
    relative_condition_met: bool | None,
    da_notice: str | None,
) -> Answer:
    if note.kind == "applicant_under_16_or_unable":
        if relative_condition_met is None:
            return "conditional"
        return "yes" if relative_condition_met else "no"
    if note.kind == "relative_coe_statuses":
        if target is Status.DESIGNATED_ACTIVITIES and target in note.statuses:
            if da_notice is None:
                return "conditional"
            return "yes" if da_notice in note.designated_activities_notices else "no"
        if target in note.statuses:
            return "yes"
        return "conditional" if target in note.hedged_statuses else "no"
    return "yes"  # not_legible: does not bear on the case


def table_answer(
    user: UserType,
    procedure: Procedure,
    status: Status,
    *,
    with_procedure: Procedure | None = None,
    new_status: Status | None = None,
    relative_condition_met: bool | None = None,
    da_notice: str | None = None,
    training_type: TrainingType | None = None,
    filer_is_supervising_org: bool | None = None,
) -> TableAnswer:
    """What the two tables say about filing this case online, with the entries that decided.

    ``status`` is the status held, or applied for with a COE or an acquisition;
    ``new_status`` the status applied for with a change of status. ``yes``: every part is
    allowed; ``conditional``: allowed under a condition the arguments do not settle;
    ``unknown``: the table copy lacks the row or cell; ``no``: some part is not allowed.
    """
    scope, users = STATUS_SCOPE, USER_PROCEDURES
    v = _Verdict()
    sp = scope.procedures.get(procedure)
    main: Procedure | None = None
    if sp is not None and sp.only_with:
        main = with_procedure if with_procedure in sp.only_with else None
        if main is None:
            withs = ", ".join(sorted(p.value for p in sp.only_with))
            v.add("no", f"{sp.ja}: online only together with one of {withs}")
    procs = [procedure] + ([main] if main else [])
    changing = Procedure.CHANGE_OF_STATUS in procs
    for entry in scope.not_online:
        if (
            entry.procedure in procs
            and entry.status in (None, status)
            and (entry.new_status is None or (changing and entry.new_status is new_status))
        ):
            what = entry.ja + "".join(
                f" ({s.value})" for s in (entry.status, entry.new_status) if s is not None
            )
            v.add("no", f"not online: {what} ({entry.grade}; {entry.cites})")
    held_or_applied = {status} | ({new_status} if changing and new_status else set())
    for ex in scope.excluded:
        if ex.status in held_or_applied:
            v.add("no", f"excluded status {ex.ja} ({ex.status.value})")
    relevant = new_status if changing and new_status is not None else status
    if procedure is Procedure.CERTIFICATE_OF_ELIGIBILITY:
        for nc in scope.no_coe:
            if nc.status is not status:
                continue
            # The request names a 告示 for 特定活動 only (da_notice); never for 定住者.
            notice = da_notice if status is Status.DESIGNATED_ACTIVITIES else None
            if not nc.outside_notice_only:
                v.add("no", f"no COE for {nc.ja} ({nc.grade}; {nc.cites})")
            elif notice == DA_NOTICE_OUTSIDE:
                v.add("no", f"no COE for {nc.ja} outside the 告示 ({nc.grade})")
            elif notice is None:
                v.add("conditional", f"a COE for {nc.ja} only under a 告示 ({nc.grade})")
    for lim in scope.limits:
        _apply_limit(
            v,
            lim,
            relevant=relevant,
            procs=procs,
            user=user,
            da_notice=da_notice,
            training_type=training_type,
            filer_is_supervising_org=filer_is_supervising_org,
        )
    row = users.row(user, filer_is_supervising_org=bool(filer_is_supervising_org))
    for proc in procs:
        _apply_row(
            v,
            row,
            proc,
            relevant=relevant,
            relative_condition_met=relative_condition_met,
            da_notice=da_notice,
            training_type=training_type,
        )
    return TableAnswer(answer=v.answer, because=tuple(v.because))


def _apply_limit(
    v: _Verdict,
    lim: Limit,
    *,
    relevant: Status,
    procs: list[Procedure],
    user: UserType,
    da_notice: str | None,
    training_type: TrainingType | None,
    filer_is_supervising_org: bool | None,
) -> None:
    if relevant not in lim.statuses or lim.effect == "none":
        return
    if lim.procedures is not None and not lim.procedures & set(procs):
        return
    why = f"limit {lim.id} ({lim.label_ja})"
    if lim.da_notices is not None:
        if da_notice is None:
            v.add("conditional", f"{why}: which 告示 is not known")
            return
        if da_notice not in lim.da_notices:
            return
    if lim.training_type is not None:
        if training_type is None:
            v.add("conditional", f"{why}: which kind of training is not known")
            return
        if training_type is not lim.training_type:
            return
    if lim.effect == "supervising_org_only":
        if user is not UserType.ORGANIZATION_STAFF or filer_is_supervising_org is False:
            v.add("no", why)
        elif filer_is_supervising_org is None:
            v.add("conditional", f"{why}: whether the filer is the 監理団体 is not known")
        return
    v.add(lim.effect, why)


def _apply_row(
    v: _Verdict,
    row: UserRow,
    proc: Procedure,
    *,
    relevant: Status,
    relative_condition_met: bool | None,
    da_notice: str | None,
    training_type: TrainingType | None,
) -> None:
    name = f"{row.ja} × {USER_PROCEDURES.column_ja.get(proc, proc.value)}"
    for cond in row.conditions:
        if cond.only_statuses is not None and relevant not in cond.only_statuses:
            v.add("no", f"{row.ja} files only for {sorted(s.value for s in cond.only_statuses)}")
        elif (
            cond.only_training_type is not None
            and training_type is not None
            and training_type is not cond.only_training_type
        ):
            v.add("no", f"{row.ja} files only for {cond.only_training_type.value} training")
    cell = row.cells.get(proc)
    if cell is None:
        # An unverified row, or a procedure that is not a column (never online anyway).
        v.add("unknown", f"{name}: the cell is in no available copy")
        return
    if cell.mark == "×":
        v.add("no", f"{name} = ×")
    elif cell.mark == "△":
        if cell.note is None:
            v.add("conditional", f"{name} = △ (no 注 in the cell)")
            return
        answer = _note_answer(
            USER_PROCEDURES.notes[cell.note],
            target=relevant,
            relative_condition_met=relative_condition_met,
            da_notice=da_notice,
        )
        v.add(answer, f"{name} = {cell.printed}")


def table_allows(
    user: UserType,
    procedure: Procedure,
    status: Status,
    *,
    with_procedure: Procedure | None = None,
    new_status: Status | None = None,
    relative_condition_met: bool | None = None,
    da_notice: str | None = None,
    training_type: TrainingType | None = None,
    filer_is_supervising_org: bool | None = None,
) -> Answer:
    """Whether the two official tables allow this case online: see :func:`table_answer`."""
    return table_answer(
        user,
        procedure,
        status,
        with_procedure=with_procedure,
        new_status=new_status,
        relative_condition_met=relative_condition_met,
        da_notice=da_notice,
        training_type=training_type,
        filer_is_supervising_org=filer_is_supervising_org,
    ).answer
