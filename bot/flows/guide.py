"""The guide flow: who files, what, which status, until when, from where → verdict.

Data plus small pure guards. The order of STEPS is the order of questions; a
step is asked when its guard passes. Choices are ``(value, label msgid,
official Japanese or None)``; button ids are ``<slot>:<value>``. Each step names its
parser (bot.understand), the answers it accepts and the Slots fields they write,
and its buttons: a new question is one more Step here, plus its msgids.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from bot.assess import (
    DA_NOTICE_LISTED,
    DA_NOTICE_OUTSIDE,
    MIN_DATE,
    is_permanent_residence,
    main_application,
    needs_expiry_for,
    no_coe_exists,
    relevant_status_of,
)
from bot.codes import Location, Procedure, RelativeCondition, Status, TrainingType, UserType
from bot.data.limits import APPLICANT_IN_JAPAN_PROCEDURES, COE_ONLY_UNDER_NOTICE
from bot.data.registry import (
    COMMON_STATUSES,
    GROUPS,
    MAIN_APPLICATIONS,
    MY_NUMBER_FILERS,
    PROCEDURE_INFO,
    PROCEDURES,
    STATUS_INFO,
    STATUSES,
    USER_TYPES,
)
from bot.flows import (
    Answer,
    Buttons,
    Choice,
    Filled,
    Flow,
    Problem,
    Step,
    answers_of,
    fill_date,
    fill_from,
    validate,
)
from bot.flows.words import SYNONYMS
from bot.i18n import LOCALE_NAMES, LOCALES
from bot.i18n_marker import N_
from bot.models import Session, Slots
from bot.understand import (
    choice_parser,
    date_parser,
    language_parser,
    notice_parser,
    parse_status,
    status_choices,
)

# --------------------------------------------------------------------------- guards


def is_relative(s: Session) -> bool:
    """Relatives are asked the under-16 / unable condition."""
    return s.slots.user_type is UserType.RELATIVE


def needs_main(s: Session) -> bool:
    """Re-entry and activity permission go with a main application."""
    proc = s.slots.procedure
    return proc is not None and bool(PROCEDURE_INFO[proc].only_with)


def is_change(s: Session) -> bool:
    """A change of status also needs the status applied for."""
    return Procedure.CHANGE_OF_STATUS in (s.slots.procedure, s.slots.with_procedure)


def needs_expiry(s: Session) -> bool:
    """Ask the expiry date only where the period of stay matters."""
    sl = s.slots
    if sl.procedure is None or sl.status is None:
        return False
    return needs_expiry_for(sl.procedure, sl.with_procedure, sl.status, sl.new_status)


def _main(s: Session) -> Procedure | None:
    proc = s.slots.procedure
    return None if proc is None else main_application(proc, s.slots.with_procedure)


def permanent_residence(s: Session) -> bool:
    """Permanent Resident by any path (corrections items 1-2): never online."""
    sl = s.slots
    if sl.procedure is None or sl.status is None:
        return False
    return is_permanent_residence(sl.procedure, _main(s), sl.status, sl.new_status)


def no_such_application(s: Session) -> bool:
    """A COE for a status that has none (item 3), or a status outside the online system:
    no later answer can change the verdict."""
    sl = s.slots
    statuses = [st for st in (sl.status, sl.new_status) if st is not None]
    if any(STATUS_INFO[st].excluded for st in statuses):
        return True
    return (
        sl.procedure is not None
        and sl.status is not None
        and no_coe_exists(sl.procedure, sl.status, sl.da_notice)
    )


def procedure_online(s: Session) -> bool:
    """Counter-only procedures (permanent residence by any path, re-entry filed alone) and
    applications that do not exist skip the remaining questions."""
    proc = s.slots.procedure
    return (
        proc is not None
        and PROCEDURE_INFO[proc].online
        and not s.slots.main_declined
        and not permanent_residence(s)
        and not no_such_application(s)
    )


def relevant_status(s: Session) -> Status | None:
    """The status the rules look at: the new one for a change, else the one given."""
    sl = s.slots
    if sl.procedure is None or sl.status is None:
        return sl.status
    return relevant_status_of(sl.procedure, _main(s), sl.status, sl.new_status)


def needs_training_type(s: Session) -> bool:
    """Technical Intern Training: supervised or enterprise type (item 4) changes who may
    file online."""
    return procedure_online(s) and relevant_status(s) is Status.TECHNICAL_INTERN_TRAINING


def needs_supervising_org(s: Session) -> bool:
    """Staff filing supervised training: the supervising organisation, or the company?"""
    return (
        needs_training_type(s)
        and s.slots.user_type is UserType.ORGANIZATION_STAFF
        and s.slots.training_type is TrainingType.SUPERVISED
    )


def needs_da_notice(s: Session) -> bool:
    """A COE for Designated Activities or Long-Term Resident exists only under a 告示, and
    a relative may file it only under the family notices (items 3 and 6)."""
    return (
        procedure_online(s)
        and s.slots.procedure is Procedure.CERTIFICATE_OF_ELIGIBILITY
        and s.slots.status in COE_ONLY_UNDER_NOTICE
    )


def is_long_term_resident(s: Session) -> bool:
    return s.slots.status is Status.LONG_TERM_RESIDENT


def needs_stay_length(s: Session) -> bool:
    """A self-filer must have a period of stay over 3 months (item 9)."""
    return procedure_online(s) and s.slots.user_type is UserType.FOREIGN_NATIONAL


def needs_applicant_location(s: Session) -> bool:
    """Someone filing for another person: is that person in Japan (item 8)?"""
    procs = {s.slots.procedure, _main(s)}
    return (
        procedure_online(s)
        and s.slots.user_type is not UserType.FOREIGN_NATIONAL
        and bool(procs & APPLICANT_IN_JAPAN_PROCEDURES)
    )


def needs_my_number(s: Session) -> bool:
    """Filers who log in with their own My Number Card are asked whether they have one."""
    return procedure_online(s) and s.slots.user_type in MY_NUMBER_FILERS


def applies_for_status(s: Session) -> bool:
    """A Certificate of Eligibility or an acquisition names the status applied for."""
    return s.slots.procedure in (Procedure.CERTIFICATE_OF_ELIGIBILITY, Procedure.ACQUISITION)


def has_pending_dates(s: Session) -> bool:
    """An ambiguous date was typed: its readings are on offer."""
    return bool(s.pending_dates)


# --------------------------------------------------------------------------- choices

USER_TYPE_CHOICES: tuple[Choice, ...] = tuple((u.code.value, u.label, None) for u in USER_TYPES)
RELATIVE_CONDITION_CHOICES: tuple[Choice, ...] = (
    (RelativeCondition.UNDER_16.value, N_("The applicant is under 16"), None),
    (
        RelativeCondition.UNABLE.value,
        N_("The applicant cannot apply because of illness or another reason"),
        None,
    ),
    (RelativeCondition.NEITHER.value, N_("Neither"), None),
)
PROCEDURE_CHOICES: tuple[Choice, ...] = tuple(
    (p.code.value, p.label, p.official_ja) for p in PROCEDURES
)
# The main applications, in the order of the procedure list.
WITH_PROCEDURE_CHOICES: tuple[Choice, ...] = (
    *((p.code.value, p.label, p.official_ja) for p in PROCEDURES if p.code in MAIN_APPLICATIONS),
    ("none", N_("None: on its own"), None),
)
MY_NUMBER_CHOICES: tuple[Choice, ...] = (
    ("yes", N_("Yes"), None),
    ("no", N_("No"), None),
    ("unknown", N_("Not sure"), None),
)
TRAINING_TYPE_CHOICES: tuple[Choice, ...] = (
    (
        TrainingType.SUPERVISED.value,
        N_("Supervised type: through a supervising organisation"),
        "団体監理型",
    ),
    (
        TrainingType.ENTERPRISE.value,
        N_("Enterprise type: the company's own programme"),
        "企業単独型",
    ),
    ("unknown", N_("Not sure"), None),
)
SUPERVISING_ORG_CHOICES: tuple[Choice, ...] = (
    ("yes", N_("Staff of the supervising organisation"), "監理団体"),
    ("no", N_("Staff of the implementing company"), "実習実施者"),
)
DA_NOTICE_CHOICES: tuple[Choice, ...] = (
    (DA_NOTICE_LISTED, N_("In a public notice, number not known"), "告示"),
    (DA_NOTICE_OUTSIDE, N_("Not in a public notice"), "告示外"),
    ("unknown", N_("Not sure"), None),
)
STAY_LENGTH_CHOICES: tuple[Choice, ...] = (
    ("yes", N_("Longer than 3 months"), None),
    ("no", N_("3 months or less"), None),
    ("unknown", N_("Not sure"), None),
)
APPLICANT_LOCATION_CHOICES: tuple[Choice, ...] = (
    ("japan", N_("In Japan"), None),
    ("abroad", N_("Outside Japan"), None),
)
LOCATION_CHOICES: tuple[Choice, ...] = (
    (Location.JAPAN.value, N_("In Japan, on a Japanese network"), None),
    (
        Location.JAPAN_FOREIGN_NETWORK.value,
        N_("In Japan, but on a VPN or foreign network"),
        None,
    ),
    (Location.ABROAD.value, N_("Outside Japan"), None),
)
GROUP_CHOICES: tuple[Choice, ...] = tuple((g, label, None) for g, label in GROUPS)
GROUP_MEMBERS: dict[str, tuple[Status, ...]] = {
    g: tuple(s.code for s in STATUSES if s.group == g) for g, _ in GROUPS
}


COMMON_STATUS_CHOICES: tuple[Choice, ...] = tuple(status_choices(COMMON_STATUSES))

STEP_CHOICES: dict[str, tuple[Choice, ...]] = {
    "training_type": TRAINING_TYPE_CHOICES,
    "filer_is_supervising_org": SUPERVISING_ORG_CHOICES,
    "da_notice": DA_NOTICE_CHOICES,
    "stay_over_3_months": STAY_LENGTH_CHOICES,
    "applicant_in_japan": APPLICANT_LOCATION_CHOICES,
    # Each language under its own name (LOCALE_NAMES are never translated).
    "lang": tuple((loc, LOCALE_NAMES[loc], None) for loc in LOCALES),
    "user_type": USER_TYPE_CHOICES,
    "relative_condition": RELATIVE_CONDITION_CHOICES,
    "procedure": PROCEDURE_CHOICES,
    "with_procedure": WITH_PROCEDURE_CHOICES,
    "has_my_number_card": MY_NUMBER_CHOICES,
    "location": LOCATION_CHOICES,
}

# --------------------------------------------------------------------------- answers

# Each accepted value of a choice step and the Slots fields it writes.
ANSWERS: dict[str, dict[str, dict[str, Any]]] = {
    "user_type": {u.value: {"user_type": u} for u in UserType},
    "relative_condition": {r.value: {"relative_condition": r} for r in RelativeCondition},
    "procedure": {p.value: {"procedure": p} for p in Procedure},
    "with_procedure": {
        **{p.value: {"with_procedure": p, "main_declined": False} for p in MAIN_APPLICATIONS},
        "none": {"with_procedure": None, "main_declined": True},
    },
    "status": {s.value: {"status": s} for s in Status},
    "new_status": {s.value: {"new_status": s} for s in Status},
    "has_my_number_card": {
        "yes": {"has_my_number_card": True},
        "no": {"has_my_number_card": False},
        "unknown": {"has_my_number_card": None},
    },
    "location": {loc.value: {"location": loc} for loc in Location},
    "training_type": {
        **{t.value: {"training_type": t} for t in TrainingType},
        "unknown": {"training_type": None},
    },
    "filer_is_supervising_org": {
        "yes": {"filer_is_supervising_org": True},
        "no": {"filer_is_supervising_org": False},
    },
    "stay_over_3_months": {
        "yes": {"stay_over_3_months": True},
        "no": {"stay_over_3_months": False},
        "unknown": {"stay_over_3_months": None},
    },
    "applicant_in_japan": {
        "japan": {"applicant_in_japan": True},
        "abroad": {"applicant_in_japan": False},
    },
}


_NOTICE_VALUE = notice_parser(DA_NOTICE_CHOICES, {})


def fill_notice(session: Session, value: str, _today: date) -> Filled | Problem | None:
    """A 告示 number ("46", "33の2"), "listed", "outside" (告示外) or "unknown"."""
    parsed = _NOTICE_VALUE(value)
    if not isinstance(parsed, Answer):
        return None
    session.slots.da_notice = None if parsed.value == "unknown" else parsed.value
    return Filled()


# The longest a period of stay can be is 5 years; an expiry further out is a typo.
MAX_YEARS_AHEAD = 6


def fill_locale(session: Session, value: str, _today: date) -> Filled | Problem | None:
    """The language step: any shipped locale."""
    if value not in LOCALES:
        return None
    session.locale = value
    return Filled()


def choice_buttons(slot: str, choices: tuple[Choice, ...]) -> Buttons:
    def buttons(_options: tuple[Any, ...]) -> list[Choice]:
        return [(f"{slot}:{v}", label, off) for v, label, off in choices]

    return buttons


def status_buttons(slot: str) -> Buttons:
    """The common statuses and a button per group; or the statuses on offer."""

    def buttons(options: tuple[Any, ...]) -> list[Choice]:
        if options:
            rows = [(f"{slot}:{v}", label, off) for v, label, off in status_choices(options)]
            return [*rows, ("status_group:all", N_("◀ All groups"), None)]
        rows = [(f"{slot}:{v}", label, off) for v, label, off in COMMON_STATUS_CHOICES]
        groups = [
            (f"status_group:{g}", N_("More: {group}"), label) for g, label, _ in GROUP_CHOICES
        ]
        return rows + groups

    return buttons


def date_buttons(slot: str) -> Buttons:
    """The readings of an ambiguous date (labelled with the date itself)."""

    def buttons(options: tuple[Any, ...]) -> list[Choice]:
        return [(f"{slot}:{d.isoformat()}", "", None) for d in options]

    return buttons


def choice_step(name: str, slot: str, prompt: str, help_: str, **kw: Any) -> Step:
    """A step answered by one of ``STEP_CHOICES[slot]`` (or a word for one)."""
    table: Mapping[str, Mapping[str, Any]] = ANSWERS[slot]
    return Step(
        name=name,
        slot=slot,
        kind="choice",
        prompt=prompt,
        help=help_,
        parse=choice_parser(STEP_CHOICES[slot], SYNONYMS.get(slot, {})),
        fill=fill_from(table),
        fills=answers_of(table),
        buttons=choice_buttons(slot, STEP_CHOICES[slot]),
        **kw,
    )


def status_step(name: str, slot: str, prompt: str, help_: str, **kw: Any) -> Step:
    """A step answered by a status of residence: common ones, groups, or a typed name."""
    table = ANSWERS[slot]
    return Step(
        name=name,
        slot=slot,
        kind="choice",
        prompt=prompt,
        help=help_,
        parse=parse_status,
        fill=fill_from(table),
        fills=answers_of(table),
        buttons=status_buttons(slot),
        offers="status_filter",
        group_button="status_group",
        groups=GROUP_MEMBERS,
        **kw,
    )


# --------------------------------------------------------------------------- steps

STEPS: tuple[Step, ...] = (
    Step(
        name="ask_lang",
        slot="lang",
        kind="choice",
        prompt=N_("Which language would you like to use?"),
        help=N_("Choose the language for this conversation. You can change it at any time."),
        parse=language_parser(STEP_CHOICES["lang"], SYNONYMS["lang"]),
        fill=fill_locale,
        buttons=choice_buttons("lang", STEP_CHOICES["lang"]),
    ),
    choice_step(
        "ask_user_type",
        "user_type",
        N_("Who will file the application?"),
        N_(
            "The online system has 7 kinds of users. Relatives may file only for a person "
            "under 16 or unable to apply because of illness or another reason; legal "
            "representatives (parents with custody, guardians) are a separate kind."
        ),
    ),
    choice_step(
        "ask_relative_condition",
        "relative_condition",
        N_("A relative may file only in some cases. Which applies to the applicant?"),
        N_(
            "A relative (spouse, child, father or mother) may file in principle only if "
            "the applicant is under 16, or cannot apply because of illness or another reason."
        ),
        guard=is_relative,
    ),
    choice_step(
        "ask_procedure",
        "procedure",
        N_("Which application is it?"),
        N_(
            "Choose the procedure. Permanent residence and residence card renewal are "
            "listed so that we can tell you where to go: they are not online."
        ),
    ),
    choice_step(
        "ask_with_procedure",
        "with_procedure",
        N_("This can be filed online only together with another application. Which one?"),
        N_(
            "Re-entry permission and permission for activity other than status are "
            "accepted online only with a change of status, an extension or an acquisition."
        ),
        guard=needs_main,
    ),
    status_step(
        "ask_status",
        "status",
        N_("What is the status of residence? Choose or type its name."),
        N_(
            "The status of residence (在留資格) is printed on the residence card. For a "
            "Certificate of Eligibility or an acquisition, choose the status applied for."
        ),
        prompts=(
            (
                applies_for_status,
                N_("Which status of residence is applied for? Choose or type its name."),
            ),
        ),
    ),
    status_step(
        "ask_new_status",
        "new_status",
        N_("Which status of residence are you changing to? Choose or type its name."),
        N_("Choose the status of residence applied for with the change."),
        guard=is_change,
    ),
    choice_step(
        "ask_training_type",
        "training_type",
        N_("Which kind of technical intern training is it?"),
        N_(
            "Supervised training (団体監理型) is filed online only by the supervising "
            "organisation (監理団体); enterprise-type training (企業単独型) has no such limit. "
            "The kind is in the training plan."
        ),
        guard=needs_training_type,
    ),
    choice_step(
        "ask_supervising_org",
        "filer_is_supervising_org",
        N_("Is the filer staff of the supervising organisation, or of the company?"),
        N_(
            "For supervised training only the supervising organisation (監理団体) may file "
            "online, not the implementing company (実習実施者)."
        ),
        guard=needs_supervising_org,
    ),
    Step(
        name="ask_da_notice",
        slot="da_notice",
        kind="text",
        prompt=N_(
            "Which public notice (告示) number is on the designation paper (指定書)? Type it, "
            "for example 46 or 33の2."
        ),
        help=N_(
            "A Certificate of Eligibility for Designated Activities exists only for the cases "
            "in the public notice (告示), and a relative may file it only under some of them. "
            "The number is on the designation paper."
        ),
        guard=needs_da_notice,
        prompts=(
            (
                is_long_term_resident,
                N_(
                    "Is this a case in the public notice on Long-Term Residents (定住者告示)? "
                    "Choose, or type its number."
                ),
            ),
        ),
        parse=notice_parser(DA_NOTICE_CHOICES, SYNONYMS["da_notice"]),
        fill=fill_notice,
        fills=("da_notice",),
        buttons=choice_buttons("da_notice", DA_NOTICE_CHOICES),
    ),
    Step(
        name="ask_expiry",
        slot="expiry",
        kind="date",
        prompt=N_(
            "When does the period of stay expire? Type the date, for example 2027-01-15 or "
            "2027年1月15日."
        ),
        help=N_(
            "Use the period-of-stay expiry date (在留期間満了日) on the front of the "
            "residence card, not the card's own validity date (有効期間)."
        ),
        guard=needs_expiry,
        parse=date_parser("status"),
        fill=fill_date(
            "expiry",
            earliest=MIN_DATE,
            max_years_ahead=MAX_YEARS_AHEAD,
            too_far=N_(
                "{date} is too far ahead: a period of stay is at most 5 years. Please "
                "check the date on the residence card."
            ),
            confirm=N_("Expiry date: {date}."),
        ),
        fills=("expiry",),
        buttons=date_buttons("expiry"),
        offers="pending_dates",
        prompts=((has_pending_dates, N_("Please choose the date you mean.")),),
    ),
    choice_step(
        "ask_stay_length",
        "stay_over_3_months",
        N_("Is the filer's period of stay longer than 3 months?"),
        N_(
            "A foreign national may file for themselves only as a mid- to long-term resident: "
            "a period of stay of 3 months or less cannot use the system. The period of stay "
            "(在留期間) is on the residence card."
        ),
        guard=needs_stay_length,
    ),
    choice_step(
        "ask_my_number",
        "has_my_number_card",
        N_("Does the filer have a valid My Number Card with its electronic certificates?"),
        N_(
            "Foreign nationals, legal representatives and relatives log in with their own "
            "My Number Card. A foreign resident's card usually expires with the period of "
            "stay and must be extended at the city office."
        ),
        guard=needs_my_number,
    ),
    choice_step(
        "ask_location",
        "location",
        N_("Where is the filer now, and on what network?"),
        N_(
            "The system cannot be reached from abroad, nor from Japan over a foreign IP "
            "address (for example a VPN or a foreign mobile SIM)."
        ),
        guard=procedure_online,
    ),
    choice_step(
        "ask_applicant_location",
        "applicant_in_japan",
        N_("Is the applicant (the foreign national) in Japan now?"),
        N_(
            "An extension, a change of status or an acquisition cannot be filed online for a "
            "person who is abroad, whoever files it."
        ),
        guard=needs_applicant_location,
    ),
    Step(
        name="verdict",
        slot=None,
        kind="choice",
        prompt=N_("That is everything I need. Here is the answer."),
        help=N_("Choose Start over to check another case, or Back to change your last answer."),
    ),
)


def sample_sessions() -> Iterator[Session]:
    """Sessions covering every user type, procedure and main application, and the answers
    that open the conditional questions, for validate()."""
    statuses = (
        Status.STUDENT,
        Status.PERMANENT_RESIDENT,
        Status.DIPLOMAT,
        Status.TECHNICAL_INTERN_TRAINING,
        Status.DESIGNATED_ACTIVITIES,
    )
    for user in UserType:
        for proc in Procedure:
            for main in (None, *MAIN_APPLICATIONS):
                for status in statuses:
                    for training in (None, TrainingType.SUPERVISED):
                        slots = Slots(
                            user_type=user,
                            procedure=proc,
                            with_procedure=main,
                            status=status,
                            training_type=training,
                        )
                        yield Session(
                            key="validate",
                            flow="guide",
                            state="ask_lang",
                            locale="en",
                            slots=slots,
                        )


GUIDE = validate(
    Flow("guide", STEPS, restart_to="ask_user_type", terminal="verdict"), sample_sessions()
)
