"""The scrubber's blind set (tests/scrub_holdout/) is well formed.

Written by someone who saw neither bot/staff/scrub.py nor its tests; only its shape is
checked here. What the scrubber achieves on it is measured by bench/bench_scrub.py (the
project measures quality in bench/, not in tests).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.i18n import LOCALES

FOLDER = Path(__file__).resolve().parent / "scrub_holdout"
SETS = sorted(FOLDER.glob("*.jsonl"))
# The locale codes the FAQ holdout uses (ja-easy, zh-Hans, pt-BR).
CODES = {loc.replace("_", "-") for loc in LOCALES}


def _cases(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def test_there_is_a_blind_set() -> None:
    assert SETS, FOLDER


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_every_case_is_well_formed(path: Path) -> None:
    cases = _cases(path)
    assert len(cases) >= 100
    assert len({c["id"] for c in cases}) == len(cases)
    assert {str(c["locale"]) for c in cases} == CODES
    for case in cases:
        text = str(case["text"])
        go, stay = case["must_go"], case["must_stay"]
        assert isinstance(go, list), case["id"]
        assert isinstance(stay, list), case["id"]
        for item in [*go, *stay]:
            assert isinstance(item, str), (case["id"], item)
            assert item, case["id"]
            assert item in text, (case["id"], item)
        assert not any(a in b or b in a for a in go for b in stay), case["id"]
    with_data = sum(bool(c["must_go"]) for c in cases)
    assert 0.5 * len(cases) <= with_data <= 0.8 * len(cases)  # clean look-alikes too
