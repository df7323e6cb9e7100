"""The shape we keep: a channel-neutral core, thin channels, a light assess path."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"
CORE = [p for p in BOT.rglob("*.py") if "channels" not in p.parts]
TRANSPORTS = {"telegram", "aiogram", "starlette", "uvicorn", "httpx", "aiohttp"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", CORE, ids=[str(p.relative_to(ROOT)) for p in CORE])
def test_core_imports_no_transport(path: Path) -> None:
    """Nothing outside bot/channels imports a messaging or web framework."""
    assert not (_imports(path) & TRANSPORTS)


@pytest.mark.parametrize("path", CORE, ids=[str(p.relative_to(ROOT)) for p in CORE])
def test_no_channel_switch_in_core(path: Path) -> None:
    """No `if channel == ...` outside bot/channels."""
    assert not re.search(r"channel\s*(==|!=|\bin\b)", path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "path", [BOT / "flows" / "guide.py", BOT / "flows" / "__init__.py", BOT / "assess.py"]
)
def test_rules_and_flows_do_no_io(path: Path) -> None:
    """Rules and flows import no storage or clock-reading modules."""
    assert not (_imports(path) & {"sqlite3", "sqlite_utils", "bot.storage", "os", "socket"})
    assert "datetime.now" not in path.read_text(encoding="utf-8")


def test_only_the_clock_reads_the_time() -> None:
    """'Today' comes from the injected clock: no other module calls now()/today()."""
    offenders = [
        str(p.relative_to(ROOT))
        for p in BOT.rglob("*.py")
        if p.name not in ("clock.py", "storage.py")
        and re.search(r"\b(datetime\.now|date\.today|time\.time)\(", p.read_text("utf-8"))
    ]
    assert offenders == []


def test_assess_path_stays_light() -> None:
    """`python -m bot assess` imports neither transitions nor sqlite-utils."""
    code = (
        "import sys, bot.__main__ as m; m._assess("
        '\'{"user_type":"lawyer_scrivener","procedure":"permanent_residence",'
        '"status":"student"}\'); '
        "print(sorted(k for k in ('transitions','sqlite_utils','bot.engine') if k in sys.modules))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def test_only_the_aiogram_module_imports_aiogram() -> None:
    """aiogram is an optional extra: nothing but bot/channels/aiogram.py imports it."""
    importers = [str(p.relative_to(ROOT)) for p in BOT.rglob("*.py") if "aiogram" in _imports(p)]
    assert importers == ["bot/channels/aiogram.py"]


def test_the_standalone_bot_never_loads_aiogram() -> None:
    """`serve` (with the python-telegram-bot adapter) runs without aiogram installed."""
    code = (
        "import sys, bot.channels.serve, bot.channels.telegram; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('aiogram', 'aiohttp')))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert proc.stdout.strip() == "[]"


CHANNELS = sorted((BOT / "channels").glob("*.py"))


@pytest.mark.parametrize("path", CHANNELS, ids=[p.name for p in CHANNELS])
def test_channels_never_touch_the_store(path: Path) -> None:
    """Channels ask the engine (handle, resume, forget, locale_of), never its store."""
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"\.store\.", text)


def test_the_turn_names_no_step() -> None:
    """The turn, the rendering and the parsers read steps' data; no step name appears."""
    from bot.flows.guide import STEPS

    names = {s.name for s in STEPS}
    for module in ("conversation.py", "render.py", "understand.py", "engine.py"):
        text = (BOT / module).read_text(encoding="utf-8")
        named = sorted(n for n in names if re.search(rf"[\"']{n}[\"']", text))
        assert named == [], f"{module} names {named}"


def test_start_is_a_channel_matter() -> None:
    """`/start` (Telegram's deep links, the terminal) is turned into an Event in the
    channel; the core does not know it."""
    for path in CORE:
        assert "/start" not in path.read_text(encoding="utf-8"), path


def test_no_private_transitions_overrides() -> None:
    """transitions is used through its public API: no overridden private methods."""
    for path in BOT.rglob("*.py"):
        assert not re.search(r"def _add_model_to_state|remove_model\(", path.read_text("utf-8"))


def test_partner_code_pattern_is_defined_once() -> None:
    """The partner-code pattern lives in bot.models; others refer to it."""
    found = [
        str(p.relative_to(ROOT))
        for p in BOT.rglob("*.py")
        if "A-Za-z0-9-]{1,40}" in p.read_text(encoding="utf-8")
    ]
    assert found == ["bot/models.py"]


def test_slash_commands_are_parsed_in_one_place() -> None:
    """bot.understand parses `/name@bot arg`; channels call it."""
    for path in [*CORE, *CHANNELS]:
        text = path.read_text(encoding="utf-8")
        if path.name != "understand.py":
            assert 'split("@"' not in text, path
