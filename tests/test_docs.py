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
