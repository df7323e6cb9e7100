"""Staff login sessions, CSRF tokens and the login lockout (issue 15). No web framework
here: the console (bot/staff/console.py) reads cookies and forms and calls this.

- A login is a random token in the ``zg_staff`` cookie; the store keeps only its SHA-256,
  so a copy of the database opens no session. Logins last :data:`LOGIN_TTL`.
- Each login has its own CSRF token, sent in a hidden ``csrf`` field with every form and
  compared in constant time on every POST. The login form itself carries a pre-login
  token that must equal the ``zg_staff_pre`` cookie (double submit): another site can
  neither read that cookie nor, with SameSite=Strict, make the browser send it.
- The lockout is a token bucket per client address, per account name from one address,
  and per account name from all addresses together, through the session store's
  :class:`~bot.storage.SharedLimits` when it has them (so every ``serve`` process agrees)
  and in memory otherwise: 20 attempts per address, 5 per name and address, 50 per name,
  a token back every :data:`WINDOW` / burst seconds. The 5 are per name *and address*
  so that one guesser, however slow, cannot keep the real user out of an account for
  good (the name alone was such a switch); the 50 still bound guessing at one name
  from many addresses. Every attempt takes its tokens before the password is checked,
  so parallel guesses cannot slip past the count; a successful login fills the name's
  buckets again (its failures are forgiven), while the address's keeps counting every
  attempt.
- Nothing here logs; the password, its hash and the token never leave this module except
  the token into its cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from bot.clock import Clock
from bot.staff.accounts import check_login
from bot.staff.store import ConsoleStore, LoginSession
from bot.storage import SharedLimits

COOKIE: Final = "zg_staff"
PRE_COOKIE: Final = "zg_staff_pre"
COOKIE_PATH: Final = "/staff"
LOGIN_TTL: Final = timedelta(hours=8)
# The pre-login token lives as long as a login form may sit open.
PRE_TTL: Final = timedelta(hours=1)
BUCKET: Final = "staff-login"
WINDOW: Final = timedelta(minutes=15)
NAME_ATTEMPTS: Final = 5
NAME_ATTEMPTS_ANY_CLIENT: Final = 50
CLIENT_ATTEMPTS: Final = 20
RESET_RATE: Final = 1e12  # tokens a second: any elapsed time refills the bucket
_TOKEN: Final = 32  # bytes of randomness in a login, CSRF or pre-login token


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def same(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of two tokens; missing or empty never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def new_token() -> str:
    return secrets.token_urlsafe(_TOKEN)


def cookie_header(name: str, value: str, max_age: int, *, secure: bool) -> str:
    """A Set-Cookie value: HttpOnly, SameSite=Strict, Path=/staff, Secure over https."""
    parts = [
        f"{name}={value}",
        f"Max-Age={max_age}",
        f"Path={COOKIE_PATH}",
        "HttpOnly",
        "SameSite=Strict",
    ]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def clear_cookie(name: str, *, secure: bool) -> str:
    return cookie_header(name, "", 0, secure=secure)


class MemoryLimits:
    """:meth:`SharedLimits.take_tokens` for one process, for a store without shared
    limits. At most ``max_keys`` buckets, least recently used dropped first (a dropped
    bucket is a full one: it only forgets old attempts)."""

    blocking = False

    def __init__(self, clock: Clock, max_keys: int = 20_000) -> None:
        self._clock = clock
        self._max = max_keys
        self._buckets: OrderedDict[tuple[str, bytes], tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take_tokens(
        self, bucket: str, client: bytes, per_second: float, burst: float, cost: float
    ) -> float:
        now = self._clock().timestamp()
        key = (bucket, client)
        with self._lock:
            tokens, at = self._buckets.pop(key, (burst, now))
            if per_second >= RESET_RATE:  # no time passes on a test's frozen clock
                tokens = burst
            tokens = min(burst, tokens + max(0.0, now - at) * per_second)
            wait = 0.0
            if tokens + 1e-9 >= cost:  # a refill to exactly ``cost`` is not short of it
                tokens -= cost
            else:
                wait = (cost - tokens) / per_second
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self._max:
                self._buckets.popitem(last=False)
        return wait


@dataclass(frozen=True, slots=True)
class Granted:
    """A new login: the cookie's token (shown to nobody but the browser) and its session."""

    token: str
    session: LoginSession


@dataclass(frozen=True, slots=True)
class Locked:
    retry_after: float


@dataclass(frozen=True, slots=True)
class Refused:
    """Wrong name or password (which of the two is never said)."""


class Auth:
    """Logins over a :class:`ConsoleStore`."""

    def __init__(
        self,
        store: ConsoleStore,
        clock: Clock,
        limits: SharedLimits | MemoryLimits | None = None,
    ) -> None:
        self.store = store
        self._clock = clock
        self.limits: SharedLimits | MemoryLimits = limits or MemoryLimits(clock)

    def current(self, token: str | None) -> LoginSession | None:
        """The login a cookie's token belongs to, if it has not expired."""
        if not token or len(token) > 100:
            return None
        return self.store.get_login(token_hash(token), self._clock())

    @staticmethod
    def _key(kind: str, key: str) -> bytes:
        return hashlib.sha256(f"{kind}\0{key}".encode()).digest()

    def _take(self, kind: str, key: str, attempts: int) -> float:
        per_second = attempts / WINDOW.total_seconds()
        return self.limits.take_tokens(BUCKET, self._key(kind, key), per_second, attempts, 1.0)

    def _refill(self, kind: str, key: str, attempts: int) -> None:
        """Fill a bucket again: nothing taken, at a refill rate no elapsed time can stay
        under (SharedLimits has no reset of its own)."""
        self.limits.take_tokens(BUCKET, self._key(kind, key), RESET_RATE, attempts, 0.0)

    def attempt(self, name: str, password: str, client: str) -> Granted | Locked | Refused:
        """Check a name and password, counted against the lockout first."""
        folded = name.casefold()
        here = f"{folded}\0{client}"
        wait = self._take("client", client, CLIENT_ATTEMPTS)
        if wait <= 0:
            wait = self._take("name-client", here, NAME_ATTEMPTS)
        if wait <= 0:
            wait = self._take("name", folded, NAME_ATTEMPTS_ANY_CLIENT)
        if wait > 0:
            return Locked(wait)
        # accounts.check_login hashes for an unknown name too: timing tells no names.
        if not password or not check_login(self.store, name, password):
            return Refused()
        # A success wipes the name's failures (the client's attempts still count).
        self._refill("name-client", here, NAME_ATTEMPTS)
        self._refill("name", folded, NAME_ATTEMPTS_ANY_CLIENT)
        token = new_token()
        session = LoginSession(name=name, csrf=new_token(), expires_at=self._clock() + LOGIN_TTL)
        self.store.create_login(token_hash(token), session.name, session.csrf, session.expires_at)
        return Granted(token, session)

    def logout(self, token: str | None) -> None:
        if token:
            self.store.delete_login(token_hash(token))
