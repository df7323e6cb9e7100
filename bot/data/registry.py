"""User types, procedures, statuses, links and timing rules, as sourced records.

Labels are English msgids (translated through the catalogs); ``official_ja`` is
the ISA's own Japanese name, shown beside the label so people can match our
words to the official system and their papers.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.codes import Procedure, Requirement, Status, UserType
from bot.i18n_marker import N_

# --------------------------------------------------------------------------- user types


@dataclass(frozen=True, slots=True, kw_only=True)
class UserTypeInfo:
    code: UserType
    label: str
    official_ja: str
    requirements: tuple[Requirement, ...]
    # The ISA page for this kind of user (a LINKS id; added in 0.4). Lawyers and scriveners
    # have their own start-up guide, whose own URL we have not found: their link is the
    # ISA online-procedures page the guide itself refers to for details.
    link_id: str
    source_id: str


R = Requirement
USER_TYPES: tuple[UserTypeInfo, ...] = (
    UserTypeInfo(
        code=UserType.FOREIGN_NATIONAL,
        label=N_("The foreign national (myself)"),
        official_ja="外国人本人",
        requirements=(R.USER_REGISTRATION, R.MY_NUMBER_CARD),
        link_id="isa_users_individual",
        source_id="isa_users_individual",
    ),
    UserTypeInfo(
        code=UserType.ORGANIZATION_STAFF,
        label=N_("Staff of the employer or school (affiliated organisation)"),
        official_ja="所属機関の職員",
        requirements=(R.AGENT_APPROVAL_OR_REQUIREMENTS, R.USE_APPLICATION),
        link_id="isa_users_organization",
        source_id="isa_users_organization",
    ),
    UserTypeInfo(
        code=UserType.LAWYER_SCRIVENER,
        label=N_("Lawyer or administrative scrivener (gyoseishoshi)"),
        official_ja="弁護士・行政書士",
        requirements=(
            R.AGENT_APPROVAL_OR_NOTIFICATION,
            R.NOTIFICATION_CERTIFICATE,
            R.USER_REGISTRATION,
        ),
        link_id="isa_online",
        source_id="isa_startup_guide",
    ),
    UserTypeInfo(
        code=UserType.PUBLIC_INTEREST_CORP_STAFF,
        label=N_("Staff of a public-interest corporation"),
        official_ja="公益法人の職員",
        requirements=(R.AGENT_APPROVAL, R.USE_APPLICATION, R.REQUEST_FROM_RECEIVING_ORG),
        link_id="isa_users_organization",
        source_id="isa_users_organization",
    ),
    UserTypeInfo(
        code=UserType.REGISTERED_SUPPORT_ORG_STAFF,
        label=N_("Staff of a registered support organisation"),
        official_ja="登録支援機関の職員",
        requirements=(R.AGENT_APPROVAL, R.USE_APPLICATION, R.REQUEST_FROM_RECEIVING_ORG),
        link_id="isa_users_organization",
        source_id="isa_users_organization",
    ),
    UserTypeInfo(
        code=UserType.LEGAL_REPRESENTATIVE,
        label=N_("Legal representative (parent with custody, guardian)"),
        official_ja="法定代理人",
        requirements=(R.USER_REGISTRATION, R.MY_NUMBER_CARD),
        link_id="isa_users_individual",
        source_id="isa_users_individual",
    ),
    UserTypeInfo(
        code=UserType.RELATIVE,
        label=N_("Relative (spouse, child, father or mother)"),
        official_ja="親族（配偶者、子、父又は母）",
        requirements=(R.USER_REGISTRATION, R.MY_NUMBER_CARD),
        link_id="isa_users_individual",
        source_id="isa_startup_guide",
    ),
)
USER_TYPE_INFO: dict[UserType, UserTypeInfo] = {u.code: u for u in USER_TYPES}

# Filers who log in with their own My Number Card (ISA 10_00112.html).
MY_NUMBER_FILERS: frozenset[UserType] = frozenset(
    {UserType.FOREIGN_NATIONAL, UserType.LEGAL_REPRESENTATIVE, UserType.RELATIVE}
)

# --------------------------------------------------------------------------- procedures


@dataclass(frozen=True, slots=True, kw_only=True)
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
        code=P.EXTENSION,
        label=N_("Extension of Period of Stay"),
        official_ja="在留期間更新許可申請",
        online=True,
        only_with=(),
        status_is_target=False,
        uses_expiry=True,
        link_id="isa_extension",
        source_id="isa_flyer",
    ),
    ProcedureInfo(
        code=P.CHANGE_OF_STATUS,
        label=N_("Change of Status of Residence"),
        official_ja="在留資格変更許可申請",
        online=True,
        only_with=(),
        status_is_target=False,
        uses_expiry=True,
        link_id="isa_online",
        source_id="isa_flyer",
    ),
    ProcedureInfo(
        code=P.CERTIFICATE_OF_ELIGIBILITY,
        label=N_("Certificate of Eligibility"),
        official_ja="在留資格認定証明書交付申請",
        online=True,
        only_with=(),
        status_is_target=True,
        uses_expiry=False,
        link_id="isa_ecoe",
        source_id="isa_flyer",
    ),
    ProcedureInfo(
        code=P.ACQUISITION,
        label=N_("Permission to Acquire Status of Residence"),
        official_ja="在留資格取得許可申請",
        online=True,
        only_with=(),
        status_is_target=True,
        uses_expiry=False,
        link_id="isa_online",
        source_id="isa_flyer",
    ),
    ProcedureInfo(
        code=P.CERTIFICATE_OF_AUTHORIZED_EMPLOYMENT,
        label=N_("Certificate of Authorized Employment"),
        official_ja="就労資格証明書交付申請",
        online=True,
        only_with=(),
        status_is_target=False,
        uses_expiry=True,
        link_id="isa_cae",
        source_id="isa_flyer",
    ),
    ProcedureInfo(
        code=P.REENTRY_PERMIT,
        label=N_("Re-entry Permission"),
        official_ja="再入国許可申請",
        online=True,
        only_with=MAIN_APPLICATIONS,
        status_is_target=False,
        uses_expiry=False,
        link_id="isa_reentry",
        source_id="isa_flyer",
    ),
    ProcedureInfo(
        code=P.ACTIVITY_PERMISSION,
        label=N_("Permission to Engage in an Activity Other Than That Permitted"),
        official_ja="資格外活動許可申請",
        online=True,
        only_with=MAIN_APPLICATIONS,
        status_is_target=False,
        uses_expiry=False,
        link_id="isa_activity_permission",
        source_id="isa_flyer",
    ),
    ProcedureInfo(
        code=P.PERMANENT_RESIDENCE,
        label=N_("Permanent Residence (counter only)"),
        official_ja="永住許可申請",
        online=False,
        only_with=(),
        status_is_target=False,
        uses_expiry=False,
        link_id="isa_online_qa",
        source_id="isa_online_qa",
    ),
    ProcedureInfo(
        code=P.RESIDENCE_CARD_RENEWAL,
        label=N_("Residence card renewal or re-issue (counter only)"),
        official_ja="在留カードの有効期間更新申請・再交付申請",
        online=False,
        only_with=(),
        status_is_target=False,
        uses_expiry=False,
        link_id="isa_online_qa",
        source_id="isa_online_qa",
    ),
)
PROCEDURE_INFO: dict[Procedure, ProcedureInfo] = {p.code: p for p in PROCEDURES}

# --------------------------------------------------------------------------- statuses


@dataclass(frozen=True, slots=True, kw_only=True)
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
    StatusInfo(
        code=S.DIPLOMAT,
        label=N_("Diplomat"),
        official_ja="外交",
        group="other",
        excluded=True,
        has_period=True,
        synonyms=("diplomat", "外交"),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.OFFICIAL,
        label=N_("Official"),
        official_ja="公用",
        group="other",
        excluded=False,
        has_period=True,
        synonyms=("official", "公用"),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.PROFESSOR,
        label=N_("Professor"),
        official_ja="教授",
        group="work",
        excluded=False,
        has_period=True,
        synonyms=("professor", "教授"),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.ARTIST,
        label=N_("Artist"),
        official_ja="芸術",
        group="work",
        excluded=False,
        has_period=True,
        synonyms=("artist", "芸術"),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.RELIGIOUS_ACTIVITIES,
        label=N_("Religious Activities"),
        official_ja="宗教",
        group="work",
        excluded=False,
        has_period=True,
        synonyms=("religious activities", "religious", "宗教"),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.JOURNALIST,
        label=N_("Journalist"),
        official_ja="報道",
        group="work",
        excluded=False,
        has_period=True,
        synonyms=("journalist", "報道"),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.HIGHLY_SKILLED_PROFESSIONAL_1,
        label=N_("Highly Skilled Professional (i)"),
        official_ja="高度専門職1号",
        group="work",
        excluded=False,
        has_period=True,
        synonyms=("highly skilled professional 1", "hsp 1", "hsp1", "高度専門職1号", "高度1号"),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.HIGHLY_SKILLED_PROFESSIONAL_2,
        label=N_("Highly Skilled Professional (ii)"),
        official_ja="高度専門職2号",
        group="work",
        excluded=False,
        has_period=False,
        synonyms=("highly skilled professional 2", "hsp 2", "hsp2", "高度専門職2号", "高度2号"),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.BUSINESS_MANAGER,
        label=N_("Business Manager"),
        official_ja="経営・管理",
        group="work",
        excluded=False,
        has_period=True,
        synonyms=(
            "business manager",
            "business visa",
            "investor",
            "経営管理",
            "経営・管理",
            "経営",
        ),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.LEGAL_ACCOUNTING_SERVICES,
        label=N_("Legal/Accounting Services"),
        official_ja="法律・会計業務",
        group="work",
        excluded=False,
        has_period=True,
        synonyms=(
            "legal accounting services",
            "legal/accounting services",
            "法律・会計業務",
            "法律会計",
        ),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.MEDICAL_SERVICES,
        label=N_("Medical Services"),
        official_ja="医療",
        group="work",
        excluded=False,
        has_period=True,
        synonyms=("medical services", "medical", "医療"),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.RESEARCHER,
        label=N_("Researcher"),
        official_ja="研究",
        group="work",
        excluded=False,
        has_period=True,
        synonyms=("researcher", "研究"),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.INSTRUCTOR,
        label=N_("Instructor"),
        official_ja="教育",
        group="work",
        excluded=False,
        has_period=True,
        synonyms=("instructor", "教育"),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.ENGINEER_SPECIALIST_HUMANITIES_INTERNATIONAL,
        label=N_("Engineer/Specialist in Humanities/International Services"),
        official_ja="技術・人文知識・国際業務",
        group="work",
        excluded=False,
        has_period=True,
        synonyms=(
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
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.INTRA_COMPANY_TRANSFEREE,
        label=N_("Intra-company Transferee"),
        official_ja="企業内転勤",
        group="work",
        excluded=False,
        has_period=True,
        synonyms=("intra-company transferee", "intra company transferee", "ict", "企業内転勤"),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.NURSING_CARE,
        label=N_("Nursing Care"),
        official_ja="介護",
        group="work",
        excluded=False,
        has_period=True,
        synonyms=("nursing care", "care worker", "介護"),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.ENTERTAINER,
        label=N_("Entertainer"),
        official_ja="興行",
        group="work",
        excluded=False,
        has_period=True,
        synonyms=("entertainer", "興行"),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.SKILLED_LABOR,
        label=N_("Skilled Labor"),
        official_ja="技能",
        group="work",
        excluded=False,
        has_period=True,
        synonyms=("skilled labor", "skilled labour", "技能"),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.SPECIFIED_SKILLED_WORKER_1,
        label=N_("Specified Skilled Worker (i)"),
        official_ja="特定技能1号",
        group="work",
        excluded=False,
        has_period=True,
        synonyms=(
            "specified skilled worker 1",
            "ssw 1",
            "ssw1",
            "特定技能1号",
            "特定1号",
            "tokutei ginou 1",
        ),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.SPECIFIED_SKILLED_WORKER_2,
        label=N_("Specified Skilled Worker (ii)"),
        official_ja="特定技能2号",
        group="work",
        excluded=False,
        has_period=True,
        synonyms=(
            "specified skilled worker 2",
            "ssw 2",
            "ssw2",
            "特定技能2号",
            "特定2号",
            "tokutei ginou 2",
        ),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.TECHNICAL_INTERN_TRAINING,
        label=N_("Technical Intern Training"),
        official_ja="技能実習",
        group="work",
        excluded=False,
        has_period=True,
        synonyms=("technical intern training", "technical intern", "tits", "技能実習", "実習生"),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.CULTURAL_ACTIVITIES,
        label=N_("Cultural Activities"),
        official_ja="文化活動",
        group="study",
        excluded=False,
        has_period=True,
        synonyms=("cultural activities", "文化活動"),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.TEMPORARY_VISITOR,
        label=N_("Temporary Visitor"),
        official_ja="短期滞在",
        group="other",
        excluded=True,
        has_period=True,
        synonyms=(
            "temporary visitor",
            "tourist",
            "tourist visa",
            "short-term stay",
            "短期滞在",
            "観光",
        ),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.STUDENT,
        label=N_("Student"),
        official_ja="留学",
        group="study",
        excluded=False,
        has_period=True,
        synonyms=(
            "student",
            "student visa",
            "ryugaku",
            "留学",
            "留学生",
            "学生ビザ",
            "りゅうがくせい",
            "du học sinh",
            "유학생",
            "estudyante",
        ),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.TRAINEE,
        label=N_("Trainee"),
        official_ja="研修",
        group="study",
        excluded=False,
        has_period=True,
        synonyms=("trainee", "研修"),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.DEPENDENT,
        label=N_("Dependent"),
        official_ja="家族滞在",
        group="family",
        excluded=False,
        has_period=True,
        synonyms=("dependent", "dependant", "family visa", "family stay", "家族滞在"),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.DESIGNATED_ACTIVITIES,
        label=N_("Designated Activities"),
        official_ja="特定活動",
        group="other",
        excluded=False,
        has_period=True,
        synonyms=("designated activities", "tokutei katsudo", "特定活動", "working holiday"),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.DESIGNATED_ACTIVITIES_DEPARTURE_PREPARATION,
        label=N_("Designated Activities (preparation for departure)"),
        official_ja="特定活動（出国準備期間）",
        group="other",
        excluded=True,
        has_period=True,
        synonyms=("departure preparation", "出国準備", "出国準備期間", "特定活動(出国準備期間)"),
        source_id="isa_scope_pdf",
    ),
    StatusInfo(
        code=S.PERMANENT_RESIDENT,
        label=N_("Permanent Resident"),
        official_ja="永住者",
        group="family",
        excluded=False,
        has_period=False,
        synonyms=("permanent resident", "permanent residence", "pr", "eijuu", "永住", "永住者"),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.SPOUSE_OR_CHILD_OF_JAPANESE_NATIONAL,
        label=N_("Spouse or Child of Japanese National"),
        official_ja="日本人の配偶者等",
        group="family",
        excluded=False,
        has_period=True,
        synonyms=(
            "spouse or child of japanese national",
            "spouse of japanese",
            "spouse visa",
            "marriage visa",
            "日本人の配偶者等",
            "日本人の配偶者",
            "配偶者ビザ",
        ),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.SPOUSE_OR_CHILD_OF_PERMANENT_RESIDENT,
        label=N_("Spouse or Child of Permanent Resident"),
        official_ja="永住者の配偶者等",
        group="family",
        excluded=False,
        has_period=True,
        synonyms=(
            "spouse or child of permanent resident",
            "spouse of permanent resident",
            "永住者の配偶者等",
            "永住者の配偶者",
        ),
        source_id=_LAW,
    ),
    StatusInfo(
        code=S.LONG_TERM_RESIDENT,
        label=N_("Long-Term Resident"),
        official_ja="定住者",
        group="family",
        excluded=False,
        has_period=True,
        synonyms=("long-term resident", "long term resident", "teijusha", "定住", "定住者"),
        source_id=_LAW,
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
# Registered support organisations file for Specified Skilled Workers only.
SUPPORT_ORG_STATUSES: frozenset[Status] = frozenset(
    {S.SPECIFIED_SKILLED_WORKER_1, S.SPECIFIED_SKILLED_WORKER_2}
)
# Statuses whose holders carry a designation paper (指定書) to mail back: 特定活動, 特定技能
# and 高度専門職1号 (イ–ハ), not 2号 (corrections item 16; source designation_paper_holders).
# Keyed to the status held, never the status applied for.
DESIGNATION_PAPER_STATUSES: frozenset[Status] = frozenset(
    {
        S.DESIGNATED_ACTIVITIES,
        S.SPECIFIED_SKILLED_WORKER_1,
        S.SPECIFIED_SKILLED_WORKER_2,
        S.HIGHLY_SKILLED_PROFESSIONAL_1,
    }
)

# --------------------------------------------------------------------------- links


@dataclass(frozen=True, slots=True, kw_only=True)
class Link:
    id: str
    url: str
    label: str
    source_id: str


_ISA = "https://www.moj.go.jp/isa"
LINKS: tuple[Link, ...] = (
    Link(
        id="isa_online",
        url=f"{_ISA}/applications/online/onlineshinsei.html",
        label=N_("ISA: online residence applications (login button is on this page)"),
        source_id="isa_online",
    ),
    Link(
        id="isa_online_qa",
        url=f"{_ISA}/applications/online/online-QA.html",
        label=N_("ISA: online application Q&A"),
        source_id="isa_online_qa",
    ),
    Link(
        id="isa_users_individual",
        url=f"{_ISA}/applications/online/10_00112.html",
        label=N_("ISA: for foreign nationals, legal representatives and relatives"),
        source_id="isa_users_individual",
    ),
    Link(
        id="isa_users_organization",
        url=f"{_ISA}/applications/online/10_00114.html",
        label=N_("ISA: for organisations, public-interest corporations and support organisations"),
        source_id="isa_users_organization",
    ),
    Link(
        id="isa_use_application",
        url=f"{_ISA}/applications/guide/online-riyoumoushide.html",
        label=N_("ISA: use application (利用申出)"),
        source_id="isa_use_application",
    ),
    Link(
        id="isa_user_procedure_pdf",
        url=f"{_ISA}/content/001369137.pdf",
        label=N_("ISA PDF: which user may file which procedure"),
        source_id="isa_user_procedure_pdf",
    ),
    Link(
        id="isa_scope_pdf",
        url=f"{_ISA}/content/001351658.pdf",
        label=N_("ISA PDF: procedures and statuses in online scope"),
        source_id="isa_scope_pdf",
    ),
    Link(
        id="isa_extension",
        url=f"{_ISA}/applications/procedures/16-3.html",
        label=N_("ISA: Extension of Period of Stay"),
        source_id="isa_extension",
    ),
    Link(
        id="isa_reentry",
        url=f"{_ISA}/immigration/procedures/16-5.html",
        label=N_("ISA: Re-entry Permission"),
        source_id="isa_reentry",
    ),
    Link(
        id="isa_cae",
        url=f"{_ISA}/applications/procedures/16-9.html",
        label=N_("ISA: Certificate of Authorized Employment"),
        source_id="isa_cae",
    ),
    Link(
        id="isa_ecoe",
        url=f"{_ISA}/applications/procedures/10_00136.html",
        label=N_("ISA: electronic Certificate of Eligibility"),
        source_id="isa_ecoe",
    ),
    Link(
        id="isa_activity_permission",
        url=f"{_ISA}/applications/procedures/shikakugai_00001.html",
        label=N_("ISA: permission for activity other than status"),
        source_id="isa_activity_permission",
    ),
    Link(
        id="isa_special_period",
        url=f"{_ISA}/applications/procedures/tokureikikan_00001.html",
        label=N_("ISA: special period (特例期間)"),
        source_id="isa_special_period",
    ),
    Link(
        id="isa_pending_proof",
        url=f"{_ISA}/applications/online/11_00035.html",
        label=N_("ISA: proof that an online application is pending"),
        source_id="isa_pending_proof",
    ),
    Link(id="isa_fees", url=f"{_ISA}/01_00518.html", label=N_("ISA: fees"), source_id="isa_fees"),
    Link(
        id="isa_photo",
        url=f"{_ISA}/applications/status/photo_info_00002.html",
        label=N_("ISA: photo standard"),
        source_id="isa_photo",
    ),
    Link(
        id="isa_info_center",
        url=f"{_ISA}/consultation/center/index.html",
        label=N_("ISA information centre"),
        source_id="isa_info_center",
    ),
    Link(
        id="isa_user_info_change",
        url=f"{_ISA}/applications/online/online-riyousyajyouhouhenkou.html",
        label=N_("ISA: change user details, password or forgotten ID"),
        source_id="isa_user_info_change",
    ),
    Link(
        id="isa_tokutei",
        url=f"{_ISA}/tokutei.html",
        label=N_("ISA: 特定在留カード (residence card with My Number functions) Q&A"),
        source_id="isa_tokutei",
    ),
)
LINK_INFO: dict[str, Link] = {link.id: link for link in LINKS}
HANDOFF_LINK_ID = "isa_online"

# --------------------------------------------------------------------------- timing


@dataclass(frozen=True, slots=True, kw_only=True)
class TimingRule:
    """A number a rule in bot/assess.py computes with (months or an age).

    ``assess`` reads each ``value`` at call time; tests/test_rules.py moves each one and
    checks the verdict's boundary moves with it.
    """

    id: str
    value: int
    description: str
    source_id: str


# Sourced facts that are not numbers assess computes with live elsewhere: no online
# filing on the expiry date (Reason.EXPIRY_TODAY in bot/assess.py; source isa_flyer) and
# the special period of up to 2 months after expiry (Note.SPECIAL_PERIOD, whose text
# quotes it, and the isa_special_period link).
TIMING: dict[str, TimingRule] = {
    rule.id: rule
    for rule in (
        TimingRule(
            id="extension_window_months",
            value=3,
            description=(
                "An extension can be filed from about 3 months before expiry (stays of 6 months "
                "or more); the old system enforced it, the new one is unverified."
            ),
            source_id="isa_extension",
        ),
        TimingRule(
            id="relative_applicant_age_under",
            value=16,
            description="A relative may file only if the applicant is under 16 or unable to apply.",
            source_id="isa_startup_guide",
        ),
        TimingRule(
            id="self_filer_min_age",
            value=15,
            description="A foreign national filing for themselves must be 15 or older.",
            source_id="isa_online",
        ),
        TimingRule(
            id="photo_min_age",
            value=16,
            description=(
                "No photo for change, extension or acquisition when the applicant is under 16."
            ),
            source_id="isa_photo",
        ),
    )
}
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
