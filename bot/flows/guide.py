"""The guide flow: who files, what, which status, until when, from where → verdict.

Data plus small pure guards. The order of STEPS is the order of questions; a
step is asked when its guard passes. Choices are ``(value, label msgid,
official Japanese or None)``; button ids are ``<slot>:<value>``.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.assess import needs_expiry_for
from bot.codes import Location, Procedure, RelativeCondition, Status, UserType
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
from bot.flows import Flow, Step, always, validate
from bot.i18n import LOCALE_NAMES, LOCALES
from bot.i18n_marker import N_
from bot.models import Session, Slots

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
    return needs_expiry_for(sl.procedure, sl.with_procedure, sl.status)


def procedure_online(s: Session) -> bool:
    """Counter-only procedures (and re-entry filed alone) skip the remaining questions."""
    proc = s.slots.procedure
    return proc is not None and PROCEDURE_INFO[proc].online and not s.slots.main_declined


def needs_my_number(s: Session) -> bool:
    """Filers who log in with their own My Number Card are asked whether they have one."""
    return procedure_online(s) and s.slots.user_type in MY_NUMBER_FILERS


# --------------------------------------------------------------------------- steps

STEPS: tuple[Step, ...] = (
    Step(
        "ask_lang",
        "lang",
        "choice",
        N_("Which language would you like to use?"),
        N_("Choose the language for this conversation. You can change it at any time."),
        clears=(),
    ),
    Step(
        "ask_user_type",
        "user_type",
        "choice",
        N_("Who will file the application?"),
        N_(
            "The online system has 7 kinds of users. Relatives may file only for a person "
            "under 16 or unable to apply because of illness or another reason; legal "
            "representatives (parents with custody, guardians) are a separate kind."
        ),
        clears=(
            "user_type",
            "relative_condition",
            "procedure",
            "with_procedure",
            "main_declined",
            "status",
            "new_status",
            "expiry",
            "has_my_number_card",
            "location",
        ),
    ),
    Step(
        "ask_relative_condition",
        "relative_condition",
        "choice",
        N_("A relative may file only in some cases. Which applies to the applicant?"),
        N_(
            "A relative (spouse, child, father or mother) may file in principle only if "
            "the applicant is under 16, or cannot apply because of illness or another reason."
        ),
        guard=is_relative,
        clears=("relative_condition",),
    ),
    Step(
        "ask_procedure",
        "procedure",
        "choice",
        N_("Which application is it?"),
        N_(
            "Choose the procedure. Permanent residence and residence card renewal are "
            "listed so that we can tell you where to go: they are not online."
        ),
        clears=("procedure", "with_procedure", "main_declined", "status", "new_status", "expiry"),
    ),
    Step(
        "ask_with_procedure",
        "with_procedure",
        "choice",
        N_("This can be filed online only together with another application. Which one?"),
        N_(
            "Re-entry permission and permission for activity other than status are "
            "accepted online only with a change of status, an extension or an acquisition."
        ),
        guard=needs_main,
        clears=("with_procedure", "main_declined", "new_status", "expiry"),
    ),
    Step(
        "ask_status",
        "status",
        "choice",
        N_("What is the status of residence? Choose or type its name."),
        N_(
            "The status of residence (在留資格) is printed on the residence card. For a "
            "Certificate of Eligibility or an acquisition, choose the status applied for."
        ),
        clears=("status", "new_status", "expiry"),
    ),
    Step(
        "ask_new_status",
        "new_status",
        "choice",
        N_("Which status of residence are you changing to? Choose or type its name."),
        N_("Choose the status of residence applied for with the change."),
        guard=is_change,
        clears=("new_status",),
    ),
    Step(
        "ask_expiry",
        "expiry",
        "date",
        N_(
            "When does the period of stay expire? Type the date, for example 2027-01-15 or "
            "2027年1月15日."
        ),
        N_(
            "Use the period-of-stay expiry date (在留期間満了日) on the front of the "
            "residence card, not the card's own validity date (有効期間)."
        ),
        guard=needs_expiry,
        clears=("expiry",),
    ),
    Step(
        "ask_my_number",
        "has_my_number_card",
        "choice",
        N_("Does the filer have a valid My Number Card with its electronic certificates?"),
        N_(
            "Foreign nationals, legal representatives and relatives log in with their own "
            "My Number Card. A foreign resident's card usually expires with the period of "
            "stay and must be extended at the city office."
        ),
        guard=needs_my_number,
        clears=("has_my_number_card",),
    ),
    Step(
        "ask_location",
        "location",
        "choice",
        N_("Where is the filer now, and on what network?"),
        N_(
            "The system cannot be reached from abroad, nor from Japan over a foreign IP "
            "address (for example a VPN or a foreign mobile SIM)."
        ),
        guard=procedure_online,
        clears=("location",),
    ),
    Step(
        "verdict",
        None,
        "choice",
        N_("That is everything I need. Here is the answer."),
        N_("Choose Start over to check another case, or Back to change your last answer."),
        guard=always,
    ),
)


def sample_sessions() -> Iterator[Session]:
    """Sessions covering every user type, procedure and main application, for validate()."""
    for user in UserType:
        for proc in Procedure:
            for main in (None, *MAIN_APPLICATIONS):
                for status in (Status.STUDENT, Status.PERMANENT_RESIDENT, Status.DIPLOMAT):
                    slots = Slots(
                        user_type=user, procedure=proc, with_procedure=main, status=status
                    )
                    yield Session(
                        key="validate", flow="guide", state="ask_lang", locale="en", slots=slots
                    )


GUIDE = validate(
    Flow("guide", STEPS, restart_to="ask_user_type", terminal="verdict"), sample_sessions()
)

# --------------------------------------------------------------------------- choices

Choice = tuple[str, str, str | None]  # value, label msgid, official Japanese

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
WITH_PROCEDURE_CHOICES: tuple[Choice, ...] = (
    *(
        (p.value, PROCEDURE_INFO[p].label, PROCEDURE_INFO[p].official_ja)
        for p in (Procedure.EXTENSION, Procedure.CHANGE_OF_STATUS, Procedure.ACQUISITION)
    ),
    ("none", N_("None: on its own"), None),
)
MY_NUMBER_CHOICES: tuple[Choice, ...] = (
    ("yes", N_("Yes"), None),
    ("no", N_("No"), None),
    ("unknown", N_("Not sure"), None),
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


def status_choices(statuses: tuple[Status, ...] | list[Status]) -> list[Choice]:
    return [(s.value, STATUS_INFO[s].label, STATUS_INFO[s].official_ja) for s in statuses]


COMMON_STATUS_CHOICES: tuple[Choice, ...] = tuple(status_choices(COMMON_STATUSES))

# Typed answers for the simple choice steps: normalized text → value. Labels and
# values are added by the engine; these are the words people type instead.
SYNONYMS: dict[str, dict[str, str]] = {
    "lang": {
        word: locale
        for word, locale in {
            "english": "en",
            "eng": "en",
            "英語": "en",
            "japanese": "ja",
            "日本語": "ja",
            "nihongo": "ja",
            "chinese": "zh-Hans",
            "中文": "zh-Hans",
            "中国語": "zh-Hans",
            "vietnamese": "vi",
            "tiếng việt": "vi",
            "korean": "ko",
            "한국어": "ko",
            "filipino": "tl",
            "tagalog": "tl",
            "portuguese": "pt-BR",
            "português": "pt-BR",
            "nepali": "ne",
            "नेपाली": "ne",
            "indonesian": "id",
            "bahasa indonesia": "id",
            "burmese": "my",
            "myanmar": "my",
        }.items()
        if locale in LOCALES
    },
    "user_type": {
        "me": "foreign_national",
        "myself": "foreign_national",
        "self": "foreign_national",
        "i am": "foreign_national",
        "本人": "foreign_national",
        "自分": "foreign_national",
        "外国人本人": "foreign_national",
        "employer": "organization_staff",
        "company": "organization_staff",
        "school": "organization_staff",
        "hr": "organization_staff",
        "所属機関": "organization_staff",
        "会社": "organization_staff",
        "lawyer": "lawyer_scrivener",
        "scrivener": "lawyer_scrivener",
        "gyoseishoshi": "lawyer_scrivener",
        "弁護士": "lawyer_scrivener",
        "行政書士": "lawyer_scrivener",
        "公益法人": "public_interest_corp_staff",
        "support organization": "registered_support_org_staff",
        "support organisation": "registered_support_org_staff",
        "登録支援機関": "registered_support_org_staff",
        "guardian": "legal_representative",
        "legal representative": "legal_representative",
        "法定代理人": "legal_representative",
        "relative": "relative",
        "family": "relative",
        "spouse": "relative",
        "parent": "relative",
        "親族": "relative",
        "家族": "relative",
    },
    "relative_condition": {
        "under 16": "under_16",
        "16歳未満": "under_16",
        "ill": "unable",
        "illness": "unable",
        "sick": "unable",
        "病気": "unable",
        "neither": "neither",
        "no": "neither",
        "いいえ": "neither",
        "どちらでもない": "neither",
    },
    "procedure": {
        "renew": "extension",
        "renewal": "extension",
        "visa renewal": "extension",
        "extend": "extension",
        "更新": "extension",
        "在留期間更新": "extension",
        "change": "change_of_status",
        "change status": "change_of_status",
        "変更": "change_of_status",
        "在留資格変更": "change_of_status",
        "coe": "certificate_of_eligibility",
        "認定": "certificate_of_eligibility",
        "認定証明書": "certificate_of_eligibility",
        "acquisition": "acquisition",
        "取得": "acquisition",
        "就労資格証明書": "certificate_of_authorized_employment",
        "reentry": "reentry_permit",
        "re-entry": "reentry_permit",
        "再入国": "reentry_permit",
        "part-time work": "activity_permission",
        "part time job": "activity_permission",
        "arbeit": "activity_permission",
        "アルバイト": "activity_permission",
        "資格外活動": "activity_permission",
        "permanent residence": "permanent_residence",
        "pr": "permanent_residence",
        "永住": "permanent_residence",
        "residence card": "residence_card_renewal",
        "card renewal": "residence_card_renewal",
        "在留カード": "residence_card_renewal",
    },
    "with_procedure": {
        "renewal": "extension",
        "更新": "extension",
        "change": "change_of_status",
        "変更": "change_of_status",
        "取得": "acquisition",
        "none": "none",
        "no": "none",
        "alone": "none",
        "なし": "none",
        "単独": "none",
    },
    "has_my_number_card": {
        "yes": "yes",
        "y": "yes",
        "はい": "yes",
        "ある": "yes",
        "持っている": "yes",
        "no": "no",
        "n": "no",
        "いいえ": "no",
        "ない": "no",
        "not sure": "unknown",
        "don't know": "unknown",
        "dont know": "unknown",
        "わからない": "unknown",
        "分からない": "unknown",
    },
    "location": {
        "japan": "japan",
        "in japan": "japan",
        "日本": "japan",
        "国内": "japan",
        "日本国内": "japan",
        "vpn": "japan_foreign_network",
        "abroad": "abroad",
        "overseas": "abroad",
        "outside japan": "abroad",
        "海外": "abroad",
        "外国": "abroad",
    },
}

STEP_CHOICES: dict[str, tuple[Choice, ...]] = {
    # Each language under its own name (LOCALE_NAMES are never translated).
    "lang": tuple((loc, LOCALE_NAMES[loc], None) for loc in LOCALES),
    "user_type": USER_TYPE_CHOICES,
    "relative_condition": RELATIVE_CONDITION_CHOICES,
    "procedure": PROCEDURE_CHOICES,
    "with_procedure": WITH_PROCEDURE_CHOICES,
    "has_my_number_card": MY_NUMBER_CHOICES,
    "location": LOCATION_CHOICES,
}
