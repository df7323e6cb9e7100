"""Take personal data out of a declined question before it is stored (issue 15).

Staff see what people asked that the guide could not answer; they never need who asked.
:func:`scrub` replaces identity numbers, phone numbers, emails and self-introduced names
with fixed placeholders; :func:`normalise` turns scrubbed text into the key questions are
grouped by.

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
- Everything is linear or bounded per match (5,000 characters in milliseconds), and scrub
  runs to a fixed point, so ``scrub(scrub(t)) == scrub(t)``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Final

from bot.privacy import MY_NUMBER, PASSPORT, RESIDENCE_CARD

CARD: Final = "[card]"
MY_NUMBER_TAG: Final = "[my-number]"
PASSPORT_TAG: Final = "[passport]"
PHONE: Final = "[phone]"
EMAIL: Final = "[email]"
NAME: Final = "[name]"
NUMBER: Final = "[number]"  # 10+ digits that are no phone shape we know: kept out anyway
PLACEHOLDERS: Final = (CARD, MY_NUMBER_TAG, PASSPORT_TAG, PHONE, EMAIL, NAME, NUMBER)

NORM_MAX: Final = 200

_MASK = "\ufffc"
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
_COMPACT_SEPS = frozenset(" -\u2010\u2011\u2012\u2013\u2014\u2015\u2212ー")


@dataclass(frozen=True, slots=True)
class _View:
    """Text to search, and for each of its characters the original span it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original(self, start: int, end: int) -> tuple[int, int]:
        return self.starts[start], self.ends[end - 1]


def _clusters(text: str) -> Iterator[tuple[int, int]]:
    """A starter and the combining marks after it: the unit NFKC is applied to."""
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        yield i, j
        i = j


def _detection_view(text: str) -> _View:
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, j in _clusters(text):
        for c in unicodedata.normalize("NFKC", text[i:j]):
            chars.append(str(unicodedata.decimal(c)) if unicodedata.category(c) == "Nd" else c)
            starts.append(i)
            ends.append(j)
    return _View("".join(chars), tuple(starts), tuple(ends))


def _masked(view: _View, covered: bytearray) -> _View:
    """The view with what earlier finders took blanked out, so finds never overlap."""
    text = "".join(_MASK if covered[i] else c for c, i in zip(view.text, view.starts, strict=True))
    return _View(text, view.starts, view.ends)


def _compact(view: _View) -> _View:
    """Drop a lone space or hyphen between a digit and a digit or an ASCII letter (so "at
    1234567 yen" reads as a passport number: over-scrubbing beats leaking)."""
    t = view.text
    keep = [
        k
        for k, c in enumerate(t)
        if not (
            c in _COMPACT_SEPS
            and 0 < k < len(t) - 1
            and _id_char(t[k - 1])
            and _id_char(t[k + 1])
            and (t[k - 1].isdigit() or t[k + 1].isdigit())
        )
    ]
    return _View(
        "".join(t[k] for k in keep),
        tuple(view.starts[k] for k in keep),
        tuple(view.ends[k] for k in keep),
    )


def _id_char(c: str) -> bool:
    return c.isascii() and c.isalnum()


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


# -- names ---------------------------------------------------------------------------


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that end a name, in the shipped languages written with spaces.
_STOP: Final = _wordset(
    """and but so or i i'm im from with who am is was my me to in at how what can could
    do want need have live living work working please
    e eu sou moro tenho quero preciso estou com
    dan saya aku ingin mau dari tinggal bekerja
    at ako po taga gusto nakatira
    và tôi em mình muốn đang là ở từ xin"""
)
# After "I am" / "I'm" / "tôi là": words that say this is no name. Kept short on purpose.
_NOT_A_NAME: Final = _wordset(
    """a an the not no in at on from to so very also still now here there currently
    already just really married single going planning trying working studying living
    staying looking applying asking writing wondering thinking interested worried
    confused sure able unable new student employee worker foreigner resident"""
)

_LATIN_EXPLICIT = re.compile(
    r"\b(?:my\s+name\s+is|my\s+name's|(?:tôi|em|mình)\s+tên\s+là|tên\s+(?:của\s+)?(?:tôi|em|mình)\s+là"
    r"|meu\s+nome\s+é|me\s+chamo|chamo-me|nama\s+(?:saya|aku)(?:\s+adalah)?"
    r"|ako\s+(?:po\s+)?si|(?:ang\s+)?pangalan\s+ko\s+(?:po\s+)?ay)\b",
    re.IGNORECASE,
)
_EN_AMBIGUOUS = re.compile(r"\b(?:i\s+am|i['’]?m)\b", re.IGNORECASE)
_VI_AMBIGUOUS = re.compile(r"\btôi\s+là\b", re.IGNORECASE)
_JA = re.compile(r"私は|わたしは|僕は|ぼくは|名前は|なまえは")
_JA_BEFORE = re.compile(r"と申します|と言います|といいます")
_ZH = re.compile(r"我叫|我名叫|我的名字是|我的名字叫")
_KO_EXPLICIT = re.compile(r"(?:제|내)\s*이름은")
_KO_AMBIGUOUS = re.compile(r"저는")
_NE = re.compile(r"मेरो\s*नाम(?:\s*चाहिँ)?")
_MY = re.compile(r"ကျွန်(?:တော့်|တော်|မ)\s*နာမည်(?:\s*(?:က|ဟာ))?")

_JA_END = ("です", "でございます", "と申", "と言", "とい", "を")
_KO_END = ("입니다", "이에요", "예요", "이고요", "이고", "이라고", "라고", "이야", "야")
_NE_END = ("हो", "हुँ", "हुन्")
_MY_END = ("ဖြစ်ပါတယ်", "ဖြစ်တယ်", "ဖြစ်သည်", "ပါတယ်", "ပါ")


def _is_letter(c: str) -> bool:
    return unicodedata.category(c)[0] in "LM"


def _skip_lead(t: str, pos: int) -> int:
    """Past a few spaces, colons or commas after a marker ("My name is: Lan", "私は、")."""
    limit = pos + 3
    while pos < len(t) and pos < limit and t[pos] in " \t\r\n:,、，：":
        pos += 1
    return pos


# Titles written with a dot before a name.
_HONORIFICS: Final = frozenset({"mr", "mrs", "ms", "mx", "dr", "sr", "sra", "srta", "prof"})


def _words(t: str, pos: int, limit: int = 6) -> Iterator[tuple[int, int]]:
    """Up to ``limit`` words separated by single spaces: letters, marks, inner ' ’ - ."""
    for _ in range(limit):
        if pos >= len(t) or not _is_letter(t[pos]):
            return
        end = pos
        while end < len(t) and (
            _is_letter(t[end]) or (t[end] in "'’-." and end + 1 < len(t) and _is_letter(t[end + 1]))
        ):
            end += 1
        if t[pos:end].casefold() in _HONORIFICS and t[end : end + 2] == ". ":
            end += 1  # "Mr. Tanaka": the name goes on after the title's dot
        yield pos, end
        if end + 1 < len(t) and t[end] == " " and _is_letter(t[end + 1]):
            pos = end + 1
        else:
            return


def _latin_name(t: str, pos: int, ambiguous: bool, lower_ok: bool = True) -> tuple[int, int] | None:
    """Up to 6 words, ending at a stop word. ``ambiguous`` markers ("I am") skip common
    non-name words and take only capitalised words after the first; ``lower_ok=False``
    also wants the first capitalised ("tôi là sinh viên" is "I am a student")."""
    span: tuple[int, int] | None = None
    for n, (s, e) in enumerate(_words(t, _skip_lead(t, pos))):
        word = t[s:e].casefold()
        if n == 0 and ambiguous:
            if word in _NOT_A_NAME or word in _STOP or not (lower_ok or t[s].isupper()):
                return None
        elif n > 0 and (word in _STOP or (ambiguous and not t[s].isupper())):
            break
        span = (span[0] if span else s, e)
    return span


def _suffixed_name(
    t: str, pos: int, ends: tuple[str, ...], limit: int, need_end: bool
) -> tuple[int, int] | None:
    """Words up to one ending with (or followed by) a copula such as 입니다 or हो."""
    span: tuple[int, int] | None = None
    for s, e in _words(t, _skip_lead(t, pos), limit):
        word = t[s:e]
        if word in ends:
            return span
        cut = next((x for x in ends if word.endswith(x)), None)
        if cut:
            return (span[0] if span else s, e - len(cut)) if e - len(cut) > s else span
        span = (span[0] if span else s, e)
    return None if need_end else span


def _ja_name(t: str, pos: int) -> tuple[int, int] | None:
    start = _skip_lead(t, pos)
    i = start
    while i < len(t) and i - start < 24:
        if t.startswith(_JA_END, i):
            break
        c = t[i]
        if _is_letter(c) or c in "・ー" or (c == " " and i + 1 < len(t) and _is_letter(t[i + 1])):
            i += 1
            continue
        break
    return (start, i) if i > start and _is_letter(t[start]) else None


def _ja_name_before(t: str, pos: int) -> tuple[int, int] | None:
    """The name in front of と申します: letters back to punctuation, at most 12."""
    i = pos
    while i > 0 and pos - i < 12 and (_is_letter(t[i - 1]) or t[i - 1] in "・ー"):
        i -= 1
    return (i, pos) if i < pos else None


def _zh_name(t: str, pos: int) -> tuple[int, int] | None:
    start = _skip_lead(t, pos)
    if start < len(t) and unicodedata.name(t[start], "").startswith("CJK UNIFIED"):
        end = start
        while end < len(t) and end - start < 4 and unicodedata.name(t[end], "").startswith("CJK"):
            end += 1
        return start, end
    return _latin_name(t, pos, ambiguous=False)


_NameReader = Callable[[str, int], "tuple[int, int] | None"]
_READERS: Final[tuple[tuple[re.Pattern[str], _NameReader], ...]] = (
    (_LATIN_EXPLICIT, lambda t, p: _latin_name(t, p, ambiguous=False)),
    (_EN_AMBIGUOUS, lambda t, p: _latin_name(t, p, ambiguous=True)),
    (_VI_AMBIGUOUS, lambda t, p: _latin_name(t, p, ambiguous=True, lower_ok=False)),
    (_JA, _ja_name),
    (_ZH, _zh_name),
    (_KO_EXPLICIT, lambda t, p: _suffixed_name(t, p, _KO_END, 2, need_end=False)),
    (_KO_AMBIGUOUS, lambda t, p: _suffixed_name(t, p, _KO_END, 2, need_end=True)),
    (_NE, lambda t, p: _suffixed_name(t, p, _NE_END, 3, need_end=False)),
    (_MY, lambda t, p: _suffixed_name(t, p, _MY_END, 3, need_end=False)),
)


def _find_names(view: _View) -> Iterator[tuple[int, int, str]]:
    t = view.text
    for pattern, read in _READERS:
        for m in pattern.finditer(t):
            span = read(t, m.end())
            if span and span[1] > span[0]:
                yield (*view.original(*span), NAME)
    for m in _JA_BEFORE.finditer(t):
        span = _ja_name_before(t, m.start())
        if span:
            yield (*view.original(*span), NAME)


# -- the whole -----------------------------------------------------------------------

_FINDERS: Final = (_find_emails, _find_ids, _find_numbers, _find_names)


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
