"""The deployment guide and its files tell the truth about the CLI (fail when they go stale).

docs/deploy.md is meant to be followed command by command, so every option it gives
``python -m bot`` (in a shell block or in an inline ``--option``), every option of the
systemd unit's ExecStart and of the Dockerfile's CMD must be one the real parser accepts,
and every file it links must exist. Checked against :func:`bot.__main__._parser` itself,
not a copy of its option names.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
from pathlib import Path

import pytest

from bot.__main__ import _parser

ROOT = Path(__file__).resolve().parent.parent
GUIDE_PATH = ROOT / "docs" / "deploy.md"
GUIDE = GUIDE_PATH.read_text(encoding="utf-8")
UNIT = (ROOT / "deploy" / "zairyu-guide.service").read_text(encoding="utf-8")
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")

FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
LINK = re.compile(r"\]\(([^)\s]+)\)")
SHELL_SPLIT = re.compile(r"&&|\|\||[;|]")


def _long_options(parser: argparse.ArgumentParser) -> set[str]:
    """A parser's long options and those of its own sub-commands (``staff add
    --password-stdin`` counts as an option of ``staff``)."""
    found = set()
    for action in parser._actions:
        found |= {o for o in action.option_strings if o.startswith("--")}
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found |= _long_options(child)
    return found


def _options() -> dict[str, set[str]]:
    """Each sub-command's long options, from the real parser."""
    parser = _parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {name: _long_options(p) for name, p in sub.choices.items()}


OPTIONS = _options()
ALL_OPTIONS = set().union(*OPTIONS.values())


def _bot_commands(text: str) -> list[list[str]]:
    """The ``python -m bot COMMAND ...`` / ``zairyu-guide COMMAND ...`` invocations in a
    piece of shell (continuation lines joined; ``&&``, ``;`` and pipes split), each as
    its words from the sub-command on."""
    found: list[list[str]] = []
    joined = re.sub(r"\\\n", " ", text)
    for line in joined.splitlines():
        code = line.split(" #", 1)[0]
        for part in SHELL_SPLIT.split(code):
            try:
                words = shlex.split(part)
            except ValueError:  # a quote opened in another part: the words still count
                words = part.split()
            for i, word in enumerate(words):
                script = word.endswith("zairyu-guide") and i + 1 < len(words)
                module = word == "bot" and i > 0 and words[i - 1] == "-m"
                if (script or module) and i + 1 < len(words) and words[i + 1] in OPTIONS:
                    found.append(words[i + 1 :])
    return found


def _uses(text: str) -> list[tuple[str, str]]:
    """(sub-command, --option) for every option a piece of shell gives the CLI."""
    uses = []
    for words in _bot_commands(text):
        command = words[0]
        for word in words[1:]:
            if word.startswith("--") and len(word) > 2:
                # The closing quote of ``sudo sh -c '... --option'`` is not the option's.
                uses.append((command, word.split("=", 1)[0].rstrip("'\"")))
    return uses


def _guide_uses() -> list[tuple[str, str]]:
    """Options in the guide's code blocks and inline code (``serve --workers N``, or a
    lone ``--retention-days``: an option of some sub-command)."""
    uses = [use for block in FENCE.findall(GUIDE) for use in _uses(block)]
    prose = FENCE.sub("", GUIDE)
    for span in INLINE.findall(prose):
        words = span.split()
        if words[0] in OPTIONS:
            uses.extend((words[0], w.split("=", 1)[0]) for w in words[1:] if w.startswith("--"))
        elif words[0].startswith("--") and len(words[0]) > 2:
            uses.append(("*", words[0].split("=", 1)[0]))
        else:
            uses.extend(_uses(span))
    return sorted(set(uses))


def _unit_exec_start() -> str:
    match = re.search(r"^ExecStart=(.*?)(?<!\\)$", UNIT, re.S | re.M)
    assert match is not None, "the unit has no ExecStart="
    return match.group(1)


def _docker_cmd() -> list[str]:
    match = re.search(r"^CMD (\[.*\])$", DOCKERFILE, re.M)
    assert match is not None, "the Dockerfile has no CMD in exec form"
    cmd = json.loads(match.group(1))
    assert isinstance(cmd, list)
    return [str(word) for word in cmd]


def _all_uses() -> list[tuple[str, str, str]]:
    uses = [("docs/deploy.md", command, option) for command, option in _guide_uses()]
    uses += [("zairyu-guide.service", c, o) for c, o in _uses(_unit_exec_start())]
    uses += [("Dockerfile", c, o) for c, o in _uses(shlex.join(_docker_cmd()))]
    uses += [("Dockerfile", c, o) for c, o in _uses(DOCKERFILE)]
    return sorted(set(uses))


def test_the_guide_gives_the_cli_options() -> None:
    """The extraction finds the options the guide is about (else the test checks nothing)."""
    found = {option for _, _, option in _all_uses()}
    assert {"--forwarded-allow-ips", "--public-origin", "--retention-days", "--db"} <= found
    assert {"--workers", "--days", "--password-stdin"} <= found


@pytest.mark.parametrize(
    ("where", "command", "option"), _all_uses(), ids=lambda v: str(v).strip("-")
)
def test_option_exists_in_the_cli(where: str, command: str, option: str) -> None:
    """Every option the guide, the unit or the Dockerfile gives ``python -m bot`` exists."""
    known = ALL_OPTIONS if command == "*" else OPTIONS[command]
    assert option in known, f"{where}: `{command} {option}` is not an option of python -m bot"


def _links(text: str) -> list[str]:
    return [target for target in LINK.findall(text) if not re.match(r"[a-z]+:", target)]


def _anchors(text: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    heads = re.findall(r"^#{1,6} (.+)$", FENCE.sub("", text), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in heads}


@pytest.mark.parametrize("target", sorted(set(_links(GUIDE))))
def test_every_link_of_the_guide_resolves(target: str) -> None:
    """Every file the guide links exists, and every anchor is one of its headings."""
    path, _, anchor = target.partition("#")
    if path:
        assert (GUIDE_PATH.parent / path).resolve().exists(), target
    else:
        assert anchor in _anchors(GUIDE), target


def test_the_readme_links_the_guide_and_its_files() -> None:
    deploy_links = [t for t in _links(README) if "deploy" in t or t == "Dockerfile"]
    assert "docs/deploy.md" in deploy_links
    for target in deploy_links:
        assert (ROOT / target.partition("#")[0]).exists(), target


def test_the_unit_runs_serve_as_a_dedicated_user() -> None:
    words = shlex.split(_unit_exec_start().replace("\\\n", " "))
    assert words[1:4] == ["-m", "bot", "serve"], words
    assert words[0].startswith("/"), "systemd needs an absolute path"
    assert "--host" in words
    assert words[words.index("--host") + 1] == "127.0.0.1", "behind the proxy only"
    settings = dict(
        line.split("=", 1) for line in UNIT.splitlines() if re.match(r"^[A-Z]\w*=", line)
    )
    assert settings["User"] not in ("", "root")
    assert settings["EnvironmentFile"].startswith("/")
    assert settings["NoNewPrivileges"] == "yes"
    assert settings["ProtectSystem"] == "strict"
    assert settings["Restart"] == "on-failure"
    assert settings["ReadWritePaths"]


def test_the_image_runs_serve_as_a_non_root_user() -> None:
    assert _docker_cmd() == ["python", "-m", "bot", "serve", "--host", "0.0.0.0"]
    assert re.search(r"^FROM python:3\.11-slim-bookworm\b", DOCKERFILE, re.M)
    users = re.findall(r"^USER (\S+)$", DOCKERFILE, re.M)
    assert users
    assert users[-1].split(":")[0] not in ("root", "0")
    assert "constraints.txt" in DOCKERFILE
    health = re.search(r"^HEALTHCHECK .*?CMD (\[.*?\])$", DOCKERFILE, re.S | re.M)
    assert health is not None
    probe = json.loads(health.group(1))
    assert probe[0] == "python"
    assert "/healthz" in probe[-1]
