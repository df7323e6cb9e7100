"""A throwaway PostgreSQL server for the tests and benches: Debian's binaries, a temporary
data directory, a free port on 127.0.0.1, torn down afterwards.

``initdb`` refuses to run as root, so when the tests run as root (CI containers) the
cluster is created and run as the ``postgres`` system user that Debian's package makes
(``runuser -u postgres``). The binaries are looked for on PATH, then in
``/usr/lib/postgresql/<version>/bin`` (the newest version). :func:`missing` says why a
server cannot be started here (None when it can); ``make pg-deps`` installs the package.

The cluster trusts local connections (it listens on 127.0.0.1 only and lives for one
test run) and trades durability for speed (``fsync=off``): it holds nothing worth keeping.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SUPERUSER = "zairyu"
PG_USER = "postgres"  # the system user Debian's package creates
_names = itertools.count(1)


def find_bin(name: str) -> Path | None:
    """The PostgreSQL program ``name``: on PATH, else the newest /usr/lib/postgresql/N/bin."""
    found = shutil.which(name)
    if found:
        return Path(found)
    versions = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return versions[-1] if versions else None


def _as_root() -> bool:
    return os.geteuid() == 0


def missing() -> str | None:
    """Why a server cannot be started on this machine, or None."""
    for name in ("initdb", "pg_ctl"):
        if find_bin(name) is None:
            return (
                f"PostgreSQL's {name} was not found (install Debian's postgresql package: "
                "make pg-deps)"
            )
    if _as_root():
        try:
            pwd.getpwnam(PG_USER)
        except KeyError:
            return f"running as root, and there is no {PG_USER!r} user to run PostgreSQL as"
        if shutil.which("runuser") is None:
            return "running as root, and runuser (util-linux) is missing"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One running cluster. :meth:`create_database` gives each test its own database."""

    def __init__(self) -> None:
        reason = missing()
        if reason is not None:
            raise RuntimeError(reason)
        self.root = Path(tempfile.mkdtemp(prefix="zairyu-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.host = "127.0.0.1"
        self._owner: pwd.struct_passwd | None = pwd.getpwnam(PG_USER) if _as_root() else None
        if self._owner is not None:
            os.chown(self.root, self._owner.pw_uid, self._owner.pw_gid)
        self.root.chmod(0o700)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        options = " ".join(
            [
                f"-p {self.port}",
                f"-c listen_addresses={self.host}",
                f"-c unix_socket_directories={self.root}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=300",
            ]
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def _run(self, program: str, *args: str) -> None:
        binary = find_bin(program)
        assert binary is not None
        command = [str(binary), *args]
        if self._owner is not None:
            command = ["runuser", "-u", PG_USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=self.root)
        if done.returncode != 0:
            msg = f"{program} failed ({done.returncode}): {done.stderr.strip() or done.stdout}"
            raise RuntimeError(msg)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/{dbname}"

    def create_database(self, prefix: str = "t") -> str:
        """A new empty database; returns its URL."""
        import psycopg

        name = f"{prefix}_{os.getpid()}_{next(_names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database made by :meth:`create_database`, closing its connections."""
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
