"""How well the staff console's scrubber (bot/staff/scrub.py) removes personal data, on
the set it was tuned with and on a set written blind (issue 15).

* tuned: the tables of tests/test_staff_scrub.py (PERSONAL: every item must go;
  UNCHANGED: the text must stay as typed), written with the scrubber;
* blind: each file of tests/scrub_holdout/ (cases.jsonl: 120 questions in the 11
  languages; cases2.jsonl: 110 more, written later by another hand), written by someone
  who saw neither the scrubber nor its tests: ``must_go`` substrings (names, card, My
  Number, passport and phone numbers, e-mails) must not survive, ``must_stay`` ones
  (dates, fees, statuses) must. A set whose failures were then used to change the
  scrubber is no longer blind: the README says which figures are which.

Prints, per set and per language, the share of personal items removed (the privacy
figure) and of content kept (over-scrubbing), then every leak and every loss of the blind
set. ``--json FILE`` keeps the figures. Quality is measured here, not asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.staff.scrub import PLACEHOLDERS, scrub  # noqa: E402
from tests.test_staff_scrub import PERSONAL, UNCHANGED  # noqa: E402

HOLDOUT = ROOT / "tests" / "scrub_holdout"


def load_holdout(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def tuned() -> dict[str, float | int]:
    """PERSONAL: the expected output has placeholders where the data was; UNCHANGED:
    the output is the input."""
    gone = sum(scrub(text) == expected for text, expected in PERSONAL)
    kept = sum(scrub(text) == text for text in UNCHANGED)
    return {
        "personal_cases": len(PERSONAL),
        "personal_exact": gone,
        "unchanged_cases": len(UNCHANGED),
        "unchanged_kept": kept,
    }


def blind(path: Path) -> tuple[dict[str, dict[str, int]], list[str]]:
    per: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    problems: list[str] = []
    for case in load_holdout(path):
        locale, text = str(case["locale"]), str(case["text"])
        out = scrub(text)
        for label in (locale, "all"):
            per[label]["cases"] += 1
        for item in case["must_go"]:  # type: ignore[attr-defined]
            leaked = item in out
            for label in (locale, "all"):
                per[label]["go"] += 1
                per[label]["gone"] += not leaked
            if leaked:
                problems.append(f"LEAK {case['id']}: {item!r} in {out!r}")
        for item in case["must_stay"]:  # type: ignore[attr-defined]
            lost = item not in out
            for label in (locale, "all"):
                per[label]["stay"] += 1
                per[label]["kept"] += not lost
            if lost:
                problems.append(f"LOST {case['id']}: {item!r} from {out!r}")
    return {k: dict(v) for k, v in per.items()}, problems


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    -"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE")
    args = parser.parse_args()
    t = tuned()
    print("Scrubber: personal data removed, content kept")
    print(f"  placeholders: {', '.join(PLACEHOLDERS)}")
    print(
        f"  tuned (tests/test_staff_scrub.py): {t['personal_exact']}/{t['personal_cases']} "
        f"personal cases scrubbed exactly as expected, {t['unchanged_kept']}/"
        f"{t['unchanged_cases']} ordinary texts kept as typed"
    )
    figures: dict[str, object] = {"tuned": t}
    for path in sorted(HOLDOUT.glob("*.jsonl")):
        per, problems = blind(path)
        print(f"  blind (tests/scrub_holdout/{path.name}):")
        print(f"    {'locale':8} {'cases':>5} {'removed':>16} {'kept':>16}")
        for label in sorted(per, key=lambda k: (k == "all", k)):
            f = per[label]
            print(
                f"    {label:8} {f['cases']:5} {f['gone']:4}/{f['go']:<4} "
                f"{_pct(f['gone'], f['go'])} {f['kept']:4}/{f['stay']:<4} "
                f"{_pct(f['kept'], f['stay'])}"
            )
        for line in problems:
            print(f"    {line}")
        figures[path.name] = {"per_locale": per, "problems": problems}
    if args.json:
        Path(args.json).write_text(json.dumps(figures, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
