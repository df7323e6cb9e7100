"""The README and DEVELOPERS.md tell the truth about the code (fail when they go stale)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from bot.__main__ import DB_ENV, _parser
from bot.codes import Note, Procedure, Reason, Requirement, Status, UserType

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def _subcommands() -> dict[str, list[str]]:
    parser = _parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    out: dict[str, list[str]] = {}
    for name, p in sub.choices.items():
        flags = [o for a in p._actions for o in a.option_strings if o.startswith("--")]
        out[name] = [f for f in flags if f != "--help"]
    return out


@pytest.mark.parametrize("command", sorted(_subcommands()))
def test_every_command_and_flag_is_documented(command: str) -> None:
    """Each CLI command and each of its flags appears in the README."""
    assert f"python -m bot {command}" in README
    for flag in _subcommands()[command]:
        assert flag in README, f"{command} {flag}"


def test_environment_variable_documented() -> None:
    """The database environment variable is documented."""
    assert DB_ENV in README


@pytest.mark.parametrize(
    "code",
    [*Reason, *Requirement, *Note, *UserType, *Procedure, *Status],
    ids=lambda c: f"{type(c).__name__}.{c.value}",
)
def test_every_code_is_documented(code: object) -> None:
    """Every public code is listed in the README's contract section."""
    assert re.search(rf"\b{re.escape(str(code))}\b", README)


def test_make_targets_in_readme_exist() -> None:
    """Every `make X` the README names is a Makefile target."""
    for target in set(re.findall(r"`make (\w+)`", README)):
        assert re.search(rf"^{target}:", MAKEFILE, re.M), target


DEVELOPERS = (ROOT / "DEVELOPERS.md").read_text(encoding="utf-8")


def _store_members() -> list[str]:
    from bot.storage import SessionStore

    names = {n for n in vars(SessionStore) if not n.startswith("_")}
    names |= set(getattr(SessionStore, "__annotations__", {}))
    return sorted(n for n in names if not n.startswith("_"))


def test_developers_names_every_store_method() -> None:
    """DEVELOPERS.md's storage paragraph names every member of the SessionStore interface."""
    members = _store_members()
    assert {"load", "save", "delete", "close"} <= set(members)
    missing = [m for m in members if not re.search(rf"`?\b{m}\b`?", DEVELOPERS)]
    assert missing == []


def _layout_paths() -> list[str]:
    block = README.split("## Layout", 1)[1].split("```", 2)[1]
    return [line.split()[0] for line in block.splitlines() if line and not line[0].isspace()]


def test_readme_layout_names_real_paths() -> None:
    """Every path the README's layout section lists exists (and it lists the turn's rooms)."""
    paths = _layout_paths()
    assert {"bot/conversation.py", "bot/understand.py", "bot/render.py"} <= set(paths)
    assert [p for p in paths if not (ROOT / p).exists()] == []


def test_every_bot_module_is_in_the_layout() -> None:
    """A new top-level module of bot/ is added to the README's layout."""
    listed = set(_layout_paths())
    modules = {
        f"bot/{p.name}"
        for p in (ROOT / "bot").glob("*.py")
        if p.name not in ("__init__.py", "__main__.py", "clock.py", "i18n.py", "i18n_marker.py")
        and p.name not in ("privacy.py",)
    }
    assert sorted(modules - listed) == []


def test_the_flow_diagram_is_current() -> None:
    """docs/flow.md is what tools/flow_diagram.py draws from the flow today."""
    from bot.flows.guide import GUIDE
    from tools.flow_diagram import OUT, document

    assert OUT.read_text(encoding="utf-8") == document(GUIDE)


def test_the_readme_threshold_is_the_code_threshold() -> None:
    from bot.faq.tuning import THRESHOLD

    assert f'"threshold": {THRESHOLD}' in README
