"""One month of call log from 100 emulated PBXs, each answering after 50 ms as across the internet: the fleet
running them concurrently vs the same work PBX after PBX; and peak memory for 100 PBXs vs 10."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
import time
import tracemalloc

import httpx
from measure import Figure
from threecx_xapi.api.report_call_log_data import get_call_log_data
from threecx_xapi.client import XapiClient
from threecx_xapi.demo import CALL_LOG_PERIOD
from threecx_xapi.fleet import Fleet, Pbx, PbxConfig
from threecx_xapi.paging import aiterate
from threecx_xapi.testing import Emulator

LATENCY = 0.05
PBXS = 100
CALLS = 250  # one month of a small PBX's call log: three pages of 100
VERSIONS = ("20.0.7.1100", "20.0.9.1300", "20.0.10.1621")
# The demo's call log arguments (every call, no filter) over one month.
MONTH = {
    **CALL_LOG_PERIOD,
    "period_from": dt.datetime(2026, 8, 1, tzinfo=dt.UTC),
    "period_to": dt.datetime(2026, 8, 31, 23, 59, 59, tzinfo=dt.UTC),
}


class RemotePbx(httpx.AsyncBaseTransport):
    """An emulated PBX 50 ms away. Its answers are computed once per 3CX version and then replayed, because
    the emulator's own work and state would be on this machine, where a real PBX's are on the PBX."""

    def __init__(self, emulator: Emulator, version: str, answers: dict[tuple[str, str], httpx.Response]) -> None:
        self.inner = emulator.transport()
        self.version = version
        self.answers = answers

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(LATENCY)
        key = (self.version, request.url.raw_path.decode())  # the token answer too: one per version is enough
        cached = self.answers.get(key)
        if cached is None:
            cached = self.answers[key] = await self.inner.handle_async_request(request)
        return httpx.Response(cached.status_code, headers=cached.headers, content=cached.content, request=request)


def _pbxs(count: int, answers: dict[tuple[str, str], httpx.Response]) -> list[PbxConfig]:
    configs = []
    for index in range(count):
        version = VERSIONS[index % len(VERSIONS)]
        emulator = Emulator(seed=index % len(VERSIONS), collection_size=CALLS, server_version=version)
        transport = RemotePbx(emulator, version, answers)
        name = f"pbx-{index:03d}"
        configs.append(
            PbxConfig(name, "http://pbx.bench", emulator.client_id, emulator.client_secret, transport=transport)
        )
    return configs


async def _month(pbx: Pbx) -> int:
    return sum([1 async for _ in pbx.aiterate(get_call_log_data, **MONTH)])


async def _one_after_another(configs: list[PbxConfig]) -> int:
    """What a script does without the fleet: each PBX in turn, its own client."""
    total = 0
    for config in configs:
        client = XapiClient(
            config.url, config.client_id, config.client_secret, httpx_args={"async_transport": config.transport}
        )
        async with client:
            total += sum([1 async for _ in aiterate(get_call_log_data, client=client, **MONTH)])
    return total


def _fleet_rows(configs: list[PbxConfig], concurrency: int) -> int:
    result = asyncio.run(Fleet(configs, concurrency=concurrency, per_pbx=2).run(_month))
    failed = [item.error_text for item in result.failed]
    if failed:
        raise AssertionError(f"{len(failed)} PBXs failed: {failed[:3]}")
    return sum(item.value or 0 for item in result)


def _peak(configs: list[PbxConfig], concurrency: int) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        _fleet_rows(configs, concurrency)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def figures() -> list[Figure]:
    answers: dict[tuple[str, str], httpx.Response] = {}
    _fleet_rows(_pbxs(len(VERSIONS), answers), 3)  # each version's answers computed once, unmeasured
    configs = _pbxs(PBXS, answers)
    started = time.perf_counter()
    rows = _fleet_rows(configs, 50)
    fleet_seconds = time.perf_counter() - started
    library = logging.getLogger("threecx_xapi")
    level = library.level
    library.setLevel(logging.ERROR)  # each older PBX's client would warn that it is not 20.0.10
    started = time.perf_counter()
    try:
        sequential_rows = asyncio.run(_one_after_another(_pbxs(PBXS, answers)))
    finally:
        library.setLevel(level)
    sequential_seconds = time.perf_counter() - started
    if rows != sequential_rows or rows != PBXS * CALLS:
        raise AssertionError(f"the fleet read {rows} rows, one after another {sequential_rows}")
    small, large = _peak(_pbxs(10, answers), 10), _peak(_pbxs(PBXS, answers), 10)
    speed = (
        f"{fleet_seconds:.2f} s with concurrency 50 vs {sequential_seconds:.2f} s PBX after PBX; {PBXS} PBXs on 3"
        f" versions, {CALLS} calls each, {LATENCY * 1000:.0f} ms per answer"
    )
    memory = f"peak {large / 2**20:.1f} MiB for {PBXS} PBXs vs {small / 2**20:.1f} MiB for 10, concurrency 10"
    return [
        Figure.at_least(
            f"fleet: {PBXS} PBXs' call log month, speed-up", sequential_seconds / fleet_seconds, 10.0, speed
        ),
        Figure.at_most("fleet: peak memory, 100 PBXs vs 10", large / small, 1.5, memory),
    ]
