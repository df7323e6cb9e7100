"""``python -m bot staff``: real processes on a real SQLite file, as an operator runs them."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.staff.accounts import check_login, hash_password
from bot.staff.store import console_store
from bot.storage import open_store
from tests.conftest import NOW
from tests.test_cli import bot

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"


def staff(
    db: Path | None, *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    where = ["--db", str(db)] if db is not None else []
    return bot("staff", *args, *where, stdin=stdin, env=env)


def _hashes(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [str(r[0]) for r in conn.execute("SELECT password_hash FROM staff_accounts")]


def _login(db: Path, name: str, password: str) -> bool:
    store = open_store(str(db))
    try:
        return check_login(console_store(store), name, password)
    finally:
        store.close()


def _one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


def test_add_list_login_passwd_remove(tmp_path: Path) -> None:
    db = tmp_path / "var" / "zairyu.db"
    added = staff(db, "add", "mika", "--password-stdin", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout == "added staff account mika\n"
    assert PASSWORD not in added.stdout + added.stderr
    (stored,) = _hashes(db)
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert _login(db, "mika", PASSWORD)
    assert not _login(db, "mika", PASSWORD + "x")
    assert not _login(db, "nobody", PASSWORD)

    assert staff(db, "add", "aki", "--password-stdin", stdin="another long one").returncode == 0
    listed = staff(db, "list")
    assert listed.returncode == 0
    names = [line.split("\t")[0] for line in listed.stdout.splitlines()]
    assert names == ["aki", "mika"]
    assert "$argon2" not in listed.stdout  # never a hash
    assert "added 20" in listed.stdout

    changed = staff(db, "passwd", "mika", "--password-stdin", stdin="a brand new password\r\n")
    assert changed.returncode == 0, changed.stderr
    assert _login(db, "mika", "a brand new password")
    assert not _login(db, "mika", PASSWORD)

    removed = staff(db, "remove", "mika")
    assert removed.returncode == 0
    assert "removed staff account mika" in removed.stdout
    assert not _login(db, "mika", "a brand new password")
    assert [line.split("\t")[0] for line in staff(db, "list").stdout.splitlines()] == ["aki"]


def test_list_when_empty_says_how_to_add(tmp_path: Path) -> None:
    listed = staff(tmp_path / "z.db", "list")
    assert listed.returncode == 0
    assert "no staff accounts" in listed.stdout
    assert "staff add NAME --password-stdin" in listed.stdout


def test_db_from_the_environment(tmp_path: Path) -> None:
    db = tmp_path / "env.db"
    env = {"ZAIRYU_DB": str(db)}
    assert staff(None, "add", "mika", "--password-stdin", stdin=PASSWORD, env=env).returncode == 0
    assert _hashes(db)
    assert staff(None, "list", env=env).stdout.startswith("mika\t")


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        (["add", "mika", "--password-stdin"], "short\n", "at least 12 characters"),
        (["add", "mika", "--password-stdin"], "", "no password on standard input"),
        (["add", "mika", "--password-stdin"], "\n", "no password on standard input"),
        (["add", "mika", "--password-stdin"], "one long line\ntwo\n", "one line"),
        (["add", "mi ka", "--password-stdin"], PASSWORD, "no spaces or control characters"),
        (["add", "mi\tka", "--password-stdin"], PASSWORD, "no spaces or control characters"),
        (["add", "mi\x07ka", "--password-stdin"], PASSWORD, "no spaces or control characters"),
        (["add", "m" * 65, "--password-stdin"], PASSWORD, "1 to 64 characters"),
        (["add", "", "--password-stdin"], PASSWORD, "1 to 64 characters"),
        (["add", "mika"], PASSWORD, "--password-stdin"),
        (["remove", "nobody"], "", "no staff account named nobody"),
        (["passwd", "nobody", "--password-stdin"], PASSWORD, "no staff account named nobody"),
        (["rename", "mika"], "", "invalid choice"),
    ],
)
def test_errors_are_one_line_and_exit_2(
    tmp_path: Path, args: list[str], stdin: str, expected: str
) -> None:
    line = _one_error_line(staff(tmp_path / "z.db", *args, stdin=stdin))
    assert expected in line
    assert stdin.strip() == "" or stdin.strip() not in line  # a password is never echoed


def test_adding_a_name_twice_keeps_the_first_password(tmp_path: Path) -> None:
    db = tmp_path / "z.db"
    assert staff(db, "add", "mika", "--password-stdin", stdin=PASSWORD).returncode == 0
    line = _one_error_line(staff(db, "add", "mika", "--password-stdin", stdin="other password!"))
    assert "exists" in line
    assert _login(db, "mika", PASSWORD)


def test_a_password_that_is_not_utf8(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "staff", "add", "mika", "--password-stdin", "--db", "z.db"],
        input=b"\xff\xfe not utf-8 at all",
        capture_output=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.decode().strip().endswith("not valid UTF-8")


def test_a_bad_db_is_one_line(tmp_path: Path) -> None:
    line = _one_error_line(staff(tmp_path, "list"))  # a directory
    assert "not a database file" in line


def test_a_password_with_spaces_and_unicode_round_trips(tmp_path: Path) -> None:
    db = tmp_path / "z.db"
    password = "  パスワード with spaces  "
    assert staff(db, "add", "山田", "--password-stdin", stdin=password + "\n").returncode == 0
    assert _login(db, "山田", password)
    assert not _login(db, "山田", password.strip())


def test_an_old_hash_is_upgraded_on_login(tmp_path: Path) -> None:
    """A hash made with weaker parameters is replaced by one at today's defaults."""
    from argon2 import PasswordHasher

    db = tmp_path / "z.db"
    store = open_store(str(db))
    try:
        console = console_store(store)
        weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
        console.add_staff("mika", weak, NOW)
        assert check_login(console, "mika", PASSWORD)
        upgraded = console.staff_hash("mika")
        assert upgraded is not None
        assert upgraded != weak
        assert upgraded.split("$")[3] == hash_password(PASSWORD).split("$")[3]
        assert check_login(console, "mika", PASSWORD)
    finally:
        store.close()
