"""Draw a flow as a Mermaid state diagram with transitions' own GraphMachine.

    .venv/bin/python tools/flow_diagram.py            # rewrite docs/flow.md
    .venv/bin/python tools/flow_diagram.py --check    # exit 1 if docs/flow.md is stale

The diagram is the flow's declaration (``Flow.transitions()``) as transitions draws it,
with the ``next`` moves that can never be taken left out: from each step, the later
steps up to and including the first whose guard always passes. ``back`` (to the step on
top of the history) and ``restart`` are left out too, to keep it readable. Mermaid needs
no system package; GitHub renders it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from transitions.extensions import GraphMachine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.flows import Flow, always  # noqa: E402
from bot.flows.guide import GUIDE  # noqa: E402

OUT = ROOT / "docs" / "flow.md"


def taken_transitions(flow: Flow) -> list[dict[str, Any]]:
    """``next`` moves that some session can take, one edge per (source, destination)."""
    out: list[dict[str, Any]] = []
    for i, source in enumerate(flow.steps[:-1]):
        for later in flow.steps[i + 1 :]:
            out.append(
                {
                    "trigger": "next",
                    "source": source.name,
                    "dest": later.name,
                    "conditions": [] if later.guard is always else [later.guard],
                }
            )
            if later.guard is always:
                break
    return out


def mermaid(flow: Flow) -> str:
    class Model:
        pass

    machine = GraphMachine(
        model=None,
        states=[s.name for s in flow.steps],
        initial=flow.initial,
        transitions=taken_transitions(flow),
        auto_transitions=False,
        graph_engine="mermaid",
        show_conditions=True,
        title=f"The {flow.name} flow",
    )
    model = Model()
    machine.add_model(model)
    graph: str = model.get_graph().draw(None)  # type: ignore[attr-defined]
    return graph.strip()


def document(flow: Flow) -> str:
    return (
        f"# The {flow.name} flow\n\n"
        "Drawn by `tools/flow_diagram.py` from the flow's declaration in "
        "`bot/flows/guide.py` (transitions' GraphMachine); `make test` fails when it is "
        "stale. Each arrow is a `next` move with the guard that must pass; from any step, "
        "`back` returns to the step on top of the history and `restart` goes to "
        f"`{flow.restart_to}` (not drawn).\n\n"
        "```mermaid\n" + mermaid(flow) + "\n```\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/flow.md is stale")
    args = parser.parse_args(argv)
    text = document(GUIDE)
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT.relative_to(ROOT)} is stale: run tools/flow_diagram.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
