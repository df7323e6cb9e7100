"""Catalogs: complete, consistent with the code, compiled, and used correctly."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LOCALES, CatalogError, catalog_name, translator
from tools.catalogs import extract, problems

ROOT = Path(__file__).resolve().parent.parent
PO = {loc: ROOT / "locales" / catalog_name(loc) / "LC_MESSAGES" / "messages.po" for loc in LOCALES}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_msgid_translated(locale: str) -> None:
    """Every msgid has a translation in every shipped locale, placeholders kept."""
    with PO[locale].open("rb") as fh:
        assert problems(read_po(fh)) == []


def test_catalogs_match_the_code(tmp_path: Path) -> None:
    """The .po files hold exactly the msgids the code marks (run `make catalogs` if not)."""
    pot = tmp_path / "fresh.pot"
    extract(pot)
    with pot.open("rb") as fh:
        wanted = {m.id for m in read_po(fh) if m.id}
    for locale, po in PO.items():
        with po.open("rb") as fh:
            have = {m.id for m in read_po(fh) if m.id}
        assert have == wanted, f"{locale}: stale catalog; run `make catalogs`"


def _translation_calls() -> list[tuple[str, int, ast.expr]]:
    calls = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("N_", "gettext", "_") or (name == "t" and isinstance(func, ast.Attribute)):
                calls.append((str(path.relative_to(ROOT)), node.lineno, node.args[0]))
    return calls


def test_no_fstring_or_concatenation_inside_translation_calls() -> None:
    """Never build a msgid at run time: no f-string, % or + inside N_() / tr.t()."""
    bad = [
        f"{path}:{line}"
        for path, line, arg in _translation_calls()
        if isinstance(arg, (ast.JoinedStr, ast.BinOp))
    ]
    assert bad == []
    assert len(_translation_calls()) > 100


@pytest.mark.parametrize(
    ("locale", "expected"), [("en", "January 15, 2027"), ("ja", "2027年1月15日")]
)
def test_dates_are_formatted_per_locale(locale: str, expected: str) -> None:
    """Dates are written in words, the way each locale writes them."""
    assert translator(locale).date(date(2027, 1, 15)) == expected


def test_unknown_locale_is_refused() -> None:
    """Only shipped locales are accepted."""
    with pytest.raises(CatalogError, match="Unsupported"):
        translator("xx")


def test_japanese_catalog_is_used() -> None:
    """The compiled ja catalog translates prompts."""
    assert translator("ja").t("Yes") != "Yes"


@pytest.mark.parametrize("locale", ["en", "ja"])
def test_a_missing_catalog_is_an_error_not_english(
    locale: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An install without its catalogs says so instead of answering in English."""
    import bot.i18n

    monkeypatch.setattr(bot.i18n, "LOCALE_DIR", tmp_path)
    with pytest.raises(CatalogError, match="No catalog"):
        translator.__wrapped__(locale)


# Translations that are rightly the same word as the English msgid.
SAME_AS_ENGLISH = {("pt_BR", "Professor")}


@pytest.mark.parametrize("locale", [loc for loc in LOCALES if loc != "en"])
def test_no_catalog_passes_english_off_as_a_translation(locale: str) -> None:
    """A msgstr identical to its English msgid is an untranslated message in disguise
    (tools/catalogs.py once copied en's msgstr into every catalog)."""
    po = Path(__file__).resolve().parent.parent / "locales" / catalog_name(locale)
    with (po / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    same = [m.id for m in catalog if m.id and m.string == m.id]
    assert [s for s in same if (catalog_name(locale), s) not in SAME_AS_ENGLISH] == []
