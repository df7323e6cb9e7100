"""The wheel speaks every language: built, installed into a fresh venv, run from there.

The build runs in a copy of the source tree without any compiled ``.mo`` (so the wheel's
catalogs can only come from setup.py's build hook, and the work tree gets no ``build/``),
with this venv's setuptools and Babel and without build isolation (nothing is downloaded).
The wheel goes into a new venv with ``--no-deps --no-index``; only afterwards does a ``.pth``
file let that venv import the dependencies from this venv's site-packages (which holds no
``bot``: the project is installed editable, through a ``.pth`` that is not read there). The
installed ``bot`` runs from an empty working directory, so the source tree cannot be
imported, and the test checks that it was not. About 10-20 s.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path
from typing import Any

import pytest

from bot.assess import assess, parse_request
from bot.clock import system_clock
from bot.faq.answer import result_json
from bot.faq.search import search
from bot.i18n import LOCALES, catalog_name, translator

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 300  # seconds for any one step: a hang fails instead of stalling the suite
REQUEST: dict[str, Any] = {
    "user_type": "foreign_national",
    "procedure": "extension",
    "status": "student",
    "expiry": "2027-01-15",
    "now": "2026-11-22T03:00:00Z",
}
FAQ_QUESTION = "オンライン申請の手数料はいくらですか"
# Not copied into the build: tools' caches, the venvs, git, local data and anything built.
NOT_SOURCES = shutil.ignore_patterns(
    ".git",
    ".venv",
    "node_modules",
    "var",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    "*.mo",
)
# What the installed package says about itself, run by the new venv's interpreter.
PROBE = """
import json, bot, bot.i18n as i18n, bot.data.tables as tables
print(json.dumps({
    "bot": bot.__file__,
    "catalogs": {loc: type(i18n.translator(loc).catalog).__name__ for loc in i18n.LOCALES},
    "tables": [tables.USER_PROCEDURES.source.pdf, tables.STATUS_SCOPE.source.pdf],
}))
"""


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built from a copy of the source tree without compiled catalogs."""
    tmp = tmp_path_factory.mktemp("build")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=NOT_SOURCES)
    assert not list(src.glob("locales/*/LC_MESSAGES/*.mo"))
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-index",
        "--no-build-isolation",
        "--check-build-dependencies",
        "--wheel-dir",
        tmp / "dist",
        src,
        cwd=tmp,
    )
    (built,) = (tmp / "dist").glob("zairyu_guide-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv with the wheel installed; returns its python."""
    venv = tmp_path_factory.mktemp("venv") / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=venv.parent)
    python = venv / "bin" / "python"
    _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--no-deps",
        "--no-index",
        "--no-compile",
        wheel,
        cwd=venv.parent,
    )
    # Only now: pip must not see the project venv's (editable) zairyu-guide while installing.
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=venv)
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    deps = Path(site.strip()) / "zz_project_deps.pth"
    deps.write_text("\n".join(sorted(ours)) + "\n", encoding="utf-8")
    return python


def _in_venv(python: Path, *args: str) -> str:
    """Run the installed package from an empty directory, with nothing extra on the path."""
    cwd = python.parent.parent.parent / "cwd"
    cwd.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    return _run(python, *args, cwd=cwd, env=env)


def test_the_wheel_carries_every_catalog_and_the_faq(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    for locale in LOCALES:
        assert f"bot/locales/{catalog_name(locale)}/LC_MESSAGES/messages.mo" in names, locale
        assert any(n.startswith(f"bot/faq/content/{catalog_name(locale)}/") for n in names)
    assert not [n for n in names if n.endswith(".po")]  # sources stay out of the wheel
    assert "bot/py.typed" in names
    assert "bot/channels/static/widget.js" in names
    # The staff console's templates and assets (issue 15): every file of the tree's folders.
    root = Path(__file__).resolve().parent.parent
    for folder in ("bot/staff/templates", "bot/staff/static", "bot/channels/static"):
        files = [f for f in (root / folder).iterdir() if f.is_file()]
        assert files, folder
        for f in files:
            assert f.relative_to(root).as_posix() in names, f
    # The official tables (bot/data/tables.py reads them at import).
    assert "bot/data/tables/user_procedures.toml" in names
    assert "bot/data/tables/status_scope.toml" in names


def test_the_installed_package_finds_its_catalogs(installed: Path) -> None:
    probe = json.loads(_in_venv(installed, "-c", PROBE))
    assert Path(probe["bot"]).is_relative_to(installed.parent.parent), probe["bot"]
    assert probe["catalogs"] == dict.fromkeys(LOCALES, "GNUTranslations")
    assert probe["tables"] == ["001369137", "001351658"]


def test_the_installed_cli_answers_in_japanese(installed: Path) -> None:
    request = json.dumps({**REQUEST, "lang": "ja"}, ensure_ascii=False)
    out = json.loads(_in_venv(installed, "-m", "bot", "assess", "--json", request))
    # The source tree's answer, in this process, is the reference.
    expected = json.loads(
        assess(parse_request({**REQUEST, "lang": "ja"}), now=system_clock()).model_dump_json()
    )
    english = assess(parse_request(REQUEST), now=system_clock())
    assert out == expected
    texts = {item["id"]: item["text"] for item in out["checklist"]}
    assert english.checklist
    for item in english.checklist:
        assert texts[item.id] != item.text, item.id
        assert any(
            "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in texts[item.id]
        )


def test_the_installed_faq_answers_from_its_package_data(installed: Path) -> None:
    out = json.loads(
        _in_venv(installed, "-m", "bot", "faq", FAQ_QUESTION, "--lang", "ja", "--json")
    )
    expected = result_json(translator("ja"), search(FAQ_QUESTION, top=3, locale="ja"))
    assert out == json.loads(json.dumps(expected))
    assert out["answered"]


def test_the_license_is_an_spdx_string_and_the_build_tools_are_pinned() -> None:
    """Issue 12: the `project.license` table is deprecated (setuptools stops accepting it
    on 2027-02-18), and an unpinned build backend builds differently from one day to the
    next. The pins match constraints.txt."""
    import tomllib

    root = Path(__file__).resolve().parent.parent
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "MIT"
    for name in project["project"]["license-files"]:
        assert (root / name).is_file(), name
    pins = dict(
        line.split("==")
        for line in (root / "constraints.txt").read_text(encoding="utf-8").splitlines()
        if "==" in line
    )
    requires = project["build-system"]["requires"]
    assert requires
    for requirement in requires:
        name, _, version = requirement.partition("==")
        assert version, f"build requirement not pinned: {requirement}"
        assert pins[name] == version, requirement
