"""One user-login client shared by 50 threads or 200 tasks: one login, then one refresh per expiry.

Overlap is proven, not hoped for: a barrier in the transport holds every API request until all callers have
sent theirs, so every caller is mid-call at once when the token they all carry turns out to be refused.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from signin_support import login_requests, user_client
from threecx_xapi import MemoryTokenStore, StoredTokens
from threecx_xapi.api.users import list_user
from threecx_xapi.testing import Emulator

THREADS, TASKS = 50, 200


class Gate(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """The emulator in-process, where API requests wait at a barrier while one is armed."""

    def __init__(self, pbx: Emulator) -> None:
        self.inner = pbx.transport()
        self.barrier: threading.Barrier | None = None
        self.async_barrier: asyncio.Barrier | None = None
        self.bearers: list[str] = []

    def _api(self, request: httpx.Request) -> bool:
        return request.url.path.startswith("/xapi/")

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._api(request):
            self.bearers.append(request.headers["Authorization"])
            if self.barrier is not None:
                self.barrier.wait()
        return self.inner.handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._api(request):
            self.bearers.append(request.headers["Authorization"])
            if self.async_barrier is not None:
                await self.async_barrier.wait()
        return await self.inner.handle_async_request(request)


def revoked_tokens() -> MemoryTokenStore:
    """A store holding an access token the PBX never issued (an earlier process's, say): the first use is a 401."""
    store = MemoryTokenStore()
    store.save(StoredTokens("not-a-token-of-this-pbx", refresh_at=float("inf")))
    return store


def test_fifty_threads_make_one_login_then_one_refresh_per_expiry() -> None:
    pbx = Emulator(collection_size=1)
    gate = Gate(pbx)
    client = user_client(pbx, token_store=revoked_tokens(), httpx_args={"transport": gate})

    def call(_: int) -> int:
        return len(list_user.sync(client=client).value)

    try:
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            for expiry in range(3):
                gate.barrier = threading.Barrier(THREADS, timeout=20)  # all 50 in flight with a refused token
                assert list(pool.map(call, range(THREADS))) == [1] * THREADS
                gate.barrier = None
                assert login_requests(pbx) == 1 and pbx.token_requests == expiry
                pbx.expire_tokens()
    finally:
        client.close()
    refreshes = [request.status for request in pbx.requests if request.operation_id == "token"]
    assert refreshes == [200, 200]  # each rotated refresh token used once: a reuse would have revoked the sign-in
    assert len(gate.bearers) == 3 * 2 * THREADS  # each call: the refused token, then once with the new one


async def test_two_hundred_tasks_make_one_login_then_one_refresh_per_expiry() -> None:
    pbx = Emulator(collection_size=1)
    gate = Gate(pbx)
    async with user_client(pbx, token_store=revoked_tokens(), httpx_args={"transport": gate}) as client:
        for expiry in range(3):
            gate.async_barrier = asyncio.Barrier(TASKS)
            pages = await asyncio.wait_for(
                asyncio.gather(*(list_user.asyncio(client=client) for _ in range(TASKS))), timeout=30
            )
            gate.async_barrier = None
            assert [len(page.value) for page in pages] == [1] * TASKS
            assert login_requests(pbx) == 1 and pbx.token_requests == expiry
            pbx.expire_tokens()
    assert len(gate.bearers) == 3 * 2 * TASKS


def test_threads_waiting_for_the_first_login_share_it() -> None:
    """No token at all: every thread has begun its call before the one login is answered."""
    pbx = Emulator(collection_size=1)
    started = threading.Semaphore(0)
    release = threading.Event()

    class HeldLogin(httpx.BaseTransport):
        def __init__(self) -> None:
            self.inner = pbx.transport()

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/GetAccessToken"):
                assert release.wait(timeout=20)
            return self.inner.handle_request(request)

    client = user_client(pbx, httpx_args={"transport": HeldLogin()})

    def call(_: int) -> None:
        started.release()
        list_user.sync(client=client)

    try:
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            done = [pool.submit(call, n) for n in range(THREADS)]
            for _ in range(THREADS):
                assert started.acquire(timeout=20)  # every call has begun; none can end before the login does
            release.set()
            for future in done:
                future.result(timeout=20)
    finally:
        client.close()
    assert login_requests(pbx) == 1 and pbx.token_requests == 0
