"""Where a client keeps its tokens: in memory (the default) or in a file only its owner can read.

Refresh tokens rotate: every refresh answers a new one and the old one stops working, so the store always
holds the newest. A `FileTokenStore` lets `threecx-xapi login` sign in once and later commands reuse it; as a
PBX keeps one active token per client, processes sharing the file renew it one at a time, under its lock.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ._token_protocols import SharedTokenStore, TokenStore

if TYPE_CHECKING:
    from filelock import FileLock

__all__ = ["FileTokenStore", "MemoryTokenStore", "SharedTokenStore", "StoredTokens", "TokenStore"]


@dataclass(frozen=True)
class StoredTokens:
    access_token: str
    refresh_at: float  # seconds since the epoch when the access token is due for refresh
    refresh_token: str | None = None

    def __repr__(self) -> str:
        return f"StoredTokens(refresh_at={self.refresh_at!r}, refresh_token={'***' if self.refresh_token else None})"


class MemoryTokenStore:
    """Tokens for the life of the process."""

    def __init__(self) -> None:
        self._tokens: StoredTokens | None = None

    def __repr__(self) -> str:
        return "MemoryTokenStore()"

    def load(self) -> StoredTokens | None:
        return self._tokens

    def save(self, tokens: StoredTokens) -> None:
        self._tokens = tokens

    def clear(self) -> None:
        self._tokens = None


class FileTokenStore:
    """Tokens in a JSON file with mode 0600 (its folder 0700), replaced atomically on every save.

    `account` (e.g. `{"username": "100"}`) is written beside the tokens, so a later process knows whose they are.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, account: dict[str, str] | None = None, lock_timeout: float = 60.0
    ) -> None:
        self.path = Path(path)
        self.account = dict(account or {})
        self.lock_timeout = lock_timeout
        self._lock = threading.Lock()
        self._renewal: FileLock | None = None

    def lock(self, timeout: float) -> bool:
        """The renewal lock, `<file>.lock` beside the tokens (mode 0600), held by one process at a time."""
        from filelock import FileLock, Timeout

        if self._renewal is None:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            lock_path = self.path.with_name(self.path.name + ".lock")
            self._renewal = FileLock(lock_path, mode=0o600, thread_local=False)  # the client's lock picks the thread
        try:
            self._renewal.acquire(timeout=timeout, poll_interval=0.01)
        except Timeout:
            return False
        return True

    def unlock(self) -> None:
        if self._renewal is not None:
            self._renewal.release()

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r})"

    @classmethod
    def stored_account(cls, path: str | os.PathLike[str]) -> dict[str, str]:
        """The account a token file was written for; empty when there is no readable file."""
        data = _read(Path(path))
        account = data.get("account") if data else None
        return {str(key): str(value) for key, value in account.items()} if isinstance(account, dict) else {}

    def load(self) -> StoredTokens | None:
        data = _read(self.path)
        access_token = data.get("access_token") if data else None
        if data is None or not isinstance(access_token, str):
            return None
        refresh_at, refresh_token = data.get("refresh_at"), data.get("refresh_token")
        return StoredTokens(
            access_token,
            float(refresh_at) if isinstance(refresh_at, int | float) else 0.0,
            refresh_token if isinstance(refresh_token, str) and refresh_token else None,
        )

    def save(self, tokens: StoredTokens) -> None:
        fields = {"access_token": tokens.access_token, "refresh_at": tokens.refresh_at}
        self._write({**fields, "refresh_token": tokens.refresh_token, "account": self.account})

    def clear(self) -> None:
        """Forget the tokens; the account stays, so a later command can say whose sign-in to renew."""
        if self.account:
            self._write({"account": self.account})
        else:
            self.remove()

    def remove(self) -> None:
        with self._lock:
            self.path.unlink(missing_ok=True)

    def _write(self, data: dict[str, object]) -> None:
        text = json.dumps(data)
        with self._lock:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # Created 0600 before a byte is written, then renamed over the old file: never readable by others.
            descriptor, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
            try:
                os.fchmod(descriptor, 0o600)
                with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
                    stream.write(text)
                os.replace(temporary, self.path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise


def _read(path: Path) -> dict[str, object] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # no file yet, or one that is not ours: sign in again
    return data if isinstance(data, dict) else None
