"""The emulator's users: passwords, an optional TOTP second factor, and a lock after repeated failures."""

from __future__ import annotations

import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from . import _totp

DEFAULT_USERNAME = "100"


class Verdict(Enum):
    """What a PBX answers a sign-in with (the Status of /webclient/api/Login/GetAccessToken)."""

    SUCCESS = "AuthSuccess"
    WRONG_CREDENTIALS = "AuthFailed"
    LOCKED = "UserLocked"
    CODE_REQUIRED = "SecurityCodeRequired"
    CODE_INVALID = "SecurityCodeInvalid"


@dataclass
class User:
    username: str
    password: str = field(repr=False)
    totp_secret: str | None = field(default=None, repr=False)
    locked: bool = False
    failures: int = 0
    last_code_step: int = -1  # a code is accepted once (RFC 6238 §5.2)


class Accounts:
    """Users who sign in with a password, and the apps allowed to use the authorize endpoint.

    `Emulator().accounts` starts with one user, `username` ("100") with a random `password`, and the emulator's
    own client id as an app. `add("200", "pw", second_factor=True)` returns the TOTP secret; `code("200")` is
    the code an authenticator app would show now.
    """

    def __init__(self, clock: Callable[[], float], app_client_id: str, *, max_failures: int = 5) -> None:
        self.clock = clock
        self.max_failures = max_failures
        self.apps: set[str] = {app_client_id}
        self._users: dict[str, User] = {}
        self._lock = threading.Lock()
        self.username = DEFAULT_USERNAME
        self.password = secrets.token_urlsafe(12)
        self.add(self.username, self.password)

    def __repr__(self) -> str:
        return f"Accounts(users={sorted(self._users)!r}, apps={sorted(self.apps)!r})"

    def add(self, username: str, password: str, *, second_factor: bool = False, locked: bool = False) -> str | None:
        """Add or replace a user; with `second_factor`, returns the TOTP secret its authenticator app holds."""
        secret = _totp.new_secret() if second_factor else None
        with self._lock:
            self._users[username] = User(username, password, secret, locked)
        return secret

    def lock(self, username: str, locked: bool = True) -> None:
        with self._lock:
            self._user(username).locked = locked

    def code(self, username: str, *, offset_steps: int = 0) -> str:
        """The second-factor code the user's authenticator app shows now (or `offset_steps` steps away)."""
        secret = self._user(username).totp_secret
        if secret is None:
            raise ValueError(f"user {username!r} has no second factor")
        return _totp.code_at(secret, self.clock() + offset_steps * _totp.STEP)

    def check(self, username: str, password: str, code: str) -> Verdict:
        """A sign-in attempt's verdict, counting failures (a user is locked after `max_failures` in a row)."""
        with self._lock:
            user = self._users.get(username)
            known = user is not None and hmac.compare_digest(user.password.encode(), password.encode())
            if user is None or user.locked:
                return Verdict.LOCKED if user is not None else Verdict.WRONG_CREDENTIALS
            if not known:
                user.failures += 1
                user.locked = user.failures >= self.max_failures
                return Verdict.WRONG_CREDENTIALS
            if user.totp_secret is not None:
                if not code:
                    return Verdict.CODE_REQUIRED
                step = _totp.matching_step(user.totp_secret, code, self.clock())
                if step is None or step <= user.last_code_step:
                    return Verdict.CODE_INVALID
                user.last_code_step = step
            user.failures = 0
            return Verdict.SUCCESS

    def _user(self, username: str) -> User:
        try:
            return self._users[username]
        except KeyError:
            raise KeyError(f"no user {username!r}; add it with accounts.add()") from None
