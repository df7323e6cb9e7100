"""FAQ search: SQLite FTS5 (through sqlite-utils) with one tokenizer per script.

Every phrasing of every entry (question, paraphrases, keywords, answer; all
locales) is a row, indexed twice in an in-memory database:

* ``porter_rows_fts`` (``porter unicode61``) for Latin-script words, so
  "renewing" finds "renewal";
* ``trigram_rows_fts`` (``trigram``) for Japanese, which has no spaces: a
  query's kanji/katakana runs are split into the longest pieces the index
  knows (:meth:`FaqIndex.lookup_terms`), each matched as a substring.

User text is never used as FTS syntax: each term is quoted (``"term"``) before
it reaches ``MATCH``. Two fallbacks cover what FTS5 cannot: Japanese pieces of
two characters (申請, 期限, ビザ; shorter than a trigram) are found with ``LIKE``,
and an English word that matches nothing (a typo such as "pasword") is retried
as trigrams of the word.

Scoring is coverage, weighted by rarity: each query term weighs its inverse
document frequency over the entries, and an entry's confidence is the share of
the query's weight it covers (0..1), blended with the best single phrasing's
share so that terms scattered over unrelated paraphrases count for less. A
query made of words the FAQ has never seen ("weather in Osaka") therefore gets
a low confidence, and :func:`search` reports it as not answered rather than
guessing. Per-term lookups are cached, so a search is mostly dictionary work.
"""

from __future__ import annotations

import math
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from sqlite_utils import Database

from bot.faq.content import FaqEntry, entries
from bot.faq.tuning import THRESHOLD, guard_for, threshold_for
from bot.i18n import LOCALES

# Confidence = ENTRY_SHARE x (share of the query weight the entry covers, over all its
# phrasings) + the rest x (share covered by its best single phrasing). A term found only
# in an entry's answer counts ANSWER_WEIGHT of a term found in its questions.
ENTRY_SHARE = 0.8
ANSWER_WEIGHT = 0.5
PRECISION_BONUS = 0.05  # ranking only; the reported confidence does not include it
MAX_QUERY = 300  # characters searched; longer pastes are cut (the engine refuses > 500)
MAX_TERMS = 40
MAX_RUN = 60  # characters of one Japanese, Chinese or Burmese run
MAX_PIECES = 60  # terms looked up per query, after splitting runs into pieces

# Words in any script with spaces between words (Latin with diacritics, Hangul,
# Devanagari, Myanmar ...): letters and digits, as SQLite's unicode61 tokenizer splits
# them; Japanese and Chinese characters are left to the cjk terms below.
# Devanagari and Myanmar vowel signs and viramas are combining marks, not letters: they
# belong to the word (so does the FTS tokenizer's ``categories`` below).
_WORD = re.compile(
    r"(?:[^\W_\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff々〆ー]|[\u0900-\u097f\u1000-\u109f])+"
    r"(?:'[a-z]+)?"
)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff々〆ー]+")
_KANA_KANJI = re.compile(r"[\u30a0-\u30ff\u3400-\u9fff\uf900-\ufaff々〆ー]+")
_HIRAGANA = re.compile(r"[\u3040-\u309f]+")
_VERB_STEM = re.compile(
    r"(?<![\u30a0-\u30ff\u3400-\u9fff\uf900-\ufaff々])[\u3400-\u9fff\uf900-\ufaff][\u3040-\u309f]"
)
_KATAKANA_ONLY = re.compile(r"^[\u30a0-\u30ffー]+$")

# Words that carry no topic: question scaffolding and pronouns. Domain words
# ("online", "apply") stay; their weight falls with their document frequency.
STOPWORDS_EN = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "about",
        "as",
        "into",
        "than",
        "then",
        "so",
        "i",
        "me",
        "my",
        "mine",
        "we",
        "us",
        "our",
        "you",
        "your",
        "he",
        "she",
        "it",
        "its",
        "they",
        "them",
        "their",
        "this",
        "that",
        "these",
        "those",
        "am",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "do",
        "does",
        "did",
        "done",
        "doing",
        "have",
        "has",
        "had",
        "having",
        "can",
        "could",
        "may",
        "might",
        "must",
        "shall",
        "should",
        "will",
        "would",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "there",
        "here",
        "yes",
        "please",
        "pls",
        "plz",
        "thanks",
        "thank",
        "hi",
        "hello",
        "hey",
        "any",
        "some",
        "all",
        "also",
        "just",
        "only",
        "still",
        "yet",
        "very",
        "really",
        "much",
        "many",
        "more",
        "most",
        "get",
        "got",
        "need",
        "want",
        "know",
        "tell",
        "let",
        "s",
        "t",
        "ll",
        "ve",
        "re",
        "d",
        "m",
        "im",
        "i'm",
        "it's",
        "that's",
        "what's",
        "i've",
        "i'd",
        "i'll",
        "like",
        "ok",
        "okay",
        "something",
        "anything",
        "thing",
        "things",
        "someone",
        "way",
        "e",
        "g",
        "etc",
        "whole",
        "entire",
        "every",
        "each",
        "both",
    ]
)
# The same scaffolding in the other spaced languages: filler that opens a chat message
# ("queria saber:", "혹시", "근데") must not make a content-free message look like a
# question about whichever entry happens to contain it.
STOPWORDS_OTHER = frozenset(
    [
        # Portuguese
        *("a", "o", "os", "as", "um", "uma", "de", "do", "da", "dos", "das", "em", "no", "na"),
        *("nos", "nas", "para", "pra", "pro", "por", "com", "que", "e", "é", "eu", "meu"),
        *("minha", "voce", "você", "vc", "se", "isso", "esse", "essa", "gente", "queria"),
        *("quero", "saber", "duvida", "dúvida", "pergunta", "coisa", "oi", "ola", "olá"),
        *("obrigado", "obrigada", "alguem", "alguém", "ai", "aí", "entao", "então", "tipo"),
        # Korean
        *(
            "혹시",
            "혹시요",
            "근데",
            "그런데",
            "질문",
            "질문요",
            "질문이요",
            "궁금해요",
            "궁금합니다",
        ),
        *("저", "제가", "저는", "좀", "그럼", "그리고", "안녕하세요", "감사합니다"),
        # Indonesian, Filipino, Vietnamese
        *("saya", "aku", "mau", "tanya", "dong", "ya", "halo", "yang", "dan", "atau", "ini"),
        *("itu", "ako", "ang", "ng", "mga", "po", "lang", "naman", "yung", "sa", "ba"),
        *("ko", "tôi", "em", "mình", "cho", "hỏi", "ạ", "với", "thì", "là", "của"),
    ]
)
STOPWORDS = STOPWORDS_EN | STOPWORDS_OTHER
STOPWORDS_JA = frozenset(
    [
        "ですか",
        "ますか",
        "ません",
        "ました",
        "でした",
        "します",
        "できます",
        "できますか",
        "ありますか",
        "ください",
        "ですが",
        "ますが",
        "でしょうか",
        "いいですか",
        "よいですか",
        "ありません",
        "どうすれば",
        "どうしたら",
        "どうやって",
        "どうすればいい",
        "したいです",
        "したい",
        "なんですか",
        "ないですか",
        "あります",
        "います",
        "いますか",
        "ている",
        "ていま",
        "ことは",
        "ことが",
        "ことを",
        "ことも",
        "ですよね",
        "んですか",
        "のですか",
        "でしょう",
        "ってある",
        "ってなに",
        "って何",
        "なんだけど",
        "だけど",
        "けど",
        "ですけど",
        "について",
        "場合",
        "方法",
    ]
)
HIRAGANA_WEIGHT = 0.5
DATE_WORD_WEIGHT = 0.25
_DATE_WORD = re.compile(
    r"^(?:\d+(?:st|nd|rd|th)|jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|"
    r"july?|aug(?:ust)?|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)$"
)
# Kanji stems that are question scaffolding, not topic (教えて, やり方を, 分からない, 時に).
STEM_STOPWORDS_JA = frozenset(
    [
        "教え",
        "方を",
        "方は",
        "方が",
        "方で",
        "方に",
        "分か",
        "時に",
        "時は",
        "中に",
        "中で",
        "後に",
        "前に",
    ]
)
MAX_PIECE = 8  # the longest Japanese piece looked up as one term
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_MYANMAR = re.compile(r"[\u1000-\u109f]")
_UNSPACED_RUN = re.compile(
    r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff々〆ー\u1000-\u109f\uac00-\ud7af]+"
)
MAX_MYANMAR_PIECE = 24
MIN_MYANMAR_PIECE = 3


def _is_mark(char: str) -> bool:
    """A combining vowel sign, tone mark or virama: part of the syllable before it."""
    return unicodedata.category(char) in ("Mn", "Mc")


# Chinese function characters: an unmatched run made only of these is grammar, not an
# unknown word (我是, 要和, 一起 ... 吗).
ZH_FUNCTION_CHARS = frozenset(
    "我你他她它们的了是在要和与吗呢吧啊呀嘛也都就还又很太最这那哪些个么什怎可以能会想请问把被给让对从到用"
)


@dataclass(frozen=True, slots=True)
class Term:
    """One search term: how it is looked up and its text."""

    kind: str  # "word" (porter MATCH), "gram" (trigram MATCH), "short" (LIKE)
    text: str
    weight: float = 1.0  # relative, before idf


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked entry."""

    entry: FaqEntry
    confidence: float  # 0..1


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Ranked entries for a query; ``answered`` is False below :data:`THRESHOLD`."""

    query: str
    hits: tuple[Hit, ...]
    threshold: float = THRESHOLD

    @property
    def top(self) -> Hit | None:
        return self.hits[0] if self.hits else None

    @property
    def answered(self) -> bool:
        return bool(self.hits) and self.hits[0].confidence >= self.threshold


def normalize(text: str, limit: int | None = MAX_QUERY) -> str:
    """NFKC (full-width to half-width) and case-folded, like the indexed text; a query is
    cut to ``limit`` characters."""
    if limit is None:
        return unicodedata.normalize("NFKC", text).casefold()
    return unicodedata.normalize("NFKC", text[: limit * 2]).casefold()[:limit]


def _piece(text: str, weight: float = 1.0) -> Term:
    """A Japanese piece: ``LIKE`` for two characters (FTS5 trigrams need three)."""
    return Term("short" if len(text) == 2 else "gram", text, weight)


def _grams(run: str) -> list[str]:
    return [run[i : i + 3] for i in range(len(run) - 2)]


def terms(query: str) -> list[Term]:
    """The raw terms of a query, in order, without duplicates.

    Latin words become ``word`` terms. Japanese has no spaces, so kanji/katakana runs
    become ``cjk`` terms and hiragana runs (mostly grammar) ``kana`` terms; the index
    splits both into the longest pieces it knows (:meth:`FaqIndex.lookup_terms`).
    """
    text = normalize(query)
    out: dict[tuple[str, str], Term] = {}

    def add(term: Term) -> None:
        # A run of unspaced script is cut to MAX_RUN characters: each character costs
        # lookups, and no question needs more in one run (issue 12: bounded cost).
        key = (term.kind, term.text[:MAX_RUN])
        if key not in out and len(out) < MAX_TERMS:
            out[key] = Term(term.kind, key[1], term.weight)

    for word in _WORD.findall(text):
        if word not in STOPWORDS and (len(word) > 1 or word.isdigit()):
            # Month names and ordinals ("March", "30th") say when, not what about; bare
            # numbers keep their weight ("under 15", "4-digit PIN").
            add(Term("word", word, DATE_WORD_WEIGHT if _DATE_WORD.match(word) else 1.0))
    for run in _CJK.findall(text):
        for seg in _KANA_KANJI.findall(run):
            if len(seg) >= 2 and seg not in STOPWORDS_JA:
                add(Term("cjk", seg))
        # A lone kanji with its first kana is a verb or adjective stem (取り下げ: 取り, 下げ;
        # 出した: 出し): too ambiguous to count alone, but dropping it loses what the
        # question is about, so it is a half-weight term: matched if the index knows it,
        # otherwise an unknown word that lowers the confidence.
        for stem in _VERB_STEM.findall(run):
            if stem not in STEM_STOPWORDS_JA:
                add(Term("cjk", stem, HIRAGANA_WEIGHT))
        for seg in _HIRAGANA.findall(run):
            if len(seg) >= 3 and seg not in STOPWORDS_JA:
                add(Term("kana", seg, HIRAGANA_WEIGHT))
    return list(out.values())


_QUESTION_START = frozenset(
    [
        "how",
        "what",
        "when",
        "where",
        "why",
        "who",
        "which",
        "whose",
        "can",
        "could",
        "may",
        "might",
        "do",
        "does",
        "did",
        "is",
        "are",
        "was",
        "will",
        "would",
        "should",
        "shall",
        "am",
        "have",
        "has",
        "any",
    ]
)
_JA_QUESTION = re.compile(
    r"(か|かな|かね|の|なに|何|どう|いつ|どこ|どれ|なぜ|誰|教えて|ですか|ますか)[?？!！。.\s]*$"
)
_JA_QUESTION_WORDS = (
    *("どう", "いつ", "どこ", "なぜ", "何", "誰", "教えて", "いくら", "できる", "できない"),
)


def asks(text: str) -> bool:
    """Marked as a question: a question mark, a question word first, or (Japanese) a
    question ending or question word."""
    norm = normalize(text).strip()
    if "?" in norm:
        return True
    words = _WORD.findall(norm)
    if words and words[0] in _QUESTION_START:
        return True
    return bool(
        _CJK.search(norm)
        and (_JA_QUESTION.search(norm) or any(w in norm for w in _JA_QUESTION_WORDS))
    )


def looks_like_question(text: str) -> bool:
    """Marked as a question (:func:`asks`), or three or more topic words."""
    if asks(text):
        return True
    return sum(not t.text.isdigit() for t in terms(normalize(text).strip())) >= 3


# Scripts and letters that tell a language apart (for answering before a language is
# chosen); Indonesian and Filipino look like English here and get English.
_SCRIPTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\u3040-\u30ff]"), "ja"),  # kana: Japanese
    (re.compile(r"[\uac00-\ud7af\u1100-\u11ff]"), "ko"),  # Hangul
    (re.compile(r"[\u0900-\u097f]"), "ne"),  # Devanagari
    (re.compile(r"[\u1000-\u109f]"), "my"),  # Myanmar
    (re.compile(r"[\u3400-\u9fff]"), "ja"),  # kanji without kana: Japanese as before
    (re.compile(r"[ăđơư]|[ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I), "vi"),
    (re.compile(r"[ãõç]", re.I), "pt-BR"),
)


def detect_locale(query: str) -> str:
    """The language a query is most likely in, by its script (``en`` when it can't tell)."""
    for pattern, locale in _SCRIPTS:
        if locale in LOCALES and pattern.search(query):
            return locale
    return "en"


class FaqIndex:
    """The FTS5 index over a set of entries (in memory, built once, thread-safe)."""

    def __init__(self, faq: dict[str, FaqEntry], locales: tuple[str, ...] = ("en", "ja")) -> None:
        self.entries = faq
        conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._db = Database(conn)
        self._lock = threading.Lock()
        rows: list[dict[str, object]] = []
        for entry in faq.values():
            for text in (entry.texts[locale] for locale in locales):
                texts = (
                    [*text.phrasings, " / ".join(text.keywords)]
                    if text.keywords
                    else [*text.phrasings]
                )
                rows += [{"entry_id": entry.id, "kind": "q", "text": t} for t in texts]
                rows.append({"entry_id": entry.id, "kind": "a", "text": text.answer})
        for i, row in enumerate(rows, start=1):
            row["id"] = i
            row["text"] = normalize(str(row["text"]), limit=None)
        porter = "porter unicode61 categories 'L* N* Co Mc Mn'"
        for name, tokenize in (("porter_rows", porter), ("trigram_rows", "trigram")):
            self._db.table(name).insert_all(rows, pk="id")
            self._db.table(name).enable_fts(["text"], tokenize=tokenize)
        self.row_entry: dict[int, str] = {int(str(r["id"])): str(r["entry_id"]) for r in rows}
        self.row_kind: dict[int, str] = {int(str(r["id"])): str(r["kind"]) for r in rows}
        # Content terms per question row: how much of a phrasing a query covers.
        self.row_size: dict[int, int] = {
            int(str(r["id"])): max(1, len(terms(str(r["text"])))) for r in rows if r["kind"] == "q"
        }
        self.n = len(faq)
        self._cache: dict[tuple[str, str], frozenset[int]] = {}
        # Every two- and three-character run of unspaced script (Japanese, Chinese,
        # Burmese, Korean) in the index, with the rows holding it: a piece whose first
        # characters are not here cannot occur, and a two-character piece is a dict
        # lookup instead of a LIKE scan, so long or random input stays cheap (issue 12).
        grams: dict[str, set[int]] = {}
        for r in rows:
            for run in _UNSPACED_RUN.findall(str(r["text"])):
                for size in (2, 3):
                    for i in range(len(run) - size + 1):
                        grams.setdefault(run[i : i + size], set()).add(int(str(r["id"])))
        self._grams = {gram: frozenset(ids) for gram, ids in grams.items()}

    # ------------------------------------------------------------------ lookups

    def rows(self, term: Term) -> frozenset[int]:
        """Row ids containing ``term`` (cached; the index never changes)."""
        key = (term.kind, term.text)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        quoted = '"' + term.text.replace('"', '""') + '"'
        if term.kind == "word":
            sql = "SELECT rowid FROM porter_rows_fts WHERE porter_rows_fts MATCH ?"
            args: tuple[str, ...] = (quoted,)
        elif term.kind == "gram":
            sql = "SELECT rowid FROM trigram_rows_fts WHERE trigram_rows_fts MATCH ?"
            args = (quoted,)
        elif _UNSPACED_RUN.fullmatch(term.text):  # two characters: the map built above
            return self._grams.get(term.text, frozenset())
        else:  # shorter than a trigram: FTS5 cannot match it, so scan (small table)
            escaped = term.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            sql = "SELECT id FROM trigram_rows WHERE text LIKE ? ESCAPE '\\'"
            args = (f"%{escaped}%",)
        with self._lock:
            found = frozenset(int(r[0]) for r in self._db.execute(sql, args).fetchall())
        if len(self._cache) < 50_000:
            self._cache[key] = found
        return found

    def _known(self, piece: str) -> bool:
        if _UNSPACED_RUN.fullmatch(piece[:3]):
            if piece[:3] not in self._grams:
                return False  # no longer piece can occur either
            if len(piece) <= 3:
                return True
        return bool(self.rows(_piece(piece)))

    def lookup_terms(self, term: Term) -> list[Term]:
        """What to look up for a raw term.

        A Japanese run is split greedily into the longest pieces (up to 8 characters)
        that occur in the index: 申請出した gives 申請, パソコン持って gives パソコン.
        Characters in between that match nothing stay as one unknown piece when two or
        more of them remain (端末), so unknown words still lower the confidence; single
        leftover characters (出, 持) are dropped. Hiragana pieces that match nothing are
        grammar and are dropped. Pieces of two characters are looked up with ``LIKE``
        (FTS5 trigrams need three), longer ones with the trigram index.
        """
        if term.kind == "word":
            if _HANGUL.search(term.text):
                return [self._hangul_stem(term)]
            if _MYANMAR.search(term.text):
                return self._myanmar_pieces(term)
            return [term]
        seg, out, unknown = term.text, [], ""
        katakana = bool(_KATAKANA_ONLY.match(seg))

        def flush() -> None:
            nonlocal unknown
            # Chinese grammar words (要, 和, 吗 ...) are not content: like hiragana in
            # Japanese they do not lower the confidence when nothing matches them.
            content = set(unknown) - ZH_FUNCTION_CHARS
            if len(unknown) >= 2 and term.kind == "cjk" and content:
                out.append(_piece(unknown, term.weight))
            unknown = ""

        i = 0
        while i < len(seg):
            longest = min(len(seg) - i, MAX_PIECE)
            if longest >= 3 and not self._known(seg[i : i + 3]):
                longest = 2  # no longer piece can occur if its first trigram doesn't
            for size in range(longest, 1, -1):
                piece = seg[i : i + size]
                if size == 2 and katakana and len(seg) > 2:
                    continue  # イン inside ポイント is not オンライン's イン
                if piece not in STOPWORDS_JA and self._known(piece):
                    flush()
                    out.append(_piece(piece, term.weight))
                    i += size
                    break
            else:
                unknown += seg[i]
                i += 1
        flush()
        return out

    def _myanmar_pieces(self, term: Term) -> list[Term]:
        """Burmese writes phrases without spaces (အကောင့်ဖွင့်ပြီး): a chunk the index does
        not know as a whole is split greedily into the longest known pieces of whole
        syllables (a piece never starts or ends inside a syllable, i.e. next to a vowel
        sign or virama), each matched as a substring like Japanese. What matches nothing
        stays as one unknown piece when it is three characters or more, so unknown words
        still lower the confidence."""
        word = term.text
        if self.rows(term) or len(word) < 6:
            return [term]
        out: list[Term] = []
        unknown = ""
        i = 0
        while i < len(word):
            found = 0
            for size in range(min(len(word) - i, MAX_MYANMAR_PIECE), MIN_MYANMAR_PIECE - 1, -1):
                end = i + size
                if end < len(word) and _is_mark(word[end]):
                    continue  # would cut a syllable
                if self._known(word[i:end]):
                    found = size
                    break
            if found:
                if len(unknown) >= 3:
                    out.append(Term("gram", unknown, term.weight))
                unknown = ""
                out.append(Term("gram", word[i : i + found], term.weight))
                i += found
            else:
                unknown += word[i]
                i += 1
        if len(unknown) >= 3:
            out.append(Term("gram", unknown, term.weight))
        return out or [term]

    def _hangul_stem(self, term: Term) -> Term:
        """A Korean word with its particle or ending (신청할, 필요해요): the word if the
        index has it, else its longest known stem of two or more syllables (신청, 필요),
        else the word (unknown, so it lowers the confidence)."""
        if self.rows(term):
            return term
        word = term.text
        for size in range(len(word) - 1, 1, -1):
            stem = word[:size]
            if self._known(stem):
                return _piece(stem, term.weight)
        return term

    def _typo_rows(self, word: str) -> dict[int, float]:
        """For a word that matches nothing: rows holding most of its trigrams."""
        grams = _grams(word)
        if len(grams) < 3:
            return {}
        counts: dict[int, int] = {}
        for gram in grams:
            for rid in self.rows(Term("gram", gram)):
                counts[rid] = counts.get(rid, 0) + 1
        return {rid: c / len(grams) for rid, c in counts.items() if c / len(grams) >= 0.6}

    def _idf(self, entry_ids: Iterable[str]) -> float:
        df = len(set(entry_ids))
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    # ------------------------------------------------------------------ search

    def search(self, query: str, top: int = 3, threshold: float = THRESHOLD) -> SearchResult:
        """Ranked entries for ``query`` with a confidence each. A key-concept guard
        (:mod:`bot.faq.tuning`) keeps a question about a VPN to the entries about
        foreign access."""
        found: list[tuple[float, dict[int, float]]] = []  # (weight, row -> match strength)
        lookups: dict[tuple[str, str], Term] = {}
        for raw in terms(query):
            for t in self.lookup_terms(raw):
                lookups.setdefault((t.kind, t.text), t)
            if len(lookups) >= MAX_PIECES:
                break  # bounded cost: the rest of a very long paste is not searched
        for term in lookups.values():
            rows = dict.fromkeys(self.rows(term), 1.0)
            if not rows and term.kind == "word":
                rows = self._typo_rows(term.text)
            weight = term.weight * self._idf(self.row_entry[r] for r in rows)
            found.append((weight, rows))
        total = sum(w for w, _ in found)
        if total <= 0:
            return SearchResult(query, (), threshold)
        entry_score: dict[str, float] = {}
        row_score: dict[int, float] = {}
        row_hits: dict[int, float] = {}
        for weight, rows in found:
            best: dict[str, float] = {}
            for rid, strength in rows.items():
                eid = self.row_entry[rid]
                is_q = self.row_kind[rid] == "q"
                best[eid] = max(best.get(eid, 0.0), strength if is_q else strength * ANSWER_WEIGHT)
                if is_q:
                    row_score[rid] = row_score.get(rid, 0.0) + weight * strength
                    row_hits[rid] = row_hits.get(rid, 0.0) + strength
            for eid, value in best.items():
                entry_score[eid] = entry_score.get(eid, 0.0) + weight * value
        best_row: dict[str, float] = {}
        precision: dict[str, float] = {}
        for rid, score in row_score.items():
            eid = self.row_entry[rid]
            best_row[eid] = max(best_row.get(eid, 0.0), score)
            share = min(1.0, row_hits[rid] / self.row_size[rid])
            precision[eid] = max(precision.get(eid, 0.0), share)
        ranked = sorted(
            (
                (
                    ENTRY_SHARE * score / total
                    + (1 - ENTRY_SHARE) * best_row.get(eid, 0.0) / total,
                    precision.get(eid, 0.0),
                    eid,
                )
                for eid, score in entry_score.items()
            ),
            # Near-ties go to the entry with a phrasing the query covers most of:
            # "visa renewal fee" is "How much is the fee?", not "Will fees go up?".
            key=lambda row: (-(row[0] + PRECISION_BONUS * row[1]), row[2]),
        )
        guard = guard_for(normalize(query))
        if guard is not None:
            ranked = [row for row in ranked if row[2] in guard.entries]
        hits = tuple(Hit(self.entries[eid], round(conf, 4)) for conf, _, eid in ranked[:top])
        return SearchResult(query, hits, threshold)


BASE_LOCALES: tuple[str, ...] = ("en", "ja")


@cache
def index_for(locale: str | None = None) -> FaqIndex:
    """The index a question in ``locale`` is searched in, built on first use: English and
    Japanese (whose official terms every locale's users also type), plus the locale's own
    phrasings. Keeping each locale's words apart stops, say, Chinese phrasings (kanji too)
    from outranking Japanese ones for a Japanese question."""
    if locale is None or locale in BASE_LOCALES or locale not in LOCALES:
        return FaqIndex(entries(), BASE_LOCALES)
    return FaqIndex(entries(), (*BASE_LOCALES, locale))


def default_index() -> FaqIndex:
    """The English and Japanese index (built once; ``serve`` builds it at start-up)."""
    return index_for(None)


# Unspaced scripts (Japanese, Chinese, Burmese): this many characters or fewer, with no
# question mark, is a word, not a question.
FRAGMENT_MAX_CHARS = 6
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\u1000-\u109f]")
_DIGITS_AND_SEPARATORS = re.compile(r"^[\d\s/.\-:,年月日号番]+$")


def is_fragment(text: str) -> bool:
    """Numbers, dates and one-word inputs ("12", "2026/12/1", "VPN", 「更新」): an answer
    to a step, or noise, but never a question (issue 11). A question mark makes any of
    them a question again ("VPN?")."""
    norm = normalize(text).strip()
    if not norm:
        return True
    if "?" in norm:
        return False
    if _DIGITS_AND_SEPARATORS.match(norm):
        return True
    from bot.dates import DateAmbiguous, DateOK, parse_date  # noqa: PLC0415 - light, rare

    if isinstance(parse_date(text), DateOK | DateAmbiguous):
        return True
    if _UNSPACED.search(norm) and " " not in norm:
        return len(norm) <= FRAGMENT_MAX_CHARS and not asks(norm)
    return len(norm.split()) == 1


def search(query: str, top: int = 3, locale: str | None = None) -> SearchResult:
    """Search the packaged FAQ, for a user reading ``locale`` (None: English and Japanese).
    The library entry point for the engine, the CLI and the web API. A fragment (a
    number, a date, one word: :func:`is_fragment`) is declined, never answered."""
    threshold = threshold_for(locale)
    if is_fragment(query):
        return SearchResult(query=query, hits=(), threshold=threshold)
    return index_for(locale).search(query, top=max(1, top), threshold=threshold)
