"""The FAQ evaluation sets (shared by tests/test_faq.py and bench/bench_faq.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

EVAL_FILE = Path(__file__).parent / "faq_eval.jsonl"
HOLDOUT_FILE = Path(__file__).parent / "faq_eval_holdout.jsonl"


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
