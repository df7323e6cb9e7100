"""The verdict as chat messages: the answer, what the filer needs, the checklist and
the hand-off to the official system, with the texts for every reason, requirement and
note code. The rules are :func:`bot.assess.assess`; this module only words them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.assess import AssessRequest, AssessResponse, assess
from bot.codes import Location, Note, Reason, RelativeCondition, Requirement
from bot.data.registry import (
    HANDOFF_LINK_ID,
    INFO_CENTER_PHONE,
    INFO_CENTER_PHONE_ALT,
    INFO_CENTER_TEXT,
    LINK_INFO,
    USER_TYPE_INFO,
)
from bot.flows import Say
from bot.i18n import Translator
from bot.i18n_marker import N_
from bot.models import Button, Message, Session

INFO_CENTER = Say(
    INFO_CENTER_TEXT, {"phone": INFO_CENTER_PHONE, "phone_alt": INFO_CENTER_PHONE_ALT}
)


def assess_request(sess: Session, now: datetime) -> AssessRequest:
    """The assess request the collected answers amount to."""
    s = sess.slots
    if s.user_type is None or s.procedure is None or s.status is None:
        msg = "the verdict needs user_type, procedure and status"
        raise ValueError(msg)
    return AssessRequest(
        user_type=s.user_type,
        procedure=s.procedure,
        with_procedure=s.with_procedure,
        status=s.status,
        new_status=s.new_status,
        expiry=s.expiry,
        filer_in_japan=s.location is not Location.ABROAD,
        foreign_ip=s.location is Location.JAPAN_FOREIGN_NETWORK,
        applicant_under_16=(
            s.relative_condition is RelativeCondition.UNDER_16 if s.relative_condition else None
        ),
        applicant_unable=(
            s.relative_condition is RelativeCondition.UNABLE if s.relative_condition else None
        ),
        has_my_number_card=s.has_my_number_card,
        now=now,
        lang=sess.locale,
    )


def assess_session(sess: Session, now: datetime) -> AssessResponse:
    return assess(assess_request(sess, now), now=now)


REASON_TEXT: dict[Reason, str] = {
    Reason.ABROAD: N_(
        "You are outside Japan: the online system cannot be used from abroad. Someone in "
        "Japan who may file (an employer, a lawyer or gyoseishoshi) can file some "
        "applications, such as a Certificate of Eligibility."
    ),
    Reason.FOREIGN_IP: N_(
        "The system refuses foreign IP addresses, even inside Japan. Turn off any VPN or "
        "proxy and use a Japanese internet connection."
    ),
    Reason.STATUS_EXCLUDED: N_(
        "Diplomat, Temporary Visitor and Designated Activities (preparation for departure) "
        "are outside the online system, whether held or applied for. Apply at a regional "
        "immigration office."
    ),
    Reason.PROCEDURE_NOT_ONLINE: N_(
        "This procedure is not available online. Apply at the regional immigration office "
        "for your address."
    ),
    Reason.NEEDS_MAIN_APPLICATION: N_(
        "Re-entry permission and permission for activity other than status can be filed "
        "online only together with a change of status, an extension or an acquisition. On "
        "its own, apply at a regional immigration office."
    ),
    Reason.EXPIRY_TODAY: N_(
        "Today ({today}) is the last day of the period of stay. Online filing is not "
        "possible today: go to the nearest regional immigration office today, during its "
        "opening hours."
    ),
    Reason.EXPIRED: N_(
        "The period of stay ended on {expiry}. Do not file online: contact the regional "
        "immigration office at once. Staying past the expiry without an application is "
        "overstaying."
    ),
    Reason.WINDOW_NOT_OPEN: N_(
        "It is too early: an extension can be filed from about 3 months before expiry, so "
        "from {opens_on}. With a special reason (a hospital stay, a long business trip), ask "
        "the office first."
    ),
    Reason.RELATIVE_CONDITION_NOT_MET: N_(
        "A relative may file only if the applicant is under 16 or cannot apply because of "
        "illness or another reason. The applicant can file themselves, or an employer, "
        "lawyer or gyoseishoshi can."
    ),
    Reason.SELF_FILER_INELIGIBLE: N_(
        "A foreign national may file for themselves only as a mid- to long-term resident "
        "aged 15 or over, and not with the status Official. A legal representative, lawyer "
        "or gyoseishoshi can file instead."
    ),
    Reason.MY_NUMBER_CARD_REQUIRED: N_(
        "Filing online needs the filer's own valid My Number Card with its electronic "
        "certificates. Get or renew it at the city office, or have an employer, lawyer or "
        "gyoseishoshi file."
    ),
    Reason.NO_PERIOD_OF_STAY: N_(
        "This status has no period of stay, so there is nothing to extend."
    ),
    Reason.USER_TYPE_NOT_ALLOWED: N_(
        "This kind of user may not file this application online. See the ISA table of which "
        "user may file which procedure, or ask an employer, lawyer or gyoseishoshi."
    ),
}

REQUIREMENT_TEXT: dict[Requirement, str] = {
    Requirement.USER_REGISTRATION: N_(
        "User registration (利用者情報登録) in the online system before the first filing."
    ),
    Requirement.MY_NUMBER_CARD: N_(
        "A valid My Number Card with its electronic certificates, and a card reader or a "
        "phone that can read it."
    ),
    Requirement.USE_APPLICATION: N_(
        "An approved use application (利用申出) by the organisation to the regional bureau "
        "for its location."
    ),
    Requirement.AGENT_APPROVAL: N_(
        "Approval as an application agent (申請等取次者), or meeting its requirements."
    ),
    Requirement.NOTIFICATION_CERTIFICATE: N_(
        "The notification certificate (届出済証明書) with the 12-digit agent certificate "
        "number, from your bar or gyoseishoshi association."
    ),
    Requirement.REQUEST_FROM_RECEIVING_ORG: N_(
        "A request to file from the employer or school that accepts the foreign national."
    ),
}

NOTE_TEXT: dict[Note, str] = {
    Note.EMPLOYER_CATEGORY_UNKNOWN: N_(
        "The documents depend on the employer's category (1 to 4), which only the employer "
        "knows, so this list is the longest one (categories 3 and 4). Ask HR which category "
        "applies: categories 1 and 2 need fewer documents."
    ),
    Note.STATUS_SCOPE_LIMITS: N_(
        "Some statuses have limits on online filing (for example by employer type or notice "
        "number). Check the ISA scope PDF, or ask the information centre."
    ),
    Note.DESIGNATED_ACTIVITIES_NOTICE_NUMBER: N_(
        "For Designated Activities, what applies depends on the notice number (告示) on the "
        "designation paper (指定書)."
    ),
    Note.TECHNICAL_INTERN_SUPERVISING_ORG_ONLY: N_(
        "For Technical Intern Training of the supervising-organisation type, only the "
        "supervising organisation's (監理団体) staff may file, not the implementing company."
    ),
    Note.TECHNICAL_INTERN_ENDS_2027: N_(
        "Technical Intern Training is being replaced by Employment for Skill Development "
        "(育成就労) from 2027-04-01 (third-party reports citing ISA)."
    ),
    Note.SUPPORT_ORG_SSW_ONLY: N_(
        "Registered support organisations file only for Specified Skilled Workers whose "
        "employer entrusted them with the support plan."
    ),
    Note.RELATIVE_COE_STATUS_LIST: N_(
        "A relative may file a Certificate of Eligibility only for some statuses (for "
        "example Student, Dependent, Spouse or Child of Japanese National). Our reading of "
        "the ISA list may be incomplete: check the ISA PDF."
    ),
    Note.MY_NUMBER_CARD_EXPIRES_WITH_STAY: N_(
        "A foreign resident's My Number Card usually expires with the period of stay and "
        "is not extended automatically: extend it at the city office, or you cannot log in."
    ),
    Note.SHORT_STAY_WINDOW_UNVERIFIED: N_(
        "The 3-month rule is for periods of stay of 6 months or more. For shorter stays ISA "
        "gives no start date beyond 'before expiry': ask the office or a gyoseishoshi."
    ),
    Note.FILE_BY_PREVIOUS_BUSINESS_DAY: N_(
        "The expiry date falls on a weekend: file online well before it. The counter "
        "deadline may move to the next business day (third-party sources)."
    ),
    Note.SPECIAL_PERIOD: N_(
        "If you file before expiry and there is no decision by then, you may stay until the "
        "decision or 2 months after expiry, whichever is earlier (special period)."
    ),
    Note.PR_NO_SPECIAL_PERIOD: N_(
        "A permanent residence application gives no special period: keep renewing your "
        "current status while it is pending."
    ),
    Note.FEES_MAY_CHANGE: N_(
        "Fees are those for applications received from 2025-04-01. A 2026 law allows higher "
        "fees from a date set by cabinet order, by 2027-03-31 at the latest."
    ),
    Note.SELF_FILER_AGE_15: N_(
        "Filing for yourself needs a mid- to long-term resident aged 15 or over; a period "
        "of stay of 3 months or less cannot use the system."
    ),
    Note.PASSPORT_STICKER_COUNTER: N_(
        "Anyone who must have a sticker put in the passport is asked to come to the counter."
    ),
    Note.NO_PERIOD_OF_STAY_CARD_VALIDITY: N_(
        "Permanent Residents and Highly Skilled Professionals (ii) have no period of stay, "
        "but the residence card has its own validity date. Renewing the card is done at the "
        "counter, not online."
    ),
    Note.ACQUISITION_30_DAYS: N_(
        "An acquisition must be filed within 30 days of birth or of losing Japanese "
        "nationality (third-party sources)."
    ),
}


def verdict_messages(tr: Translator, sess: Session, v: AssessResponse) -> list[Message]:
    """The verdict as 3–4 messages: answer, what you need, checklist, hand-off."""
    lines = [
        tr.t(N_("Yes: this can be filed online now."))
        if v.online
        else tr.t(N_("No: this cannot be filed online now."))
    ]
    expiry = sess.slots.expiry
    for reason in v.reasons:
        params: dict[str, Any] = {"today": v.today, "expiry": expiry, "opens_on": v.opens_on}
        lines.append("• " + Say(REASON_TEXT[reason], params).text(tr))
    if v.last_online_day and v.last_online_day >= v.today:
        lines.append(tr.t(N_("Last day to file online: {date}."), date=tr.date(v.last_online_day)))
    if v.opens_on and v.opens_on > v.today:
        lines.append(tr.t(N_("Online filing opens on: {date}."), date=tr.date(v.opens_on)))
    messages = [Message(text="\n".join(lines), role="headline")]

    need = [tr.t(N_("Before the first online filing, the filer needs:"))]
    need += ["• " + tr.t(REQUIREMENT_TEXT[r]) for r in v.requirements]
    if v.notes:
        need.append("")
        need.append(tr.t(N_("Good to know:")))
        need += ["• " + tr.t(NOTE_TEXT[n]) for n in v.notes]
    need.append("")
    need.append(INFO_CENTER.text(tr))
    messages.append(Message(text="\n".join(need), role="body"))

    if v.checklist:
        items = [tr.t(N_("What to prepare (as of {date}):"), date=tr.date(v.as_of))]
        items += ["• " + item.text for item in v.checklist]
        messages.append(Message(text="\n".join(items), role="body"))

    handoff = LINK_INFO[HANDOFF_LINK_ID]
    user_label = tr.t(USER_TYPE_INFO[sess.slots.user_type].label) if sess.slots.user_type else ""
    hand = [
        tr.t(
            N_("Official page, with the login button of the online system: {url}"),
            url=handoff.url,
        ),
        tr.t(
            N_(
                "This guide explains and links. It never fills in or submits an application: "
                "that is done by the person, their employer, or a lawyer or gyoseishoshi."
            )
        ),
        tr.t(
            N_("Answered for: {user}. Information as of {date}."),
            user=user_label,
            date=tr.date(v.as_of),
        ),
    ]
    messages.append(
        Message(
            text="\n".join(hand),
            buttons=[
                Button(id=f"link:{handoff.id}", label=tr.t(handoff.label), url=handoff.url),
                Button(id="cmd:back", label=tr.t(N_("Back"))),
                Button(id="cmd:restart", label=tr.t(N_("Start over"))),
            ],
            role="handoff",
        )
    )
    return messages
