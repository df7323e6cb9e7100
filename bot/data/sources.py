"""Where each fact comes from, and as of when.

Every rule, checklist item, link and FAQ answer refers to one of these by id. A
test fails when a record has no source or no as-of date. ``grade`` says how
much weight the source carries: ``isa`` (the ISA's own page, PDF or seed
document), ``law`` (the statute itself, e.g. the Immigration Control Act (入管法),
quoted; as authoritative as ``isa``), ``3p`` (a third-party copy or report: say so to
the user) or ``unverified`` (our best reading; the bot must hedge and link the ISA
page).
The facts were compiled in ``../shared/reference/domain-facts*.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from bot.i18n_marker import N_

Grade = Literal["isa", "law", "3p", "unverified"]
# Grades stated without a hedge; any other grade makes the user-facing text hedge.
AUTHORITATIVE_GRADES: frozenset[Grade] = frozenset({"isa", "law"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """A document we rely on."""

    id: str
    title: str  # what we rely on, for reviewers (``faq --json`` keeps it)
    # What users read: a short description (an ``N_`` msgid, translated per locale), and
    # the page's or law's official Japanese title when it has one, shown beside it.
    label: str
    official: str = ""
    url: str
    as_of: date
    grade: Grade


_ISA = "https://www.moj.go.jp/isa"

_SOURCES: tuple[Source, ...] = (
    Source(
        id="isa_flyer",
        label=N_("ISA flyer on online residence applications"),
        official="在留手続オンライン申請が便利です!!",
        title="ISA flyer 「在留手続オンライン申請が便利です!!」",
        url=f"{_ISA}/applications/online/onlineshinsei.html",
        as_of=date(2024, 1, 1),
        grade="isa",
    ),
    Source(
        id="isa_startup_guide",
        label=N_("ISA start-up guide for lawyers and gyoseishoshi"),
        official="オンラインによる在留手続 スタートアップガイド～弁護士・行政書士～",
        title="ISA 「オンラインによる在留手続 スタートアップガイド～弁護士・行政書士～」",
        url=f"{_ISA}/applications/guide/onlineshinsei.html",
        as_of=date(2024, 1, 1),
        grade="isa",
    ),
    Source(
        id="isa_online",
        label=N_("ISA page on online residence applications"),
        official="在留申請のオンライン手続",
        title="ISA 在留申請のオンライン手続",
        url=f"{_ISA}/applications/online/onlineshinsei.html",
        as_of=date(2026, 5, 12),
        grade="isa",
    ),
    Source(
        id="isa_online_qa",
        label=N_("ISA Q&A on online applications"),
        official="オンラインでの申請手続に関するQ&A",
        title="ISA オンラインでの申請手続に関するQ&A",
        url=f"{_ISA}/applications/online/online-QA.html",
        as_of=date(2026, 5, 12),
        grade="isa",
    ),
    Source(
        id="isa_scope_pdf",
        label=N_("ISA list of the procedures and statuses available online (PDF)"),
        official="利用可能な申請種別及び在留資格(対象範囲)",
        title="ISA 利用可能な申請種別及び在留資格(対象範囲)",
        url=f"{_ISA}/content/001351658.pdf",
        as_of=date(2024, 8, 7),
        grade="isa",
    ),
    Source(
        id="isa_user_procedure_pdf",
        label=N_("ISA list of who may file which procedure online (PDF)"),
        official="利用者ごとの申請可能な手続",
        title="ISA 利用者ごとの申請可能な手続",
        url=f"{_ISA}/content/001369137.pdf",
        as_of=date(2026, 5, 12),
        grade="isa",
    ),
    Source(
        id="isa_users_individual",
        label=N_("ISA page for foreign nationals, legal representatives and relatives"),
        title="ISA online: foreign nationals, legal representatives, relatives",
        url=f"{_ISA}/applications/online/10_00112.html",
        as_of=date(2026, 5, 12),
        grade="isa",
    ),
    Source(
        id="isa_users_organization",
        label=N_("ISA page for staff of organisations and registered support organisations"),
        title=(
            "ISA online: staff of affiliated organisations, public-interest corporations, "
            "support organisations"
        ),
        url=f"{_ISA}/applications/online/10_00114.html",
        as_of=date(2026, 5, 12),
        grade="isa",
    ),
    Source(
        id="isa_use_application",
        label=N_("ISA page on the use application for online filing"),
        official="利用申出",
        title="ISA 利用申出 (use application)",
        url=f"{_ISA}/applications/guide/online-riyoumoushide.html",
        as_of=date(2026, 5, 12),
        grade="isa",
    ),
    Source(
        id="isa_pledge_list",
        label=N_("ISA list of pledge organisations by user"),
        official="利用者別誓約機関一覧表",
        title="ISA 利用者別誓約機関一覧表 (from 2026-01-05)",
        url=f"{_ISA}/11_00076.html",
        as_of=date(2026, 1, 5),
        grade="isa",
    ),
    Source(
        id="isa_extension",
        label=N_("ISA page on extending the period of stay, as quoted by gyoseishoshi sites"),
        official="在留期間更新許可申請",
        title="ISA 在留期間更新許可申請 (16-3), as quoted by gyoseishoshi sites",
        url=f"{_ISA}/applications/procedures/16-3.html",
        as_of=date(2025, 5, 29),
        grade="3p",
    ),
    Source(
        id="isa_special_period",
        label=N_("ISA page on the special period, as quoted by third parties"),
        official="特例期間",
        title="ISA 特例期間 (入管法 20(5), 21(4)), as quoted",
        url=f"{_ISA}/applications/procedures/tokureikikan_00001.html",
        as_of=date(2026, 5, 12),
        grade="3p",
    ),
    Source(
        id="isa_pending_proof",
        label=N_("ISA page on proof of a pending online application"),
        title="ISA proof of a pending online application",
        url=f"{_ISA}/applications/online/11_00035.html",
        as_of=date(2026, 5, 12),
        grade="isa",
    ),
    Source(
        id="isa_fees",
        label=N_("ISA notice on the revised fees, as quoted by third parties"),
        official="外国人の在留手続等に関する手数料の改定",
        title="ISA 外国人の在留手続等に関する手数料の改定 (fees from 2025-04-01), as quoted",
        url=f"{_ISA}/01_00518.html",
        as_of=date(2025, 4, 1),
        grade="3p",
    ),
    Source(
        id="isa_photo",
        label=N_("ISA photo standard"),
        title="ISA photo standard",
        url=f"{_ISA}/applications/status/photo_info_00002.html",
        as_of=date(2026, 5, 12),
        grade="isa",
    ),
    Source(
        id="isa_ecoe",
        label=N_("ISA page on the electronic Certificate of Eligibility"),
        title="ISA electronic Certificate of Eligibility (from 2023-03-17)",
        url=f"{_ISA}/applications/procedures/10_00136.html",
        as_of=date(2023, 3, 17),
        grade="isa",
    ),
    Source(
        id="isa_activity_permission",
        label=N_("ISA page on permission for activities outside your status"),
        official="資格外活動許可",
        title="ISA 資格外活動許可",
        url=f"{_ISA}/applications/procedures/shikakugai_00001.html",
        as_of=date(2024, 1, 1),
        grade="isa",
    ),
    Source(
        id="isa_reentry",
        label=N_("ISA page on the re-entry permit"),
        official="再入国許可申請",
        title="ISA 再入国許可申請",
        url=f"{_ISA}/immigration/procedures/16-5.html",
        as_of=date(2026, 5, 12),
        grade="isa",
    ),
    Source(
        id="isa_cae",
        label=N_("ISA page on the certificate of authorised employment"),
        official="就労資格証明書交付申請",
        title="ISA 就労資格証明書交付申請",
        url=f"{_ISA}/applications/procedures/16-9.html",
        as_of=date(2026, 5, 12),
        grade="isa",
    ),
    Source(
        id="isa_info_center",
        label=N_("Immigration information centre (number and hours from third-party pages)"),
        official="外国人在留総合インフォメーションセンター",
        title="外国人在留総合インフォメーションセンター (number and hours from third-party pages)",
        url=f"{_ISA}/consultation/center/index.html",
        as_of=date(2026, 5, 12),
        grade="3p",
    ),
    Source(
        id="new_system_2026",
        label=N_("Third-party reports on the new online system of January 2026"),
        title=(
            "New online system from 2026-01-05 (several files, 25 MB in total incl. photo): "
            "third-party reports citing an ISA notice of 2025-11-03"
        ),
        url=f"{_ISA}/applications/online/onlineshinsei.html",
        as_of=date(2026, 1, 5),
        grade="3p",
    ),
    Source(
        id="mail_back",
        label=N_("Third-party guides on receiving the new card by post"),
        title=(
            "Mailing back for card receipt by post: third-party guides, consistent with the "
            "ISA startup guide step 3"
        ),
        url=f"{_ISA}/applications/online/onlineshinsei.html",
        as_of=date(2026, 5, 12),
        grade="3p",
    ),
    Source(
        id="employer_categories",
        label=N_("Gyoseishoshi copies of the ISA employer categories"),
        title="Employer categories 1–4 for work statuses: gyoseishoshi copies of the ISA lists",
        url=f"{_ISA}/applications/procedures/16-3.html",
        as_of=date(2026, 5, 12),
        grade="3p",
    ),
    Source(
        id="status_documents",
        label=N_(
            "ISA document lists for each status, as quoted by gyoseishoshi sites and universities"
        ),
        official="日本での活動内容に応じた資料",
        title=(
            "Status-specific documents (日本での活動内容に応じた資料): ISA lists as quoted by "
            "gyoseishoshi sites and university handbooks"
        ),
        url=f"{_ISA}/applications/procedures/16-3.html",
        as_of=date(2026, 5, 12),
        grade="3p",
    ),
    Source(
        id="my_number_expiry",
        label=N_("City office pages on the My Number Card's expiry"),
        title="My Number Card expiry for foreign residents: municipal pages",
        url=f"{_ISA}/applications/online/10_00112.html",
        as_of=date(2026, 5, 12),
        grade="3p",
    ),
    Source(
        id="ikusei_shuro",
        label=N_("Third-party reports on the new training employment system"),
        title="育成就労 replaces 技能実習 from 2027-04-01 (third-party, citing ISA)",
        url=f"{_ISA}/applications/online/onlineshinsei.html",
        as_of=date(2026, 5, 12),
        grade="3p",
    ),
    Source(
        id="expiry_holiday",
        label=N_("Third-party pages on an expiry date on a closed day"),
        title="Expiry on a day the office is closed (行政機関の休日に関する法律): third-party",
        url=f"{_ISA}/applications/online/onlineshinsei.html",
        as_of=date(2026, 5, 12),
        grade="3p",
    ),
    Source(
        id="acquisition_30_days",
        label=N_("Third-party pages on the 30 days for acquiring a status"),
        title="Acquisition within 30 days of birth or loss of Japanese nationality: third-party",
        url=f"{_ISA}/applications/online/onlineshinsei.html",
        as_of=date(2026, 5, 12),
        grade="3p",
    ),
    Source(
        id="isa_user_info_change",
        label=N_("ISA page on user details, passwords and forgotten IDs"),
        official="利用者情報の変更",
        title="ISA 利用者情報の変更・パスワード・認証ID (user details, password, forgotten ID)",
        url=f"{_ISA}/applications/online/online-riyousyajyouhouhenkou.html",
        as_of=date(2026, 5, 12),
        grade="isa",
    ),
    Source(
        id="isa_tokutei",
        label=N_("ISA Q&A on the specified residence card"),
        official="特定在留カード",
        title="ISA 特定在留カード Q&A (from 2026-06-14)",
        url=f"{_ISA}/tokutei.html",
        as_of=date(2026, 5, 12),
        grade="isa",
    ),
    Source(
        id="qa_digest_2026",
        label=N_("ISA Q&A on online applications, as quoted by a third-party digest"),
        official="オンラインでの申請手続に関するQ&A",
        title=(
            "ISA online Q&A (Q1-5, Q4-17, Q4-36 and others) as quoted by a third-party digest "
            "checked 2026-05-12"
        ),
        url=f"{_ISA}/applications/online/online-QA.html",
        as_of=date(2026, 5, 12),
        grade="3p",
    ),
    Source(
        id="travel_pending",
        label=N_("ISA Q&A on travel while an application is pending, as quoted by a third party"),
        title="Travel while an application is pending (ISA Q&A quoted by lighthouse88.com)",
        url=f"{_ISA}/applications/procedures/tokureikikan_00001.html",
        as_of=date(2026, 5, 12),
        grade="3p",
    ),
    Source(
        id="mail_sequence",
        label=N_("Third-party reports on the emails after an online filing"),
        title=(
            "Mails after an online filing (acceptance, receipt number, examination complete, "
            "card sent): third-party reports on the old and new systems"
        ),
        url=f"{_ISA}/applications/online/11_00035.html",
        as_of=date(2026, 5, 12),
        grade="3p",
    ),
    Source(
        id="fee_change_2026",
        label=N_("News reports on the amendment raising the fee limits"),
        title=(
            "入管法 amendment raising the fee caps (cabinet approval 2026-03-10; Diet passage "
            "reported in 2026, date not confirmed; nippon.com/jiji, Yomiuri): the new fees are "
            "set by cabinet order and take effect by 2027-03-31 at the latest"
        ),
        url=f"{_ISA}/01_00518.html",
        as_of=date(2026, 12, 1),
        grade="3p",
    ),
    Source(
        id="setup_reports",
        label=N_("Community guides on setting up the My Number Card login"),
        title=(
            "Setting up My Number login (JPKI client, card reader, NFC, Windows locale, Mac): "
            "public community guides"
        ),
        url="https://github.com/ahandsel/tokyo-geek",
        as_of=date(2026, 5, 12),
        grade="3p",
    ),
    Source(
        id="community_renewal_guide",
        label=N_("Community guide to renewing online"),
        title=(
            "Renewing a residence permit online: community guide (Bangladeshis-in-Japan-Hub, 2025)"
        ),
        url="https://github.com/IshmamAbir/Bangladeshis-in-Japan-Hub",
        as_of=date(2026, 5, 12),
        grade="3p",
    ),
    Source(
        id="jpki_password",
        label=N_("Third-party notes on the My Number Card signing password"),
        title=(
            "My Number Card signing-certificate password (6–16 capital letters and digits; "
            "locked after 5 wrong tries, reset at the city office): third-party"
        ),
        url="https://github.com/eringoio/zairyu-card-reader",
        as_of=date(2026, 5, 12),
        grade="3p",
    ),
    # ---------------------------------------------------------------- December 2026 review
    # Facts from ../shared/reference/domain-facts-2026-12-corrections.md (item numbers in
    # the comments).
    # Item 1 (the fee itself: isa_fees).
    Source(
        id="pr_by_any_path",
        label=N_("Immigration Control Act, Article 22 (permanent residence)"),
        official="出入国管理及び難民認定法 第22条",
        title=(
            "A change of status to Permanent Resident is the permanent residence application "
            "(永住許可申請, 入管法 Art. 22), whatever the path: counter only, and the special "
            "period (特例期間) does not apply to it"
        ),
        url=f"{_ISA}/01_00518.html",
        as_of=date(2026, 12, 1),
        grade="law",
    ),
    # Item 2.
    Source(
        id="pr_by_birth",
        label=N_("ISA page on permanent residence acquired by birth, as copied by practitioners"),
        title=(
            "Acquisition of Permanent Resident (a child born in Japan to a permanent "
            "resident) is a permanent residence application (入管法 Art. 22, 22-2), not "
            "online, within 30 days of birth; afterwards, or if refused, the 永住者の配偶者等 "
            "acquisition, which can be filed online; fee not confirmed (ISA page text as "
            "copied by practitioners)"
        ),
        url=f"{_ISA}/applications/online/onlineshinsei.html",
        as_of=date(2026, 12, 1),
        grade="3p",
    ),
    # Item 3.
    Source(
        id="no_coe_statuses",
        label=N_("Immigration Control Act, Article 7-2 (Certificate of Eligibility)"),
        official="出入国管理及び難民認定法 第7条の2",
        title=(
            "No Certificate of Eligibility exists for Permanent Resident, Highly Skilled "
            "Professional (ii) or Temporary Visitor (入管法 Art. 7-2 with Art. 7(1)(ii)), nor "
            "for 特定活動 or 定住者 outside the 告示 (ISA screening manual as quoted by "
            "practitioners)"
        ),
        url=f"{_ISA}/applications/procedures/10_00136.html",
        as_of=date(2026, 12, 1),
        grade="law",
    ),
    # Item 4.
    Source(
        id="supervised_training_online",
        label=N_("ISA list of the procedures and statuses available online (PDF)"),
        official="利用可能な申請種別及び在留資格(対象範囲)",
        title=(
            "Supervised technical intern training (団体監理型技能実習) is filed online only by "
            "the supervising organisation (監理団体): 「団体監理型の場合、オンラインでの申請は"
            "監理団体からのみ認められます」 (scope PDF 001351658)"
        ),
        url=f"{_ISA}/content/001351658.pdf",
        as_of=date(2026, 12, 1),
        grade="isa",
    ),
    # Item 5.
    Source(
        id="ikusei_shuro_transition",
        label=N_(
            "Trade-body summaries of the ISA rules for moving to the new training employment system"
        ),
        title=(
            "The 育成就労 reform (ISA PDF 001452771 as quoted by trade bodies): no new "
            "technical intern training plans from 2027-04-01; plans applied for by 2027-03-31 "
            "start, and trainees enter, by 2027-06-30; 1号→2号 still possible after 2027-04-01"
        ),
        url=f"{_ISA}/applications/online/onlineshinsei.html",
        as_of=date(2026, 12, 1),
        grade="3p",
    ),
    # Items 6-7.
    Source(
        id="relative_coe_notices",
        label=N_("ISA list of who may file which procedure online (PDF), note 2"),
        official="利用者ごとの申請可能な手続",
        title=(
            "A relative may file a COE for 特定活動 only under 告示 7, 18, 19, 23, 24, 30, "
            "31, 33, 33の2, 34, 38, 39, 47 and 52; best reading of 注2: also the other "
            "family statuses (user × procedure PDF 001369137, 注2; later notices not checked)"
        ),
        url=f"{_ISA}/content/001369137.pdf",
        as_of=date(2026, 12, 1),
        grade="isa",
    ),
    # Item 8.
    Source(
        id="applicant_in_japan",
        label=N_("Practitioners' pages on the applicant being in Japan"),
        title=(
            "The applicant must be in Japan for an extension, change of status or "
            "acquisition filed online, whoever files it (practitioners; ISA online Q&A Q4-17 "
            "and Q4-36 reportedly say the same)"
        ),
        url=f"{_ISA}/applications/online/online-QA.html",
        as_of=date(2026, 12, 1),
        grade="3p",
    ),
    # Item 9.
    Source(
        id="self_filer_mid_long_term",
        label=N_("ISA page on online residence applications, note 4"),
        official="在留申請のオンライン手続",
        title=(
            "A self-filer (外国人本人) must be a mid- to long-term resident (中長期在留者): "
            "not with a period of stay of 3 months or less, nor under 15 (onlineshinsei.html "
            "注4)"
        ),
        url=f"{_ISA}/applications/online/onlineshinsei.html",
        as_of=date(2026, 12, 1),
        grade="isa",
    ),
    # Items 10-11.
    Source(
        id="counter_closed_days",
        label=N_("Act on Holidays of Administrative Organs, Articles 1 and 2"),
        official="行政機関の休日に関する法律",
        title=(
            "Regional bureaus are closed on Saturdays, Sundays, national holidays and "
            "29 December – 3 January (行政機関の休日に関する法律 Art. 1); an application due "
            "on a closed day is accepted at the counter on the next business day (Art. 2); the "
            "period of stay itself is not extended"
        ),
        url=f"{_ISA}/applications/online/onlineshinsei.html",
        as_of=date(2026, 12, 1),
        grade="law",
    ),
    # Item 16.
    Source(
        id="designation_paper_holders",
        label=N_("Enforcement regulations on the designation paper, as quoted by practitioners"),
        title=(
            "A designation paper (指定書) is issued for 特定活動, 特定技能 and 高度専門職 "
            "(1号イ–ハ) (enforcement regulations Art. 7(2) and 20, as quoted by "
            "practitioners); it goes back by post only if the person holds one"
        ),
        url=f"{_ISA}/applications/online/onlineshinsei.html",
        as_of=date(2026, 12, 1),
        grade="3p",
    ),
)

SOURCES: dict[str, Source] = {s.id: s for s in _SOURCES}
