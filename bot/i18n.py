"""Gettext catalogs (Babel ``.po`` under ``locales/``, compiled to ``.mo`` by the build).

One locale per turn: callers ask :func:`translator` for the turn's locale and pass it
down. Never build a msgid with an f-string; format *after* translating::

    tr = translator("ja")
    tr.t("Expiry date: {date}", date=tr.date(d))
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Final

from bot.i18n_marker import N_


def _locale_dir() -> Path:
    """The compiled catalogs: the source tree's ``locales/`` (``make compile`` writes each
    ``.mo`` next to its ``.po``) when this package sits in the source tree, else the ones the
    wheel carries inside the package (``bot/locales``, compiled by setup.py)."""
    package = Path(__file__).resolve().parent
    source_tree = package.parent / "locales"
    if (source_tree / "en" / "LC_MESSAGES" / "messages.po").is_file():
        return source_tree
    return package / "locales"


LOCALE_DIR: Final = _locale_dir()
DOMAIN: Final = "messages"
# BCP 47 codes: the button ids (lang:zh-Hans), the API's lang, the session's locale.
LOCALES: Final = ("en", "ja", "ja-easy", "zh-Hans", "vi", "ko", "tl", "pt-BR", "ne", "id", "my")
DEFAULT_LOCALE: Final = "en"
# Each locale's own name, shown on the language buttons (never translated).
LOCALE_NAMES: Final = {
    "en": "English",
    "ja": "日本語",
    "ja-easy": "やさしい日本語",
    "zh-Hans": "简体中文",
    "vi": "Tiếng Việt",
    "ko": "한국어",
    "tl": "Filipino",
    "pt-BR": "Português (Brasil)",
    "ne": "नेपाली",
    "id": "Bahasa Indonesia",
    "my": "မြန်မာဘာသာ",
}
# What browsers and Telegram send that means one of ours (lower case, "-" separated).
_ALIASES: Final = {
    "zh": "zh-Hans",
    "zh-cn": "zh-Hans",
    "zh-sg": "zh-Hans",
    "zh-hans-cn": "zh-Hans",
    "pt": "pt-BR",
    "fil": "tl",
    "in": "id",  # Indonesian's old ISO 639 code, still sent by some Android phones
}
_BY_LOWER: Final = {loc.lower(): loc for loc in LOCALES}

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALES",
    "LOCALE_NAMES",
    "N_",
    "CatalogError",
    "Translator",
    "babel_name",
    "catalog_name",
]


class CatalogError(RuntimeError):
    """A shipped locale has no compiled catalog (run ``make install``)."""


def normalize_locale(value: str | None) -> str | None:
    """Map 'ja', 'ja-JP', 'JA_jp', 'en-US', 'zh-CN', 'pt', 'fil' ... to a supported locale,
    or None ('zh-TW' is None: we have no Traditional Chinese)."""
    if not value:
        return None
    tag = value.strip().replace("_", "-").lower()
    if tag in _BY_LOWER:
        return _BY_LOWER[tag]
    base = tag.split("-")[0]
    if base == "zh" and tag not in _ALIASES:  # zh-TW, zh-HK, zh-Hant: not Simplified
        return None
    found = _ALIASES.get(tag) or _BY_LOWER.get(base) or _ALIASES.get(base)
    return found if found in LOCALES else None


def catalog_name(locale: str) -> str:
    """The folder of a locale's catalog and FAQ texts: ``zh-Hans`` → ``zh_Hans``,
    ``pt-BR`` → ``pt_BR``, ``ja-easy`` → ``ja_easy``."""
    return locale.replace("-", "_")


def babel_name(locale: str) -> str:
    """The CLDR locale for dates and month names: the folder name, but Easy Japanese
    formats dates as Japanese does."""
    return "ja" if locale == "ja-easy" else catalog_name(locale)


@dataclass(frozen=True, slots=True)
class Translator:
    """Translations for one locale."""

    locale: str
    catalog: gettext.NullTranslations

    def t(self, msgid: str, /, **params: object) -> str:
        """Translate ``msgid`` and fill its ``{placeholders}``."""
        text = self.catalog.gettext(msgid)
        return text.format(**params) if params else text

    def date(self, value: date) -> str:
        """A date in words, formatted for the locale (Babel CLDR 'long')."""
        return _format_date(value, self.locale)


@cache
def translator(locale: str) -> Translator:
    """The translator for ``locale`` (cached; raises CatalogError if not compiled)."""
    if locale not in LOCALES:
        msg = f"Unsupported locale {locale!r}; supported: {', '.join(LOCALES)}"
        raise CatalogError(msg)
    mo = LOCALE_DIR / catalog_name(locale) / "LC_MESSAGES" / f"{DOMAIN}.mo"
    po = mo.with_suffix(".po")
    if not mo.exists():
        if po.exists():
            msg = f"Locale {locale!r} is not compiled ({mo} missing): run `make install`"
        else:  # never fall back to English quietly: an install without its catalogs
            msg = f"No catalog for locale {locale!r} ({mo} missing): reinstall the package"
        raise CatalogError(msg)
    with mo.open("rb") as fh:
        return Translator(locale, gettext.GNUTranslations(fh))


@lru_cache(maxsize=4096)
def _format_date(value: date, locale: str) -> str:
    from babel.dates import format_date  # noqa: PLC0415 - Babel's CLDR load is paid on first use

    return format_date(value, format="long", locale=babel_name(locale))
