"""`XapiClient`: the client every generated function takes as `client=`, sync and async.

    with XapiClient("https://pbx.example.com", client_id, client_secret) as client:
        users = list_user.sync(client=client)

    async with XapiClient.from_env() as client:
        users = await list_user.asyncio(client=client)

It owns one token for all threads and tasks (see `_auth`), retries safely (see `_retries`), logs one DEBUG
line per request under `threecx_xapi`, and remembers the PBX's `X-3CX-Version`.
"""

from __future__ import annotations

import logging
import os
import threading
import urllib.request
from collections.abc import Callable
from types import TracebackType
from typing import Any

import httpx

from . import _http_clients
from ._auth import TokenAuth
from ._pinned import XAPI_VERSION
from ._retries import AsyncRetryTransport, RetryPolicy, RetryTransport

logger = logging.getLogger("threecx_xapi")

API_PATH = "/xapi/v1"
ENVIRONMENT = ("THREECX_XAPI_URL", "THREECX_XAPI_CLIENT_ID", "THREECX_XAPI_CLIENT_SECRET")
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
        client_id: str,
        client_secret: str,
        *,
        timeout: float | httpx.Timeout = 30.0,
        verify: Any = True,
        httpx_args: dict[str, Any] | None = None,
        retry: RetryPolicy | None = None,
        token_margin: float = 60.0,
    ) -> None:
        if not client_id:
            raise ValueError("client_id is empty")
        if not client_secret:
            raise ValueError("client_secret is empty")
        self.root_url, self.base_url = split_base_url(base_url)
        self.client_id = client_id
        self.timeout = timeout
        self.verify = verify
        self.retry = retry or RetryPolicy()
        self._httpx_args = dict(httpx_args or {})
        self.auth = TokenAuth(f"{self.root_url}/connect/token", client_id, client_secret, margin=token_margin)
        self.server_version: str | None = None
        self._version_warned = False
        # Threads that meet an unbuilt client build exactly one, and the version warning is logged once.
        self._lock = threading.Lock()
        self._client: httpx.Client | None = None
        self._async_client: httpx.AsyncClient | None = None

    @classmethod
    def from_env(cls, **kwargs: Any) -> XapiClient:
        """A client from THREECX_XAPI_URL, THREECX_XAPI_CLIENT_ID and THREECX_XAPI_CLIENT_SECRET."""
        missing = [name for name in ENVIRONMENT if not os.environ.get(name)]
        if missing:
            raise ValueError("missing environment variables: " + ", ".join(missing))
        url, client_id, secret = (os.environ[name] for name in ENVIRONMENT)
        return cls(url, client_id, secret, **kwargs)

    def __repr__(self) -> str:
        return f"XapiClient(base_url={self.base_url!r}, client_id={self.client_id!r})"

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
