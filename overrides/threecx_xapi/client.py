"""`XapiClient`: the client every generated function takes as `client=`, sync and async.

    with XapiClient("https://pbx.example.com", client_id, client_secret) as client:
        users = list_user.sync(client=client)

    client = XapiClient("https://pbx.example.com", username="100", password=password)   # a user's own login
    client = XapiClient("https://pbx.example.com", client_id="my-app")                 # authorization code + PKCE
    client.sign_in_with_browser()

    async with XapiClient.from_env() as client:
        users = await list_user.asyncio(client=client)

It owns one token for all threads and tasks (see `_auth`), retries safely (see `_retries`), logs one DEBUG
line per request under `threecx_xapi`, and remembers the PBX's `X-3CX-Version`.
"""

from __future__ import annotations

import http.cookiejar
import logging
import os
import threading
import urllib.request
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx

from ._pinned import XAPI_VERSION
from ._retries import RetryPolicy
from ._token_protocols import TokenStore

# Signing in loads with the first client, not with every module that names XapiClient: importing one operation
# stays cheap (see docs/benchmarks.md). What the constructor's hints name is here, for typing.get_type_hints.
if TYPE_CHECKING:
    from ._grants import AuthorizationCode, Grant
    from ._pkce import AuthorizationRequest

# A second-factor prompt: a plain function (run in a worker thread by the async client, so the event loop goes on
# while the user types) or a coroutine function.
CodePrompt = Callable[[], str | None] | Callable[[], Awaitable[str | None]]

logger = logging.getLogger("threecx_xapi")

API_PATH = "/xapi/v1"
ENVIRONMENT = ("THREECX_XAPI_URL", "THREECX_XAPI_CLIENT_ID", "THREECX_XAPI_CLIENT_SECRET")
USER_ENVIRONMENT = ("THREECX_XAPI_USERNAME", "THREECX_XAPI_PASSWORD", "THREECX_XAPI_SECURITY_CODE")
# Settings of the connection itself: they go to the transport the client builds, not to httpx.Client.
_TRANSPORT_ARGS = ("cert", "proxy", "trust_env", "http1", "http2", "limits")


def split_base_url(base_url: str) -> tuple[str, str]:
    """(`https://pbx:5001`, `https://pbx:5001/xapi/v1`) from any accepted form of a PBX address."""
    try:
        url = httpx.URL(base_url.strip())
    except (httpx.InvalidURL, TypeError) as exc:
        raise ValueError(f"base_url {base_url!r} is not a URL") from exc
    path = url.path.rstrip("/")
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"base_url {base_url!r} needs http:// or https:// and a host, e.g. https://pbx.example.com")
    if url.query or url.fragment or path not in ("", API_PATH):
        raise ValueError(f"base_url {base_url!r} must be the PBX address, optionally ending in {API_PATH}")
    root = f"{url.scheme}://{url.netloc.decode('ascii')}"
    return root, root + API_PATH


class XapiClient:
    """A 3CX XAPI client: one shared token, typed errors, safe retries."""

    def __init__(
        self,
        base_url: str,
        client_id: str | None = None,
        client_secret: str | None = None,
        *,
        username: str | None = None,
        password: str | None = None,
        security_code: str | None = None,
        security_code_prompt: CodePrompt | None = None,
        basic_auth: bool = False,
        token_store: TokenStore | None = None,
        timeout: float | httpx.Timeout = 30.0,
        verify: Any = True,
        httpx_args: dict[str, Any] | None = None,
        retry: RetryPolicy | None = None,
        token_margin: float = 60.0,
    ) -> None:
        """Sign in one of three ways: `client_id` and `client_secret` (an API client, in the body or with
        `basic_auth=True` as HTTP Basic); `username` and `password` (a user's own login, with `security_code=` or
        `security_code_prompt=` for a second factor: a function, run in a thread by the async calls, or a
        coroutine function); or `client_id` alone (authorization code with PKCE: call
        `sign_in_with_browser()`). `token_store` keeps the newest tokens (in memory unless given)."""
        from ._auth import TokenAuth

        self.root_url, self.base_url = split_base_url(base_url)
        self.client_id = client_id
        self.username = username
        grant = _grant(
            self.root_url,
            client_id,
            client_secret,
            username,
            password,
            security_code,
            security_code_prompt,
            basic_auth=basic_auth,
            stored=token_store is not None,
        )
        self.timeout = timeout
        self.verify = verify
        self.retry = retry or RetryPolicy()
        self._httpx_args = dict(httpx_args or {})
        self.auth = TokenAuth(f"{self.root_url}/connect/token", grant=grant, store=token_store, margin=token_margin)
        self.server_version: str | None = None
        self._version_warned = False
        # Threads that meet an unbuilt client build exactly one, and the version warning is logged once.
        self._lock = threading.Lock()
        self._client: httpx.Client | None = None
        self._async_client: httpx.AsyncClient | None = None

    @classmethod
    def from_env(cls, **kwargs: Any) -> XapiClient:
        """A client from THREECX_XAPI_URL and either THREECX_XAPI_CLIENT_ID and THREECX_XAPI_CLIENT_SECRET, or
        THREECX_XAPI_USERNAME and THREECX_XAPI_PASSWORD (with THREECX_XAPI_SECURITY_CODE for a second factor)."""
        url_variable, id_variable, secret_variable = ENVIRONMENT
        user_variable, password_variable, code_variable = USER_ENVIRONMENT
        environ = os.environ
        as_user = not (environ.get(id_variable) and environ.get(secret_variable)) and bool(
            environ.get(user_variable) or environ.get(password_variable)
        )  # an API client when both of its variables are set, as on the command line
        if as_user:
            missing = [name for name in (url_variable, user_variable, password_variable) if not environ.get(name)]
            if missing:
                raise ValueError("missing environment variables: " + ", ".join(missing))
            kwargs.setdefault("security_code", environ.get(code_variable) or None)
            user, password = environ[user_variable], environ[password_variable]
            return cls(environ[url_variable], username=user, password=password, **kwargs)
        missing = [name for name in ENVIRONMENT if not environ.get(name)]
        if missing:
            raise ValueError(
                "missing environment variables: "
                + ", ".join(missing)
                + f" (or set {user_variable} and {password_variable} to sign in as a user)"
            )
        return cls(environ[url_variable], environ[id_variable], environ[secret_variable], **kwargs)

    def __repr__(self) -> str:
        who = f"username={self.username!r}" if self.username else f"client_id={self.client_id!r}"
        return f"XapiClient(base_url={self.base_url!r}, {who})"

    # -- signing in ahead of the first call ------------------------------------------------------------------

    def sign_in(self) -> None:
        """Sign in now (client credentials or the user's login), so a failure shows before any call."""
        self.auth.sign_in(self._signing_client())

    async def asign_in(self) -> None:
        await self.auth.asign_in(self._async_signing_client())

    def authorization_request(self, redirect_uri: str) -> AuthorizationRequest:
        """A new authorization request (state, code_verifier) for this app: send the user to its `url`."""
        from ._pkce import AuthorizationRequest  # here: sign-in by browser is rare, importing an operation is not

        return AuthorizationRequest.new(self.root_url, self._app().client_id, redirect_uri)

    def exchange_code(self, request: AuthorizationRequest, redirect_query: Mapping[str, str]) -> None:
        """Check the redirect's state, exchange its code with the code_verifier, and keep the tokens."""
        code = request.code_from(redirect_query)
        steps = self._app().exchange(code, request.code_verifier, request.redirect_uri)
        self.auth.sign_in(self._signing_client(), steps)

    async def aexchange_code(self, request: AuthorizationRequest, redirect_query: Mapping[str, str]) -> None:
        code = request.code_from(redirect_query)
        steps = self._app().exchange(code, request.code_verifier, request.redirect_uri)
        await self.auth.asign_in(self._async_signing_client(), steps)

    def sign_in_with_browser(
        self, *, open_browser: Callable[[str], Any] | None = None, port: int = 0, timeout: float = 300.0
    ) -> None:
        """Authorization code + PKCE for a desktop or command-line app: opens the PBX's sign-in page and waits
        on 127.0.0.1 for the redirect (RFC 8252); `open_browser` defaults to `webbrowser.open`."""
        from ._pkce import LoopbackRedirect

        with LoopbackRedirect(port) as listener:
            request = self.authorization_request(listener.redirect_uri)
            _browser_opener(open_browser)(request.url)
            query = listener.wait(timeout)
        self.exchange_code(request, query)

    async def asign_in_with_browser(
        self, *, open_browser: Callable[[str], Any] | None = None, port: int = 0, timeout: float = 300.0
    ) -> None:
        import asyncio  # here, not at the top: importing an operation must not pay for asyncio

        from ._pkce import LoopbackRedirect

        with LoopbackRedirect(port) as listener:
            request = self.authorization_request(listener.redirect_uri)
            await asyncio.to_thread(_browser_opener(open_browser), request.url)
            query = await asyncio.to_thread(listener.wait, timeout)
        await self.aexchange_code(request, query)

    def _app(self) -> AuthorizationCode:
        from ._grants import AuthorizationCode

        grant = self.auth.grant
        if not isinstance(grant, AuthorizationCode):
            raise ValueError("the authorization code flow is for a client made with client_id alone")
        return grant

    def _signing_client(self) -> httpx.Client:
        return self.get_httpx_client()

    def _async_signing_client(self) -> httpx.AsyncClient:
        return self.get_async_httpx_client()

    def _record_version(self, response: httpx.Response) -> None:
        version = response.headers.get("X-3CX-Version")
        if not version:
            return
        self.server_version = version
        if self._version_warned or (version + ".").startswith(XAPI_VERSION + "."):
            return
        with self._lock:
            if self._version_warned:
                return
            self._version_warned = True
            logger.warning(
                "the PBX runs XAPI %s; this threecx-xapi was generated for %s: regenerate or pin a matching build",
                version,
                XAPI_VERSION,
            )

    def _client_args(self, transport_key: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """(arguments for httpx.Client, arguments for the transport it would build): `transport_key` is the
        httpx_args entry that holds a ready-made transport, `transport` for sync, `async_transport` for async."""
        args = dict(self._httpx_args)
        transports: dict[str, Any] = {name: args.pop(name) for name in ("transport", "async_transport") if name in args}
        args["transport"] = transports.get(transport_key) or transports.get("transport")
        transport_args = {name: args.pop(name) for name in _TRANSPORT_ARGS if name in args}
        transport_args["verify"] = args.pop("verify", self.verify)
        if "proxy" not in transport_args and transport_args.get("trust_env", True):
            # httpx reads proxies from the environment only for transports it builds; this one is built here.
            transport_args["proxy"] = environment_proxy(self.root_url)
        # The web client's refresh token may come as a cookie: it is read from the answer, never kept in the jar
        # and sent along with every API request.
        args.setdefault("cookies", http.cookiejar.CookieJar(policy=_WithoutRefreshTokenCookie()))
        hooks = dict(args.pop("event_hooks", {}))
        hooks["response"] = [*hooks.get("response", []), self._record_version]
        args.update(base_url=self.base_url + "/", auth=self.auth, timeout=self.timeout, event_hooks=hooks)
        return args, transport_args

    def get_httpx_client(self) -> httpx.Client:
        """The underlying httpx.Client, built on first use."""
        client = self._client
        if client is None:
            with self._lock:
                if self._client is None:
                    from . import _http_clients
                    from ._retries import RetryTransport

                    args, transport_args = self._client_args("transport")
                    inner = args.pop("transport") or httpx.HTTPTransport(**transport_args)
                    args["mounts"] = _retrying(args.get("mounts"), lambda mounted: RetryTransport(mounted, self.retry))
                    self._client = _http_clients.Client(transport=RetryTransport(inner, self.retry), **args)
                client = self._client
        return client

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        """The underlying httpx.AsyncClient, built on first use."""
        client = self._async_client
        if client is None:
            with self._lock:
                if self._async_client is None:
                    from . import _http_clients
                    from ._retries import AsyncRetryTransport

                    args, transport_args = self._client_args("async_transport")
                    hooks = args["event_hooks"]
                    hooks["response"] = [_async_hook(hook) for hook in hooks["response"]]
                    inner = args.pop("transport") or httpx.AsyncHTTPTransport(**transport_args)
                    args["mounts"] = _retrying(
                        args.get("mounts"), lambda mounted: AsyncRetryTransport(mounted, self.retry)
                    )
                    self._async_client = _http_clients.AsyncClient(
                        transport=AsyncRetryTransport(inner, self.retry), **args
                    )
                client = self._async_client
        return client

    def set_httpx_client(self, client: httpx.Client) -> XapiClient:
        """Use an httpx.Client built elsewhere (it then brings its own auth, retries and base URL)."""
        self._client = client
        return self

    def set_async_httpx_client(self, client: httpx.AsyncClient) -> XapiClient:
        """Use an httpx.AsyncClient built elsewhere."""
        self._async_client = client
        return self

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    async def aclose(self) -> None:
        if self._async_client is not None:
            await self._async_client.aclose()
            self._async_client = None

    def __enter__(self) -> XapiClient:
        self.get_httpx_client()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    async def __aenter__(self) -> XapiClient:
        self.get_async_httpx_client()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.aclose()


class _WithoutRefreshTokenCookie(http.cookiejar.DefaultCookiePolicy):
    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        from ._grants import REFRESH_COOKIE

        return cookie.name != REFRESH_COOKIE and super().set_ok(cookie, request)


def _grant(
    root_url: str,
    client_id: str | None,
    client_secret: str | None,
    username: str | None,
    password: str | None,
    security_code: str | None,
    security_code_prompt: CodePrompt | None,
    *,
    basic_auth: bool,
    stored: bool,
) -> Grant:
    """The way this client signs in, from the credentials given; a clear ValueError for a mix that is none."""
    from ._grants import AuthorizationCode, ClientCredentials, UserLogin

    if username is not None or password is not None:
        if client_secret is not None:
            raise ValueError("pass client_id and client_secret, or username and password, not both")
        if not username:
            raise ValueError("username is empty")
        if not password and not stored:
            raise ValueError("password is empty (without one, pass the token_store of an earlier sign-in)")
        return UserLogin(
            root_url, username, password or "", security_code=security_code, security_code_prompt=security_code_prompt
        )
    if security_code is not None or security_code_prompt is not None:
        raise ValueError("security_code and security_code_prompt go with username and password")
    if not client_id:
        raise ValueError("client_id is empty (or pass username and password)")
    if client_secret is None:
        if basic_auth:
            raise ValueError("basic_auth needs client_secret")
        return AuthorizationCode(root_url, client_id)
    if not client_secret:
        raise ValueError("client_secret is empty")
    return ClientCredentials(root_url, client_id, client_secret, basic=basic_auth)


def environment_proxy(url: str) -> str | None:
    """The proxy HTTPS_PROXY, HTTP_PROXY or ALL_PROXY names for `url`, unless NO_PROXY exempts its host."""
    parsed = httpx.URL(url)
    if urllib.request.proxy_bypass(parsed.host):
        return None
    proxies = urllib.request.getproxies()
    return proxies.get(parsed.scheme) or proxies.get("all")


def _retrying(mounts: dict[str, Any] | None, wrap: Callable[[Any], Any]) -> dict[str, Any] | None:
    """httpx_args mounts with the retry policy around each (None still means the default transport)."""
    if not mounts:
        return None
    return {pattern: None if mounted is None else wrap(mounted) for pattern, mounted in mounts.items()}


def _async_hook(hook: Any) -> Any:
    """httpx.AsyncClient awaits its event hooks; wrap the plain ones."""

    async def run(response: httpx.Response) -> None:
        result = hook(response)
        if hasattr(result, "__await__"):
            await result

    return run


def _browser_opener(open_browser: Callable[[str], Any] | None) -> Callable[[str], Any]:
    if open_browser is not None:
        return open_browser
    import webbrowser  # here: it pulls in subprocess and shlex, which only a browser sign-in needs

    return webbrowser.open
