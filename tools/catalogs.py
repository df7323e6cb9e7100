"""Maintain the gettext catalogs under ``locales/``.

    python tools/catalogs.py update   # extract msgids, update every .po, fill en
    python tools/catalogs.py check    # exit 1 if a msgid is untranslated or a placeholder differs
    python tools/catalogs.py compile  # every .po to its .mo (make compile)

``update`` never invents translations: new msgids arrive empty (or fuzzy) in every
locale but ``en``, whose msgstr is the msgid itself, and the tests fail until a
translator fills them in.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
POT = LOCALES / "messages.pot"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def po_files() -> list[Path]:
    return sorted(LOCALES.glob("*/LC_MESSAGES/messages.po"))


def _run(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


EXTRACT_ARGS = ("-F", "babel.cfg", "-k", "N_", "--no-location", "--sort-output", "--omit-header")


def extract(target: Path) -> None:
    """Extract the msgids the code marks (``N_``) into the template ``target``."""
    _run("extract", *EXTRACT_ARGS, "-o", str(target), ".")


def update() -> None:
    """Re-extract the msgids and merge them into every catalog (folders that are not Babel
    locale names, like ``ja_easy``, included): new msgids arrive empty, dropped ones go."""
    extract(POT)
    for po in po_files():
        # A fresh template per catalog: Catalog.update shares the template's message
        # objects, so filling en's msgstr would otherwise fill every later locale too.
        with POT.open("rb") as fh:
            template = read_po(fh)
        with po.open("rb") as fh:
            catalog = read_po(fh)
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        catalog.obsolete.clear()
        if po.parent.parent.name == "en":
            for message in catalog:
                if message.id:
                    message.string = message.id
                    message.flags.discard("fuzzy")
        with po.open("wb") as fh:
            write_po(fh, catalog, omit_header=False, sort_output=True)


def compile_all() -> int:
    """Compile every ``messages.po`` to its ``.mo`` (what ``make compile`` runs)."""
    for po in po_files():
        with po.open("rb") as fh:
            catalog = read_po(fh)
        with po.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog)
        done = sum(1 for m in catalog if m.id and m.string)
        print(f"{po.parent.parent.name}: {done} of {len(catalog)} messages compiled")
    return 0


def problems(catalog: Catalog) -> list[str]:
    """Untranslated or fuzzy messages, and placeholders that differ from the msgid."""
    out = []
    for message in catalog:
        if not message.id:
            continue
        if not message.string or message.fuzzy:
            out.append(f"{catalog.locale}: untranslated: {message.id!r}")
        elif set(PLACEHOLDER.findall(str(message.id))) != set(
            PLACEHOLDER.findall(str(message.string))
        ):
            out.append(f"{catalog.locale}: placeholders differ: {message.id!r}")
    return out


def check() -> int:
    found = []
    for po in po_files():
        with po.open("rb") as fh:
            found += problems(read_po(fh))
    for line in found:
        print(line)
    return 1 if found else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["update", "check", "compile"])
    args = parser.parse_args()
    if args.action == "compile":
        return compile_all()
    if args.action == "update":
        update()
    return check()


if __name__ == "__main__":
    sys.exit(main())
