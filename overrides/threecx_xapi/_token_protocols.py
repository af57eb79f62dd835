"""What a token store does, apart from the stores themselves: the client's hints name `TokenStore`, and
importing an operation must not build the stores' classes (see `_token_store`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from ._token_store import StoredTokens

__all__ = ["SharedTokenStore", "TokenStore"]


class TokenStore(Protocol):
    """Keeps the newest tokens of one sign-in. Implementations must be safe to call from any thread."""

    def load(self) -> StoredTokens | None: ...

    def save(self, tokens: StoredTokens) -> None: ...

    def clear(self) -> None: ...


@runtime_checkable
class SharedTokenStore(TokenStore, Protocol):
    """A store several processes share: the client holds its lock from reading the store to saving what a
    refresh or sign-in answered, so a process that waited reads the token another one just fetched."""

    lock_timeout: float  # seconds a process waits for another one's renewal before giving up

    def lock(self, timeout: float) -> bool:
        """Take the lock within `timeout` seconds (0: try once); False when another process kept it."""
        ...

    def unlock(self) -> None: ...
