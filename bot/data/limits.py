"""Limits on who may file what online, from the December 2026 accuracy review.

Where an official table holds the fact, the set is derived from its data file
(:mod:`bot.data.tables`: the user × procedure PDF 001369137 and the status-scope PDF
001351658, transcribed), so a reviewer checks one place. Each set names the source it
comes from (ids in :mod:`bot.data.sources`); the facts are in
``../shared/reference/domain-facts-2026-12-corrections.md`` (item numbers below).
"""

from __future__ import annotations

from datetime import date

from bot.codes import Procedure, Status
from bot.data.tables import STATUS_SCOPE, USER_PROCEDURES

S = Status
P = Procedure

# Item 1: a change of status to Permanent Resident is the permanent residence application
# (入管法 Art. 22), counter only; item 2: so is an acquisition of Permanent Resident.
PERMANENT_RESIDENCE_SOURCE = "pr_by_any_path"
PERMANENT_RESIDENCE_BY_BIRTH_SOURCE = "pr_by_birth"

# Item 3: no Certificate of Eligibility exists for these statuses (入管法 Art. 7-2) ...
NO_COE_STATUSES: frozenset[Status] = frozenset(
    n.status for n in STATUS_SCOPE.no_coe if not n.outside_notice_only
)
NO_COE_SOURCE = "no_coe_statuses"
# ... and for these only for the cases listed in a 告示.
COE_ONLY_UNDER_NOTICE: frozenset[Status] = frozenset(
    n.status for n in STATUS_SCOPE.no_coe if n.outside_notice_only
)

# Item 4: supervised technical intern training is filed online only by the supervising
# organisation (scope PDF 001351658).
SUPERVISED_TRAINING_SOURCE = "supervised_training_online"
# Item 5: no new technical intern training plans from this day (育成就労; third-party).
TRAINING_PLANS_CLOSE = date(2027, 4, 1)
TRAINING_SOURCE = "ikusei_shuro_transition"

# Items 6-7: the user × procedure table's 注2: the statuses a relative may file a COE
# for, the 特定活動 notices among them (notices added later were not checked), and the
# other family statuses on the best reading (a hedged yes).
_NOTE_2 = next(n for n in USER_PROCEDURES.notes.values() if n.kind == "relative_coe_statuses")
RELATIVE_COE_STATUSES: frozenset[Status] = _NOTE_2.statuses
RELATIVE_COE_DA_NOTICES: frozenset[str] = _NOTE_2.designated_activities_notices
RELATIVE_COE_HEDGED_STATUSES: frozenset[Status] = _NOTE_2.hedged_statuses
RELATIVE_COE_SOURCE = "relative_coe_notices"

# Item 8: the applicant must be in Japan for these, whoever files (third-party).
APPLICANT_IN_JAPAN_PROCEDURES: frozenset[Procedure] = frozenset(
    {P.EXTENSION, P.CHANGE_OF_STATUS, P.ACQUISITION}
)
APPLICANT_IN_JAPAN_SOURCE = "applicant_in_japan"

# Item 9: a self-filer must be a mid- to long-term resident: a period of stay of 3 months
# or less cannot file as 外国人本人 (ISA onlineshinsei.html 注4).
SHORT_STAY_SOURCE = "self_filer_mid_long_term"

# Items 10-11: counter closures and the next business day (bot.office_days).
COUNTER_DEADLINE_SOURCE = "counter_closed_days"

SOURCE_IDS: tuple[str, ...] = (
    PERMANENT_RESIDENCE_SOURCE,
    PERMANENT_RESIDENCE_BY_BIRTH_SOURCE,
    NO_COE_SOURCE,
    SUPERVISED_TRAINING_SOURCE,
    TRAINING_SOURCE,
    RELATIVE_COE_SOURCE,
    APPLICANT_IN_JAPAN_SOURCE,
    SHORT_STAY_SOURCE,
    COUNTER_DEADLINE_SOURCE,
)
