"""A local 3CX XAPI emulator, routed from the operation registry of the pinned document.

    with Emulator() as pbx:                              # HTTP on 127.0.0.1, a free port
        client = XapiClient(pbx.url, pbx.client_id, pbx.client_secret)

    pbx = Emulator()
    client = pbx.client()                                # in-process: no server, no socket

What it does, as a PBX does: `/connect/token` with client credentials and one active token per client; one
numbering plan across users, queues, ring groups, IVRs, fax, trunks and parkings; `$top` capped at `top_limit`
on entity sets (not call history) and the inbound-rules report; `@odata.context`, ETags (If-Match /
If-None-Match), `$expand` and navigation paths over stored rows; the document at /xapi/v1/swagger.yaml, a
service document and `$metadata`; every operation of the document routed, keys and function parameters read with
a strict OData literal parser (a bare string or a quoted date-time is a 400 with an OData error body); request
bodies validated against the document's schemas; entity sets held in memory (create, get by key or alternate
key, PATCH merges, delete, list with `$filter`, `$select`, `$orderby`, `$top`, `$skip`, `$count`, `$search`);
functions and reports answered with deterministic, schema-valid rows from `seed`; `X-3CX-Version` on every
response. Faults for tests: `fail(...)` and `expire_tokens()`. Where real PBXs depart from the document
(`top_limit`, `max_page_size`, `forbidden`, `clock_offset`, `server_version`, `tls`), settings say so, and
`Emulator.from_report(...)` takes them from a `threecx-xapi doctor --report` file: a user's PBX as a test.
"""

from __future__ import annotations

import asyncio
import difflib
import os
import secrets
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx
import uvicorn
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from .. import registry
from ._accounts import Accounts
from ._behaviour import forbidden_areas, report_settings
from ._handler import TARGETS, TOKEN_TARGET, Fault, Handler, RecordedRequest, Reply, Settings
from ._serving import ServerThread

if TYPE_CHECKING:
    from ..client import XapiClient

__all__ = ["Emulator", "RecordedRequest"]


class ConnectionDropped(Exception):
    """Raised inside the server to close a connection mid-answer, as a failing PBX or proxy does."""


class Emulator:
    """A 3CX PBX's XAPI on 127.0.0.1 (`start()`, or `with`) or in-process (`transport()`, `client()`)."""

    def __init__(
        self,
        *,
        port: int = 0,
        seed: int = 0,
        client_id: str = "threecx-xapi-emulator",
        client_secret: str | None = None,
        token_lifetime: float = 3600.0,
        expires_in_minutes: bool = False,
        collection_size: int = 25,
        server_version: str | None = None,
        operations: Iterable[str] | None = None,
        clock: Callable[[], float] = time.time,
        top_limit: int | None = 100,
        max_page_size: int | None = None,
        report_size: int | None = None,
        download_format: str = "json",
        forbidden: Mapping[str, str] | Iterable[str] = (),
        clock_offset: float = 0.0,
        tls: tuple[str | os.PathLike[str], str | os.PathLike[str]] | None = None,
    ) -> None:
        """`top_limit`: the largest `$top` an entity set takes (None: any); `max_page_size`: rows per page before
        an `@odata.nextLink`; `forbidden`: areas (`"CallHistoryView"`, or `"*"` for all) answered 403, each with
        its message; `clock_offset`: seconds the PBX's clock runs ahead; `tls`: (certificate chain file, key
        file) to serve https; `operations`, when given: the operationIds this PBX answers, any other a 404 as on
        a PBX of an older 3CX version (`threecx_xapi.versions.operations_in(server_version)` gives a version's)."""
        self.port = port
        self.tls = tls
        self.client_id = client_id
        self.client_secret = client_secret or secrets.token_urlsafe(24)
        self._handler = Handler(
            Settings(
                seed=seed,
                client_id=client_id,
                client_secret=self.client_secret,
                token_lifetime=token_lifetime,
                expires_in_minutes=expires_in_minutes,
                collection_size=collection_size,
                server_version=server_version or f"{registry.xapi_version()}.0",
                clock=clock,
                top_limit=_positive("top_limit", top_limit),
                max_page_size=_positive("max_page_size", max_page_size),
                report_size=report_size,
                forbidden=forbidden_areas(forbidden, (operation.path for operation in registry.operations())),
                clock_offset=float(clock_offset),
                operations=None if operations is None else frozenset(operations),
            )
        )
        self.download_format = download_format
        self._serving: ServerThread | None = None

    @classmethod
    def from_report(cls, report: Mapping[str, Any] | str | os.PathLike[str], **kwargs: Any) -> Emulator:
        """An emulator that behaves as the PBX a `threecx-xapi doctor --report` file (or its parsed JSON)
        describes; keyword arguments override the report's settings."""
        return cls(**{**report_settings(report), **kwargs})

    def __repr__(self) -> str:
        where = self.url if self._serving is not None else "in-process"
        return f"Emulator({where}, client_id={self.client_id!r})"

    # -- where it answers ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """`http://127.0.0.1:<port>` while serving; the in-process address otherwise."""
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}" if self._serving is not None else f"{scheme}://127.0.0.1"

    def transport(self) -> InProcessTransport:
        """An in-process transport for httpx (sync and async): the same handler, no socket."""
        return InProcessTransport(self._handler)

    def client(self, **kwargs: Any) -> XapiClient:
        """An `XapiClient` for this emulator: over HTTP while serving, in-process otherwise."""
        from ..client import XapiClient

        httpx_args = dict(kwargs.pop("httpx_args", None) or {})
        if self._serving is None:
            httpx_args.setdefault("transport", self.transport())
        else:
            httpx_args.setdefault("trust_env", False)  # loopback never goes through a proxy the environment names
        kwargs["httpx_args"] = httpx_args
        return XapiClient(self.url, self.client_id, self.client_secret, **kwargs)

    def start(self) -> Emulator:
        """Serve on 127.0.0.1 in a background thread; returns once it accepts connections."""
        if self._serving is not None:
            return self
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # answers leave at once, not after 40 ms
        try:
            listener.bind(("127.0.0.1", self.port))
        except OSError:
            listener.close()
            raise
        self.port = listener.getsockname()[1]
        config = uvicorn.Config(
            self._asgi,
            interface="asgi3",
            log_level="critical",
            lifespan="off",
            ws="none",
            http="h11",
            access_log=False,
            proxy_headers=False,
            timeout_keep_alive=75,  # as nginx in front of a PBX: clients that reuse idle connections find them open
            date_header=False,  # the handler dates each answer by the PBX's clock
            ssl_certfile=os.fspath(self.tls[0]) if self.tls else None,
            ssl_keyfile=os.fspath(self.tls[1]) if self.tls else None,
        )
        self._serving = ServerThread(config, [listener])
        self._serving.start(failure=f"the emulator could not serve on 127.0.0.1:{self.port}")
        return self

    def stop(self) -> None:
        if self._serving is None:
            return
        self._serving.stop()
        self._serving = None

    def serve_forever(self) -> None:
        """Serve until interrupted (Ctrl-C): the command line's `threecx-xapi emulator`."""
        self.start()
        try:
            while self._serving is not None and self._serving.wait(timeout=0.5):
                pass
        finally:
            self.stop()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- what tests look at and change -------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request answered so far, oldest first (token requests included)."""
        with self._handler.lock:
            return list(self._handler.requests)

    @property
    def token_requests(self) -> int:
        return sum(1 for request in self.requests if request.operation_id == "token")

    def entities(self, entity_set: str) -> list[dict[str, Any]]:
        """A copy of an entity set's rows, e.g. `entities("Users")`."""
        with self._handler.lock:
            found = self._handler.entity_set(entity_set)
            if found is None:
                raise KeyError(f"{entity_set!r} is not an entity set of this document")
            return [dict(row) for row in found]

    def fail(
        self,
        target: str = "*",
        *,
        status: int | None = 503,
        retry_after: float | None = None,
        delay: float = 0.0,
        drop: bool = False,
        times: int | None = 1,
    ) -> None:
        """Answer the next `times` requests for `target` (an operationId, "token" or "*") with a fault.

        `status` replaces the answer (None keeps it: latency or a drop only); `retry_after` adds the header;
        `delay` waits that many seconds first; `drop` closes the connection without a complete answer.
        An unknown target is a ValueError, so a misspelt operationId never arms a fault that cannot fire.
        """
        if target not in ("*", *TARGETS.values()) and target not in _operation_ids():
            raise ValueError(_unknown_target(target))
        with self._handler.lock:
            self._handler.faults.append(Fault(target, status, retry_after, delay, drop, times))

    @property
    def download_format(self) -> str:
        """What Download* reports answer: "json" rows (the document's promise) or "csv" as the web UI exports."""
        return self._handler.download_format

    @download_format.setter
    def download_format(self, value: str) -> None:
        if value not in ("json", "csv"):
            raise ValueError(f"download_format is 'json' or 'csv', got {value!r}")
        self._handler.download_format = value

    @property
    def accounts(self) -> Accounts:
        """Users who sign in with a password (and a TOTP second factor), and the apps that may authorize."""
        return self._handler.signin.accounts

    def expire_tokens(self) -> None:
        """Every issued token expires now, as after the PBX's token lifetime."""
        with self._handler.lock:
            self._handler.tokens.expire_all()

    # -- the two adapters over the one handler -----------------------------------------------------------

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        raw_path = scope.get("raw_path") or scope["path"].encode()
        reply: Reply = self._handler.handle(
            request.method,
            raw_path.decode("ascii"),
            scope.get("query_string", b"").decode("ascii"),
            request.headers,
            await request.body(),
        )
        if reply.delay:
            await asyncio.sleep(reply.delay)
        headers = [(name.lower().encode(), value.encode()) for name, value in reply.headers.items()]
        if reply.drop:
            # Promise a body and close the connection without it: the client sees a broken answer.
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]})
            raise ConnectionDropped("fault injected: connection dropped")
        headers.append((b"content-length", str(len(reply.body)).encode()))
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": reply.body})


class InProcessTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """The emulator without a socket. A fault's delay waits without blocking an event loop, and a delay past
    the request's read timeout ends in httpx.ReadTimeout, as it would over the network."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        reply = self._reply(request, request.read())
        time.sleep(_wait(reply, request))
        return _response(reply, request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        reply = self._reply(request, await request.aread())
        await asyncio.sleep(_wait(reply, request))
        return _response(reply, request)

    def _reply(self, request: httpx.Request, body: bytes) -> Reply:
        return self._handler.handle(
            request.method,
            request.url.raw_path.split(b"?", 1)[0].decode("ascii"),
            request.url.query.decode("ascii"),
            request.headers,
            body,
        )


def _read_timeout(request: httpx.Request) -> float | None:
    timeout = request.extensions.get("timeout", {})
    read = timeout.get("read") if isinstance(timeout, dict) else None
    return float(read) if isinstance(read, int | float) else None


def _wait(reply: Reply, request: httpx.Request) -> float:
    """How long the answer takes: the fault's delay, cut at the read timeout the client gave."""
    read_timeout = _read_timeout(request)
    return reply.delay if read_timeout is None else min(reply.delay, read_timeout)


def _response(reply: Reply, request: httpx.Request) -> httpx.Response:
    read_timeout = _read_timeout(request)
    if read_timeout is not None and reply.delay > read_timeout:
        raise httpx.ReadTimeout("the emulator answered after the read timeout", request=request)
    if reply.drop:
        raise httpx.RemoteProtocolError("Server disconnected without sending a complete response", request=request)
    return httpx.Response(reply.status, headers=reply.headers, content=reply.body, request=request)


def _positive(name: str, value: int | None) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"{name} must be a positive int or None, got {value!r}")
    return value


def _operation_ids() -> list[str]:
    return [operation.operation_id for operation in registry.operations()]


def _unknown_target(target: str) -> str:
    """Why `fail(target)` was refused, with the operationIds it may have meant."""
    known = [TOKEN_TARGET, *_operation_ids()]
    same = [operation_id for operation_id in known if operation_id.lower() == target.lower()]
    close = same or difflib.get_close_matches(target, known, n=3)
    hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else "."
    return (
        f"unknown fault target {target!r}{hint} A target is an operationId as the registry spells it "
        f"(e.g. 'GetUser'; `threecx-xapi ops WORD` finds them), {TOKEN_TARGET!r} for the token endpoint, "
        "or '*' for every request"
    )
