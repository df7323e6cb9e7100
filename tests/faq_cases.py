"""The FAQ evaluation sets (shared by tests/test_faq.py, tests/test_faq_holdout.py and
bench/bench_faq.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bot.i18n import LOCALES

EVAL_FILE = Path(__file__).parent / "faq_eval.jsonl"
HOLDOUT_FILE = Path(__file__).parent / "faq_eval_holdout.jsonl"
# Issue 11's held-out sets, one file per locale (<locale>.jsonl), by a writer who never saw
# the entries, labelled afterwards; raw/ keeps the writer's unlabelled originals.
HOLDOUT_DIR = Path(__file__).parent / "faq_holdout"


@dataclass(frozen=True)
class Case:
    """One question: its language, the entry id it expects (or "none") and its style."""

    q: str
    lang: str
    expect: str
    style: str


def load_cases(path: Path = EVAL_FILE) -> list[Case]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Case(**json.loads(line)) for line in lines if line.strip()]


def load_holdout(directory: Path = HOLDOUT_DIR) -> dict[str, list[Case]]:
    """The per-locale held-out sets: locale (the file's stem) -> its cases in file order,
    the locales in ``LOCALES`` order (any other file after them)."""
    order = {locale: i for i, locale in enumerate(LOCALES)}
    paths = sorted(directory.glob("*.jsonl"), key=lambda p: (order.get(p.stem, len(order)), p.stem))
    return {path.stem: load_cases(path) for path in paths}
