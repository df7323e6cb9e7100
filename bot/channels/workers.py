"""``serve --workers N``: one parent process watching N forked workers.

The parent binds the listening sockets (``serve`` does, before calling
:func:`supervise`): on Linux one per worker, all with SO_REUSEPORT on the same address
and port, elsewhere one that all share. It forks the workers with :func:`os.fork`; each
inherits the sockets and serves its own (worker ``index``'s). A socket each, rather
than one shared: the kernel then hashes every new connection to one socket of the
group, so connections spread evenly over the workers; on one shared socket the workers
race to accept, and asyncio's greedy accept loop let whichever woke first take a whole
burst (or a proxy's pool of upstream connections, for good). The parent keeps every
socket open across its worker's restarts: a connection hashed to a dead worker's socket
waits in that socket's backlog until the replacement accepts it (a worker restarted
with back-off keeps its share waiting that long; one shared socket would have let the
others take them). Why fork rather than ``multiprocessing`` with spawn: the socket and the
checked settings pass to the child as they are (no pickling, no re-import and
re-checking of everything per worker), a restarted worker is up in the time its own
start-up takes, and the parent stays a plain synchronous loop. Fork is only safe before
any thread or event loop exists, so the parent never starts either: it waits for
signals with :func:`signal.sigtimedwait`, SIGINT, SIGTERM and SIGCHLD blocked, and
every worker builds its own loop, store connections and Telegram client after the fork.

The parent forwards a stop (SIGINT or SIGTERM) to the workers as SIGTERM, so that a
Ctrl-C, which the terminal also sends to every worker, counts once and uvicorn still
drains its connections; a second SIGINT is forwarded as SIGINT, which makes them stop
at once. A worker that dies unexpectedly (kill -9, out of memory, a crash) is said on
stdout in one line and started again, at once the first time, after 1, 2, 4 ... 30 s
while it keeps dying within :data:`STABLE_AFTER` seconds of its start. A worker that
exits with :data:`EXIT_STARTUP` could not start (Telegram refused the token, say): on
the first start that stops everything (the worker said why), on a restart it is
retried with the same back-off. A worker whose parent vanished (kill -9 of the parent)
stops by itself (``serve`` watches :func:`os.getppid`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Final, NoReturn

# A worker's exit code when it could not start (its reason is on stderr already).
EXIT_STARTUP: Final = 3
MAX_WORKERS: Final = 32
# A worker that ran this long before dying is restarted at once; sooner, with back-off.
STABLE_AFTER: Final = 10.0
MAX_BACKOFF: Final = 30.0
# How long the parent sleeps at most between looks at its children (a safety net: the
# SIGCHLD it waits for normally wakes it at once).
POLL: Final = 1.0
# Seconds the workers get to drain after a stop, before they are killed.
STOP_WAIT: Final = 30.0

_SIGNALS: Final = {signal.SIGINT, signal.SIGTERM, signal.SIGCHLD}

# How a worker may end after a stop: cleanly, by Ctrl-C, killed by the stop signal
# before it had its handlers, or not started at all.
_STOPPED: Final = {0, 130, -signal.SIGTERM, -signal.SIGINT, EXIT_STARTUP}

# What a worker runs: (its index, first start?) -> exit code.
WorkerMain = Callable[[int, bool], int]


def signal_name(number: int) -> str:
    """``SIGKILL`` for 9; ``signal 40`` for a signal Python has no name for (a real-time
    one): a worker killed by it must be restarted like any other, not crash the parent."""
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


@dataclass(slots=True)
class _Slot:
    index: int
    pid: int = 0
    started: float = 0.0
    restart_at: float | None = None
    generation: int = 0
    # Deaths in a row, each within STABLE_AFTER of the start before it.
    quick_deaths: int = 0


def supervise(count: int, worker: WorkerMain, out: IO[str] = sys.stdout) -> int:
    """Fork ``count`` workers running ``worker`` and watch them until SIGINT/SIGTERM.

    Returns 0 after a requested stop, 1 when a worker could not start the first time
    or one did not stop cleanly. Must be called with no other thread running."""
    if threading.active_count() != 1:
        msg = "serve --workers: threads are running before the fork"
        raise RuntimeError(msg)
    out.flush()
    sys.stderr.flush()
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    parent = _Parent(worker, old_mask, out, [_Slot(i) for i in range(count)])
    try:
        for slot in parent.slots:
            parent.start(slot)
        return parent.run()
    finally:
        _signal_all(parent.by_pid, signal.SIGKILL)
        for pid in list(parent.by_pid):
            os.waitpid(pid, 0)
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)


@dataclass(slots=True)
class _Parent:
    worker: WorkerMain
    mask: Iterable[int]
    out: IO[str]
    slots: list[_Slot]
    by_pid: dict[int, _Slot] = field(default_factory=dict)
    stopping: bool = False
    stop_deadline: float = 0.0
    code: int = 0

    def run(self) -> int:
        """The parent's loop: reap, restart, wait for the next signal."""
        while self.by_pid or not self.stopping:
            for pid, status in _reaped():
                slot = self.by_pid.pop(pid, None)
                if slot is not None:
                    self.exited(slot, os.waitstatus_to_exitcode(status))
            now = time.monotonic()
            if not self.stopping:
                for slot in self.slots:
                    if slot.restart_at is not None and slot.restart_at <= now:
                        self.start(slot)
            elif self.by_pid and now >= self.stop_deadline:
                _signal_all(self.by_pid, signal.SIGKILL)
                self.code = 1
            if self.stopping and not self.by_pid:
                break
            sig = signal.sigtimedwait(_SIGNALS, self.timeout(now))
            if sig is not None and sig.si_signo != signal.SIGCHLD:
                self.stop(sig.si_signo)
        return self.code

    def exited(self, slot: _Slot, exit_code: int) -> None:
        if self.stopping:
            if exit_code not in _STOPPED:
                self.code = 1
        elif exit_code == EXIT_STARTUP and slot.generation == 1:
            self.code = 1
            self.stop(signal.SIGTERM)
        else:
            self.schedule(slot, exit_code)

    def stop(self, signo: int) -> None:
        """The first stop is forwarded as SIGTERM (drain); a second SIGINT as SIGINT."""
        if not self.stopping:
            self.stopping = True
            self.stop_deadline = time.monotonic() + STOP_WAIT
            for slot in self.slots:
                slot.restart_at = None
            _signal_all(self.by_pid, signal.SIGTERM)
        elif signo == signal.SIGINT:
            _signal_all(self.by_pid, signal.SIGINT)

    def timeout(self, now: float) -> float:
        if self.stopping:
            return POLL
        waits = [s.restart_at - now for s in self.slots if s.restart_at is not None]
        return max(0.0, min([POLL, *waits]))

    def start(self, slot: _Slot) -> None:
        old_pid = slot.pid
        slot.generation += 1
        self.out.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the worker: never returns into the parent's stack
            _child(self.worker, slot, self.mask)
        slot.pid, slot.started, slot.restart_at = pid, time.monotonic(), None
        self.by_pid[pid] = slot
        if old_pid:
            self.out.write(f"Workers: worker {slot.index} restarted as pid {pid}\n")
            self.out.flush()

    def schedule(self, slot: _Slot, exit_code: int) -> None:
        """Plan the restart of a worker that died unexpectedly, and say so."""
        now = time.monotonic()
        slot.quick_deaths = slot.quick_deaths + 1 if now - slot.started < STABLE_AFTER else 0
        backoff = (
            0.0 if slot.quick_deaths <= 1 else min(MAX_BACKOFF, 2.0 ** (slot.quick_deaths - 2))
        )
        slot.restart_at = now + backoff
        how = (
            f"was killed by {signal_name(-exit_code)}"
            if exit_code < 0
            else f"exited with code {exit_code}"
        )
        when = f" in {backoff:g} s" if backoff else ""
        self.out.write(
            f"Workers: worker {slot.index} (pid {slot.pid}) {how}; restarting it{when}\n"
        )
        self.out.flush()


def _child(worker: WorkerMain, slot: _Slot, mask: Iterable[int]) -> NoReturn:
    """Run one worker in the forked child and end the child with its exit code."""
    code = 1
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        code = worker(slot.index, slot.generation == 1)
    except KeyboardInterrupt:
        code = 130
    except BaseException as exc:  # the last guard: one line, no trace
        print(f"Workers: worker {slot.index} failed ({type(exc).__name__})", file=sys.stderr)
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _reaped() -> list[tuple[int, int]]:
    """The children that have exited since the last look: (pid, wait status)."""
    done: list[tuple[int, int]] = []
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return done
        if pid == 0:
            return done
        done.append((pid, status))


def _signal_all(by_pid: dict[int, _Slot], sig: signal.Signals) -> None:
    for pid in by_pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
