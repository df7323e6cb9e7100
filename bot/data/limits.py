"""Limits on who may file what online, from the December 2026 accuracy review.

Each set names the source it comes from (ids in :mod:`bot.data.sources`); the facts are
in ``../shared/reference/domain-facts-2026-12-corrections.md`` (item numbers below).
"""

from __future__ import annotations

from datetime import date

from bot.codes import Procedure, Status, UserType

S = Status
P = Procedure

# Item 1: a change of status to Permanent Resident is the permanent residence application
# (入管法 Art. 22), counter only; item 2: so is an acquisition of Permanent Resident.
PERMANENT_RESIDENCE_SOURCE = "pr_by_any_path"
PERMANENT_RESIDENCE_BY_BIRTH_SOURCE = "pr_by_birth"

# Item 3: no Certificate of Eligibility exists for these statuses (入管法 Art. 7-2).
NO_COE_STATUSES: frozenset[Status] = frozenset(
    {S.PERMANENT_RESIDENT, S.HIGHLY_SKILLED_PROFESSIONAL_2, S.TEMPORARY_VISITOR}
)
NO_COE_SOURCE = "no_coe_statuses"
# Item 3: for these a COE exists only for cases listed in a 告示.
COE_ONLY_UNDER_NOTICE: frozenset[Status] = frozenset(
    {S.DESIGNATED_ACTIVITIES, S.LONG_TERM_RESIDENT}
)

# Item 4: supervised technical intern training is filed online only by the supervising
# organisation (scope PDF 001351658).
SUPERVISED_TRAINING_SOURCE = "supervised_training_online"
# Item 5: no new technical intern training plans from this day (育成就労; third-party).
TRAINING_PLANS_CLOSE = date(2027, 4, 1)
TRAINING_SOURCE = "ikusei_shuro_transition"

# Item 6: a relative may file a COE for Designated Activities only under these notices
# (user × procedure PDF 001369137, 注2; notices added later were not checked).
RELATIVE_COE_DA_NOTICES: frozenset[str] = frozenset(
    {"7", "18", "19", "23", "24", "30", "31", "33", "33の2", "34", "38", "39", "47", "52"}
)
# Item 7: the other family statuses, best reading of 注2: a hedged yes.
RELATIVE_COE_HEDGED_STATUSES: frozenset[Status] = frozenset(
    {S.SPOUSE_OR_CHILD_OF_PERMANENT_RESIDENT, S.LONG_TERM_RESIDENT}
)
RELATIVE_COE_SOURCE = "relative_coe_notices"

# Item 8: the applicant must be in Japan for these, whoever files (third-party).
APPLICANT_IN_JAPAN_PROCEDURES: frozenset[Procedure] = frozenset(
    {P.EXTENSION, P.CHANGE_OF_STATUS, P.ACQUISITION}
)
APPLICANT_IN_JAPAN_SOURCE = "applicant_in_japan"

# Item 9: a self-filer must be a mid- to long-term resident: a period of stay of 3 months
# or less cannot file as 外国人本人 (ISA onlineshinsei.html 注4).
SHORT_STAY_USERS: frozenset[UserType] = frozenset({UserType.FOREIGN_NATIONAL})
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
