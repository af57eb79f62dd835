"""A fleet of emulated PBXs in one process, for tests, the demo and the benchmarks.

    pbxs = EmulatedFleet(50, versions=("20.0.7.1100", "20.0.9.1300", "20.0.10.1621"), latency=0.05)
    result = await pbxs.fleet(concurrency=10).run(job)          # in-process: no socket
    pbxs.peak, pbxs.peak_per_pbx                                 # requests in flight at once, counted here

    with EmulatedFleet(3) as pbxs:                               # over HTTP: one server, one port per PBX
        path = pbxs.write_fleet_file(folder)                     # fleet.toml + secrets/<name>

Each PBX is its own `Emulator`: its own version (`X-3CX-Version`; a version older than the pinned document
answers 404 to the operations it lacks, as such a PBX does), credentials, data (seed) and latency (waited
without blocking the event loop, as an answer across the internet). `hold(n)` keeps every request waiting until
`n` are in flight at once: a barrier that proves a bound is reached, where a sleep would prove nothing.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import uvicorn
from starlette.types import Receive, Scope, Send

from .. import registry
from .. import versions as xapi_versions
from ..fleet import Fleet, PbxConfig
from ._serving import ServerThread
from .emulator import Emulator

__all__ = ["EmulatedFleet", "EmulatedPbx"]


class _Count:
    """Requests in flight at the emulated PBXs, overall and per PBX, with their peaks and an optional barrier."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.total = 0
        self.peak = 0
        self.per_pbx: dict[str, int] = {}
        self.peak_per_pbx: dict[str, int] = {}
        self.closed = 0  # clients that closed their connection to a PBX
        self.barrier: int | None = None
        self.barrier_timeout = 10.0
        self._released: asyncio.Event | None = None

    def enter(self, name: str) -> None:
        with self.lock:
            self.total += 1
            self.peak = max(self.peak, self.total)
            now = self.per_pbx[name] = self.per_pbx.get(name, 0) + 1
            self.peak_per_pbx[name] = max(self.peak_per_pbx.get(name, 0), now)

    def leave(self, name: str) -> None:
        with self.lock:
            self.total -= 1
            self.per_pbx[name] -= 1

    def rearm(self) -> None:
        """A new barrier: requests wait again until enough are in flight together."""
        self._released = None

    async def wait(self) -> None:
        """Hold the request until `barrier` requests are in flight together (then let every one through)."""
        if self.barrier is None:
            return
        if self._released is None:
            self._released = asyncio.Event()
        if self.total >= self.barrier:
            self._released.set()
        try:
            await asyncio.wait_for(self._released.wait(), self.barrier_timeout)
        except TimeoutError:
            raise AssertionError(
                f"the barrier of {self.barrier} requests in flight was never reached (peak {self.peak})"
            ) from None


class _LatentTransport(httpx.AsyncBaseTransport):
    """One emulated PBX over the in-process transport: latency, counting and the barrier."""

    def __init__(self, name: str, emulator: Emulator, latency: float, count: _Count) -> None:
        self.name = name
        self.inner = emulator.transport()
        self.latency = latency
        self.count = count

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.count.enter(self.name)
        try:
            await self.count.wait()
            if self.latency:
                await asyncio.sleep(self.latency)
            return await self.inner.handle_async_request(request)
        finally:
            self.count.leave(self.name)

    async def aclose(self) -> None:
        with self.count.lock:
            self.count.closed += 1


@dataclass
class EmulatedPbx:
    name: str
    emulator: Emulator
    version: str
    latency: float
    transport: _LatentTransport = field(repr=False)
    port: int | None = None

    @property
    def url(self) -> str:
        """Over HTTP while the fleet serves; otherwise an address that never resolves (in-process only)."""
        return f"http://127.0.0.1:{self.port}" if self.port else f"http://{self.name}.fleet.invalid"

    def config(self, **overrides: Any) -> PbxConfig:
        transport = None if self.port else self.transport
        values: dict[str, Any] = {
            "name": self.name,
            "url": self.url,
            "client_id": self.emulator.client_id,
            "client_secret": self.emulator.client_secret,
            "transport": transport,
            **overrides,
        }
        return PbxConfig(**values)


def _full_version(version: str) -> str:
    """`20.0.7` -> `20.0.7.0`: a PBX reports a build number too."""
    return version if version.count(".") >= 3 else f"{version}.0"


class EmulatedFleet:
    """`count` emulated PBXs named pbx-001...; versions are given out in turn; seeds are `seed + index`."""

    def __init__(
        self,
        count: int,
        *,
        versions: Sequence[str] = (),
        latency: float = 0.0,
        seed: int = 0,
        collection_size: int = 25,
    ) -> None:
        if count < 1:
            raise ValueError("an emulated fleet has at least one PBX")
        pinned = xapi_versions.release(registry.xapi_version()) or (0, 0, 0)
        chosen = [_full_version(version) for version in versions] or [f"{registry.xapi_version()}.0"]
        self._count = _Count()
        self.pbxs: list[EmulatedPbx] = []
        for index in range(count):
            name = f"pbx-{index + 1:03d}"
            version = chosen[index % len(chosen)]
            older = (xapi_versions.release(version) or pinned) < pinned
            emulator = Emulator(
                seed=seed + index,
                client_id=f"fleet-{name}",
                client_secret=secrets.token_urlsafe(18),
                collection_size=collection_size,
                server_version=version,
                operations=xapi_versions.operations_in(version) if older else None,
            )
            transport = _LatentTransport(name, emulator, latency, self._count)
            self.pbxs.append(EmulatedPbx(name, emulator, version, latency, transport))
        self._serving: ServerThread | None = None

    def __repr__(self) -> str:
        return f"EmulatedFleet({len(self.pbxs)} PBXs, versions={sorted({pbx.version for pbx in self.pbxs})})"

    def __len__(self) -> int:
        return len(self.pbxs)

    def __iter__(self) -> Iterator[EmulatedPbx]:
        return iter(self.pbxs)

    def __getitem__(self, name: str) -> EmulatedPbx:
        for pbx in self.pbxs:
            if pbx.name == name:
                return pbx
        raise KeyError(f"no emulated PBX named {name!r}")

    # -- what a fleet connects with ----------------------------------------------------------------------

    def configs(self) -> list[PbxConfig]:
        return [pbx.config() for pbx in self.pbxs]

    def fleet(self, **settings: Any) -> Fleet:
        """A Fleet of these PBXs (`concurrency`, `per_pbx`, `timeout`, ... as for Fleet)."""
        return Fleet(self.configs(), **settings)

    def write_fleet_file(self, folder: Path, **settings: Any) -> Path:
        """`folder/fleet.toml` naming every PBX, with each secret in `folder/secrets/<name>`; serve first."""
        if self._serving is None:
            raise RuntimeError("a fleet file names HTTP addresses: start() the emulated fleet first")
        (folder / "secrets").mkdir(parents=True, exist_ok=True)
        lines = ["[fleet]", *(f"{key} = {json.dumps(value)}" for key, value in settings.items()), ""]
        lines += ["[defaults]", 'client_secret_file = "secrets/{name}"', ""]
        for pbx in self.pbxs:
            (folder / "secrets" / pbx.name).write_text(pbx.emulator.client_secret + "\n", encoding="utf-8")
            lines += ["[[pbx]]", f'name = "{pbx.name}"', f'url = "{pbx.url}"']
            lines += [f'client_id = "{pbx.emulator.client_id}"', ""]
        path = folder / "fleet.toml"
        path.write_text("\n".join(lines), encoding="utf-8")
        return path

    # -- what tests look at and change -------------------------------------------------------------------

    @property
    def peak(self) -> int:
        """The most requests that were in flight at once, over every PBX."""
        return self._count.peak

    @property
    def in_flight(self) -> int:
        """Requests the emulated PBXs are answering now."""
        return self._count.total

    @property
    def clients_closed(self) -> int:
        """How many clients closed their connection to one of these PBXs (in-process)."""
        return self._count.closed

    @property
    def peak_per_pbx(self) -> dict[str, int]:
        """For each PBX that was asked anything, the most requests it had in flight at once."""
        with self._count.lock:
            return dict(self._count.peak_per_pbx)

    def hold(self, in_flight: int, *, timeout: float = 10.0) -> None:
        """Keep every request waiting until `in_flight` requests are in flight together; a request still
        waiting after `timeout` seconds fails with AssertionError (the bound was never reached)."""
        self._count.barrier = in_flight
        self._count.barrier_timeout = timeout
        self._count.rearm()

    # -- over HTTP: one server, a port per PBX -----------------------------------------------------------

    def start(self) -> EmulatedFleet:
        if self._serving is not None:
            return self
        listeners = []
        for pbx in self.pbxs:
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", 0))
            pbx.port = listener.getsockname()[1]
            listeners.append(listener)
        self._by_port = {pbx.port: pbx for pbx in self.pbxs}
        config = uvicorn.Config(
            self._asgi, interface="asgi3", log_level="critical", lifespan="off", ws="none", http="h11"
        )
        self._serving = ServerThread(config, listeners)
        self._serving.start(failure="the emulated fleet could not serve on 127.0.0.1")
        return self

    def stop(self) -> None:
        if self._serving is None:
            return
        self._serving.stop()
        self._serving = None
        for pbx in self.pbxs:
            pbx.port = None

    def __enter__(self) -> EmulatedFleet:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        pbx = self._by_port[scope["server"][1]]
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        target = (scope.get("raw_path") or scope["path"].encode()).decode("ascii")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("ascii")
        request = httpx.Request(scope["method"], pbx.url + target, headers=scope["headers"], content=body)
        response = await pbx.transport.handle_async_request(request)
        headers = [(name.lower(), value) for name, value in response.headers.raw if name.lower() != b"content-length"]
        headers.append((b"content-length", str(len(response.content)).encode()))
        await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
        await send({"type": "http.response.body", "body": response.content})
