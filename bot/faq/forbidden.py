"""Claims the bot must never make, whatever the question.

Each claim is a set of patterns per language that match the claim stated
positively ("use a VPN", 「最終日でもオンラインで申請できます」) but not the
correct warnings ("a VPN does not help", 「最終日はオンラインで申請できません」).
``tests/test_faq.py`` runs them over every FAQ text in every locale and every
translated message, and also checks each pattern against examples of the
claim and of the correct statement, so a pattern that catches nothing fails.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_NEG = r"(?<!not )(?<!never )(?<!n't )(?<!no )"


@dataclass(frozen=True, slots=True)
class ForbiddenClaim:
    """A claim the bot must never make, with its patterns per language."""

    id: str
    why: str
    patterns: tuple[re.Pattern[str], ...]


def _p(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


CLAIMS: tuple[ForbiddenClaim, ...] = (
    ForbiddenClaim(
        "vpn_workaround",
        "The foreign-IP block must not be presented as avoidable (ISA flyer Q1).",
        _p(
            _NEG + r"\b(use|using|try|trying|turn on|switch on|connect (through|via|with))\s+"
            r"(a |an |your |the )?(japanese )?(vpn|proxy|remote desktop)",
            r"\b(vpn|proxy)\b(?:(?!\bnot\b|n't|\bnever\b|\bcannot\b|\bno\b)[^.])*"
            r"\b(gets? around|bypass(es)?|lets? you|allows? you|will work|works)\b",
            r"(vpn|プロキシ|リモートデスクトップ)を(使|利用)(え|す)ば",
            r"(vpn|プロキシ)(を使って|を利用して|経由で|経由なら)(申請|アクセス|ログイン)"
            r"(でき(ます|る)|が可能)",
        ),
    ),
    ForbiddenClaim(
        "online_on_expiry_day",
        "No online filing on the expiry day, nor after it (ISA flyer Q3).",
        _p(
            r"\b(can|may|could|able to|possible to|fine to|ok to|okay to)\s+(still\s+)?"
            r"(file|apply|submit)\b[^.]{0,30}\bonline\b[^.]{0,30}\bon (the|your) "
            r"(last|expiry|final) day",
            r"\bonline\b[^.]{0,20}\bon (the|your) (last|expiry|final) day (is|are) "
            r"(fine|ok|okay|possible|allowed)",
            r"\b(can|may)\s+(still\s+)?(file|apply)\b[^.]{0,20}\bonline\b[^.]{0,20}\bafter "
            r"(the |your )?(expiry|period of stay (has )?(expired|ended))",
            r"(最終日|満了日|期限の日|期限当日|当日)(でも|も)(?:(?!ない|ません|できず)[^。])*"
            r"オンライン(で|でも)?(の)?申請(すること)?(は|が|も)?(でき(ます|る)|が?可能)",
            r"期限(が)?(切れた|過ぎた)(後|あと)(でも|も)オンライン(で)?申請(でき(ます|る)|が?可能)",
        ),
    ),
    ForbiddenClaim(
        "exam_complete_is_permission",
        "The examination-complete mail is not a permission; wait for the card.",
        _p(
            r"(examination[- ]complete|completion)\s*(e-?mail|mail|notice|notification)?"
            r"[^.]{0,30}\b(is|means|counts as|equals)\s+(a |the |your )?"
            r"(permission|approval|approved|permit|granted)",
            r"\b(can|may)\s+start\s+(the |your )?(new )?(job|work|activity)\b[^.]{0,40}"
            r"(examination[- ]complete|completion)",
            r"審査完了(メール|の(お知らせ|通知|メール))?(は|が|＝|=)(許可|承認)(です|になります|と同じ|の意味)",
            r"審査完了(メール)?(を受け取ったら|が届いたら|の時点で)(?:(?!ない|ません)[^。])*"
            r"(働き始め|仕事を始め|就労を開始|活動を始め)(られます|てよい|て大丈夫|ることができます)",
        ),
    ),
    ForbiddenClaim(
        "bot_files_for_you",
        "The bot explains and links; it never fills in or submits an application.",
        _p(
            r"\b(i|we|this bot|the bot|this guide|zairyu guide)\s+(will|can|shall|'ll)\s+"
            r"(fill in|fill out|submit|file|complete)\b[^.]{0,30}\b(for you|on your behalf|"
            r"your application)",
            r"(私|わたし|このボット|当ボット|このガイド)(が|は)(?:(?!ない|ません)[^。])*"
            r"(代わりに|代理で)(申請|入力|提出)(します|いたします|できます)",
        ),
    ),
    ForbiddenClaim(
        "pr_or_card_online",
        "Permanent residence and residence-card renewal or re-issue are counter-only.",
        _p(
            r"permanent residen\w*[^.]{0,40}\b(can|may)\s+(now\s+)?(be\s+)?(filed|applied for|"
            r"done|submitted)\s+online",
            r"\b(can|may)\s+(now\s+)?(apply|file)\s+(for\s+)?permanent residen\w*\s+online",
            r"(card (renewal|re-?issue)|renew (your|the) (residence )?card)[^.]{0,30}\b(can|may)"
            r"\s+(now\s+)?be\s+(done|filed|applied for)\s+online",
            r"永住(許可)?(申請)?(は|も)オンライン(で)?(の)?(申請)?(でき(ます|る)|が?可能)",
            r"(在留カードの(更新|再交付)|有効期間更新)(は|も)オンライン(で)?(でき(ます|る)|が?可能)",
        ),
    ),
    ForbiddenClaim(
        "reentry_or_activity_alone",
        "Re-entry and activity-permission are online only with a change, extension or acquisition.",
        _p(
            r"\b(can|may)\s+(apply|file)\s+(for\s+)?(only\s+)?(a\s+|the\s+)?(re-?entry "
            r"permi\w*|permission (to engage in|for) (an )?activit\w*[^.]{0,40}|part-time work "
            r"permi\w*)\s+(online\s+)?(on its own|alone|by itself|separately)",
            r"(再入国許可|資格外活動許可)(申請)?(だけ|のみ|単独)(で|を)?(も)?(オンライン)?(で)?"
            r"(申請)?(でき(ます|る)|が?可能)",
        ),
    ),
    ForbiddenClaim(
        "mail_passport",
        "The passport is never mailed for card receipt by post.",
        _p(
            r"(?<!not )(?<!never )(?<!n't )(?<!not to )\b(send|mail|post|enclose|include)\s+"
            r"(in\s+)?(your\s+|the\s+)?(original\s+)?passport\b",
            r"パスポート(を|も)(同封|郵送|送付|送って)(して)?(ください|します)",
        ),
    ),
)


def violations(text: str) -> list[str]:
    """The ids of the forbidden claims ``text`` makes (empty when it is clean)."""
    norm = unicodedata.normalize("NFKC", text)
    return [c.id for c in CLAIMS if any(p.search(norm) for p in c.patterns)]
