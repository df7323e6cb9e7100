"""Staff accounts: Argon2 password hashes, and the ``python -m bot staff`` commands.

Passwords are hashed with argon2-cffi's :class:`~argon2.PasswordHasher` at its defaults
(Argon2id, RFC 9106's low-memory profile), and the parameters travel inside each PHC
string: when a later argon2-cffi raises the defaults, :func:`check_login` re-hashes a
password on its next successful login (``needs_rehash``), so nobody has to reset one.

A password is read from standard input only (one line, the newline stripped), never from
the command line where ``ps`` and shell histories would show it, and is never echoed,
printed or logged; neither is a hash (``staff list`` prints names and dates only).
"""

from __future__ import annotations

import getpass
import sys
from datetime import datetime
from typing import IO, Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.staff.store import ConsoleStore

MAX_NAME: Final = 64
MIN_PASSWORD: Final = 12
# Argon2 takes any length; a cap keeps one login from hashing a megabyte.
MAX_PASSWORD: Final = 1024
_MAX_STDIN: Final = 64 * 1024

_hasher = PasswordHasher()
_dummy: list[str] = []  # a hash to verify unknown names against (made on first need)


class AccountError(ValueError):
    """A bad name, password or request; the message is one line and holds no password."""


def check_name(name: str) -> str:
    """``name`` if it is 1-64 printable characters without spaces; AccountError if not."""
    if not 1 <= len(name) <= MAX_NAME:
        msg = f"a staff name is 1 to {MAX_NAME} characters, got {len(name)}"
        raise AccountError(msg)
    if not name.isprintable() or any(c.isspace() for c in name):
        msg = "a staff name holds no spaces or control characters"
        raise AccountError(msg)
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        msg = f"the password must be at least {MIN_PASSWORD} characters"
        raise AccountError(msg)
    if len(password) > MAX_PASSWORD:
        msg = f"the password must be at most {MAX_PASSWORD} characters"
        raise AccountError(msg)
    return password


def hash_password(password: str) -> str:
    """The Argon2 PHC string of a checked password."""
    return _hasher.hash(check_password(password))


def check_login(console: ConsoleStore, name: str, password: str) -> bool:
    """Whether ``password`` is ``name``'s. An unknown name costs one Argon2 verification
    too, so the time taken does not tell which names exist. A hash made with older
    parameters is replaced on success."""
    stored = console.staff_hash(name) if 0 < len(name) <= MAX_NAME else None
    if stored is None or len(password) > MAX_PASSWORD:
        if not _dummy:
            _dummy.append(_hasher.hash("not a password of anyone"))
        _verify(_dummy[0], password[:MAX_PASSWORD])
        return False
    if not _verify(stored, password):
        return False
    if _hasher.check_needs_rehash(stored):
        console.set_staff_hash(name, _hasher.hash(password))
    return True


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def read_password(stdin: IO[str] | None) -> str:
    """The password: typed without echo on a terminal, else the first line of standard
    input (one line; its newline stripped)."""
    if stdin is None:
        msg = "--password-stdin: standard input is closed"
        raise AccountError(msg)
    if stdin.isatty():
        return getpass.getpass("Password (not shown): ")
    raw = getattr(stdin, "buffer", None)
    try:
        data = raw.read(_MAX_STDIN + 1) if raw is not None else stdin.read(_MAX_STDIN + 1)
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        msg = "--password-stdin: the password is not valid UTF-8"
        raise AccountError(msg) from None
    except OSError as exc:
        msg = f"--password-stdin: cannot read standard input ({exc.strerror or 'error'})"
        raise AccountError(msg) from None
    if len(text) > _MAX_STDIN:
        msg = "--password-stdin: standard input is too long for a password"
        raise AccountError(msg)
    line, newline, rest = text.partition("\n")
    if rest:
        msg = "--password-stdin: give the password as one line"
        raise AccountError(msg)
    if newline:
        line = line.removesuffix("\r")
    if not line:
        msg = "--password-stdin: no password on standard input"
        raise AccountError(msg)
    return line


def staff_command(
    console: ConsoleStore,
    action: str,
    name: str | None,
    now: datetime,
    *,
    stdin: IO[str] | None = None,
    out: IO[str] = sys.stdout,
) -> int:
    """``staff add|list|remove|passwd``; AccountError (exit 2 in the CLI) when refused."""
    if action == "list":
        accounts = console.list_staff()
        for account in accounts:
            out.write(f"{account.name}\tadded {account.created_at:%Y-%m-%d %H:%M} UTC\n")
        if not accounts:
            out.write("no staff accounts (add one: python -m bot staff add NAME --password-stdin)")
            out.write("\n")
        return 0
    if name is None:  # pragma: no cover - argparse requires it
        msg = f"staff {action}: a NAME is required"
        raise AccountError(msg)
    check_name(name)
    if action == "add":
        if console.staff_hash(name) is not None:
            msg = f"a staff account named {name} exists (change its password: staff passwd)"
            raise AccountError(msg)
        if not console.add_staff(name, hash_password(read_password(stdin)), now):
            msg = f"a staff account named {name} exists"
            raise AccountError(msg)
        out.write(f"added staff account {name}\n")
        return 0
    if action == "remove":
        if not console.remove_staff(name):
            msg = f"no staff account named {name}"
            raise AccountError(msg)
        out.write(f"removed staff account {name} (its logins are ended)\n")
        return 0
    if action == "passwd":
        if console.staff_hash(name) is None:
            msg = f"no staff account named {name}"
            raise AccountError(msg)
        new_hash = hash_password(read_password(stdin))
        if not console.set_staff_hash(name, new_hash, end_logins=True):
            msg = f"no staff account named {name}"
            raise AccountError(msg)
        out.write(f"changed the password of {name} (its logins are ended)\n")
        return 0
    msg = f"unknown staff command {action!r}"  # pragma: no cover - argparse choices
    raise AccountError(msg)
