"""User types, procedures, statuses, links and timing rules, as sourced records.

Labels are English msgids (translated through the catalogs); ``official_ja`` is
the ISA's own Japanese name, shown beside the label so people can match our
words to the official system and their papers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.codes import Procedure, Requirement, Status, UserType
from bot.i18n_marker import N_

# --------------------------------------------------------------------------- user types


@dataclass(frozen=True, slots=True)
class UserTypeInfo:
    code: UserType
    label: str
    official_ja: str
    requirements: tuple[Requirement, ...]
    source_id: str


R = Requirement
USER_TYPES: tuple[UserTypeInfo, ...] = (
    UserTypeInfo(
        UserType.FOREIGN_NATIONAL,
        N_("The foreign national (myself)"),
        "外国人本人",
        (R.USER_REGISTRATION, R.MY_NUMBER_CARD),
        "isa_users_individual",
    ),
    UserTypeInfo(
        UserType.ORGANIZATION_STAFF,
        N_("Staff of the employer or school (affiliated organisation)"),
        "所属機関の職員",
        (R.AGENT_APPROVAL, R.USE_APPLICATION),
        "isa_users_organization",
    ),
    UserTypeInfo(
        UserType.LAWYER_SCRIVENER,
        N_("Lawyer or administrative scrivener (gyoseishoshi)"),
        "弁護士・行政書士",
        (R.AGENT_APPROVAL, R.NOTIFICATION_CERTIFICATE, R.USER_REGISTRATION),
        "isa_startup_guide",
    ),
    UserTypeInfo(
        UserType.PUBLIC_INTEREST_CORP_STAFF,
        N_("Staff of a public-interest corporation"),
        "公益法人の職員",
        (R.AGENT_APPROVAL, R.USE_APPLICATION, R.REQUEST_FROM_RECEIVING_ORG),
        "isa_users_organization",
    ),
    UserTypeInfo(
        UserType.REGISTERED_SUPPORT_ORG_STAFF,
        N_("Staff of a registered support organisation"),
        "登録支援機関の職員",
        (R.AGENT_APPROVAL, R.USE_APPLICATION, R.REQUEST_FROM_RECEIVING_ORG),
        "isa_users_organization",
    ),
    UserTypeInfo(
        UserType.LEGAL_REPRESENTATIVE,
        N_("Legal representative (parent with custody, guardian)"),
        "法定代理人",
        (R.USER_REGISTRATION, R.MY_NUMBER_CARD),
        "isa_users_individual",
    ),
    UserTypeInfo(
        UserType.RELATIVE,
        N_("Relative (spouse, child, father or mother)"),
        "親族（配偶者、子、父又は母）",
        (R.USER_REGISTRATION, R.MY_NUMBER_CARD),
        "isa_startup_guide",
    ),
)
USER_TYPE_INFO: dict[UserType, UserTypeInfo] = {u.code: u for u in USER_TYPES}

# Filers who log in with their own My Number Card (ISA 10_00112.html).
MY_NUMBER_FILERS: frozenset[UserType] = frozenset(
    {UserType.FOREIGN_NATIONAL, UserType.LEGAL_REPRESENTATIVE, UserType.RELATIVE}
)

# --------------------------------------------------------------------------- procedures


@dataclass(frozen=True, slots=True)
class ProcedureInfo:
    code: Procedure
    label: str
    official_ja: str
    online: bool
    # Re-entry and activity permission: online only together with one of these ([F] 注).
    only_with: tuple[Procedure, ...]
    # Whether "status" means the status applied for (COE, acquisition) rather than held.
    status_is_target: bool
    # Whether the filer's current period of stay (its expiry) matters.
    uses_expiry: bool
    link_id: str
    source_id: str


P = Procedure
MAIN_APPLICATIONS: tuple[Procedure, ...] = (P.CHANGE_OF_STATUS, P.EXTENSION, P.ACQUISITION)

PROCEDURES: tuple[ProcedureInfo, ...] = (
    ProcedureInfo(
        P.EXTENSION,
        N_("Extension of Period of Stay"),
        "在留期間更新許可申請",
        True,
        (),
        False,
        True,
        "isa_extension",
        "isa_flyer",
    ),
    ProcedureInfo(
        P.CHANGE_OF_STATUS,
        N_("Change of Status of Residence"),
        "在留資格変更許可申請",
        True,
        (),
        False,
        True,
        "isa_online",
        "isa_flyer",
    ),
    ProcedureInfo(
        P.CERTIFICATE_OF_ELIGIBILITY,
        N_("Certificate of Eligibility"),
        "在留資格認定証明書交付申請",
        True,
        (),
        True,
        False,
        "isa_ecoe",
        "isa_flyer",
    ),
    ProcedureInfo(
        P.ACQUISITION,
        N_("Permission to Acquire Status of Residence"),
        "在留資格取得許可申請",
        True,
        (),
        True,
        False,
        "isa_online",
        "isa_flyer",
    ),
    ProcedureInfo(
        P.CERTIFICATE_OF_AUTHORIZED_EMPLOYMENT,
        N_("Certificate of Authorized Employment"),
        "就労資格証明書交付申請",
        True,
        (),
        False,
        True,
        "isa_cae",
        "isa_flyer",
    ),
    ProcedureInfo(
        P.REENTRY_PERMIT,
        N_("Re-entry Permission"),
        "再入国許可申請",
        True,
        MAIN_APPLICATIONS,
        False,
        False,
        "isa_reentry",
        "isa_flyer",
    ),
    ProcedureInfo(
        P.ACTIVITY_PERMISSION,
        N_("Permission to Engage in an Activity Other Than That Permitted"),
        "資格外活動許可申請",
        True,
        MAIN_APPLICATIONS,
        False,
        False,
        "isa_activity_permission",
        "isa_flyer",
    ),
    ProcedureInfo(
        P.PERMANENT_RESIDENCE,
        N_("Permanent Residence (counter only)"),
        "永住許可申請",
        False,
        (),
        False,
        False,
        "isa_online_qa",
        "isa_online_qa",
    ),
    ProcedureInfo(
        P.RESIDENCE_CARD_RENEWAL,
        N_("Residence card renewal or re-issue (counter only)"),
        "在留カードの有効期間更新申請・再交付申請",
        False,
        (),
        False,
        False,
        "isa_online_qa",
        "isa_online_qa",
    ),
)
PROCEDURE_INFO: dict[Procedure, ProcedureInfo] = {p.code: p for p in PROCEDURES}

# --------------------------------------------------------------------------- statuses


@dataclass(frozen=True, slots=True)
class StatusInfo:
    code: Status
    label: str
    official_ja: str
    group: str
    # Excluded from online filing, held or applied for ([QA] A1-4; scope PDF).
    excluded: bool
    # No period of stay, so no expiry (永住者, 高度専門職2号).
    has_period: bool
    # Typed names and common synonyms (lower-case, NFKC), in ja and en.
    synonyms: tuple[str, ...]
    source_id: str


S = Status
GROUPS: tuple[tuple[str, str], ...] = (
    ("work", N_("Work")),
    ("study", N_("Study and training")),
    ("family", N_("Family and residence")),
    ("other", N_("Other")),
)
# Shown first at the status step: the statuses most people hold.
COMMON_STATUSES: tuple[Status, ...] = (
    S.ENGINEER_SPECIALIST_HUMANITIES_INTERNATIONAL,
    S.STUDENT,
    S.DEPENDENT,
    S.SPOUSE_OR_CHILD_OF_JAPANESE_NATIONAL,
    S.SPECIFIED_SKILLED_WORKER_1,
    S.LONG_TERM_RESIDENT,
)

_LAW = "isa_online"  # the status list: 入管法 Appended Tables I and II, via ISA
STATUSES: tuple[StatusInfo, ...] = (
    StatusInfo(S.DIPLOMAT, N_("Diplomat"), "外交", "other", True, True, ("diplomat", "外交"), _LAW),
    StatusInfo(
        S.OFFICIAL, N_("Official"), "公用", "other", False, True, ("official", "公用"), _LAW
    ),
    StatusInfo(
        S.PROFESSOR, N_("Professor"), "教授", "work", False, True, ("professor", "教授"), _LAW
    ),
    StatusInfo(S.ARTIST, N_("Artist"), "芸術", "work", False, True, ("artist", "芸術"), _LAW),
    StatusInfo(
        S.RELIGIOUS_ACTIVITIES,
        N_("Religious Activities"),
        "宗教",
        "work",
        False,
        True,
        ("religious activities", "religious", "宗教"),
        _LAW,
    ),
    StatusInfo(
        S.JOURNALIST, N_("Journalist"), "報道", "work", False, True, ("journalist", "報道"), _LAW
    ),
    StatusInfo(
        S.HIGHLY_SKILLED_PROFESSIONAL_1,
        N_("Highly Skilled Professional (i)"),
        "高度専門職1号",
        "work",
        False,
        True,
        ("highly skilled professional 1", "hsp 1", "hsp1", "高度専門職1号", "高度1号"),
        _LAW,
    ),
    StatusInfo(
        S.HIGHLY_SKILLED_PROFESSIONAL_2,
        N_("Highly Skilled Professional (ii)"),
        "高度専門職2号",
        "work",
        False,
        False,
        ("highly skilled professional 2", "hsp 2", "hsp2", "高度専門職2号", "高度2号"),
        _LAW,
    ),
    StatusInfo(
        S.BUSINESS_MANAGER,
        N_("Business Manager"),
        "経営・管理",
        "work",
        False,
        True,
        ("business manager", "business visa", "investor", "経営管理", "経営・管理", "経営"),
        _LAW,
    ),
    StatusInfo(
        S.LEGAL_ACCOUNTING_SERVICES,
        N_("Legal/Accounting Services"),
        "法律・会計業務",
        "work",
        False,
        True,
        ("legal accounting services", "legal/accounting services", "法律・会計業務", "法律会計"),
        _LAW,
    ),
    StatusInfo(
        S.MEDICAL_SERVICES,
        N_("Medical Services"),
        "医療",
        "work",
        False,
        True,
        ("medical services", "medical", "医療"),
        _LAW,
    ),
    StatusInfo(
        S.RESEARCHER, N_("Researcher"), "研究", "work", False, True, ("researcher", "研究"), _LAW
    ),
    StatusInfo(
        S.INSTRUCTOR, N_("Instructor"), "教育", "work", False, True, ("instructor", "教育"), _LAW
    ),
    StatusInfo(
        S.ENGINEER_SPECIALIST_HUMANITIES_INTERNATIONAL,
        N_("Engineer/Specialist in Humanities/International Services"),
        "技術・人文知識・国際業務",
        "work",
        False,
        True,
        (
            "engineer",
            "engineer specialist in humanities international services",
            "engineer/specialist in humanities/international services",
            "specialist in humanities",
            "international services",
            "gijinkoku",
            "work visa",
            "working visa",
            "技人国",
            "技術・人文知識・国際業務",
            "技術人文知識国際業務",
            "就労ビザ",
        ),
        _LAW,
    ),
    StatusInfo(
        S.INTRA_COMPANY_TRANSFEREE,
        N_("Intra-company Transferee"),
        "企業内転勤",
        "work",
        False,
        True,
        ("intra-company transferee", "intra company transferee", "ict", "企業内転勤"),
        _LAW,
    ),
    StatusInfo(
        S.NURSING_CARE,
        N_("Nursing Care"),
        "介護",
        "work",
        False,
        True,
        ("nursing care", "care worker", "介護"),
        _LAW,
    ),
    StatusInfo(
        S.ENTERTAINER, N_("Entertainer"), "興行", "work", False, True, ("entertainer", "興行"), _LAW
    ),
    StatusInfo(
        S.SKILLED_LABOR,
        N_("Skilled Labor"),
        "技能",
        "work",
        False,
        True,
        ("skilled labor", "skilled labour", "技能"),
        _LAW,
    ),
    StatusInfo(
        S.SPECIFIED_SKILLED_WORKER_1,
        N_("Specified Skilled Worker (i)"),
        "特定技能1号",
        "work",
        False,
        True,
        (
            "specified skilled worker 1",
            "ssw 1",
            "ssw1",
            "特定技能1号",
            "特定1号",
            "tokutei ginou 1",
        ),
        _LAW,
    ),
    StatusInfo(
        S.SPECIFIED_SKILLED_WORKER_2,
        N_("Specified Skilled Worker (ii)"),
        "特定技能2号",
        "work",
        False,
        True,
        (
            "specified skilled worker 2",
            "ssw 2",
            "ssw2",
            "特定技能2号",
            "特定2号",
            "tokutei ginou 2",
        ),
        _LAW,
    ),
    StatusInfo(
        S.TECHNICAL_INTERN_TRAINING,
        N_("Technical Intern Training"),
        "技能実習",
        "work",
        False,
        True,
        ("technical intern training", "technical intern", "tits", "技能実習", "実習生"),
        _LAW,
    ),
    StatusInfo(
        S.CULTURAL_ACTIVITIES,
        N_("Cultural Activities"),
        "文化活動",
        "study",
        False,
        True,
        ("cultural activities", "文化活動"),
        _LAW,
    ),
    StatusInfo(
        S.TEMPORARY_VISITOR,
        N_("Temporary Visitor"),
        "短期滞在",
        "other",
        True,
        True,
        ("temporary visitor", "tourist", "tourist visa", "short-term stay", "短期滞在", "観光"),
        _LAW,
    ),
    StatusInfo(
        S.STUDENT,
        N_("Student"),
        "留学",
        "study",
        False,
        True,
        ("student", "student visa", "ryugaku", "留学", "留学生", "学生ビザ"),
        _LAW,
    ),
    StatusInfo(S.TRAINEE, N_("Trainee"), "研修", "study", False, True, ("trainee", "研修"), _LAW),
    StatusInfo(
        S.DEPENDENT,
        N_("Dependent"),
        "家族滞在",
        "family",
        False,
        True,
        ("dependent", "dependant", "family visa", "family stay", "家族滞在"),
        _LAW,
    ),
    StatusInfo(
        S.DESIGNATED_ACTIVITIES,
        N_("Designated Activities"),
        "特定活動",
        "other",
        False,
        True,
        ("designated activities", "tokutei katsudo", "特定活動", "working holiday"),
        _LAW,
    ),
    StatusInfo(
        S.DESIGNATED_ACTIVITIES_DEPARTURE_PREPARATION,
        N_("Designated Activities (preparation for departure)"),
        "特定活動（出国準備期間）",
        "other",
        True,
        True,
        ("departure preparation", "出国準備", "出国準備期間", "特定活動(出国準備期間)"),
        "isa_scope_pdf",
    ),
    StatusInfo(
        S.PERMANENT_RESIDENT,
        N_("Permanent Resident"),
        "永住者",
        "family",
        False,
        False,
        ("permanent resident", "permanent residence", "pr", "eijuu", "永住", "永住者"),
        _LAW,
    ),
    StatusInfo(
        S.SPOUSE_OR_CHILD_OF_JAPANESE_NATIONAL,
        N_("Spouse or Child of Japanese National"),
        "日本人の配偶者等",
        "family",
        False,
        True,
        (
            "spouse or child of japanese national",
            "spouse of japanese",
            "spouse visa",
            "marriage visa",
            "日本人の配偶者等",
            "日本人の配偶者",
            "配偶者ビザ",
        ),
        _LAW,
    ),
    StatusInfo(
        S.SPOUSE_OR_CHILD_OF_PERMANENT_RESIDENT,
        N_("Spouse or Child of Permanent Resident"),
        "永住者の配偶者等",
        "family",
        False,
        True,
        (
            "spouse or child of permanent resident",
            "spouse of permanent resident",
            "永住者の配偶者等",
            "永住者の配偶者",
        ),
        _LAW,
    ),
    StatusInfo(
        S.LONG_TERM_RESIDENT,
        N_("Long-Term Resident"),
        "定住者",
        "family",
        False,
        True,
        ("long-term resident", "long term resident", "teijusha", "定住", "定住者"),
        _LAW,
    ),
)
STATUS_INFO: dict[Status, StatusInfo] = {s.code: s for s in STATUSES}

# Statuses whose online scope carries limits we cannot check (scope PDF 001351658).
SCOPE_LIMITED: frozenset[Status] = frozenset(
    {
        S.TECHNICAL_INTERN_TRAINING,
        S.DEPENDENT,
        S.DESIGNATED_ACTIVITIES,
        S.BUSINESS_MANAGER,
        S.RESEARCHER,
        S.ENGINEER_SPECIALIST_HUMANITIES_INTERNATIONAL,
        S.INTRA_COMPANY_TRANSFEREE,
        S.SKILLED_LABOR,
    }
)
# Statuses for which a relative may file a COE (user × procedure PDF, 注2). The PDF
# may list more family statuses; we only say yes for those we could read.
RELATIVE_COE_STATUSES: frozenset[Status] = frozenset(
    {
        S.CULTURAL_ACTIVITIES,
        S.STUDENT,
        S.DEPENDENT,
        S.DESIGNATED_ACTIVITIES,
        S.SPOUSE_OR_CHILD_OF_JAPANESE_NATIONAL,
    }
)
# Registered support organisations file for Specified Skilled Workers only.
SUPPORT_ORG_STATUSES: frozenset[Status] = frozenset(
    {S.SPECIFIED_SKILLED_WORKER_1, S.SPECIFIED_SKILLED_WORKER_2}
)
# Statuses whose holders carry a designation paper (指定書) to mail back.
DESIGNATION_PAPER_STATUSES: frozenset[Status] = frozenset(
    {
        S.DESIGNATED_ACTIVITIES,
        S.SPECIFIED_SKILLED_WORKER_1,
        S.SPECIFIED_SKILLED_WORKER_2,
        S.HIGHLY_SKILLED_PROFESSIONAL_1,
        S.HIGHLY_SKILLED_PROFESSIONAL_2,
    }
)

# --------------------------------------------------------------------------- links


@dataclass(frozen=True, slots=True)
class Link:
    id: str
    url: str
    label: str
    source_id: str


_ISA = "https://www.moj.go.jp/isa"
LINKS: tuple[Link, ...] = (
    Link(
        "isa_online",
        f"{_ISA}/applications/online/onlineshinsei.html",
        N_("ISA: online residence applications (login button is on this page)"),
        "isa_online",
    ),
    Link(
        "isa_online_qa",
        f"{_ISA}/applications/online/online-QA.html",
        N_("ISA: online application Q&A"),
        "isa_online_qa",
    ),
    Link(
        "isa_users_individual",
        f"{_ISA}/applications/online/10_00112.html",
        N_("ISA: for foreign nationals, legal representatives and relatives"),
        "isa_users_individual",
    ),
    Link(
        "isa_users_organization",
        f"{_ISA}/applications/online/10_00114.html",
        N_("ISA: for organisations, public-interest corporations and support organisations"),
        "isa_users_organization",
    ),
    Link(
        "isa_use_application",
        f"{_ISA}/applications/guide/online-riyoumoushide.html",
        N_("ISA: use application (利用申出)"),
        "isa_use_application",
    ),
    Link(
        "isa_user_procedure_pdf",
        f"{_ISA}/content/001369137.pdf",
        N_("ISA PDF: which user may file which procedure"),
        "isa_user_procedure_pdf",
    ),
    Link(
        "isa_scope_pdf",
        f"{_ISA}/content/001351658.pdf",
        N_("ISA PDF: procedures and statuses in online scope"),
        "isa_scope_pdf",
    ),
    Link(
        "isa_extension",
        f"{_ISA}/applications/procedures/16-3.html",
        N_("ISA: Extension of Period of Stay"),
        "isa_extension",
    ),
    Link(
        "isa_reentry",
        f"{_ISA}/immigration/procedures/16-5.html",
        N_("ISA: Re-entry Permission"),
        "isa_reentry",
    ),
    Link(
        "isa_cae",
        f"{_ISA}/applications/procedures/16-9.html",
        N_("ISA: Certificate of Authorized Employment"),
        "isa_cae",
    ),
    Link(
        "isa_ecoe",
        f"{_ISA}/applications/procedures/10_00136.html",
        N_("ISA: electronic Certificate of Eligibility"),
        "isa_ecoe",
    ),
    Link(
        "isa_activity_permission",
        f"{_ISA}/applications/procedures/shikakugai_00001.html",
        N_("ISA: permission for activity other than status"),
        "isa_activity_permission",
    ),
    Link(
        "isa_special_period",
        f"{_ISA}/applications/procedures/tokureikikan_00001.html",
        N_("ISA: special period (特例期間)"),
        "isa_special_period",
    ),
    Link(
        "isa_pending_proof",
        f"{_ISA}/applications/online/11_00035.html",
        N_("ISA: proof that an online application is pending"),
        "isa_pending_proof",
    ),
    Link("isa_fees", f"{_ISA}/01_00518.html", N_("ISA: fees"), "isa_fees"),
    Link(
        "isa_photo",
        f"{_ISA}/applications/status/photo_info_00002.html",
        N_("ISA: photo standard"),
        "isa_photo",
    ),
    Link(
        "isa_info_center",
        f"{_ISA}/consultation/center/index.html",
        N_("ISA information centre"),
        "isa_info_center",
    ),
    Link(
        "isa_user_info_change",
        f"{_ISA}/applications/online/online-riyousyajyouhouhenkou.html",
        N_("ISA: change user details, password or forgotten ID"),
        "isa_user_info_change",
    ),
    Link(
        "isa_tokutei",
        f"{_ISA}/tokutei.html",
        N_("ISA: 特定在留カード (residence card with My Number functions) Q&A"),
        "isa_tokutei",
    ),
)
LINK_INFO: dict[str, Link] = {link.id: link for link in LINKS}
HANDOFF_LINK_ID = "isa_online"

# --------------------------------------------------------------------------- timing


@dataclass(frozen=True, slots=True)
class TimingRule:
    id: str
    value: int
    description: str
    source_id: str


TIMING: dict[str, TimingRule] = {
    rule.id: rule
    for rule in (
        TimingRule(
            "extension_window_months",
            3,
            "An extension can be filed from about 3 months before expiry (stays of 6 months "
            "or more); the old system enforced it, the new one is unverified.",
            "isa_extension",
        ),
        TimingRule(
            "no_online_on_expiry_day",
            0,
            "No online filing on the expiry date itself: apply at the counter that day.",
            "isa_flyer",
        ),
        TimingRule(
            "special_period_months",
            2,
            "Filed before expiry and undecided: stay until the decision or 2 months after "
            "expiry, whichever is earlier.",
            "isa_special_period",
        ),
        TimingRule(
            "relative_applicant_age_under",
            16,
            "A relative may file only if the applicant is under 16 or unable to apply.",
            "isa_startup_guide",
        ),
        TimingRule(
            "self_filer_min_age",
            15,
            "A foreign national filing for themselves must be 15 or older.",
            "isa_online",
        ),
        TimingRule(
            "photo_min_age",
            16,
            "No photo for change, extension or acquisition when the applicant is under 16.",
            "isa_photo",
        ),
    )
}
# The date the current system started; older guides describe the previous one.
NEW_SYSTEM_START = date(2026, 1, 5)
# Fees quoted are those for applications received from this date.
FEES_EFFECTIVE = date(2025, 4, 1)
# Online fees in yen for applications received from 2025-04-01 (source: isa_fees).
FEES_TEXT: dict[Procedure, str] = {
    P.CHANGE_OF_STATUS: "5,500",
    P.EXTENSION: "5,500",
    P.CERTIFICATE_OF_AUTHORIZED_EMPLOYMENT: "1,600",
    P.REENTRY_PERMIT: "3,500 / 6,500",
}
# The information centre (third-party copies of the ISA page; hours may change).
INFO_CENTER_PHONE = "0570-013904"
INFO_CENTER_PHONE_ALT = "03-5796-7112"
INFO_CENTER_TEXT = N_(
    "Not sure? The ISA information centre answers in several languages: {phone} (from IP "
    "phones or abroad {phone_alt}), weekdays 8:30–17:15 (number and hours from "
    "third-party pages; check the ISA page)."
)
