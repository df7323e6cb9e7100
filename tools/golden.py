"""Regenerate the golden transcripts: tests/golden/NAME.in.jsonl → NAME.out.jsonl.

Each input line is a ``chat --jsonl`` event (with a fixed ``now``); the output is
what the engine answers today. Review ``git diff tests/golden`` before committing:
a golden file is only as good as the reading that approved it.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"


def run_transcript(source: Path) -> str:
    """The replies of a fresh ``chat --jsonl`` to the events in ``source``."""
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [sys.executable, "-m", "bot", "chat", "--jsonl", "--db", f"{tmp}/golden.db"],
            input=source.read_text(encoding="utf-8"),
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
    return proc.stdout


def main() -> int:
    for source in sorted(GOLDEN.glob("*.in.jsonl")):
        target = source.with_name(source.name.replace(".in.jsonl", ".out.jsonl"))
        target.write_text(run_transcript(source), encoding="utf-8")
        print(f"wrote {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
