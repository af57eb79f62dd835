"""Run one job on every PBX of a fleet: bounded, each PBX on its own client, a result or an error per PBX.

    async def job(pbx: Pbx) -> int:
        return sum([1 async for _ in pbx.aiterate(list_user)])

    result = await Fleet(pbxs, concurrency=20, per_pbx=2, timeout=300).run(job)
    result = Fleet(pbxs).run_sync(job)             # scripts: Ctrl-C raises FleetInterrupted with what finished

At most `concurrency` PBXs are worked on at once and at most `per_pbx` requests are in flight to one PBX.
Each PBX gets its own XapiClient (its own token and retry state), built when its turn comes and closed when
its job ends; a PBX's job that raises, or outlasts `timeout`, is that PBX's error and never stops the others.
Calls made through `Pbx.call` and `Pbx.aiterate` are checked against the PBX's 3CX version, learnt from the
`X-3CX-Version` of its first answer (the token's): an operation or parameters that version lacks are refused
before the request is sent (`threecx_xapi.versions`).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Generic, TypeVar, cast

import httpx

from .. import registry, versions
from .._extensions import OPERATION
from .._retries import RetryPolicy
from ..client import XapiClient, environment_proxy
from ..errors import XapiError
from ..paging import aiterate
from ..types import Unset
from .config import PbxConfig, positive_int

T = TypeVar("T")
TOKEN_PATH = "/connect/token"
logger = logging.getLogger("threecx_xapi")
Job = Callable[["Pbx"], Awaitable[T]]

# The operation a task is calling through Pbx.call/aiterate and the parameters it sends (document names).
_CALLING: contextvars.ContextVar[tuple[str, frozenset[str]] | None] = contextvars.ContextVar(
    "threecx_xapi_fleet_calling", default=None
)


class PbxTimeout(XapiError):
    """A PBX's job did not finish within the fleet's per-PBX timeout."""


class FleetInterrupted(KeyboardInterrupt):
    """Ctrl-C during `Fleet.run_sync`: every job was cancelled and every client closed; `result` holds what
    finished (the others are `cancelled`)."""

    def __init__(self, result: FleetResult[Any]) -> None:
        super().__init__(f"interrupted: {len(result.finished)} of {len(result)} PBXs finished")
        self.result = result


@dataclass(frozen=True)
class PbxResult(Generic[T]):
    """One PBX's outcome: `value` when its job returned, else `error` (or `cancelled`)."""

    name: str
    url: str
    value: T | None = None
    error: BaseException | None = None
    seconds: float = 0.0
    version: str | None = None
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and not self.cancelled

    @property
    def status(self) -> str:
        return "cancelled" if self.cancelled else "ok" if self.error is None else "failed"

    @property
    def error_text(self) -> str:
        """One line for a summary; XapiError texts are already free of secrets and tokens."""
        if self.error is None:
            return ""
        text = " ".join(str(self.error).split())
        return text if isinstance(self.error, XapiError) else f"{type(self.error).__name__}: {text}"


@dataclass(frozen=True)
class FleetResult(Generic[T]):
    """Every PBX's result, in the fleet's order."""

    results: tuple[PbxResult[T], ...]

    def __iter__(self) -> Iterator[PbxResult[T]]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def __getitem__(self, name: str) -> PbxResult[T]:
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(f"no PBX named {name!r} in this fleet")

    @property
    def ok(self) -> list[PbxResult[T]]:
        return [result for result in self.results if result.ok]

    @property
    def failed(self) -> list[PbxResult[T]]:
        return [result for result in self.results if result.error is not None]

    @property
    def finished(self) -> list[PbxResult[T]]:
        return [result for result in self.results if not result.cancelled]


class _MixedVersionsExpected(logging.Filter):
    """A fleet runs mixed versions on purpose and checks each call against each PBX's: no warning per client."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("the PBX runs XAPI ")


class _PbxTransport(httpx.AsyncBaseTransport):
    """The wire side of one PBX's client: at most `per_pbx` requests in flight, the PBX's version learnt from
    every answer, and a call its version lacks refused before it is sent."""

    def __init__(self, inner: httpx.AsyncBaseTransport, per_pbx: int) -> None:
        self.inner = inner
        self.slots = asyncio.Semaphore(per_pbx)
        self.version: str | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        calling = _CALLING.get() or _described(request)
        if calling is not None and request.url.path != TOKEN_PATH:
            versions.check(calling[0], self.version, sent=calling[1])
        async with self.slots:
            response = await self.inner.handle_async_request(request)
            try:
                await response.aread()  # the body is read within the slot: a slot is a request on the wire
            except BaseException:
                await response.aclose()
                raise
        self.version = response.headers.get("X-3CX-Version") or self.version
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


@functools.cache
def _by_module() -> dict[str, registry.Operation]:
    return {operation.module: operation for operation in registry.operations()}


def _operation_of(operation: ModuleType) -> registry.Operation:
    found = _by_module().get(operation.__name__)
    if found is None:
        raise TypeError(f"{operation.__name__} is not a generated operation module (threecx_xapi.api.<tag>.<op>)")
    return found


def _described(request: httpx.Request) -> tuple[str, frozenset[str]] | None:
    """A generated function's call made on the PBX's client directly (not through Pbx.call): what it sends."""
    described = request.extensions.get(OPERATION)
    if described is None:
        return None
    operation_id, params, headers = described
    return operation_id, frozenset(params) | frozenset(headers)


def _sent(operation: registry.Operation, params: dict[str, Any]) -> frozenset[str]:
    """The document names of the parameters a call sends: the keyword arguments that are set."""
    names = set()
    for python_name, value in params.items():
        if isinstance(value, Unset) or python_name == "body":
            continue
        try:
            names.add(operation.parameter(python_name).name)
        except KeyError:
            raise TypeError(f"{operation.operation_id} has no parameter {python_name!r}") from None
    return frozenset(names)


class Pbx:
    """One PBX as a job sees it: its name and config, its own `client`, its `version` once it has answered."""

    def __init__(self, config: PbxConfig, client: XapiClient, transport: _PbxTransport) -> None:
        self.config = config
        self.name = config.name
        self.client = client
        self._transport = transport

    def __repr__(self) -> str:
        return f"Pbx({self.name!r}, url={self.config.url!r}, version={self.version!r})"

    @property
    def version(self) -> str | None:
        """The PBX's X-3CX-Version, from its first answer on (the token's)."""
        return self._transport.version or self.client.server_version

    async def learn_version(self) -> str | None:
        """The PBX's version, asking it once (GET /SystemStatus, its Version property) when no answer told it."""
        if self.version is None:
            from ..api.system_status import get_system_status

            status = await self.call(get_system_status, select=["Version"])
            reported = getattr(status, "version", None)
            if self.version is None and isinstance(reported, str) and reported:
                self._transport.version = reported
        return self.version

    def problem(self, operation: ModuleType, **params: Any) -> versions.VersionError | None:
        """Why this PBX's version cannot answer the call, or None (also while its version is not yet known)."""
        found = _operation_of(operation)
        return versions.problem(found.operation_id, self.version, sent=_sent(found, params))

    async def call(self, operation: ModuleType, *args: Any, **params: Any) -> Any:
        """`operation.asyncio(*args, client=..., **params)`, refused first when the PBX's version lacks it."""
        found = _operation_of(operation)
        token = _CALLING.set((found.operation_id, _sent(found, params)))
        try:
            return await operation.asyncio(*args, client=self.client, **params)
        finally:
            _CALLING.reset(token)

    async def aiterate(self, operation: ModuleType, *, page_size: int = 100, **params: Any) -> AsyncIterator[Any]:
        """Every item of a collection operation (`threecx_xapi.aiterate`), each page checked like `call`."""
        found = _operation_of(operation)
        calling = (found.operation_id, _sent(found, params) | {"$top", "$skip"})
        # paging.aiterate is an async generator: closing it ends its page requests.
        items = cast(AsyncGenerator[Any, None], aiterate(operation, client=self.client, page_size=page_size, **params))
        try:
            while True:
                # Marked around each step only: the caller's own requests between items are not this call's.
                token = _CALLING.set(calling)
                try:
                    item = await anext(items)
                except StopAsyncIteration:
                    return
                finally:
                    _CALLING.reset(token)
                yield item
        finally:
            await items.aclose()


@dataclass
class Fleet:
    """PBXs to run jobs on; `concurrency` PBXs at once, `per_pbx` requests in flight each, `timeout` seconds per
    PBX's job (None: no limit). `retry` is every client's RetryPolicy; `client_args` go to each XapiClient."""

    pbxs: Sequence[PbxConfig]
    concurrency: int = 10
    per_pbx: int = 2
    timeout: float | None = 300.0
    retry: RetryPolicy | None = None
    client_args: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.pbxs = tuple(self.pbxs)
        positive_int(self.concurrency, "concurrency")
        positive_int(self.per_pbx, "per_pbx")
        if self.timeout is not None and not (isinstance(self.timeout, int | float) and self.timeout > 0):
            raise ValueError(f"timeout must be a positive number of seconds or None, not {self.timeout!r}")
        names = [pbx.name for pbx in self.pbxs]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"PBX name(s) given twice: {', '.join(twice)}")

    @classmethod
    def from_file(cls, path: str | Path, **overrides: Any) -> Fleet:
        """The fleet a TOML or YAML fleet file describes; keyword arguments override its `[fleet]` settings."""
        from .config import read_fleet_file

        found = read_fleet_file(path)
        return cls(found.pbxs, **{**found.settings, **overrides})

    def __len__(self) -> int:
        return len(self.pbxs)

    def _client(self, config: PbxConfig) -> tuple[XapiClient, _PbxTransport]:
        per_pbx = config.per_pbx or self.per_pbx
        inner = config.transport or httpx.AsyncHTTPTransport(
            verify=config.verify,
            proxy=environment_proxy(config.url),
            limits=httpx.Limits(max_connections=per_pbx, max_keepalive_connections=per_pbx),
        )
        transport = _PbxTransport(inner, per_pbx)
        args = dict(self.client_args)
        httpx_args = {**args.pop("httpx_args", {}), "async_transport": transport}
        client = XapiClient(
            config.url, config.client_id, config.client_secret, retry=self.retry, httpx_args=httpx_args, **args
        )
        return client, transport

    async def _one(self, config: PbxConfig, job: Job[T]) -> PbxResult[T]:
        started = time.perf_counter()
        timeout = config.timeout or self.timeout
        pbx: Pbx | None = None
        value: T | None = None
        error: BaseException | None = None
        try:
            pbx = Pbx(config, *self._client(config))
            async with asyncio.timeout(timeout):
                value = await job(pbx)
        except TimeoutError as exc:
            version = pbx.version if pbx is not None else None
            error = PbxTimeout(f"{config.name}: no result within {timeout:g} s", server_version=version)
            error.__cause__ = exc
        except Exception as exc:  # one PBX's failure is its result, never the fleet's
            error = exc
        finally:
            if pbx is not None:
                await pbx.client.aclose()
        version = pbx.version if pbx is not None else None
        return PbxResult(config.name, config.url, value, error, time.perf_counter() - started, version)

    async def run(self, job: Job[T], *, on_result: Callable[[PbxResult[T]], None] | None = None) -> FleetResult[T]:
        """Run `job(pbx)` on every PBX; `on_result` is called as each finishes. Cancelling the run cancels
        every job and closes every client before the cancellation goes on."""
        pending = iter(self.pbxs)
        results: dict[str, PbxResult[T]] = {}

        async def worker() -> None:
            for config in pending:  # one shared iterator: each PBX is taken by exactly one worker
                result = await self._one(config, job)
                results[config.name] = result
                if on_result is not None:
                    on_result(result)

        quiet = _MixedVersionsExpected()
        logger.addFilter(quiet)
        workers = [asyncio.create_task(worker()) for _ in range(min(self.concurrency, len(self.pbxs)))]
        try:
            await asyncio.gather(*workers)
        except BaseException:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            raise
        finally:
            logger.removeFilter(quiet)
        return self._result(results)

    def _result(self, results: dict[str, PbxResult[T]]) -> FleetResult[T]:
        return FleetResult(
            tuple(results.get(pbx.name) or PbxResult(pbx.name, pbx.url, cancelled=True) for pbx in self.pbxs)
        )

    def run_sync(self, job: Job[T], *, on_result: Callable[[PbxResult[T]], None] | None = None) -> FleetResult[T]:
        """`run` for scripts. Ctrl-C cancels every job, closes every client and raises FleetInterrupted,
        whose `result` holds the PBXs that finished."""
        finished: dict[str, PbxResult[T]] = {}

        def record(result: PbxResult[T]) -> None:
            finished[result.name] = result
            if on_result is not None:
                on_result(result)

        try:
            return asyncio.run(self.run(job, on_result=record))
        except KeyboardInterrupt:
            raise FleetInterrupted(self._result(finished)) from None
