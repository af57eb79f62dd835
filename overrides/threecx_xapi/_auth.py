"""The PBX's bearer token as an `httpx.Auth`: obtained once, shared, refreshed ahead of expiry.

A PBX keeps one active token per API client, and a refresh token works once (each refresh answers a new one),
so every thread and every task of a client, in any event loop, shares one token behind one lock, and only one
sign-in or refresh is ever in flight. On a 401 the token is renewed once and the request retried once.

How a token is obtained is the grant's job (`_grants`: client credentials, a user's login, authorization code
with PKCE); where the newest tokens are kept is the store's (`_token_store`). The flow below is one generator
of steps, driven by a sync and an async runner that differ only in how they wait for the lock and read bodies.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import AsyncGenerator, Callable, Generator
from dataclasses import dataclass

import httpx

from ._auth_errors import RefreshTokenRejected
from ._grants import ClientCredentials, CodeQuestion, Grant, Issued, SignInFlow, read_refresh_answer
from ._token_store import MemoryTokenStore, SharedTokenStore, StoredTokens, TokenStore


@dataclass(frozen=True)
class Token:
    value: str
    refresh_at: float

    def __repr__(self) -> str:
        return f"Token(refresh_at={self.refresh_at!r})"


class _Lock:
    """Step: take the token lock."""


class _Unlock:
    """Step: give the token lock back."""


@dataclass(frozen=True)
class _Fetch:
    """Step: send a sign-in or refresh request and read its whole answer."""

    request: httpx.Request


LOCK, UNLOCK = _Lock(), _Unlock()
Step = _Lock | _Unlock | _Fetch | CodeQuestion | httpx.Request
Answer = httpx.Response | str | None  # what a runner sends back: a response, a code the user gave, or nothing
Flow = Generator[Step, Answer, Token | None]
SignInSteps = SignInFlow  # a grant's own steps, e.g. a code exchange


def jwt_lifetime(token: str, now: float) -> float | None:
    """Seconds a JWT stays valid from now, from its `exp` claim (authoritative), without checking the signature.

    With an `iat` claim the lifetime is `exp - iat`: both are on the PBX's clock, so a PBX whose clock is
    off from ours still gets its token used for its whole life and not refetched on every call.
    """
    claims = jwt_claims(token) or {}
    exp, issued = _claim_time(claims.get("exp")), _claim_time(claims.get("iat"))
    if exp is None:
        return None
    return exp - issued if issued is not None and issued <= exp else exp - now


def jwt_claims(token: str) -> dict[str, object] | None:
    """A JWT's payload, unverified (the PBX signs it; we only read its times), or None when it is not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _claim_time(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


class TokenAuth(httpx.Auth):
    """Bearer auth with a token from `grant`, sent to the PBX's own address only."""

    def __init__(
        self,
        token_url: str,
        client_id: str = "",
        client_secret: str = "",
        *,
        grant: Grant | None = None,
        store: TokenStore | None = None,
        margin: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token_url = token_url
        self._origin = _origin(httpx.URL(token_url))
        root = token_url.removesuffix("/connect/token")
        self.grant: Grant = grant or ClientCredentials(root, client_id, client_secret)
        self.store: TokenStore = store or MemoryTokenStore()
        # A store other processes share is renewed under its own lock too (see _acquire).
        self._shared = self.store if isinstance(self.store, SharedTokenStore) else None
        self.margin = margin
        self.clock = clock
        self._token: Token | None = None
        # One lock for threads and tasks alike: a thread and a task never fetch two tokens at once.
        self._lock = threading.Lock()
        self._fetching_loop_thread: int | None = None  # the thread whose event loop holds the lock

    def __repr__(self) -> str:
        return f"TokenAuth(token_url={self.token_url!r}, grant={self.grant!r})"

    # -- the one flow --------------------------------------------------------------------------------------

    def _flow(self, request: httpx.Request, stale: Token | None = None, attempts: int = 2) -> Flow:
        """`attempts` sends of `request`, each with a token other than `stale`, renewed after a 401."""
        if not self._for_pbx(request):
            yield request
            return None
        for attempt in range(attempts):
            token = self._usable(stale)
            if token is None:
                yield LOCK
                token = self._usable(stale) or (yield from self._renew(stale))
                yield UNLOCK
            response = yield self._authorize(request, token)
            assert isinstance(response, httpx.Response)
            if response.status_code != 401 or attempt == attempts - 1:
                return None
            stale = token
        return None

    def _first_send(self, request: httpx.Request) -> Token | None:
        """The token to send `request` with straight away, before any runner: the common case, a valid token in
        hand for the PBX, needs no lock and no flow; None leaves it all to the flow."""
        token = self._usable()
        return token if token is not None and self._for_pbx(request) else None

    def _renew(self, stale: Token | None) -> Generator[Step, httpx.Response | None, Token]:
        """A token from the store, else by refresh token, else by signing in. Called holding the lock."""
        held = self.store.load()
        if held is not None and held.access_token != (stale.value if stale else None):
            if self.clock() < held.refresh_at:
                self._token = Token(held.access_token, held.refresh_at)
                return self._token
        refresh_token = held.refresh_token if held is not None else None
        refresh = self.grant.refresh_request(refresh_token) if refresh_token else None
        if refresh is not None and refresh_token:
            answer = yield _Fetch(refresh)
            assert answer is not None
            try:
                issued = read_refresh_answer(answer, self.grant.who, refresh_token)
            except RefreshTokenRejected:
                self.store.clear()  # a refused refresh token is never sent again: the next call signs in afresh
                self._token = None
                raise
            # A PBX may keep the refresh token when it does not rotate it.
            return self._keep(issued, issued.refresh_token or refresh_token)
        issued = yield from _fetched(self.grant.sign_in())
        return self._keep(issued, issued.refresh_token)

    def _keep(self, issued: Issued, refresh_token: str | None) -> Token:
        now = self.clock()
        lifetime = jwt_lifetime(issued.access_token, now)
        if lifetime is None:
            # `expires_in` was minutes before 20.0.9 and is seconds since: reading it as seconds is never too late.
            lifetime = _seconds(issued.expires_in, default=60.0)
        lifetime = max(lifetime, 0.0)
        self._token = Token(issued.access_token, now + lifetime - min(self.margin, lifetime / 2))
        self.store.save(StoredTokens(issued.access_token, self._token.refresh_at, refresh_token))
        return self._token

    def sign_in_flow(self, steps: SignInSteps | None = None) -> Flow:
        """Sign in now (with the grant, or with `steps`, e.g. a code exchange), keeping the tokens."""
        yield LOCK
        issued = yield from _fetched(self.grant.sign_in() if steps is None else steps)
        token = self._keep(issued, issued.refresh_token)
        yield UNLOCK
        return token

    def _usable(self, stale: Token | None = None) -> Token | None:
        """The current token, unless it is the one that just failed or it is due for refresh."""
        token = self._token
        if token is None or token is stale or self.clock() >= token.refresh_at:
            return None
        return token

    @staticmethod
    def _authorize(request: httpx.Request, token: Token) -> httpx.Request:
        request.headers["Authorization"] = f"Bearer {token.value}"
        return request

    def _for_pbx(self, request: httpx.Request) -> bool:
        """Only the PBX the token came from ever receives it (same scheme, host and port)."""
        return _origin(request.url) == self._origin

    # -- the lock ------------------------------------------------------------------------------------------

    def _acquire(self) -> None:
        if not self._lock.acquire(blocking=False):
            if self._fetching_loop_thread == threading.get_ident():
                # Blocking here would stop the very event loop whose task holds the lock.
                raise RuntimeError(
                    "a sync call inside a running event loop waits for that loop's token: call asyncio()"
                )
            self._lock.acquire()
        shared = self._shared
        if shared is not None and not shared.lock(shared.lock_timeout):
            self._lock.release()
            raise _renewal_timeout(shared)

    async def _acquire_async(self) -> None:
        # Polled, not blocked on: waiting must not stop the event loop, and a cancelled wait holds nothing.
        import asyncio  # here, not at the top: importing an operation must not pay for asyncio

        while not self._lock.acquire(blocking=False):
            await asyncio.sleep(0.005)
        self._fetching_loop_thread = threading.get_ident()
        shared = self._shared
        if shared is None:
            return
        try:
            deadline = time.monotonic() + shared.lock_timeout
            while not shared.lock(0):
                if time.monotonic() >= deadline:
                    raise _renewal_timeout(shared)
                await asyncio.sleep(0.01)
        except BaseException:
            self._fetching_loop_thread = None
            self._lock.release()
            raise

    def _release(self) -> None:
        self._fetching_loop_thread = None
        if self._shared is not None:
            self._shared.unlock()
        self._lock.release()

    # -- the two runners -----------------------------------------------------------------------------------

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._first_send(request)
        if token is None:
            yield from self.run_sync(self._flow(request))
            return
        response = yield self._authorize(request, token)
        if response.status_code == 401:
            yield from self.run_sync(self._flow(request, stale=token, attempts=1))

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = self._first_send(request)
        if token is not None:
            response = yield self._authorize(request, token)
            if response.status_code != 401:
                return
        flow = self._flow(request) if token is None else self._flow(request, stale=token, attempts=1)
        runner = self.run_async(flow)
        try:
            sent = await runner.__anext__()
            while True:
                sent = await runner.asend((yield sent))
        except StopAsyncIteration:
            return
        finally:
            await runner.aclose()  # a flow httpx abandons gives the lock back

    def run_sync(self, flow: Flow) -> Generator[httpx.Request, httpx.Response, None]:
        with _Holding(self) as holding:
            try:
                step = next(flow)
                while True:
                    answer: Answer = None
                    if isinstance(step, _Fetch):
                        response = yield step.request
                        response.read()  # overriding the runners skips httpx's own read of the body
                        answer = response
                    elif isinstance(step, httpx.Request):
                        answer = yield step
                    elif isinstance(step, CodeQuestion):
                        answer = step.ask()
                    elif holding.needs_lock(step):
                        self._acquire()
                        holding.held = True
                    step = flow.send(answer)
            except StopIteration:
                return

    async def run_async(self, flow: Flow) -> AsyncGenerator[httpx.Request, httpx.Response]:
        with _Holding(self) as holding:
            try:
                step = next(flow)
                while True:
                    answer: Answer = None
                    if isinstance(step, _Fetch):
                        response = yield step.request
                        await response.aread()
                        answer = response
                    elif isinstance(step, httpx.Request):
                        answer = yield step
                    elif isinstance(step, CodeQuestion):
                        answer = await step.ask_async()  # a plain prompt runs in a thread: the loop goes on
                    elif holding.needs_lock(step):
                        await self._acquire_async()
                        holding.held = True
                    step = flow.send(answer)
            except StopIteration:
                return

    # -- signing in directly, outside any request ------------------------------------------------------------

    def sign_in(self, client: httpx.Client, steps: SignInSteps | None = None) -> None:
        """Sign in now through `client` (its transport and retries, none of its auth)."""
        runner = self.run_sync(self.sign_in_flow(steps))
        try:
            request = next(runner)
            while True:
                request = runner.send(client.send(request, auth=None))
        except StopIteration:
            return

    async def asign_in(self, client: httpx.AsyncClient, steps: SignInSteps | None = None) -> None:
        runner = self.run_async(self.sign_in_flow(steps))
        try:
            request = await runner.__anext__()
            while True:
                request = await runner.asend(await client.send(request, auth=None))
        except StopAsyncIteration:
            return
        finally:
            await runner.aclose()


class _Holding:
    """Whether a runner holds the token lock; it is given back however the flow ends."""

    def __init__(self, auth: TokenAuth) -> None:
        self.auth = auth
        self.held = False

    def needs_lock(self, step: _Lock | _Unlock) -> bool:
        """True for LOCK, which each runner takes its own way (blocking or polled); UNLOCK gives it back here."""
        if isinstance(step, _Lock):
            return True
        self.held = False
        self.auth._release()
        return False

    def __enter__(self) -> _Holding:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.held:
            self.held = False
            self.auth._release()


def _renewal_timeout(store: SharedTokenStore) -> TimeoutError:
    return TimeoutError(
        f"{store!r} is being renewed by another process: its lock stayed taken for {store.lock_timeout:g} s"
    )


def _fetched(steps: SignInSteps) -> Generator[Step, Answer, Issued]:
    """A grant's requests as steps whose answers are read in full, its questions passed on to the runner;
    returns what the grant made of them."""
    answer: Answer = None
    try:
        while True:
            step = steps.send(answer)
            answer = yield step if isinstance(step, CodeQuestion) else _Fetch(step)
    except StopIteration as done:
        issued: Issued = done.value
        return issued


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default_port = {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host, url.port or default_port


def _seconds(value: object, *, default: float) -> float:
    """A positive number of seconds from a token answer's field, else `default`."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return default
    try:
        seconds = float(value)
    except ValueError:
        return default
    return seconds if 0 < seconds < float("inf") else default
