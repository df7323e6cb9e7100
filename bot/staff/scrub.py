"""Take personal data out of a declined question before it is stored (issue 15).

Staff see what people asked that the guide could not answer; they never need who asked.
:func:`scrub` replaces identity numbers, phone numbers, emails and self-introduced names
with fixed placeholders; :func:`normalise` turns scrubbed text into the key questions are
grouped by. Three rooms: this module (the finders of numbers and e-mails, and the whole),
bot/staff/scrub_names.py (the names), bot/staff/scrub_view.py (the text searched and its
map back, the placeholders).

How it stays safe and readable:

- Detection runs on a *view* of the text: NFKC per character cluster (full-width digits
  and letters become ASCII) and every decimal digit of any script as an ASCII digit, with a
  map back to the original. Only the matched stretches are replaced, so the rest of the
  text is returned as typed (full-width punctuation and all).
- Each finder runs on the view with earlier finds masked, so finds never overlap. Identity
  numbers reuse bot.privacy's patterns (written once), on a copy where single spaces and
  hyphens inside a number are dropped ("AB 1234 5678 CD", "1234 5678 9012").
- Phone numbers are read as groups of digits: a Japanese number (starts with 0, 10-11
  digits, at most 3 groups or typed digit by digit), an international one (after +), or
  My Number grouped oddly; then any 10 or more digits still standing become ``[number]``,
  except dates (2027-03-04), which are not personal.
- Names are read after a self-introduction marker by a small bounded reader, not a regex:
  explicit markers ("my name is", 名前は, 我叫, ...) always take the next words; "I am" /
  "I'm" take the next word unless it is a common non-name word, so "I am a student?" is
  kept as typed while "I am John" and "i am john" are not (prefer over-scrubbing to
  leaking: "I am worried" loses a word too). The Japanese 私は / 僕は take what follows up to
  です / と申します / punctuation, so "私は学生です" becomes "私は[name]です".
- Labels make short numbers personal: 6-10 letters and digits (5+ digits) right after a
  passport label in any shipped language ("passport no.", 旅券番号は, 여권번호, पासपोर्ट
  नम्बर) are ``[passport]``, after a residence card label ``[card]``, 7-9 digits after a
  phone label ``[phone]``; alone, such numbers are fees and counts and stay. Passport
  shapes beyond bot.privacy's (P1234567A, FZ123456) are taken as typed.
- A form-like label with its colon (Name:, 氏名：, 이름:, नाम:) takes the rest of the line
  (two words, then only capitalised ones). Self-introductions that may be a role take a
  name only when it looks like one: capitalised after "Sou" / "perkenalkan, saya"; 2-4
  Han characters closed by punctuation after 我是, unless a role (学生, 越南人); words
  before हुँ / ဖြစ်ပါတယ် / 입니다 unless a role or carrying a case ending.
- Sign-offs: a name that closes the message after a dash, a closing word (Thanks,
  Terima kasih, ありがとうございます。), before 드림/올림, or alone in brackets after a
  sentence; only when nothing but punctuation follows, so "- 3 months" and "Thanks, I
  will apply" stay. A full name in brackets after a short one ("Sarah (Sarah Wilson)")
  goes with it. In a text with capitals only a capitalised word after "I am" is a name
  ("I'm self-employed. How ..." stays); normalise scrubs again after case-folding.
- Family members and nicknames: a kinship word then a name ("my wife Anna", 妻の由美は,
  我丈夫王伟, 제 남편 김민수는, "asawa ko si Maria"), naming phrases ("everyone calls me",
  本名は, 大家都叫我, "tên thật là"); a name only when it looks like one (capitalised,
  closed, no role or common noun), so "my wife is Japanese" and 妻の会社 stay.
- A bare signature: the last segment after the last sentence end is a name alone ("...
  [email]. Rica", "妻 スミス 由美"); place, status and closing words stay ("Tokyo.",
  "JITCO", "Thanks", 永住権). 私は + a role (学生, がくせい, エンジニア) + です is no name.
- Everything is linear or bounded per match (5,000 characters in milliseconds), and scrub
  runs to a fixed point, so ``scrub(scrub(t)) == scrub(t)``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Final

from bot.privacy import MY_NUMBER, PASSPORT, RESIDENCE_CARD
from bot.staff.scrub_names import NAME_FINDERS
from bot.staff.scrub_view import (
    CARD,
    EMAIL,
    MY_NUMBER_TAG,
    NAME,
    NUMBER,
    PASSPORT_TAG,
    PHONE,
    PLACEHOLDERS,
)
from bot.staff.scrub_view import View as _View
from bot.staff.scrub_view import compact as _compact
from bot.staff.scrub_view import detection_view as _detection_view
from bot.staff.scrub_view import id_char as _id_char
from bot.staff.scrub_view import masked as _masked
from bot.staff.scrub_view import wordset as _wordset

__all__ = [
    "CARD",
    "EMAIL",
    "MY_NUMBER_TAG",
    "NAME",
    "NORM_MAX",
    "NUMBER",
    "PASSPORT_TAG",
    "PHONE",
    "PLACEHOLDERS",
    "normalise",
    "scrub",
]

NORM_MAX: Final = 200

_CARD_I = re.compile(RESIDENCE_CARD.pattern, re.IGNORECASE)
_PASSPORT_I = re.compile(PASSPORT.pattern, re.IGNORECASE)
_MY_NUMBER_I = re.compile(MY_NUMBER.pattern)
# The local part: ASCII and accented Latin (jóhn@), or a run of other letters (山田@)
# that begins only where Latin ends, so "メールはtanaka@" keeps メールは. No anchor at
# the start of a run: a run over 64 characters still loses its last 64 with the rest.
# The domain: labels of any letters (bücher.de, 例え.jp), dots incl. 。, and an ASCII
# top-level label, so "example.jpです" keeps です. Every repeat is bounded: linear time.
_EMAIL_LATIN = r"A-Za-z0-9._%+\-\u00c0-\u024f"
_EMAIL = re.compile(
    rf"(?:[{_EMAIL_LATIN}]{{1,64}}|[^\W\d_{_EMAIL_LATIN}]{{1,16}})"
    r"@(?:(?:[^\W_]|-){1,63}[.。]){1,8}[A-Za-z][A-Za-z0-9-]{0,62}"
)
# Between the digit groups of one number: spaces, hyphens and dashes (and ー, often typed
# for one), dots, brackets, invisible joiners. At most 3 in a row.
_SEP_CHARS = (
    " \t-.()ー\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u00ad\u200b\u200c\u200d\u2060\ufeff"
)
_DIGIT_RUN = re.compile(r"\d+(?:[" + re.escape(_SEP_CHARS) + r"]{1,3}\d+)*")
_DIGITS = re.compile(r"\d+")
_DATE = re.compile(r"(?:19|20)\d\d([-. ])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12]\d|3[01])")


# -- numbers -------------------------------------------------------------------------


def _find_emails(view: _View) -> Iterator[tuple[int, int, str]]:
    for m in _EMAIL.finditer(view.text):
        yield (*view.original(m.start(), m.end()), EMAIL)


def _find_ids(view: _View) -> Iterator[tuple[int, int, str]]:
    """Card, My Number and passport numbers, looked for twice: as typed, and in the
    compact view (spaces and hyphens next to digits dropped, for "AB 1234 5678 CD").
    The compact view alone glued the next word on ("TK1234567 expires" read
    TK1234567EXPIRES, no passport's shape) and let such numbers through."""
    # Dates, where they were typed: compacting joins a short word to a date after it
    # ("on 2027-03-04" reads ON20270304, a passport's shape; "ngày 2025-09-30", "...04 at"
    # a card's), and the date is the question's substance, never an identity number.
    dates = [view.original(m.start(), m.end()) for m in _DATE.finditer(view.text)]
    found: list[tuple[int, int]] = []  # in the original text
    compact = _compact(view)
    # My Number is digits only, so the compact view alone: as typed, "4111 1111 1111 1111"
    # (a payment card: [number], whole) would show a 12-digit My Number at its start.
    for pattern, tag, views in (
        (_CARD_I, CARD, (view, compact)),
        (_MY_NUMBER_I, MY_NUMBER_TAG, (compact,)),
        (_PASSPORT_I, PASSPORT_TAG, (view, compact)),
    ):
        for where in views:
            for m in pattern.finditer(where.text):
                if m.start() > 0 and where.text[m.start() - 1] == "+":
                    continue  # +81 90 1234 5678 is a phone number: the number finder's
                start, end = where.original(m.start(), m.end())
                if any(start < e and s < end for s, e in found):
                    continue
                if any(start < de and ds < end for ds, de in dates):
                    continue
                found.append((start, end))
                yield start, end, tag


# Passport shapes bot.privacy does not know: letter + 7 digits + letter (the Philippines),
# and 1-2 letters + 6 digits (Brazil, Myanmar). As typed only: in the compact view a short
# word glues onto an amount ("is 250000." reads IS250000) and salaries would go.
_PASSPORT_MORE = re.compile(
    r"(?<![A-Z0-9])(?:[A-Z]\d{7}[A-Z]|[A-Z]{1,2}\d{6})(?![A-Z0-9])", re.IGNORECASE
)


def _find_more_passports(view: _View) -> Iterator[tuple[int, int, str]]:
    dates = [(m.start(), m.end()) for m in _DATE.finditer(view.text)]
    for m in _PASSPORT_MORE.finditer(view.text):
        if not any(m.start() < de and ds < m.end() for ds, de in dates):
            yield (*view.original(m.start(), m.end()), PASSPORT_TAG)


# -- numbers after a label -------------------------------------------------------------
# A 6-9 digit number alone is a fee or a count; right after "passport", 旅券番号, 여권,
# पासपोर्ट ... it is the number itself, whatever the issuing country's shape. Labels are
# matched on the view (NFKC: ： is :, № is No, º is o). Latin labels stand as words.
_PASSPORT_LABEL = re.compile(
    r"(?<![A-Za-z])(?:passports?|passaporte|pasaporte|paspor|h[ộoô]\s*chi[ếeê]u)(?![A-Za-z])"
    r"|旅券|パスポート|ぱすぽーと|护照|護照|여권|पासपोर्ट|राहदानी|ပတ်စပို့|နိုင်ငံကူးလက်မှတ်",
    re.IGNORECASE,
)
_CARD_LABEL = re.compile(
    r"(?<![A-Za-z])(?:residen(?:ce|t|cy)\s+card|zairyu+\s*card|card\s+no"
    r"|cart[ãa]o\s+de\s+resid[êe]n(?:cia|te)|kartu\s+(?:izin\s+tinggal|residen|zairyu+)"
    r"|th[ẻe]\s+(?:c[ưu]\s+tr[úu]|l[ưu]u\s+tr[úu]|ngo[ạa]i\s+ki[ềe]u))(?![A-Za-z])"
    r"|在留カード|ざいりゅうカード|ざいりゅうかーど|在留卡|居留卡|재류\s*카드|체류\s*카드"
    r"|외국인\s*등록증|रेसिडेन्स\s*कार्ड|निवास\s*कार्ड|နေထိုင်ခွင့်\s*ကတ်",
    re.IGNORECASE,
)
_PHONE_LABEL = re.compile(
    r"(?<![A-Za-z])(?:tel|phone|mobile|cell(?:phone)?|telefone|celular|whatsapp|telepon"
    r"|telepono|đi[ệe]n\s+tho[ạa]i|sđt)(?![A-Za-z])"
    r"|電話|でんわ|携帯|けいたい|电话|手机|전화|휴대폰|핸드폰|फोन|मोबाइल|ဖုန်း",
    re.IGNORECASE,
)
# Between a label and its number: separators, and a few small words ("no.", "is", は,
# 번호, नम्बर ...), at most 5 of them. ASCII words must end where a word ends, so the E of
# "passport E1234567" is read as the number's, not as a word.
_LABEL_SEPS = frozenset(" \t:#=.,、，-–")
_LABEL_WORDS: Final = tuple(
    sorted(
        _wordset(
            """number numero número nomor no. no num. num nr. nr n° n. số is é là adalah ay ko po
        saya ku my của tôi em mình do da meu minha ang
        は が の 番号 ばんごう 号码 號碼 号 號 是 为 為 번호 는 은 이 가
        नम्बर नंबर नं हो को နံပါတ် က ဟာ"""
        ),
        key=len,
        reverse=True,
    )
)


def _past_label(t: str, pos: int) -> int:
    for _ in range(6):
        while pos < len(t) and t[pos] in _LABEL_SEPS:
            pos += 1
        low = t[pos : pos + 8].casefold()
        for w in _LABEL_WORDS:
            if low.startswith(w):
                after = pos + len(w)
                if w[-1].isascii() and w[-1].isalnum() and after < len(t) and _id_char(t[after]):
                    continue  # the start of the number ("E1234567"), not a word
                pos = after
                break
        else:
            return pos
    return pos


def _id_token(t: str, pos: int, longest: int, digits_only: bool) -> int | None:
    """End of the number at ``pos``: ASCII letters and digits, a single space or hyphen
    before a digit allowed ("TK 1234567"); None if it is longer than ``longest``."""
    i, size = pos, 0
    while i < len(t) and size <= longest:
        c = t[i]
        if c.isdigit() or (_id_char(c) and not digits_only):
            size += 1
            i += 1
        elif c in " -." and i > pos and i + 1 < len(t) and t[i + 1].isdigit():
            i += 1
        else:
            break
    if (
        not digits_only
        and t[i - 1 : i].isdigit()
        and t[i : i + 1] in (" ", "-")
        and t[i + 1 : i + 2].isalpha()
        and t[i + 1 : i + 2].isascii()
        and not _id_char(t[i + 2 : i + 3] or " ")
    ):
        i, size = i + 2, size + 1  # "P 1234567 A": the Philippine passport's last letter
    if i < len(t) and _id_char(t[i]):
        return None
    return i if size <= longest else None


_LABELLED: Final = (
    # label, tag, fewest and most letters + digits, fewest digits, digits only
    (_PASSPORT_LABEL, PASSPORT_TAG, 6, 10, 5, False),
    (_CARD_LABEL, CARD, 6, 12, 5, False),
    (_PHONE_LABEL, PHONE, 7, 9, 7, True),
)


# "passport GB 512345678", "passaporte brasileiro GH 123456": a nationality word may come
# first, then the issuing country's two capitals and the digits, apart.
_PREFIXED_PASSPORT = re.compile(r"(?:[^\W\d_]{3,20}[ \t])?([A-Z]{2})[ -]?(\d{6,9})(?![A-Za-z0-9])")


def _find_labelled(view: _View, strict: bool = False) -> Iterator[tuple[int, int, str]]:
    """A number right after a passport, residence card or phone label, in the shapes the
    pattern finders miss (9 digits, P1234567A, an 8-digit local phone number).

    Run twice: ``strict`` before the pattern finders, taking only a number that no word
    follows, so the compact view cannot glue the label's "is" / "ay" onto it ("is 12345678"
    reads IS12345678, a passport's shape); then after them for the rest ("passport
    123456789 expires"), when "AB 1234 5678 CD" has already gone whole as a card."""
    t = view.text
    dates = [(m.start(), m.end()) for m in _DATE.finditer(t)]
    for label, tag, fewest, most, min_digits, digits_only in _LABELLED:
        for m in label.finditer(t):
            start = _past_label(t, m.end())
            if start >= len(t) or not _id_char(t[start]):
                continue
            if start > 0 and _id_char(t[start - 1]):
                continue  # glued to the label's last word: not a number of its own
            if tag == PASSPORT_TAG and (pm := _PREFIXED_PASSPORT.match(t, start)):
                yield (*view.original(pm.start(1), pm.end()), tag)
                continue
            end = _id_token(t, start, most, digits_only)
            if end is None or (strict and _word_follows(t, end)):
                continue
            token = [c for c in t[start:end] if _id_char(c)]
            if len(token) < fewest or sum(c.isdigit() for c in token) < min_digits:
                continue
            if any(start < de and ds < end for ds, de in dates):
                continue
            yield (*view.original(start, end), tag)


def _word_follows(t: str, end: int) -> bool:
    return t[end : end + 1] in (" ", "-") and _id_char(t[end + 1 : end + 2] or " ")


def _find_labelled_first(view: _View) -> Iterator[tuple[int, int, str]]:
    return _find_labelled(view, strict=True)


def _number_kind(groups: list[str], plus: bool) -> str | None:
    digits = "".join(groups)
    total, k = len(digits), len(groups)
    one_by_one = all(len(g) == 1 for g in groups)
    if plus and 8 <= total <= 15 and k <= 6:
        return PHONE
    if total == 12 and (k == 1 or one_by_one or [len(g) for g in groups] == [4, 4, 4]):
        return MY_NUMBER_TAG
    if digits[0] == "0" and total in (10, 11) and (k <= 3 or one_by_one):
        return PHONE
    return None


def _find_numbers(view: _View) -> Iterator[tuple[int, int, str]]:
    t = view.text
    for run in _DIGIT_RUN.finditer(t):
        groups = list(_DIGITS.finditer(t, run.start(), run.end()))
        taken = [False] * len(groups)
        i = 0
        while i < len(groups):
            plus = groups[i].start() > 0 and t[groups[i].start() - 1] == "+"
            best: tuple[int, str] | None = None
            total = 0
            for j in range(i, len(groups)):
                total += len(groups[j].group())
                if total > 15:
                    break
                kind = _number_kind([g.group() for g in groups[i : j + 1]], plus)
                if kind:
                    best = (j, kind)
            if best is None:
                i += 1
                continue
            j, kind = best
            if kind == MY_NUMBER_TAG and j + 1 < len(groups):
                # 4-4-4 and more groups after it: a payment card or the like, whole.
                j, kind = len(groups) - 1, NUMBER
            start, end = groups[i].start(), groups[j].end()
            if plus:
                start -= 1
                if start > 0 and t[start - 1] == "(":
                    if ")" in t[groups[i].end() : end]:
                        start -= 1
                    elif t[end : end + 1] == ")":
                        start, end = start - 1, end + 1
            elif start > 0 and t[start - 1] == "(" and ")" in t[groups[i].end() : end]:
                start -= 1
            for n in range(i, j + 1):
                taken[n] = True
            yield (*view.original(start, end), kind)
            i = j + 1
        yield from _leftover_numbers(view, groups, taken, run.start(), run.end())


def _leftover_numbers(
    view: _View, groups: list[re.Match[str]], taken: list[bool], lo: int, hi: int
) -> Iterator[tuple[int, int, str]]:
    """10 or more digits in a row of groups no finder claimed, dates aside: [number]."""
    dated = [False] * len(groups)
    for m in _DATE.finditer(view.text, lo, hi):
        for n, g in enumerate(groups):
            if m.start() <= g.start() and g.end() <= m.end():
                dated[n] = True
    stretch: list[re.Match[str]] = []
    for n in range(len(groups) + 1):
        if n < len(groups) and not taken[n] and not dated[n]:
            stretch.append(groups[n])
            continue
        if sum(len(s.group()) for s in stretch) >= 10:
            yield (*view.original(stretch[0].start(), stretch[-1].end()), NUMBER)
        stretch = []


# -- the whole -----------------------------------------------------------------------

_FINDERS: Final = (
    _find_emails,
    _find_labelled_first,
    _find_ids,
    _find_more_passports,
    _find_labelled,
    _find_numbers,
    *NAME_FINDERS,
)


def _scrub_once(text: str) -> str:
    covered = bytearray(len(text) + 1)
    spans: list[tuple[int, int, str]] = []
    base = _detection_view(text)
    for find in _FINDERS:
        view = _masked(base, covered) if spans else base
        for start, end, tag in find(view):
            if any(covered[start:end]):
                continue
            covered[start:end] = b"\x01" * (end - start)
            spans.append((start, end, tag))
    out: list[str] = []
    at = 0
    for start, end, tag in sorted(spans):
        out += [text[at:start], tag]
        at = end
    out.append(text[at:])
    return "".join(out)


def scrub(text: str) -> str:
    """``text`` with identity numbers, phone numbers, emails and names replaced by
    placeholders (see the module docstring); the rest as typed."""
    for _ in range(4):
        cleaned = _scrub_once(text)
        if cleaned == text:
            break
        text = cleaned
    return text


_PLACEHOLDER_END = re.compile(r"\[[a-z-]{1,12}\]$")
_SPACES = re.compile(r"\s+")


def _punct(c: str) -> bool:
    return unicodedata.category(c)[0] in "PSZC"


def normalise(text: str) -> str:
    """The key declined questions are grouped by: scrubbed, NFKC, case-folded, spaces
    collapsed, punctuation trimmed from both ends (placeholders kept), at most 200 chars."""
    t = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", scrub(text)).casefold())
    # Again, case-folded: "I am 例I am" keeps "例I" (a text with capitals), "i am 例i am" not.
    t = scrub(t)
    t = _SPACES.sub(" ", t).strip()
    while t and _punct(t[0]) and not (t[0] == "[" and t.startswith(PLACEHOLDERS)):
        t = t[1:]
    while t and _punct(t[-1]) and not _PLACEHOLDER_END.search(t):
        t = t[:-1]
    if len(t) > NORM_MAX:
        t = t[:NORM_MAX]
        cut = t.rfind("[")
        if cut >= 0 and any(p.startswith(t[cut:]) and p != t[cut:] for p in PLACEHOLDERS):
            t = t[:cut]
        t = t.rstrip()
    return t
