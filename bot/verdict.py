"""The verdict as chat messages: the answer, what the filer needs, the checklist and
the hand-off to the official system, with the texts for every reason, requirement and
note code. The rules are :func:`bot.assess.assess`; this module only words them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.assess import AssessRequest, AssessResponse, assess
from bot.codes import Location, Note, Reason, RelativeCondition, Requirement, UserType
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
from bot.models import Button, Message, Session, Slots
from bot.office_days import closed

INFO_CENTER = Say(
    INFO_CENTER_TEXT, {"phone": INFO_CENTER_PHONE, "phone_alt": INFO_CENTER_PHONE_ALT}
)


def applicant_in_japan(s: Slots) -> bool:
    """Whether the person whose stay it is is in Japan: the filer, when filing for
    themselves; else the answer to the applicant question (in Japan unless told)."""
    if s.user_type is UserType.FOREIGN_NATIONAL and s.location is Location.ABROAD:
        return False
    return s.applicant_in_japan is not False


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
        applicant_in_japan=applicant_in_japan(s),
        stay_over_3_months=s.stay_over_3_months,
        training_type=s.training_type,
        filer_is_supervising_org=s.filer_is_supervising_org,
        da_notice=s.da_notice,
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
    Reason.APPLICANT_ABROAD: N_(
        "The applicant is outside Japan. An extension, a change of status or an acquisition "
        "cannot be filed online for a person who is abroad, whoever files it (third-party "
        "sources citing the ISA Q&A). Ask a regional immigration office or the information "
        "centre what can be done."
    ),
    Reason.NO_COE_FOR_STATUS: N_(
        "No Certificate of Eligibility exists for this status: there is none for Permanent "
        "Resident, Highly Skilled Professional (ii) or Temporary Visitor, nor for Designated "
        "Activities outside the public notices (告示; third-party sources). So there is "
        "nothing to apply for, online or at a counter: ask a regional immigration office which "
        "application fits."
    ),
    Reason.SUPERVISING_ORG_ONLY: N_(
        "For supervised technical intern training (団体監理型), only the supervising "
        "organisation (監理団体) may file online. The intern, the implementing company and a "
        "lawyer or gyoseishoshi cannot; ask the supervising organisation, or apply at a "
        "regional immigration office."
    ),
    Reason.SHORT_PERIOD_OF_STAY: N_(
        "With a period of stay of 3 months or less, a foreign national cannot file for "
        "themselves online: the system is for mid- to long-term residents. An employer, lawyer "
        "or gyoseishoshi may file where the status is in scope, or apply at a regional "
        "immigration office."
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
        "Approval as an application agent (申請等取次者) by a regional immigration bureau."
    ),
    Requirement.NOTIFICATION_CERTIFICATE: N_(
        "The notification certificate (届出済証明書) showing your 12-digit application agent "
        "certificate number (申請等取次者証明書番号), obtained through your bar or "
        "gyoseishoshi association (単位会)."
    ),
    Requirement.REQUEST_FROM_RECEIVING_ORG: N_(
        "A request to file from the employer or school that accepts the foreign national."
    ),
    Requirement.AGENT_APPROVAL_OR_REQUIREMENTS: N_(
        "Approval as an application agent (申請等取次者), or meeting its requirements."
    ),
    Requirement.AGENT_APPROVAL_OR_NOTIFICATION: N_(
        "Approval as an application agent (申請等取次者), or a completed notification as one "
        "(届出済)."
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
        "For supervised technical intern training (団体監理型), only the supervising "
        "organisation (監理団体) may file online; enterprise-type training (企業単独型) has no "
        "such limit."
    ),
    Note.TECHNICAL_INTERN_ENDS_2027: N_(
        "Technical Intern Training is being replaced by Employment for Skill Development "
        "(育成就労): from 2027-04-01 no new training plans can be applied for, and a plan "
        "applied for by 2027-03-31 must start, with the trainee in Japan, by 2027-06-30 "
        "(third-party reports citing ISA)."
    ),
    Note.SUPPORT_ORG_SSW_ONLY: N_(
        "Registered support organisations file only for Specified Skilled Workers whose "
        "employer entrusted them with the support plan."
    ),
    Note.RELATIVE_COE_STATUS_LIST: N_(
        "A relative may file a Certificate of Eligibility only for some statuses: Cultural "
        "Activities, Student, Dependent, Spouse or Child of Japanese National, Designated "
        "Activities under the family notices and, on our best reading, Spouse or Child of "
        "Permanent Resident and Long-Term Resident. Check the ISA PDF."
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
        "Online filing ends the day before expiry, even on a weekend or a holiday. If you "
        "apply at a counter, do it before the offices close for the weekend, holiday or year "
        "end whenever you can."
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
        "The fees are changing: the new amounts are set by cabinet order and take effect by "
        "2027-03-31 at the latest. The fees shown are those for applications received from "
        "2025-04-01. Check the ISA fee page for the fee on the day you file."
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
    Note.COUNTER_DEADLINE_MOVED: N_(
        "The expiry date falls on a day the immigration offices are closed, so a counter "
        "accepts the application on {deadline}, the next business day, as made in time "
        "(third-party sources). The period of stay itself is not extended: until you apply "
        "there is no proof of a pending application."
    ),
    Note.PERMANENT_RESIDENCE_FEE: N_(
        "The permanent residence fee is ¥10,000 for applications received from 2025-04-01, "
        "paid at the counter. Fees are changing: the new amounts are set by cabinet order, by "
        "2027-03-31 at the latest. Check ISA's fee page on the day you apply."
    ),
    Note.PERMANENT_RESIDENCE_BY_BIRTH: N_(
        "A child born in Japan to a permanent resident is applied for as permanent residence "
        "at a counter, within 30 days of the birth; whether a fee applies is not confirmed "
        "(third-party sources). After those 30 days, or if it is refused, the child's route is "
        "an acquisition of Spouse or Child of Permanent Resident (永住者の配偶者等), which the "
        "online system does take."
    ),
    Note.TECHNICAL_INTERN_PLANS_CLOSED: N_(
        "Since 2027-04-01 no new technical intern training plans can be applied for "
        "(育成就労 replaces it). Trainees already training continue and may still move from "
        "1号 to 2号; a plan applied for by 2027-03-31 must start, with the trainee in Japan, "
        "by 2027-06-30 (third-party reports citing ISA)."
    ),
    Note.LONG_TERM_RESIDENT_COE_NOTICE: N_(
        "A Certificate of Eligibility for Long-Term Resident exists only for the cases in the "
        "public notice (定住者告示); outside it there is none (third-party sources). Ask the "
        "office if unsure."
    ),
    Note.RELATIVE_COE_NOTICE_LIST: N_(
        "A relative may file a Certificate of Eligibility for Designated Activities only under "
        "the family notices 7, 18, 19, 23, 24, 30, 31, 33, 33の2, 34, 38, 39, 47 and 52: the "
        "number is on the designation paper (指定書). Notices added later were not checked: "
        "see the ISA PDF."
    ),
}


# The expiry-day and expired texts, worded for where the person is and whether the
# offices are open (never "go today" on a closed day or to someone abroad).
EXPIRY_TODAY_CLOSED = N_(
    "Today ({today}) is the last day of the period of stay, and the immigration offices are "
    "closed today. Online filing is no longer possible: it ends the day before expiry. A "
    "counter accepts the application on {deadline}, the next business day, as made in time "
    "(third-party sources). Go that day as early as you can: until you apply there is no "
    "proof of a pending application."
)
EXPIRY_TODAY_ABROAD = N_(
    "Today ({today}) is the last day of the period of stay, and the person is abroad, so "
    "nothing can be filed online for them today. Contact the information centre or a "
    "regional immigration office at once."
)
EXPIRY_TODAY_FILER_ABROAD = N_(
    "Today ({today}) is the last day of the period of stay. Online filing is no longer "
    "possible, and a filer who is abroad cannot use the system: the applicant should apply "
    "at the nearest regional immigration office today, during its opening hours."
)
EXPIRED_DEADLINE_MOVED = N_(
    "The period of stay ended on {expiry}, a day the immigration offices were closed. A "
    "counter accepts the application on {deadline}, the next business day, as made in time "
    "(third-party sources). Online filing is no longer possible: go that day as early as you "
    "can, since until you apply there is no proof of a pending application."
)


def reason_text(reason: Reason, v: AssessResponse, *, abroad: bool) -> str:
    """The msgid for ``reason`` in this verdict's circumstances."""
    if reason is Reason.EXPIRY_TODAY:
        if abroad:
            return EXPIRY_TODAY_ABROAD
        if closed(v.today) is not None and v.counter_deadline is not None:
            return EXPIRY_TODAY_CLOSED
        if Reason.ABROAD in v.reasons:  # the filer is abroad; the applicant can go
            return EXPIRY_TODAY_FILER_ABROAD
    if (
        reason is Reason.EXPIRED
        and not abroad
        and v.counter_deadline is not None
        and v.today <= v.counter_deadline
    ):
        return EXPIRED_DEADLINE_MOVED
    return REASON_TEXT[reason]


def answer_line(tr: Translator, v: AssessResponse) -> str:
    """The verdict's answer in one sentence (the headline's first line)."""
    if v.online:
        return tr.t(N_("Yes: this can be filed online now."))
    return tr.t(N_("No: this cannot be filed online now."))


def _params(sess: Session, v: AssessResponse) -> dict[str, Any]:
    return {
        "today": v.today,
        "expiry": sess.slots.expiry,
        "opens_on": v.opens_on,
        "deadline": v.counter_deadline,
    }


def reason_lines(tr: Translator, sess: Session, v: AssessResponse) -> list[str]:
    """Why the verdict is what it is, one text per reason (the verdict card lists them)."""
    abroad = not applicant_in_japan(sess.slots)
    params = _params(sess, v)
    return [Say(reason_text(reason, v, abroad=abroad), params).text(tr) for reason in v.reasons]


def checklist_title(tr: Translator, v: AssessResponse) -> str:
    return tr.t(N_("What to prepare (as of {date}):"), date=tr.date(v.as_of))


def verdict_messages(tr: Translator, sess: Session, v: AssessResponse) -> list[Message]:
    """The verdict as 3–4 messages: answer, what you need, checklist, hand-off."""
    lines = [answer_line(tr, v)]
    params = _params(sess, v)
    lines += ["• " + text for text in reason_lines(tr, sess, v)]
    # The dates in time order.
    if v.opens_on and v.opens_on > v.today:
        lines.append(tr.t(N_("Online filing opens on: {date}."), date=tr.date(v.opens_on)))
    not_yet = v.reasons == [Reason.WINDOW_NOT_OPEN]
    if v.last_online_day and v.last_online_day >= v.today and (v.online or not_yet):
        lines.append(tr.t(N_("Last day to file online: {date}."), date=tr.date(v.last_online_day)))
    if v.counter_deadline and v.counter_deadline >= v.today:
        lines.append(
            tr.t(N_("Last day to apply at a counter: {date}."), date=tr.date(v.counter_deadline))
        )
    messages = [Message(text="\n".join(lines), role="headline")]

    need: list[str] = []
    if v.online or v.last_online_day is not None:  # it can be filed online (now or later)
        need.append(tr.t(N_("Before the first online filing, the filer needs:")))
        need += ["• " + tr.t(REQUIREMENT_TEXT[r]) for r in v.requirements]
    if v.notes:
        if need:
            need.append("")
        need.append(tr.t(N_("Good to know:")))
        need += ["• " + Say(NOTE_TEXT[n], params).text(tr) for n in v.notes]
    if need:
        need.append("")
    need.append(INFO_CENTER.text(tr))
    messages.append(Message(text="\n".join(need), role="body"))

    if v.checklist:
        items = [checklist_title(tr, v)]
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
