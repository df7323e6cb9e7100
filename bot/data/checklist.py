"""Checklist items: what to prepare, per procedure and status, with sources.

An item applies when the procedure is in ``procedures`` (None: every online
procedure) and the relevant status is in ``statuses`` (None: any status). The
relevant status is the one applied for (COE, acquisition, the new status of a
change) or the one held (extension and the rest). ``held_statuses`` (None: any)
is matched against the status the person holds now (the request's ``status``),
for things the person has only because of that status, like a designation paper.
Texts are msgids; ``{fee}`` is filled in by the assessment.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.codes import Procedure, Status
from bot.data.registry import DESIGNATION_PAPER_STATUSES
from bot.i18n_marker import N_

P = Procedure
S = Status


@dataclass(frozen=True, slots=True, kw_only=True)
class ChecklistItem:
    id: str
    text: str
    source_id: str
    procedures: frozenset[Procedure] | None = None
    statuses: frozenset[Status] | None = None
    # Added in 0.4: the status held now (the request's ``status``) must be in it. Only for
    # procedures where the person holds a status (not COE or acquisition).
    held_statuses: frozenset[Status] | None = None
    # Not needed when the applicant is known to be under the photo age (TIMING
    # "photo_min_age", 16) and the application is a change, extension or acquisition.
    skip_under_16: bool = False
    # Text has a {fee} placeholder, filled from FEES_TEXT for the matched procedure.
    has_fee: bool = False


_CARD_BY_POST = frozenset(
    {P.CHANGE_OF_STATUS, P.EXTENSION, P.CERTIFICATE_OF_AUTHORIZED_EMPLOYMENT, P.ACQUISITION}
)
# Procedures whose applicant already holds a residence card (and maybe a designation
# paper). An acquisition's applicant holds neither: a newborn, or a person who has just
# lost Japanese nationality (corrections item 15).
_HOLDS_CARD = _CARD_BY_POST - {P.ACQUISITION}
_FEE = frozenset({P.CHANGE_OF_STATUS, P.EXTENSION, P.CERTIFICATE_OF_AUTHORIZED_EMPLOYMENT})
_STAY = frozenset({P.CHANGE_OF_STATUS, P.EXTENSION})
_WORK_CATEGORY = frozenset({S.ENGINEER_SPECIALIST_HUMANITIES_INTERNATIONAL, S.BUSINESS_MANAGER})
_SPOUSE = frozenset({S.SPOUSE_OR_CHILD_OF_JAPANESE_NATIONAL})
_SSW = frozenset({S.SPECIFIED_SKILLED_WORKER_1, S.SPECIFIED_SKILLED_WORKER_2})
# Statuses with their own item list below; the rest get the "see ISA" item.
LISTED_STATUSES: frozenset[Status] = (
    _WORK_CATEGORY | _SPOUSE | _SSW | frozenset({S.STUDENT, S.DEPENDENT})
)
_STATUS_DOCS = frozenset({P.CHANGE_OF_STATUS, P.EXTENSION})

ITEMS: tuple[ChecklistItem, ...] = (
    # ------------------------------------------------------------------ common
    ChecklistItem(
        id="application_data",
        text=N_(
            "Application details entered on screen (申請情報入力). They mirror the paper "
            "form, including the part the employer or school fills in (所属機関等作成用) "
            "where it applies."
        ),
        source_id="isa_startup_guide",
    ),
    ChecklistItem(
        id="photo",
        text=N_(
            "Face photo: 4 cm × 3 cm proportion, the applicant only, no hat, facing the "
            "front, plain background without shadow, sharp, taken within the last 6 months, "
            "not edited with apps."
        ),
        source_id="isa_photo",
        skip_under_16=True,
    ),
    ChecklistItem(
        id="attachments",
        text=N_(
            "Supporting documents as files. Third-party reports say that since the system "
            "was replaced on 2026-01-05 you can attach several files, up to 25 MB in total "
            "including the photo. Guides that say 'one PDF of 10 MB' describe the old "
            "system."
        ),
        source_id="new_system_2026",
    ),
    ChecklistItem(
        id="passport_and_card",
        text=N_(
            "Your passport and residence card at hand: the form asks for their details. "
            "Use the period-of-stay expiry date (在留期間満了日), not the card's own "
            "validity date."
        ),
        source_id="isa_online",
        procedures=frozenset(
            {
                P.CHANGE_OF_STATUS,
                P.EXTENSION,
                P.CERTIFICATE_OF_AUTHORIZED_EMPLOYMENT,
                P.REENTRY_PERMIT,
                P.ACTIVITY_PERMISSION,
            }
        ),
    ),
    ChecklistItem(
        id="receipt_method",
        text=N_(
            "Choose how to receive the result (by post or at the counter) when you attach "
            "the documents."
        ),
        source_id="isa_startup_guide",
    ),
    # ------------------------------------------------------------------ procedures
    ChecklistItem(
        id="ecoe_by_email",
        text=N_(
            "Choose email (メール) as the receipt method to get an electronic Certificate "
            "of Eligibility, which can be forwarded to the applicant abroad."
        ),
        source_id="isa_ecoe",
        procedures=frozenset({P.CERTIFICATE_OF_ELIGIBILITY}),
    ),
    ChecklistItem(
        id="keep_receipt_email",
        text=N_(
            "Keep the receipt-number email (申請受付番号), sent the day after acceptance, "
            "with your residence card: an online application gets no 'pending' stamp on the "
            "card, and this email is your proof."
        ),
        source_id="isa_pending_proof",
        procedures=_STAY,
    ),
    ChecklistItem(
        id="filed_with_main",
        text=N_(
            "File it together with the change, extension or acquisition application: it "
            "cannot be filed online on its own."
        ),
        source_id="isa_flyer",
        procedures=frozenset({P.REENTRY_PERMIT, P.ACTIVITY_PERMISSION}),
    ),
    ChecklistItem(
        id="activity_permit_by_post",
        text=N_(
            "If you receive it by post, a printed permission document (資格外活動許可書) is "
            "issued instead of the passport sticker."
        ),
        source_id="isa_flyer",
        procedures=frozenset({P.ACTIVITY_PERMISSION}),
    ),
    # ------------------------------------------------------------------ after approval
    ChecklistItem(
        id="fee_form",
        text=N_(
            "When approved: the fee payment form (手数料納付書) with revenue stamps "
            "(収入印紙) of ¥{fee} (online fee for applications received from 2025-04-01; "
            "fees are expected to change by 2027-03-31)."
        ),
        source_id="isa_fees",
        procedures=_FEE,
        has_fee=True,
    ),
    ChecklistItem(
        id="reentry_fee",
        text=N_(
            "Re-entry permission fee, single / multiple: ¥{fee} in revenue stamps (online "
            "fee for applications received from 2025-04-01)."
        ),
        source_id="isa_fees",
        procedures=frozenset({P.REENTRY_PERMIT}),
        has_fee=True,
    ),
    ChecklistItem(
        id="mail_back_card",
        text=N_(
            "For receipt by post, after the 'examination complete' email: your current "
            "residence card and a tracked return envelope (簡易書留 or レターパックプラス), as "
            "the email instructs. Never mail your passport."
        ),
        source_id="mail_back",
        procedures=_HOLDS_CARD,
    ),
    ChecklistItem(
        id="mail_back_envelope",
        text=N_(
            "For receipt by post, after the 'examination complete' email: a tracked return "
            "envelope (簡易書留 or レターパックプラス) and whatever else the email lists. "
            "Never mail your passport."
        ),
        source_id="mail_back",
        procedures=frozenset({P.ACQUISITION}),
    ),
    ChecklistItem(
        id="designation_paper",
        text=N_(
            "Your designation paper (指定書), mailed back with the residence card. Holders of "
            "Designated Activities, Specified Skilled Worker and Highly Skilled Professional "
            "(i) have one (third-party sources); the 'examination complete' email lists what "
            "to send."
        ),
        source_id="designation_paper_holders",
        procedures=_HOLDS_CARD,
        held_statuses=DESIGNATION_PAPER_STATUSES,
    ),
    # ------------------------------------------------------------------ statuses
    ChecklistItem(
        id="employer_category_proof",
        text=N_(
            "Proof of the employer's category: category 1, proof of listing (e.g. a "
            "会社四季報 copy); categories 2 and 3, a copy of the 法定調書合計表 with the "
            "tax office's receipt stamp."
        ),
        source_id="employer_categories",
        procedures=_STATUS_DOCS,
        statuses=_WORK_CATEGORY,
    ),
    ChecklistItem(
        id="residence_tax_certificates",
        text=N_(
            "Residence-tax assessment and payment certificates (住民税の課税(又は非課税)証明書, "
            "納税証明書) for 1 year: needed for category 3 and 4 employers."
        ),
        source_id="employer_categories",
        procedures=_STATUS_DOCS,
        statuses=_WORK_CATEGORY,
    ),
    ChecklistItem(
        id="job_change_documents",
        text=N_(
            "After a change of employer or duties: the employment terms, the company "
            "outline and its financial statements."
        ),
        source_id="employer_categories",
        procedures=_STATUS_DOCS,
        statuses=frozenset({S.ENGINEER_SPECIALIST_HUMANITIES_INTERNATIONAL}),
    ),
    ChecklistItem(
        id="financial_statements",
        text=N_("The latest financial statements of the business (categories 3 and 4)."),
        source_id="employer_categories",
        procedures=_STATUS_DOCS,
        statuses=frozenset({S.BUSINESS_MANAGER}),
    ),
    ChecklistItem(
        id="enrolment_certificate",
        text=N_("Certificate of enrolment (在学証明書)."),
        source_id="status_documents",
        procedures=_STATUS_DOCS,
        statuses=frozenset({S.STUDENT}),
    ),
    ChecklistItem(
        id="transcript",
        text=N_("Transcript (成績証明書) and, where available, an attendance certificate."),
        source_id="status_documents",
        procedures=_STATUS_DOCS,
        statuses=frozenset({S.STUDENT}),
    ),
    ChecklistItem(
        id="proof_of_funds",
        text=N_("Documents showing how you pay your study and living costs."),
        source_id="status_documents",
        procedures=_STATUS_DOCS,
        statuses=frozenset({S.STUDENT}),
    ),
    ChecklistItem(
        id="school_form",
        text=N_(
            "The part of the form prepared by the school (所属機関等作成用); schools approved "
            "as compliant (適正校) add their submission checklist (提出書類一覧表)."
        ),
        source_id="status_documents",
        procedures=_STATUS_DOCS,
        statuses=frozenset({S.STUDENT}),
    ),
    ChecklistItem(
        id="koseki",
        text=N_(
            "Family register copy (戸籍謄本) of the Japanese spouse or parent, showing the tie."
        ),
        source_id="status_documents",
        procedures=_STATUS_DOCS,
        statuses=_SPOUSE,
    ),
    ChecklistItem(
        id="supporter_tax_certificates",
        text=N_(
            "Residence-tax assessment and payment certificates (住民税の課税・納税証明書) for "
            "1 year of the person who pays the living costs."
        ),
        source_id="status_documents",
        procedures=_STATUS_DOCS,
        statuses=_SPOUSE | frozenset({S.DEPENDENT}),
    ),
    ChecklistItem(
        id="guarantee_letter",
        text=N_("Letter of guarantee (身元保証書) from the Japanese spouse or parent."),
        source_id="status_documents",
        procedures=_STATUS_DOCS,
        statuses=_SPOUSE,
    ),
    ChecklistItem(
        id="juminhyo",
        text=N_("Residence record (住民票) of the whole household, with the My Number omitted."),
        source_id="status_documents",
        procedures=_STATUS_DOCS,
        statuses=_SPOUSE,
    ),
    ChecklistItem(
        id="relationship_proof",
        text=N_(
            "Proof of the family relationship (戸籍謄本, 婚姻届受理証明書, marriage certificate "
            "or birth certificate)."
        ),
        source_id="status_documents",
        procedures=_STATUS_DOCS,
        statuses=frozenset({S.DEPENDENT}),
    ),
    ChecklistItem(
        id="supporter_documents",
        text=N_(
            "A copy of the supporting person's residence card or passport, and their "
            "employment certificate or business licence (a bank-balance or scholarship "
            "certificate if they do not earn)."
        ),
        source_id="status_documents",
        procedures=_STATUS_DOCS,
        statuses=frozenset({S.DEPENDENT}),
    ),
    ChecklistItem(
        id="ssw_document_list",
        text=N_(
            "The documents in the ISA submission list for Specified Skilled Workers "
            "(提出書類一覧表): the cover list, the tables for the employer and the table for "
            "the field. Certificates must be issued within the last 3 months."
        ),
        source_id="status_documents",
        procedures=_STATUS_DOCS,
        statuses=_SSW,
    ),
    ChecklistItem(
        id="status_documents_isa",
        text=N_(
            "The documents for your status (日本での活動内容に応じた資料): the list depends on "
            "your situation, so follow the ISA page for your procedure."
        ),
        source_id="status_documents",
        procedures=_STATUS_DOCS,
        statuses=frozenset(Status) - LISTED_STATUSES,
    ),
)
