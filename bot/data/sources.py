"""Where each fact comes from, and as of when.

Every rule, checklist item, link and FAQ answer refers to one of these by id. A
test fails when a record has no source or no as-of date. ``grade`` says how
much weight the source carries: ``isa`` (the ISA's own page, PDF or seed
document), ``3p`` (a third-party copy or report: say so to the user) or
``unverified`` (our best reading; the bot must hedge and link the ISA page).
The facts were compiled in ``../shared/reference/domain-facts*.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

Grade = Literal["isa", "3p", "unverified"]


@dataclass(frozen=True, slots=True)
class Source:
    """A document we rely on."""

    id: str
    title: str
    url: str
    as_of: date
    grade: Grade

    def cite(self) -> str:
        """A one-line citation: title and URL."""
        return f"{self.title} <{self.url}>"


_ISA = "https://www.moj.go.jp/isa"

_SOURCES: tuple[Source, ...] = (
    Source(
        "isa_flyer",
        "ISA flyer 「在留手続オンライン申請が便利です!!」",
        f"{_ISA}/applications/guide/onlineshinsei.html",
        date(2024, 1, 1),
        "isa",
    ),
    Source(
        "isa_startup_guide",
        "ISA 「オンラインによる在留手続 スタートアップガイド～弁護士・行政書士～」",
        f"{_ISA}/applications/guide/onlineshinsei.html",
        date(2024, 1, 1),
        "isa",
    ),
    Source(
        "isa_online",
        "ISA 在留申請のオンライン手続",
        f"{_ISA}/applications/online/onlineshinsei.html",
        date(2026, 5, 12),
        "isa",
    ),
    Source(
        "isa_online_qa",
        "ISA オンラインでの申請手続に関するQ&A",
        f"{_ISA}/applications/online/online-QA.html",
        date(2026, 5, 12),
        "isa",
    ),
    Source(
        "isa_scope_pdf",
        "ISA 利用可能な申請種別及び在留資格(対象範囲)",
        f"{_ISA}/content/001351658.pdf",
        date(2024, 8, 7),
        "isa",
    ),
    Source(
        "isa_user_procedure_pdf",
        "ISA 利用者ごとの申請可能な手続",
        f"{_ISA}/content/001369137.pdf",
        date(2026, 5, 12),
        "isa",
    ),
    Source(
        "isa_users_individual",
        "ISA online: foreign nationals, legal representatives, relatives",
        f"{_ISA}/applications/online/10_00112.html",
        date(2026, 5, 12),
        "isa",
    ),
    Source(
        "isa_users_organization",
        "ISA online: staff of affiliated organisations, public-interest corporations, "
        "support organisations",
        f"{_ISA}/applications/online/10_00114.html",
        date(2026, 5, 12),
        "isa",
    ),
    Source(
        "isa_use_application",
        "ISA 利用申出 (use application)",
        f"{_ISA}/applications/guide/online-riyoumoushide.html",
        date(2026, 5, 12),
        "isa",
    ),
    Source(
        "isa_pledge_list",
        "ISA 利用者別誓約機関一覧表 (from 2026-01-05)",
        f"{_ISA}/11_00076.html",
        date(2026, 1, 5),
        "isa",
    ),
    Source(
        "isa_extension",
        "ISA 在留期間更新許可申請 (16-3), as quoted by gyoseishoshi sites",
        f"{_ISA}/applications/procedures/16-3.html",
        date(2025, 5, 29),
        "3p",
    ),
    Source(
        "isa_special_period",
        "ISA 特例期間 (入管法 20(5), 21(4)), as quoted",
        f"{_ISA}/applications/procedures/tokureikikan_00001.html",
        date(2026, 5, 12),
        "3p",
    ),
    Source(
        "isa_pending_proof",
        "ISA proof of a pending online application",
        f"{_ISA}/applications/online/11_00035.html",
        date(2026, 5, 12),
        "isa",
    ),
    Source(
        "isa_fees",
        "ISA 外国人の在留手続等に関する手数料の改定 (fees from 2025-04-01), as quoted",
        f"{_ISA}/01_00518.html",
        date(2025, 4, 1),
        "3p",
    ),
    Source(
        "isa_photo",
        "ISA photo standard",
        f"{_ISA}/applications/status/photo_info_00002.html",
        date(2026, 5, 12),
        "isa",
    ),
    Source(
        "isa_ecoe",
        "ISA electronic Certificate of Eligibility (from 2023-03-17)",
        f"{_ISA}/applications/procedures/10_00136.html",
        date(2023, 3, 17),
        "isa",
    ),
    Source(
        "isa_activity_permission",
        "ISA 資格外活動許可",
        f"{_ISA}/applications/procedures/shikakugai_00001.html",
        date(2024, 1, 1),
        "isa",
    ),
    Source(
        "isa_reentry",
        "ISA 再入国許可申請",
        f"{_ISA}/immigration/procedures/16-5.html",
        date(2026, 5, 12),
        "isa",
    ),
    Source(
        "isa_cae",
        "ISA 就労資格証明書交付申請",
        f"{_ISA}/applications/procedures/16-9.html",
        date(2026, 5, 12),
        "isa",
    ),
    Source(
        "isa_info_center",
        "外国人在留総合インフォメーションセンター (number and hours from third-party pages)",
        f"{_ISA}/consultation/center/index.html",
        date(2026, 5, 12),
        "3p",
    ),
    Source(
        "new_system_2026",
        "New online system from 2026-01-05 (several files, 25 MB in total incl. photo): "
        "third-party reports citing an ISA notice of 2025-11-03",
        f"{_ISA}/applications/online/onlineshinsei.html",
        date(2026, 1, 5),
        "3p",
    ),
    Source(
        "mail_back",
        "Mailing back for card receipt by post: third-party guides, consistent with the "
        "ISA startup guide step 3",
        f"{_ISA}/applications/online/onlineshinsei.html",
        date(2026, 5, 12),
        "3p",
    ),
    Source(
        "employer_categories",
        "Employer categories 1–4 for work statuses: gyoseishoshi copies of the ISA lists",
        f"{_ISA}/applications/procedures/16-3.html",
        date(2026, 5, 12),
        "3p",
    ),
    Source(
        "status_documents",
        "Status-specific documents (日本での活動内容に応じた資料): ISA lists as quoted by "
        "gyoseishoshi sites and university handbooks",
        f"{_ISA}/applications/procedures/16-3.html",
        date(2026, 5, 12),
        "3p",
    ),
    Source(
        "my_number_expiry",
        "My Number Card expiry for foreign residents: municipal pages",
        f"{_ISA}/applications/online/10_00112.html",
        date(2026, 5, 12),
        "3p",
    ),
    Source(
        "ikusei_shuro",
        "育成就労 replaces 技能実習 from 2027-04-01 (third-party, citing ISA)",
        f"{_ISA}/applications/online/onlineshinsei.html",
        date(2026, 5, 12),
        "3p",
    ),
    Source(
        "expiry_holiday",
        "Expiry on a day the office is closed (行政機関の休日に関する法律): third-party",
        f"{_ISA}/applications/online/onlineshinsei.html",
        date(2026, 5, 12),
        "3p",
    ),
    Source(
        "acquisition_30_days",
        "Acquisition within 30 days of birth or loss of Japanese nationality: third-party",
        f"{_ISA}/applications/online/onlineshinsei.html",
        date(2026, 5, 12),
        "3p",
    ),
    Source(
        "isa_user_info_change",
        "ISA 利用者情報の変更・パスワード・認証ID (user details, password, forgotten ID)",
        f"{_ISA}/applications/online/online-riyousyajyouhouhenkou.html",
        date(2026, 5, 12),
        "isa",
    ),
    Source(
        "isa_tokutei",
        "ISA 特定在留カード Q&A (from 2026-06-14)",
        f"{_ISA}/tokutei.html",
        date(2026, 5, 12),
        "isa",
    ),
    Source(
        "qa_digest_2026",
        "ISA online Q&A (Q1-5, Q4-17, Q4-36 and others) as quoted by a third-party digest "
        "checked 2026-05-12",
        f"{_ISA}/applications/online/online-QA.html",
        date(2026, 5, 12),
        "3p",
    ),
    Source(
        "travel_pending",
        "Travel while an application is pending (ISA Q&A quoted by lighthouse88.com)",
        f"{_ISA}/applications/procedures/tokureikikan_00001.html",
        date(2026, 5, 12),
        "3p",
    ),
    Source(
        "mail_sequence",
        "Mails after an online filing (acceptance, receipt number, examination complete, "
        "card sent): third-party reports on the old and new systems",
        f"{_ISA}/applications/online/11_00035.html",
        date(2026, 5, 12),
        "3p",
    ),
    Source(
        "fee_change_2026",
        "入管法 amendment raising the fee caps (cabinet approval 2026-03-10; nippon.com/jiji, "
        "Yomiuri): amounts to be set by cabinet order by 2027-03-31",
        f"{_ISA}/01_00518.html",
        date(2026, 5, 12),
        "3p",
    ),
    Source(
        "setup_reports",
        "Setting up My Number login (JPKI client, card reader, NFC, Windows locale, Mac): "
        "public community guides",
        "https://github.com/ahandsel/tokyo-geek",
        date(2026, 5, 12),
        "3p",
    ),
    Source(
        "community_renewal_guide",
        "Renewing a residence permit online: community guide (Bangladeshis-in-Japan-Hub, 2025)",
        "https://github.com/IshmamAbir/Bangladeshis-in-Japan-Hub",
        date(2026, 5, 12),
        "3p",
    ),
    Source(
        "jpki_password",
        "My Number Card signing-certificate password (6–16 capital letters and digits; "
        "locked after 5 wrong tries, reset at the city office): third-party",
        "https://github.com/eringoio/zairyu-card-reader",
        date(2026, 5, 12),
        "3p",
    ),
)

SOURCES: dict[str, Source] = {s.id: s for s in _SOURCES}


def source(source_id: str) -> Source:
    """Look up a source by id (raises KeyError for an unknown id: a data bug)."""
    return SOURCES[source_id]
