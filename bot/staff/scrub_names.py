"""The names the scrubber (bot/staff/scrub.py) takes out: after a self-introduction, a
label, a kinship word or a naming phrase, and a name that closes the message (a sign-off,
a bare signature), in the 11 shipped languages. Read by small bounded readers, not one
regex; see bot/staff/scrub.py's docstring for the rules and why."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterator
from typing import Final

from bot.staff.scrub_view import NAME
from bot.staff.scrub_view import View as _View
from bot.staff.scrub_view import wordset as _wordset

# -- names ---------------------------------------------------------------------------


# Words that end a name, in the shipped languages written with spaces.
_STOP: Final = _wordset(
    """and but so or i i'm im from with who am is was my me to in at how what can could
    do want need have live living work working please
    e eu sou moro tenho quero preciso estou com
    dan saya aku ingin mau dari tinggal bekerja
    at ako po taga gusto nakatira ito
    ho ra chai
    và tôi em mình muốn đang là ở từ xin"""
)
# After "I am" / "I'm" / "tôi là": words that say this is no name. Kept short on purpose.
_NOT_A_NAME: Final = _wordset(
    """a an the not no in at on from to so very also still now here there currently
    already just really married single going planning trying working studying living
    staying looking applying asking writing wondering thinking interested worried
    confused sure able unable new student employee worker foreigner resident
    self-employed employed unemployed retired married divorced widowed separated pregnant
    engaged jobless freelance freelancer sick ill disabled injured afraid scared sorry
    here's back home alone old young glad happy sad late"""
)

_LATIN_EXPLICIT = re.compile(
    r"\b(?:my\s+(?:(?:full|first|last|given|family)\s+)?name\s+is|my\s+surname\s+is"
    r"|my\s+name['’]s|(?:saya|aku)\s+bernama|(?:tôi|em|mình)\s+tên\s+là|tên\s+(?:của\s+)?(?:tôi|em|mình)\s+là"
    r"|meu\s+nome\s+é|me\s+chamo|chamo-me|nama\s+(?:saya|aku)(?:\s+adalah)?"
    r"|ako\s+(?:po\s+)?si|(?:ang\s+)?pangalan\s+ko\s+(?:po\s+)?ay"
    r"|mero\s+naa?m(?:\s+cha(?:h)?i)?)\b",
    re.IGNORECASE,
)
_EN_AMBIGUOUS = re.compile(r"\b(?:i\s+am|i['’]?m)\b", re.IGNORECASE)
_VI_AMBIGUOUS = re.compile(r"\b(?:tôi|em|mình)\s+là\b", re.IGNORECASE)
# Portuguese "Sou Maria" / "eu sou a Ana" and Indonesian "perkenalkan, saya Budi": a name
# only when capitalised, as for tôi là ("sou estudante" stays).
_PT_AMBIGUOUS = re.compile(r"(?<![^\W\d_])(?:eu\s+)?sou(?![^\W\d_])", re.IGNORECASE)
_ID_AMBIGUOUS = re.compile(r"\b(?:per)?kenalkan\b[\s,]*(?:saya|aku)\b", re.IGNORECASE)
# "Name: ...", 氏名：..., 이름: ..., नाम: ...: a form-like label, always with its colon (so
# "名前を変えたい" and "name change" stay). Latin labels stand as words ("Username:" stays).
_NAME_LABEL = re.compile(
    r"(?:(?<![A-Za-z])(?:(?:full|first|last|given|family)\s+name|name|surname"
    r"|nome(?:\s+completo)?|nama(?:\s+lengkap)?|(?:buong\s+)?pangalan(?:\s+ko)?"
    r"|h[ọo]\s+(?:v[àa]\s+)?t[êe]n|t[êe]n)"
    r"|이름|성명|성함|(?:पूरा\s*)?नाम|အမည်|နာမည်|お?名前|氏名|お?なまえ|姓名|名字|フルネーム)\s*:",
    re.IGNORECASE,
)
_JA = re.compile(r"私は|わたしは|僕は|ぼくは|名前は|なまえは")
_JA_BEFORE = re.compile(r"と\s?(?:申します|申し上げます|言います|いいます|もうします)")
_ZH = re.compile(r"我叫|我名叫|我的名字是|我的名字叫")
_ZH_AMBIGUOUS = re.compile(r"我是")
_ZH_SURNAME = re.compile(r"我姓")
# "म राम हुँ" (I am Ram), "ကျွန်တော် အောင်အောင် ဖြစ်ပါတယ်": the words before the copula.
_NE_AMBIGUOUS = re.compile(r"(?<![^\s\u0964,.!?:;\"'(])म\s+")
_MY_AMBIGUOUS = re.compile(r"ကျွန်(?:တော်|မ)(?![\u102b-\u103e])(?:\s*(?:က|ဟာ)(?![\u102b-\u103e]))?")
_KO_EXPLICIT = re.compile(r"(?:제|내)\s*이름은")
_KO_AMBIGUOUS = re.compile(r"저는")
_NE = re.compile(r"मेरो\s*नाम(?:\s*चाहिँ)?")
_MY = re.compile(r"ကျွန်(?:တော့်|တော်|မ)\s*နာမည်(?:\s*(?:က|ဟာ))?")

_JA_END = (
    "です",
    "でございます",
    "と申",
    "と言",
    "とい",
    "ともう",
    "と もう",
    "と 申",
    "と 言",
    "と い",
    "を",
)
_KO_END = ("입니다", "이에요", "예요", "이고요", "이고", "이라고", "라고", "이야", "야")
_NE_END = ("हो", "हुँ", "हुन्")
_MY_END = ("ဖြစ်ပါတယ်", "ဖြစ်တယ်", "ဖြစ်သည်", "ပါတယ်", "ပါ")
_MY_BE = ("ဖြစ်ပါတယ်", "ဖြစ်တယ်", "ဖြစ်ပါသည်", "ဖြစ်သည်")

# What people say they are instead of who: roles and nationalities after 我是, 저는, म,
# ကျွန်တော် ... Short on purpose (over-scrubbing a role loses a word, nothing leaks).
_ZH_ROLES: Final = _wordset(
    """学生 留学生 學生 留學生 大学生 研究生 实习生 實習生 技能实习生 技能實習生 研修生
    外国人 外國人 日本人 中国人 中國人 本人 老师 老師 教师 员工 職員 职员 公司职员 上班族 主妇
    家庭主妇 工程师 工程師 厨师 护士 护理员 介护士 申请人 申请者 配偶 妻子 丈夫 新人 永住者
    经营者 社长 老板 父亲 母亲 家长 游客 难民 第一次"""
)
_KO_ROLES: Final = _wordset(
    """학생 유학생 대학생 대학원생 외국인 회사원 직장인 주부 사람 연수생 기능실습생 실습생
    근로자 노동자 엔지니어 요리사 간호사 선생님 교사 남편 아내 처음"""
)
_NE_ROLES: Final = _wordset(
    """विद्यार्थी छात्र छात्रा नेपाली कामदार कर्मचारी पनि यहाँ अहिले धेरै खुसी चिन्तित बिरामी तयार
    विवाहित अविवाहित शिक्षक इन्जिनियर भान्से नयाँ"""
)
_MY_ROLES: Final = _wordset(
    """ကျောင်းသား ကျောင်းသူ အလုပ်သမား မြန်မာ မြန်မာလူမျိုး နိုင်ငံခြားသား ဝန်ထမ်း
    အင်ဂျင်နီယာ သူနာပြု စားဖိုမှူး ဆရာ ဆရာမ"""
)
# A role's last character (越南人, 研究生, 职员, 厨师) or a sentence particle (我是对的).
_ZH_NOT_A_NAME_END = ("人", "生", "员", "員", "师", "師", "的", "了", "吗", "嗎", "呢", "吧", "啊")
# Nepali and Burmese postpositions: a word carrying one is no name ("नेपालबाट आएको").
_NE_CASE = ("को", "मा", "बाट", "लाई", "ले", "सँग", "देखि")
_MY_CASE = ("ရဲ့", "မှာ", "ကို", "မှ", "နဲ့", "သို့")
# Small words inside a capitalised name: "Maria da Silva", "Ahmad bin Ali".
_PARTICLES: Final = _wordset("da de do dos das di del dela van von der bin binti")


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


_WORD_MAX: Final = 40


def _words(t: str, pos: int, limit: int = 6) -> Iterator[tuple[int, int]]:
    """Up to ``limit`` words separated by single spaces: letters, marks, inner ' ’ - .
    A word is cut at 40 characters: unspaced scripts ("저는저는저는...") would otherwise
    be read to their end once per marker, quadratic on long input."""
    for _ in range(limit):
        if pos >= len(t) or not _is_letter(t[pos]):
            return
        end = pos
        while (
            end < len(t)
            and end - pos < _WORD_MAX
            and (
                _is_letter(t[end])
                or (t[end] in "'’-." and end + 1 < len(t) and _is_letter(t[end + 1]))
            )
        ):
            end += 1
        if t[pos:end].casefold() in _HONORIFICS and t[end : end + 2] == ". ":
            end += 1  # "Mr. Tanaka": the name goes on after the title's dot
        yield pos, end
        if end + 1 < len(t) and t[end] == " " and _is_letter(t[end + 1]):
            pos = end + 1
        else:
            return


def _latin_name(
    t: str, pos: int, ambiguous: bool, lower_ok: bool = True, limit: int = 6
) -> tuple[int, int] | None:
    """Up to ``limit`` words, ending at a stop word. ``ambiguous`` markers ("I am") skip
    common non-name words and take only capitalised words after the first (and particles
    between two: "Maria da Silva"); ``lower_ok=False`` also wants the first capitalised
    ("tôi là sinh viên" is "I am a student")."""
    span: tuple[int, int] | None = None
    words = list(_words(t, _skip_lead(t, pos), limit))
    for n, (s, e) in enumerate(words):
        word = t[s:e].casefold()
        if n == 0 and ambiguous:
            if word in _NOT_A_NAME or word in _STOP or not (lower_ok or t[s].isupper()):
                return None
        elif n > 0 and ambiguous and not t[s].isupper():
            nxt = words[n + 1][0] if n + 1 < len(words) else -1
            if not (t[s].islower() and word in _PARTICLES and nxt > 0 and t[nxt].isupper()):
                break
        elif n > 0 and word in _STOP:
            break
        span = (span[0] if span else s, e)
    return span


def _pt_name(t: str, pos: int) -> tuple[int, int] | None:
    """After "sou": an article may come first ("sou a Ana"), then a capitalised name."""
    pos = _skip_lead(t, pos)
    if t[pos : pos + 2].casefold() in ("a ", "o ") and t[pos + 2 : pos + 3].isupper():
        pos += 2
    return _latin_name(t, pos, ambiguous=True, lower_ok=False)


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


def _copula_name(
    t: str,
    pos: int,
    ends: tuple[str, ...],
    roles: frozenset[str],
    *,
    cases: tuple[str, ...] = (),
    limit: int = 4,
) -> tuple[int, int] | None:
    """1-3 words before a copula (हुँ, ဖြစ်ပါတယ်, 입니다), none a role or carrying a case
    ending: "म विद्यार्थी हुँ" and "म नेपालबाट आएको हुँ" stay."""
    span = _suffixed_name(t, pos, ends, limit, need_end=True)
    if span is None:
        return None
    for word in t[span[0] : span[1]].split():
        if word in roles or word.endswith(cases) or word.endswith(tuple(roles)):
            return None
    return span


def _labelled_name(t: str, pos: int) -> tuple[int, int] | None:
    """The rest of a "Name:" line, read by the script it is written in: at most 4 words."""
    start = _skip_lead(t, pos)
    if start >= len(t):
        return None
    script = unicodedata.name(t[start], "")
    if script.startswith(("CJK", "HIRAGANA", "KATAKANA")):
        return _ja_name(t, start)
    if script.startswith("HANGUL"):
        return _suffixed_name(t, start, _KO_END, 4, need_end=False)
    if script.startswith("DEVANAGARI"):
        return _suffixed_name(t, start, _NE_END, 4, need_end=False)
    if script.startswith("MYANMAR"):
        return _suffixed_name(t, start, _MY_END, 4, need_end=False)
    # Two words whatever their case ("john smith"), then only capitalised ones, at most 6:
    # "Name: Maria Clara Santos Oliveira Lima" whole, "Name: John Smith visa question" not.
    span: tuple[int, int] | None = None
    for n, (s, e) in enumerate(_words(t, start, 6)):
        if t[s:e].casefold() in _STOP or (n >= 2 and not t[s].isupper()):
            break
        span = (start, e)
    return span


def _han(c: str) -> bool:
    return unicodedata.name(c, "").startswith("CJK UNIFIED")


def _zh_self(t: str, pos: int) -> tuple[int, int] | None:
    """我是 + 2-4 Han characters + punctuation or the end: a name unless a role
    ("我是王小明，" goes; "我是学生，" and "我是越南人。" stay; "我是来问签证的" is no name)."""
    start = _skip_lead(t, pos)
    end = start
    while end < len(t) and end - start <= 4 and _han(t[end]):
        end += 1
    if not 2 <= end - start <= 4 or (end < len(t) and _is_letter(t[end])):
        return None
    word = t[start:end]
    if word in _ZH_ROLES or word.endswith(_ZH_NOT_A_NAME_END) or "我" in word:
        return None
    return start, end


def _zh_surname(t: str, pos: int) -> tuple[int, int] | None:
    """我姓王 (my surname is Wang), with the given name if it follows: "我姓王，叫小明"."""
    start = _skip_lead(t, pos)
    if start >= len(t) or not _han(t[start]):
        return None
    end = start + 1
    if end < len(t) and _han(t[end]) and t[end] not in "叫名是的":
        end += 1  # a two-character surname (欧阳)
    rest = _skip_lead(t, end)
    for word in ("名叫", "叫", "名"):
        if t.startswith(word, rest):
            given = rest + len(word)
            stop = given
            while stop < len(t) and stop - given < 3 and _han(t[stop]):
                stop += 1
            return (start, stop) if stop > given else (start, end)
    return start, end


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
    while i > start and t[i - 1] == " ":
        i -= 1
    return (start, i) if i > start and _is_letter(t[start]) else None


def _ja_name_before(t: str, pos: int) -> tuple[int, int] | None:
    """The name in front of と申します: letters back to punctuation, at most 12."""
    while pos > 0 and t[pos - 1] == " ":
        pos -= 1  # "グエン と いいます": the words right before
    i = pos
    while i > 0 and pos - i < 12:
        c = t[i - 1]
        if _is_letter(c) or c in "・ー":
            i -= 1
        elif c == " " and i > 1 and i < pos and (_is_letter(t[i - 2]) and not _hiragana(t[i - 2])):
            i -= 1  # "グエン ヴァン アン と いいます"; a particle (の, は) before ends it
        else:
            break
    while i < pos and t[i] == " ":
        i += 1
    # Unspaced hiragana ("わたしはぐえんともうします"): the name starts after わたしは.
    for lead in _JA.finditer(t, i, pos):
        i = lead.end()
    return (i, pos) if i < pos else None


def _hiragana(c: str) -> bool:
    return "\u3041" <= c <= "\u309f"


def _zh_name(t: str, pos: int) -> tuple[int, int] | None:
    start = _skip_lead(t, pos)
    if start < len(t) and unicodedata.name(t[start], "").startswith("CJK UNIFIED"):
        end = start
        while end < len(t) and end - start < 4 and unicodedata.name(t[end], "").startswith("CJK"):
            end += 1
        return start, end
    return _latin_name(t, pos, ambiguous=False)


# Explicit markers whose next word says the sentence is about the name, not giving it:
# "nama saya di kartu salah", "my name is wrong on the card", "meu nome está errado".
_NOT_AFTER_NAME_MARKER: Final = _wordset(
    """di ke dari salah tidak sudah belum masih berbeda beda yang juga ada akan harus bisa
    telah pada dalam untuk tertulis terlalu kurang
    wrong misspelled spelled written different incorrect not also on in too
    está esta diferente errado errada escrito
    mali nakasulat iba hindi sai bị khác"""
)


def _explicit_name(t: str, pos: int) -> tuple[int, int] | None:
    first = next(_words(t, _skip_lead(t, pos), 1), None)
    if first and t[first[0] : first[1]].casefold() in _NOT_AFTER_NAME_MARKER:
        return None
    return _latin_name(t, pos, ambiguous=False)


_LONE_I = re.compile(r"(?<![^\W\d_])I(?![^\W\d_])")


@functools.lru_cache(maxsize=8)
def _uses_capitals(t: str) -> bool:
    """A capital anywhere but the pronoun I: then people capitalise names, and a lowercase
    word after "I am" is a role or a state ("I'm self-employed. How do I ...")."""
    return any(c.isupper() for c in _LONE_I.sub("", t))


def _en_name(t: str, pos: int) -> tuple[int, int] | None:
    return _latin_name(t, pos, ambiguous=True, lower_ok=not _uses_capitals(t))


# Indonesian "Saya Budi, ..." at the start of the message (or of a sentence, after a
# greeting); a name only when capitalised and closed by a comma or period.
_ID_SAYA = re.compile(
    r"(?:^|(?<=[.!?\n]))[ \t]{0,3}(?:(?:halo|hai|hi|selamat\s+(?:pagi|siang|sore|malam))"
    r"[ \t,!.]{1,3})?saya[ \t]+",
    re.IGNORECASE,
)


def _id_saya(t: str, pos: int) -> tuple[int, int] | None:
    span = _latin_name(t, pos, ambiguous=True, lower_ok=False, limit=4)
    return span if span and t[span[1] : span[1] + 1] in (",", ".") else None


# Tagalog "Si Maria ito" (this is Maria).
_TL_SI = re.compile(r"(?<![^\W\d_])si[ \t]+", re.IGNORECASE)


def _tl_si(t: str, pos: int) -> tuple[int, int] | None:
    span = _latin_name(t, pos, ambiguous=True, lower_ok=False, limit=4)
    return span if span and t[span[1] : span[1] + 4].casefold() == " ito" else None


_PT_AQUI = re.compile(r"(?<![^\W\d_])aqui\s+(?:é|e)(?![^\W\d_])", re.IGNORECASE)

# Chinese 本人王小明: 2-4 Han at the start of a sentence, cut before 想/要/是 ...;
# "本人确认", "本人必须到场" start with a verb or an adverb and stay.
_ZH_BENREN = re.compile(r"(?:^|(?<=[\s，。！？、,.!?：:]))本人")
_ZH_CUT = "想要是在的了，"
_ZH_NOT_START = frozenset(
    "确確需必亲親在是不可已的要想去来來没沒也都和与與签簽到申持现現目今于於因对對有就会會能应應"
    "该該护護证證照身份信无無未非当當将將曾还還只才又再从從为為被把让讓给給跟同所得办辦出入"
)


def _zh_benren(t: str, pos: int) -> tuple[int, int] | None:
    start = _skip_lead(t, pos)
    end = start
    while end < len(t) and end - start < 4 and _han(t[end]) and t[end] not in _ZH_CUT:
        end += 1
    if end - start < 2 or t[start] in _ZH_NOT_START:
        return None
    if end < len(t) and _is_letter(t[end]) and t[end] not in _ZH_CUT:
        return None
    word = t[start:end]
    if word in _ZH_ROLES or word.endswith(_ZH_NOT_A_NAME_END):
        return None
    return start, end


# Japanese "ベトナム人のグエン・ヴァン・アンです": a katakana name with ・ after a nationality.
_JA_NATIONAL = re.compile(r"人\s?の\s?(?=[\u30a1-\u30fa])")


def _ja_national(t: str, pos: int) -> tuple[int, int] | None:
    end = pos
    while end < len(t) and end - pos < 24 and ("\u30a1" <= t[end] <= "\u30fc"):
        end += 1
    rest = end + 1 if t[end : end + 1] == " " else end
    if "・" in t[pos:end] and t.startswith("です", rest) and t[end - 1] != "・":
        return pos, end
    return None


# Korean "김민수입니다." as the message's first words (after 안녕하세요 at most).
_KO_START = re.compile(r"\A\s{0,3}(?:안녕하세요[.!,~]{0,3}\s{0,3})?(?=[가-힣]{2,4}\s?입니다)")
_KO_NOT_NAME: Final = _KO_ROLES | _wordset(
    """질문 문의 부탁 상담 궁금 요청 신청 처음 저 제 여기 결혼 남자 여자 엄마 아빠 부모 가족
    회사 학교 고민 사실 문제 상황 다름 비자 문의사항 질문사항"""
)
_KO_COUNTRIES = tuple(
    _wordset("""베트남 중국 필리핀 네팔 미얀마 인도네시아 한국 일본 브라질 태국 인도
    몽골 스리랑카 미국""")
)


def _ko_start(t: str, pos: int) -> tuple[int, int] | None:
    end = t.find("입니다", pos, pos + 8)
    if end < 0:
        return None
    end = end - 1 if t[end - 1] == " " else end
    word = t[pos:end]
    if word in _KO_NOT_NAME or word.endswith(tuple(_KO_ROLES)) or word.startswith(_KO_COUNTRIES):
        return None
    return pos, end


# Nepali "म राम थापा, ..." (a name then a comma) besides "म राम हुँ"; verbs end it.
_NE_VERB_END = ("छु", "छौं", "छौँ", "थें", "थेँ", "थिएँ", "एँ", "ेँ", "नु", "ने", "दै", "एको")


def _ne_self(t: str, pos: int) -> tuple[int, int] | None:
    span = _copula_name(t, pos, ("हुँ",), _NE_ROLES, cases=_NE_CASE)
    if span:
        return span
    words = list(_words(t, pos, 3))
    if not words or t[words[-1][1] : words[-1][1] + 1] not in (",", "،"):
        return None
    for s, e in words:
        w = t[s:e]
        if w in _NE_ROLES or w.endswith(_NE_CASE) or w.endswith(_NE_VERB_END):
            return None
    return words[0][0], words[-1][1]


# "मेरो नाम कार्डमा गलत छ": the name's spelling, not the name.
_NE_NOT_AFTER_NAME: Final = _wordset(
    "गलत हिज्जे फरक परिवर्तन बदल्न बदलिएको पनि मा को लाई ले बाट सँग छ छैन के"
)


def _ne_name(t: str, pos: int) -> tuple[int, int] | None:
    first = next(_words(t, _skip_lead(t, pos), 1), None)
    if first:
        w = t[first[0] : first[1]]
        if w in _NE_NOT_AFTER_NAME or (w.endswith(_NE_CASE) and len(w) > 3):
            return None
    return _suffixed_name(t, pos, _NE_END, 3, need_end=False)


_MY_VERB_END = ("ချင်", "နိုင်", "လို့", "တယ်", "မယ်", "ပြီ")


def _my_self(t: str, pos: int) -> tuple[int, int] | None:
    """ကျွန်တော် X ဖြစ်ပါတယ် and the shorter ကျွန်မက X ပါ."""
    return _copula_name(t, pos, (*_MY_BE, "ပါ"), _MY_ROLES, cases=(*_MY_CASE, *_MY_VERB_END))


# -- family members and nicknames -------------------------------------------------------
# "my wife Anna", 妻の由美, 我丈夫王伟, 제 남편 김민수, "asawa ko si Maria": a kinship word
# then a name. Where the name is merely possible ("my wife is Japanese", "Suami saya orang
# Jepang", 我妻子在日本) it must look like one: capitalised, closed, not a role or noun.

_QUOTES = "'\"‘’“”「」『』"


def _unquote(t: str, pos: int) -> int:
    pos = _skip_lead(t, pos)
    return pos + 1 if t[pos : pos + 1] in _QUOTES and t[pos : pos + 1] else pos


# Naming phrases: the next words are the name, lowercase or not.
_LATIN_NAMED = re.compile(
    r"(?<![^\W\d_])(?:my\s+(?:wife|husband|son|daughter|child|kid|spouse|mother|father|partner)"
    r"['’]?s\s+name\s+is|my\s+(?:legal|real|official|registered|birth|nick)\s*name\s+is"
    r"|(?:chồng|vợ|con(?:\s+(?:trai|gái))?)\s+(?:của\s+)?(?:em|tôi|mình)\s+tên\s+là"
    r"|tên\s+(?:thật|khai\s+sinh)(?:\s+của\s+(?:em|tôi|mình))?\s+là"
    r"|(?:minha|meu)\s+(?:esposa|mulher|marido|esposo|filh[oa]|m[ãa]e|pai)\s+se\s+chama"
    r"|(?:suami|istri|isteri|anak)\s+(?:saya|aku)\s+(?:bernama|namanya)"
    r"|nama\s+(?:asli\s+(?:saya|aku)|(?:suami|istri|isteri|anak)\s+(?:saya|aku))(?:\s+adalah)?"
    r"|(?:asawa|anak)\s+(?:ko|kong|namin)\s+(?:ay\s+)?(?:na\s+)?si"
    r"|pangalan\s+ng\s+(?:asawa|anak)\s+ko\s+ay|tawag\s+(?:nila\s+)?sa\s+akin[^.!?\n]{0,40}?\say"
    r")(?![^\W\d_])",
    re.IGNORECASE,
)
# A kinship word or a "call me" alone: a name only when capitalised ("my wife is Japanese",
# "Meu marido é japonês", "Suami saya orang Jepang" stay).
_LATIN_KIN = re.compile(
    r"(?<![^\W\d_])(?:my\s+(?:wife|husband|son|daughter|child|kid|mother|father|mom|mum|dad"
    r"|spouse|partner|fianc[ée]e?)"
    r"|(?:everyone|everybody|people|they|friends|you\s+can|please|just)\s+(?:just\s+|usually\s+"
    r"|always\s+)?call(?:s)?\s+me|i\s+go\s+by"
    r"|(?:minha|meu)\s+(?:esposa|mulher|marido|esposo|filh[oa]|m[ãa]e|pai|companheir[oa])"
    r"|me\s+chamam(?:\s+de)?|no\s+(?:documento|passaporte|registro)\s+(?:é|est[áa]|consta)"
    r"(?:\s+como)?|(?:suami|istri|isteri|anak)\s+(?:saya|aku)|(?:suami|istri|anak)ku"
    r"|panggil\s+(?:saja\s+)?(?:saya|aku)|(?:(?:hay|thường|cứ)\s+)?gọi\s+(?:em|tôi|mình)\s+là"
    r")(?![^\W\d_])",
    re.IGNORECASE,
)


def _kin_latin(t: str, pos: int) -> tuple[int, int] | None:
    return _latin_name(t, _unquote(t, pos), ambiguous=True, lower_ok=False, limit=4)


def _named_latin(t: str, pos: int) -> tuple[int, int] | None:
    """Any first word; in a text with capitals only capitalised ones after it, so "anak
    kong si Jose ay 5 taon" keeps its "ay"."""
    pos = _unquote(t, pos)
    if _uses_capitals(t):
        return _latin_name(t, pos, ambiguous=True, lower_ok=True, limit=4)
    return _explicit_name(t, pos)


# Tagalog "Juan talaga ang pangalan ko" (Juan is really my name): the words before.
_TL_TALAGA = re.compile(
    r"(?<![^\W\d_])((?:[A-Z][^\W\d_]{0,20}[ \t]){0,3}[A-Z][^\W\d_]{0,20})[ \t]+talaga[ \t]+ang"
    r"[ \t]+pangalan[ \t]+ko"
)

_JA_KIN = re.compile(
    r"(?:夫|妻|主人|家内|息子|娘|子ども|子供|おっと|つま|むすこ|むすめ|こども)\s?の\s?(?!名前|なまえ)"
)
# After 妻の / むすめの: nouns, not names ("妻の会社", "むすめの ビザ").
_JA_KIN_NOT: Final = _wordset(
    """会社 仕事 在留 資格 在留資格 国籍 収入 給料 年収 家族 両親 実家 病気 手術 出産 妊娠 学校
    保育園 幼稚園 就職 転職 転勤 手続 手続き 申請 更新 書類 旅券 住所 税金 保険 年金 名義 母国
    出身 入学 卒業 誕生 出生 出生届 日本 職場 勤務先 留学 永住 帰化 扶養 氏名 生年月日 ビザ
    カード パスポート ばんごう ビザー ザイリュウカード マイナンバー ホケン アルバイト パート
    ことも 健康 年齢 将来 分 方 件 事 名字 苗字 漢字 本名 学費 生活 病院 子"""
)
_JA_KIN_FOLLOW = (
    "さん",
    "ちゃん",
    "くん",
    "君",
    "です",
    "は",
    "が",
    "も",
    "と",
    "、",
    "，",
    ",",
    "（",
    "(",
    " ",
)


def _ja_kin(t: str, pos: int) -> tuple[int, int] | None:
    """妻の由美は / 夫のジョン・スミスです / むすめの アンナは: 2-4 kanji, or katakana
    (with ・, or any after an easy-Japanese word), then a particle, です or punctuation."""
    no = pos - 2 if t[pos - 1 : pos] == " " else pos - 1
    no -= 1 if t[no - 1 : no] == " " else 0
    easy = _hiragana(t[no - 1 : no] or "x")  # おっと, むすめ ... (子ども too: no harm)
    end = pos
    if end < len(t) and _han(t[end]):
        while end < len(t) and end - pos < 5 and _han(t[end]):
            end += 1
        if not 2 <= end - pos <= 4:
            return None
    else:
        while end < len(t) and end - pos < 24 and ("\u30a1" <= t[end] <= "\u30fc"):
            end += 1
        if end - pos < 2 or t[end - 1] == "・" or ("・" not in t[pos:end] and not easy):
            return None
    word = t[pos:end]
    if (
        word in _JA_KIN_NOT
        or word in _JA_ROLES
        or word.endswith(("先", "届", "証", "書", "料", "費"))
    ):
        return None
    if end < len(t) and not t.startswith(_JA_KIN_FOLLOW, end) and t[end] not in _BOUNDARY:
        return None
    return pos, end


_ZH_KIN = re.compile(
    r"我的?(?:爱人|愛人|丈夫|妻子|老婆|老公|先生|太太|儿子|兒子|女儿|女兒|孩子)"
    r"|(?<!我)(?:孩子|儿子|兒子|女儿|女兒)(?=叫|名叫)"
)
_ZH_KIN_NOT_START = frozenset("上下刚剛马馬快正很太已明今去年出拿被打准準说說让讓工签簽")


def _zh_kin(t: str, pos: int) -> tuple[int, int] | None:
    """我丈夫王伟 / 我女儿叫小美 / 我爱人是李娜，: a name, unless a verb or a role follows."""
    for word in ("的名字是", "的名字叫", "名叫", "叫"):
        if t.startswith(word, pos):
            start = pos + len(word)
            end = start
            while end < len(t) and end - start < 4 and _han(t[end]) and t[end] not in _ZH_CUT:
                end += 1
            return (start, end) if end - start >= 2 and not t.startswith("什", start) else None
    if t.startswith("是", pos):
        return _zh_self(t, pos + 1)
    span = _zh_benren(t, pos)
    if span is None or t[span[0]] in _ZH_KIN_NOT_START or "我" in t[span[0] : span[1]]:
        return None
    return span


_ZH_CALLED = re.compile(
    r"(?:大家|朋友们?|别人|別人|他们|他們|同事们?|家人)都?(?:叫|喊|称呼|稱呼)我"
    r"|(?:本名|真名|原名|小名|外号|外號|昵称|暱稱)(?:是|叫)"
)


def _zh_called(t: str, pos: int) -> tuple[int, int] | None:
    span = _zh_name(t, _unquote(t, pos))
    if span is None or t[span[0] : span[1]].startswith(("什", "啥", "甚")):
        return None
    end = span[1]
    while end > span[0] and t[end - 1] in _ZH_CUT + "吗嗎呢吧":
        end -= 1
    return (span[0], end) if end > span[0] else None


_JA_CALLED = re.compile(r"「([^」\n]{1,16})」\s?(?:と|って)\s?(?:呼ばれ|よばれ|呼んで|よんで)")
_JA_REAL = re.compile(r"(?:本名|ほんみょう|通称|あだ名|あだな|ニックネーム)\s?(?:は|が)\s?")
_JA_REAL_NOT = ("何", "なん", "必要", "漢字", "カタカナ", "ひらがな", "ローマ字", "違", "ちが")


def _ja_real(t: str, pos: int) -> tuple[int, int] | None:
    span = _ja_name(t, pos)
    return None if span is None or t.startswith(_JA_REAL_NOT, span[0]) else span


_KO_KIN = re.compile(r"(?:제|내|저의|우리)\s*(?:남편|아내|와이프|아들|딸|부인|아이)\s+")
_KO_KIN_NAMED = re.compile(
    r"(?:남편|아내|와이프|아들|딸|부인|아이)\s*(?:의\s*)?이름(?:은|이)"
    r"|(?:본명|실명|별명|닉네임)\s*(?:은|는|이)\s"
)
_KO_CALLED = re.compile(
    r"['‘’\"“”]([가-힣A-Za-z][가-힣A-Za-z ]{0,19})['‘’\"“”]\s*(?:이)?라고\s*"
    r"(?:불러|부르|불려|불리|해요|합니다|하세요)"
)
_KO_PARTICLES: Final = tuple(
    sorted(
        _wordset("이에요 예요 이고 이랑 하고 은 는 이 가 도 와 과 씨 님 랑"), key=len, reverse=True
    )
)
_KO_KIN_NOT: Final = _KO_NOT_NAME | _wordset(
    "나이 이름 직업 월급 국적 여권 서류 건강 병원 생일 일본 한국 학교 회사 비자 일 도"
)


def _ko_kin(t: str, pos: int) -> tuple[int, int] | None:
    """제 남편 김민수는 ...: 2-4 syllables once a particle is taken off."""
    end = pos
    while end < len(t) and end - pos < 8 and "가" <= t[end] <= "힣":
        end += 1
    if end < len(t) and _is_letter(t[end]):
        return None
    word = t[pos:end]
    for p in _KO_PARTICLES:
        if word.endswith(p) and len(word) - len(p) >= 2:
            word = word[: -len(p)]
            break
    if not 2 <= len(word) <= 4 or word in _KO_KIN_NOT or word.startswith(_KO_COUNTRIES):
        return None
    return pos, pos + len(word)


_NE_KIN = re.compile(r"मेरो\s*(?:श्रीमती|श्रीमान्?|छोरा|छोरी|पति|पत्नी|बुबा|बुवा|आमा)(?:\s*को\s*नाम)?\s+")
_NE_KIN_NOT: Final = _NE_ROLES | _wordset(
    "जापानी नेपाली जापान नेपाल र अहिले त्यहाँ एक दुई तीन वर्ष उमेर स्कुल काम भिसा पनि नै"
)
_NE_VERB_MORE = (*_NE_VERB_END, "छ", "छन्", "हो", "हुँ", "हुन्", "न्", "यो", "ला")


def _ne_kin(t: str, pos: int) -> tuple[int, int] | None:
    if "नाम" in t[pos - 8 : pos]:
        return _ne_name(t, pos)
    if t[pos : pos + 1].isascii():
        return _latin_name(t, pos, ambiguous=True, lower_ok=False, limit=4)
    span: tuple[int, int] | None = None
    for s, e in _words(t, pos, 3):
        w = t[s:e]
        if w in _NE_KIN_NOT or w.endswith(_NE_CASE) or w.endswith(_NE_VERB_MORE):
            break
        span = (pos, e)
    return span


# Japanese roles after 私は / わたしは: "私は学生です" says what, not who.
_JA_ROLES: Final = _wordset(
    """学生 留学生 大学生 大学院生 専門学校生 高校生 技能実習生 実習生 研修生 会社員 社員 派遣社員
    契約社員 主婦 主夫 エンジニア 外国人 日本人 看護師 介護士 介護福祉士 料理人 コック 教師 先生
    社長 経営者 公務員 アルバイト パート 無職 会社経営者 自営業 フリーランス 通訳 翻訳者 研究者
    技術者 労働者 がくせい りゅうがくせい だいがくせい かいしゃいん しゃいん しゅふ
    ぎのうじっしゅうせい じっしゅうせい けんしゅうせい がいこくじん にほんじん かいごし
    かんごし せんせい むしょく 特定技能 とくていぎのう 母 父 妻 夫 はは ちち つま おっと"""
)
_JA_ROLE_END = ("実習生", "学生", "研修生", "社員", "職員", "じん", "せい", "しゃいん")


def _ja_self(t: str, pos: int) -> tuple[int, int] | None:
    span = _ja_name(t, pos)
    if span is None:
        return None
    word = t[span[0] : span[1]].replace(" ", "")
    if word in _JA_ROLES or word.endswith(_JA_ROLE_END):
        return None
    if word.endswith("人") and len(word) > 1 and "\u30a1" <= word[-2] <= "\u30fc":
        return None  # ベトナム人
    return span


# -- a parenthesised name after a name: "Sarah (Sarah Wilson)", "Hoa (Lê Thị Hoa)" --------


def _cap_words(t: str, pos: int, most: int) -> tuple[int, int] | None:
    """1 to ``most`` capitalised Latin words (particles between two: "Maria da Silva")."""
    span: tuple[int, int] | None = None
    words = list(_words(t, pos, most + 1))
    for n, (s, e) in enumerate(words):
        if not t[s].isupper():
            nxt = words[n + 1][0] if n + 1 < len(words) else -1
            if span and t[s:e] in _PARTICLES and nxt > 0 and t[nxt].isupper():
                continue
            break
        if n >= most:
            return None
        span = (pos, e)
    return span


def _cjk_name_char(c: str) -> bool:
    return _han(c) or "\u30a1" <= c <= "\u30fa" or c in "・ー"


def _short_name(t: str, pos: int, most: int = 4) -> tuple[int, int] | None:
    """A name standing alone: 1-4 capitalised Latin words, 2-5 Han or katakana (no
    hiragana: that is a verb's ending), or 2-4 Hangul syllables."""
    if pos >= len(t):
        return None
    c = t[pos]
    if "가" <= c <= "힣":
        end = pos
        while end < len(t) and end - pos < 5 and "가" <= t[end] <= "힣":
            end += 1
        return (
            (pos, end) if 2 <= end - pos <= 4 and not _is_letter(t[end : end + 1] or " ") else None
        )
    if _cjk_name_char(c):
        end = pos
        while end < len(t) and end - pos < 6 and _cjk_name_char(t[end]):
            end += 1
        if not 2 <= end - pos <= 5 or _is_letter(t[end : end + 1] or " "):
            return None
        return None if t[pos:end] in _CJK_NOT_NAME else (pos, end)
    if not c.isupper():
        return None
    span = _cap_words(t, pos, most)
    if span is None or t[span[0] : span[1]].casefold() in _SIGNOFF_NOT:
        return None
    if " " not in t[span[0] : span[1]] and t[span[0] : span[1]].isupper() and span[1] - pos > 1:
        return None  # one word in capitals: an acronym (JITCO), not a name
    return span


_CJK_NOT_NAME: Final = _wordset(
    """再见 再見 谢谢 謝謝 感谢 感謝 拜托 拜託 辛苦 敬上 上 特定技能 技能実習 技能实习 在留資格
    在留资格 本人 家族 配偶者 永住者 定住者 留学 留學 就労 工作 签证 簽證 ビザ"""
)
# Capitalised words that close a message without being a name.
_SIGNOFF_NOT: Final = frozenset(
    s.casefold()
    for s in _wordset(
        """I Thanks Thank Regards Best Cheers Sincerely Urgent Please Help Question
    Questions Update Edit PS Japan Tokyo Osaka Everyone All Team Sir Madam Admin Staff
    Hello Hi OK Ok Yes No Again Bye Goodbye God Bless"""
    )
)


def _paren_name(t: str, pos: int) -> tuple[int, int] | None:
    """A name alone in brackets at ``pos`` (one space before allowed): the inside."""
    if t[pos : pos + 1] == " ":
        pos += 1
    if t[pos : pos + 1] not in ("(", "（"):
        return None
    span = _short_name(t, pos + 1)
    if span and t[span[1] : span[1] + 1] in (")", "）"):
        return span
    return None


_PAIR = re.compile(r"(?<![^\W\d_])(?:[A-Z][^\W\d_]{1,20}|[\u4e00-\u9fff]{1,4})(?= ?[(（])")


def _find_name_pairs(view: _View) -> Iterator[tuple[int, int, str]]:
    """A short name and the full one in brackets after it: the short one is in the full
    one ("Sarah (Sarah Wilson)", "Hoa (Lê Thị Hoa)"), so both are a name."""
    t = view.text
    for m in _PAIR.finditer(t):
        inner = _paren_name(t, m.end())
        if inner is None:
            continue
        short, full = m.group(), t[inner[0] : inner[1]]
        if short.casefold() in full.casefold().split() or (_han(short[0]) and short in full):
            yield (*view.original(m.start(), m.end()), NAME)
            yield (*view.original(*inner), NAME)


# -- sign-offs: a name closing the message ----------------------------------------------

_SIGN_DASH = re.compile(r"(?:^|(?<=[\s.!?。！？、，,]))[-–—―‐‑]{1,3}[ \t]{0,3}|[—―]{2}")
_CLOSING = re.compile(
    r"(?<![^\W\d_])(?:(?:many\s+|big\s+)?thanks?(?:\s+you)?(?:\s+(?:so|very)\s+much)?"
    r"|thx|(?:best|kind|warm)\s+regards|regards|best\s+wishes|best|cheers|sincerely"
    r"|yours(?:\s+(?:truly|sincerely))?|(?:muito\s+)?obrigad[oa]|abs|abra[çc]os?|att"
    r"|atenciosamente|(?:terima\s+kasih|makasih)(?:\s+banyak)?|salam|hormat\s+saya"
    r"|(?:maraming\s+)?salamat(?:\s+po)?|(?:xin\s+)?c[ảá]m\s+[ơo]n(?:\s+nhi[ềe]u)?"
    r"|tr[âa]n\s+tr[ọo]ng)(?![^\W\d_])"
    r"|धन्यवाद|감사합니다|고맙습니다|谢谢|謝謝|感谢|感謝|ありがとうございま(?:す|した)"
    r"|よろしくお願いします|よろしく\s?おねがいします|ကျေးဇူးတင်ပါတယ်",
    re.IGNORECASE,
)
_COMMA_LINE = re.compile(r"[,，][ \t]{0,3}\r?\n[ \t]{0,3}")
_KO_SIGN = re.compile(r"(?<=[가-힣]) ?(?:드림|올림)")
_OPEN = re.compile(r"[(（]")
_END_PUNCT = " \t\r\n.!。！~"
_BOUNDARY = ".!?。！？\n"


def _ends_here(t: str, pos: int) -> bool:
    """Nothing but spaces and closing punctuation from ``pos`` to the end (16 at most)."""
    rest = t[pos : pos + 17]
    return len(rest) < 17 and all(c in _END_PUNCT for c in rest)


def _tail(t: str, pos: int) -> list[tuple[int, int]]:
    """The name at ``pos`` (and one in brackets after it) if the message ends there."""
    span = _short_name(t, pos)
    if span is None:
        return []
    inner = _paren_name(t, span[1])
    if inner and _ends_here(t, inner[1] + 1):
        return [span, inner]
    return [span] if _ends_here(t, span[1]) else []


def _find_signoffs(view: _View) -> Iterator[tuple[int, int, str]]:
    t = view.text
    closings: set[int] = set()
    for m in _CLOSING.finditer(t):
        closings.add(m.end())
        pos = m.end()
        while pos < len(t) and pos - m.end() < 4 and t[pos] in " \t\r\n,.!、，。！:~":
            pos += 1
        for span in _tail(t, pos):
            yield (*view.original(*span), NAME)
    for m in _COMMA_LINE.finditer(t):  # "Thanks for your help,\nMichael"
        for span in _tail(t, m.end()):
            yield (*view.original(*span), NAME)
    for m in _SIGN_DASH.finditer(t):
        for span in _tail(t, m.end()):
            yield (*view.original(*span), NAME)
    for m in _KO_SIGN.finditer(t):
        if not _ends_here(t, m.end()):
            continue
        start = m.start()
        while start > 0 and m.start() - start < 5 and "가" <= t[start - 1] <= "힣":
            start -= 1
        if 2 <= m.start() - start <= 4 and (start == 0 or not _is_letter(t[start - 1])):
            yield (*view.original(start, m.start()), NAME)
    for m in _OPEN.finditer(t):
        before = m.start()
        while before > 0 and m.start() - before < 4 and t[before - 1] in " \t\r\n":
            before -= 1
        if before > 0 and t[before - 1] not in _BOUNDARY and before not in closings:
            continue
        inner = _paren_name(t, m.start())
        if inner and _ends_here(t, inner[1] + 1):
            yield (*view.original(*inner), NAME)


# -- a bare signature: the message's last segment is a name and nothing else ---------

_SEGMENT_END = ".!?。！？\n।॥။"
_BARE_NOT: Final = _SIGNOFF_NOT | frozenset(
    s.casefold()
    for s in _wordset(
        """My The A An Visa Spouse Permanent Resident Residence Residency Student Students
    Engineer Specialist Humanities International Services Immigration Bureau Office Status
    Work Worker Skilled Technical Intern Training Designated Activities Business Manager
    Renewal Change Application Certificate Eligibility Nagoya Fukuoka Kyoto Yokohama Kobe
    Sapporo Saitama Chiba Japanese Philippines Vietnam Nepal Myanmar Indonesia Brazil
    China Korea Monday Tuesday Wednesday Thursday Friday Saturday Sunday Sorry Love Note
    Details Info Information Good Morning Afternoon Evening Night Day Luck Kind Warm Many"""
    )
)
_CJK_KIN_LEAD = re.compile(r"(?:妻|夫|母|父|息子|娘|主人|家内|爱人|愛人|丈夫|妻子|남편|아내)[ \t]")
_HANGUL_NOT_END = ("요", "다", "까", "죠", "네", "함", "음")
_NE_BARE_NOT: Final = _NE_KIN_NOT | _wordset("धन्यवाद नमस्ते नमस्कार कृपया सहयोग जानकारी प्रश्न भिसा")
_MY_BARE_END = (*_MY_VERB_END, *_MY_END, "သည်", "လား", "ဘူး", "ရှင့်", "ခင်ဗျာ", "ရှင်", "ပေး")


def _bare_cjk(t: str, pos: int, end: int) -> bool:
    """One or two runs of kanji, katakana or hangul (one space between): 赵磊, スミス 由美,
    김 민수; no hiragana (a verb's ending), no role, no closing word."""
    runs = t[pos:end].split(" ")
    if len(runs) > 2 or not all(runs):
        return False
    joined = "".join(runs)
    if all("가" <= c <= "힣" for c in joined):
        return (
            2 <= len(joined) <= 5
            and not joined.endswith(_HANGUL_NOT_END)
            and not any(r in _KO_KIN_NOT or r.endswith(tuple(_KO_ROLES)) for r in runs)
        )
    if not all(_cjk_name_char(c) for c in joined):
        return False
    if not 2 <= len(joined) <= (16 if "・" in joined or " " in t[pos:end] else 5):
        return False
    return not any(
        r in _CJK_NOT_NAME
        or r in _ZH_ROLES
        or r in _JA_ROLES
        or r in _JA_KIN_NOT
        or r.endswith(_ZH_NOT_A_NAME_END)
        or r.endswith(_CJK_NOUN_END)
        or r in _CLOSING_WORDS
        for r in runs
    )


# Last characters of the nouns a question ends on (永住権, 特定活動, 在留資格, 入管局).
_CJK_NOUN_END = tuple(
    "権権动動格請请新続续証证書书料費费金税険险館馆局所院校県县市区町村号法制度問题題"
)
_CLOSING_WORDS: Final = _wordset("谢谢 謝謝 感谢 感謝 多谢 多謝 以上 拜托了 拜託了")


def _bare_words(t: str, pos: int, end: int) -> bool:
    """1-3 words of Devanagari or Myanmar, none a verb, a role or a closing word."""
    words = t[pos:end].split(" ")
    if not 1 <= len(words) <= 3 or not all(words):
        return False
    first = unicodedata.name(words[0][0], "")
    for w in words:
        if not all(_is_letter(c) for c in w):
            return False
        if first.startswith("DEVANAGARI"):
            if w in _NE_BARE_NOT or w.endswith(_NE_CASE) or w.endswith(_NE_VERB_MORE):
                return False
        elif first.startswith("MYANMAR"):
            if w in _MY_ROLES or w.endswith(_MY_BARE_END) or w.endswith(_MY_CASE):
                return False
            if "ကျေးဇူး" in w or "မင်္ဂလာ" in w:
                return False
        else:
            return False
    return True


def _find_bare_signature(view: _View) -> Iterator[tuple[int, int, str]]:
    """ "... [email]. Rica", "谢谢。赵磊", "妻 スミス 由美": the last segment, after the last
    sentence end, is a name alone. Read once per text (the last segment only): linear."""
    t = view.text
    end = len(t)
    while end > 0 and t[end - 1] in _END_PUNCT:
        end -= 1
    cut = max(t.rfind(c, 0, end) for c in _SEGMENT_END)
    if cut <= 0 or not t[:cut].strip() or end - cut > 80:
        return
    pos = cut + 1
    while pos < end and t[pos] in " \t\r\n":
        pos += 1
    if pos >= end:
        return
    if kin := _CJK_KIN_LEAD.match(t, pos, end):
        pos = kin.end()
    c = t[pos]
    if c.isupper():  # Latin, accents too: "Hoàng Minh Đức"
        span = _cap_words(t, pos, 4)
        if span is None or span[1] != end:
            return
        words = t[pos:end].split()
        if any(w.casefold() in _BARE_NOT for w in words):
            return
        if len(words) == 1 and words[0].isupper() and len(words[0]) > 1:
            return  # an acronym (JITCO)
    elif not (_bare_cjk(t, pos, end) or _bare_words(t, pos, end)):
        return
    yield (*view.original(pos, end), NAME)


_NameReader = Callable[[str, int], "tuple[int, int] | None"]
_READERS: Final[tuple[tuple[re.Pattern[str], _NameReader], ...]] = (
    (_LATIN_EXPLICIT, _explicit_name),
    (_EN_AMBIGUOUS, _en_name),
    (_VI_AMBIGUOUS, lambda t, p: _latin_name(t, p, ambiguous=True, lower_ok=False)),
    (_PT_AMBIGUOUS, _pt_name),
    (_ID_AMBIGUOUS, lambda t, p: _latin_name(t, p, ambiguous=True, lower_ok=False)),
    (_ID_SAYA, _id_saya),
    (_TL_SI, _tl_si),
    (_PT_AQUI, _pt_name),
    (_NAME_LABEL, _labelled_name),
    (_JA, _ja_self),
    (_ZH, _zh_name),
    (_ZH_AMBIGUOUS, _zh_self),
    (_ZH_SURNAME, _zh_surname),
    (_ZH_BENREN, _zh_benren),
    (_JA_NATIONAL, _ja_national),
    (_KO_START, _ko_start),
    (_KO_EXPLICIT, lambda t, p: _suffixed_name(t, p, _KO_END, 2, need_end=False)),
    (_KO_AMBIGUOUS, lambda t, p: _copula_name(t, p, _KO_END, _KO_ROLES, limit=2)),
    (_NE, _ne_name),
    (_NE_AMBIGUOUS, _ne_self),
    (_MY, lambda t, p: _suffixed_name(t, p, _MY_END, 3, need_end=False)),
    (_MY_AMBIGUOUS, _my_self),
    (_LATIN_NAMED, _named_latin),
    (_LATIN_KIN, _kin_latin),
    (_JA_KIN, _ja_kin),
    (_JA_REAL, _ja_real),
    (_ZH_KIN, _zh_kin),
    (_ZH_CALLED, _zh_called),
    (_KO_KIN, _ko_kin),
    (_KO_KIN_NAMED, lambda t, p: _suffixed_name(t, p, _KO_END, 2, need_end=False)),
    (_NE_KIN, _ne_kin),
)


def _find_names(view: _View) -> Iterator[tuple[int, int, str]]:
    t = view.text
    for pattern, read in _READERS:
        for m in pattern.finditer(t):
            span = read(t, m.end())
            if span and span[1] > span[0]:
                yield (*view.original(*span), NAME)
                inner = _paren_name(t, span[1])  # "my name is Hoa (Lê Thị Hoa)"
                if inner:
                    yield (*view.original(*inner), NAME)
    for pattern in (_TL_TALAGA, _JA_CALLED, _KO_CALLED):  # the name is the group
        for m in pattern.finditer(t):
            yield (*view.original(m.start(1), m.end(1)), NAME)
    for m in _JA_BEFORE.finditer(t):
        span = _ja_name_before(t, m.start())
        if span:
            yield (*view.original(*span), NAME)


# The name finders, in the order the scrubber runs them (after the numbers).
NAME_FINDERS: Final = (_find_names, _find_signoffs, _find_name_pairs, _find_bare_signature)
