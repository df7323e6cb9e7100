"""Check one new locale's files before it is wired in: the catalog and the FAQ texts.

    python tools/check_locale_files.py vi

Checks ``locales/<folder>/LC_MESSAGES/messages.po`` (every msgid of the English catalog
translated, no fuzzy entries, placeholders exactly as in the msgid, Telegram's 4,096
limit) and ``bot/faq/content/<folder>/*.toml`` (the same topics and entry ids in the same
order as English, every field present, answers at most 1,500 characters, at least five
paraphrases). Prints every problem and exits 1 if there is one.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{(\w+)\}")
MAX_ANSWER = 1500
TEXT_LIMIT = 4096


def check_catalog(folder: str) -> list[str]:
    path = ROOT / "locales" / folder / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return [f"{path} is missing"]
    with (ROOT / "locales" / "en" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        english = {m.id for m in read_po(fh) if m.id}
    with path.open("rb") as fh:
        catalog = read_po(fh)
    found = {m.id: m for m in catalog if m.id}
    out = [f"missing msgid: {i!r}" for i in sorted(english - set(found))]
    out += [f"msgid not in English: {i!r}" for i in sorted(set(found) - english)]
    for msgid, message in found.items():
        if not isinstance(msgid, str):
            out.append(f"plural messages are not used here: {msgid!r}")
            continue
        text = message.string if isinstance(message.string, str) else ""
        if not text.strip():
            out.append(f"untranslated: {msgid!r}")
            continue
        if message.fuzzy:
            out.append(f"fuzzy: {msgid!r}")
        if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(text)):
            out.append(f"placeholders differ: {msgid!r} -> {text!r}")
        if len(text) > TEXT_LIMIT:
            out.append(f"over {TEXT_LIMIT} characters: {msgid!r}")
    return out


def check_faq(folder: str) -> list[str]:
    out: list[str] = []
    english_dir = ROOT / "bot" / "faq" / "content" / "en"
    target_dir = ROOT / "bot" / "faq" / "content" / folder
    for english_file in sorted(english_dir.glob("*.toml")):
        target = target_dir / english_file.name
        if not target.exists():
            out.append(f"{target} is missing")
            continue
        english = tomllib.loads(english_file.read_text(encoding="utf-8"))["entry"]
        try:
            entries = tomllib.loads(target.read_text(encoding="utf-8")).get("entry", [])
        except tomllib.TOMLDecodeError as exc:
            out.append(f"{target}: not valid TOML: {exc}")
            continue
        ids = [e.get("id") for e in entries]
        if ids != [e["id"] for e in english]:
            out.append(f"{target}: ids {ids} differ from English {[e['id'] for e in english]}")
        for entry in entries:
            where = f"{target.name}:{entry.get('id')}"
            if set(entry) != {"id", "question", "paraphrases", "keywords", "answer"}:
                out.append(f"{where}: fields {sorted(entry)}")
                continue
            if not entry["question"].strip():
                out.append(f"{where}: empty question")
            if len(entry["paraphrases"]) < 5:
                out.append(f"{where}: fewer than 5 paraphrases")
            if not entry["keywords"]:
                out.append(f"{where}: no keywords")
            answer = entry["answer"].strip()
            if not answer or len(answer) > MAX_ANSWER:
                out.append(f"{where}: answer is {len(answer)} characters (1 to {MAX_ANSWER})")
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    problems = check_catalog(argv[0]) + check_faq(argv[0])
    for problem in problems:
        print(problem)
    print(f"{argv[0]}: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
