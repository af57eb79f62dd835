"""Processes sharing one token file renew it one at a time: a PBX keeps one active token per client and a
refresh token works once, so a second process that refreshed too would revoke the sign-in.

Each client here stands for a process: its own XapiClient and its own FileTokenStore on the same file. The
file lock is per open file, so two stores in one process exclude each other exactly as two processes do.
Overlap is proven, not hoped for: the refresh waits at the PBX until the other client is waiting for the lock.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from filelock import FileLock
from signin_support import login_requests, user_client
from threecx_xapi import FileTokenStore, MemoryTokenStore, SharedTokenStore
from threecx_xapi.api.users import list_user
from threecx_xapi.testing import Emulator


class LockWatch:
    """How many clients are waiting for the token file's lock at this moment."""

    def __init__(self) -> None:
        self.waiting = 0
        self.changed = threading.Condition()

    def waited(self, take: Callable[[], bool]) -> bool:
        with self.changed:
            self.waiting += 1
            self.changed.notify_all()
        try:
            return take()
        finally:
            with self.changed:
                self.waiting -= 1

    def another_is_waiting(self) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.waiting > 0, timeout=20)


class WatchedStore(FileTokenStore):
    def __init__(self, path: Path, watch: LockWatch) -> None:
        super().__init__(path)
        self.watch = watch

    def lock(self, timeout: float) -> bool:
        return self.watch.waited(lambda: super(WatchedStore, self).lock(timeout))


class HeldRefresh(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """The emulator in-process; a token request (sent holding the lock) waits until another client waits for it."""

    def __init__(self, pbx: Emulator, watch: LockWatch) -> None:
        self.inner = pbx.transport()
        self.watch = watch
        self.overlapped: list[bool] = []

    def _hold(self, request: httpx.Request) -> None:
        if request.url.path == "/connect/token":
            self.overlapped.append(self.watch.another_is_waiting())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._hold(request)
        return self.inner.handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.to_thread(self._hold, request)
        return await self.inner.handle_async_request(request)


def signed_in_file(pbx: Emulator, path: Path) -> None:
    """A sign-in whose tokens are in `path`, then expired at the PBX (our clock still thinks them fresh)."""
    with user_client(pbx, token_store=FileTokenStore(path)) as client:
        list_user.sync(client=client)
    pbx.expire_tokens()


def test_a_file_token_store_is_shared_and_a_memory_one_is_not() -> None:
    assert isinstance(FileTokenStore("tokens.json"), SharedTokenStore)
    assert not isinstance(MemoryTokenStore(), SharedTokenStore)


def test_two_processes_sharing_a_token_file_refresh_it_once(tmp_path: Path) -> None:
    pbx, path, watch = Emulator(collection_size=1), tmp_path / "tokens.json", LockWatch()
    signed_in_file(pbx, path)
    transport = HeldRefresh(pbx, watch)
    clients = [
        user_client(pbx, password="", token_store=WatchedStore(path, watch), httpx_args={"transport": transport})
        for _ in range(2)
    ]

    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            counts = list(pool.map(lambda client: len(list_user.sync(client=client).value), clients))
    finally:
        for client in clients:
            client.close()

    assert counts == [1, 1]
    assert transport.overlapped == [True]  # one refresh, and the other client waited for the lock during it
    assert pbx.token_requests == 1 and login_requests(pbx) == 1  # the waiter used the token the other fetched
    stored = FileTokenStore(path).load()
    assert stored is not None and stored.refresh_token is not None


async def test_two_async_processes_sharing_a_token_file_refresh_it_once(tmp_path: Path) -> None:
    pbx, path, watch = Emulator(collection_size=1), tmp_path / "tokens.json", LockWatch()
    signed_in_file(pbx, path)
    transport = HeldRefresh(pbx, watch)
    clients = [
        user_client(pbx, password="", token_store=WatchedStore(path, watch), httpx_args={"transport": transport})
        for _ in range(2)
    ]

    try:
        pages = await asyncio.gather(*(list_user.asyncio(client=client) for client in clients))
    finally:
        for client in clients:
            await client.aclose()

    assert [len(page.value) for page in pages] == [1, 1]  # type: ignore[arg-type]
    assert transport.overlapped == [True]
    assert pbx.token_requests == 1 and login_requests(pbx) == 1


@pytest.mark.parametrize("asynchronous", [False, True])
def test_a_lock_another_process_keeps_past_the_timeout_is_a_timeout_error_and_holds_nothing(
    tmp_path: Path, asynchronous: bool
) -> None:
    pbx, path = Emulator(collection_size=1), tmp_path / "tokens.json"
    signed_in_file(pbx, path)
    other_process = FileLock(path.with_name("tokens.json.lock"))
    store = FileTokenStore(path, lock_timeout=0.05)

    with user_client(pbx, password="", token_store=store) as client, other_process:
        with pytest.raises(TimeoutError, match="tokens.json.*another process"):
            if asynchronous:
                asyncio.run(list_user.asyncio(client=client))
            else:
                list_user.sync(client=client)
        assert client.auth._lock.locked() is False  # the client's own lock was given back
    with user_client(pbx, password="", token_store=store) as client:
        assert len(list_user.sync(client=client).value) == 1  # type: ignore[arg-type]  # once it is free
