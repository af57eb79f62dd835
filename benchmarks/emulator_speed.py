"""The emulator over loopback HTTP against a bare starlette app: small GETs, and paging a 100,000-row report
against the same pages replayed."""

from __future__ import annotations

import datetime
import socket
import threading
import time

import httpx
import uvicorn
from measure import Figure, paired
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from threecx_xapi import XapiClient
from threecx_xapi.api.report_call_log_data import get_call_log_data
from threecx_xapi.paging import iterate
from threecx_xapi.testing import Emulator

REQUESTS = 1_000
BATCH = 100
REPORT_ROWS = 100_000
REPORT_PAGE = 1_000
USER = b'{"Id":1,"Number":"100","FirstName":"Alex","LastName":"Smith"}'


def _bare_app() -> Starlette:
    async def user(request: Request) -> Response:
        return Response(USER, media_type="application/json")

    return Starlette(routes=[Route("/xapi/v1/Users(1)", user)])


class _Served:
    """A starlette app on 127.0.0.1, served by uvicorn as the emulator is (h11, no access log)."""

    def __init__(self, app: Starlette) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as the emulator's listener
        listener.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="critical", lifespan="off", http="h11", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [listener]}, daemon=True)
        self._thread.start()
        while not self._server.started:
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


def _small_gets(pbx: Emulator) -> Figure:
    bare = _Served(_bare_app())
    emulated = httpx.Client(base_url=f"{pbx.url}/xapi/v1", headers={"Authorization": _bearer(pbx)}, trust_env=False)
    raw = httpx.Client(base_url=f"{bare.url}/xapi/v1", trust_env=False)

    def against_emulator() -> None:
        for _ in range(BATCH):
            emulated.get("Users(1)").raise_for_status()

    def against_bare() -> None:
        for _ in range(BATCH):
            raw.get("Users(1)").raise_for_status()

    rounds = REQUESTS // BATCH
    timing = paired(against_emulator, against_bare, rounds)
    emulated.close()
    raw.close()
    bare.stop()
    speed = 1 / timing.ratio  # requests per second of the emulator over those of the bare app
    detail = (
        f"{BATCH / timing.ours:,.0f} vs {BATCH / timing.baseline:,.0f} GETs/s (GET /Users(1), bearer token checked) "
        f"for a bare starlette app on uvicorn; median of {rounds} rounds of {BATCH}"
    )
    return Figure.at_least(f"{REQUESTS:,} small GETs over loopback vs bare starlette", speed, 0.5, detail)


def _bearer(pbx: Emulator) -> str:
    form = {"grant_type": "client_credentials", "client_id": pbx.client_id, "client_secret": pbx.client_secret}
    token = httpx.post(f"{pbx.url}/connect/token", data=form, trust_env=False).json()["access_token"]
    return f"Bearer {token}"


def _report_arguments() -> dict[str, object]:
    start = datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC)
    return {
        "period_from": start,
        "period_to": start + datetime.timedelta(days=29),
        "source_type": 0,
        "source_filter": "",
        "destination_type": 0,
        "destination_filter": "",
        "calls_type": 0,
        "call_time_filter_type": 0,
        "call_time_filter_from": "0:00:0",
        "call_time_filter_to": "0:00:0",
        "hide_pcalls": False,
    }


def _paged_seconds(client: XapiClient) -> float:
    started = time.perf_counter()
    rows = sum(1 for _ in iterate(get_call_log_data, client=client, page_size=REPORT_PAGE, **_report_arguments()))
    elapsed = time.perf_counter() - started
    assert rows == REPORT_ROWS, rows
    return elapsed


def _replaying_app(pages: dict[str, bytes]) -> Starlette:
    """The emulator's pages, recorded, served by `$skip` with no work: what the HTTP and the client cost alone."""

    async def token(request: Request) -> Response:
        return Response(b'{"access_token":"bench-token","token_type":"Bearer","expires_in":3600}')

    async def report(request: Request) -> Response:
        return Response(pages[request.query_params.get("$skip", "0")], media_type="application/json")

    return Starlette(routes=[Route("/connect/token", token, methods=["POST"]), Route("/xapi/v1/{path:path}", report)])


def _report_paging() -> Figure:
    pages: dict[str, bytes] = {}

    def record(response: httpx.Response) -> None:
        response.read()
        pages[response.request.url.params.get("$skip", "0")] = response.content

    with Emulator(report_size=REPORT_ROWS) as pbx:
        with XapiClient(pbx.url, pbx.client_id, pbx.client_secret, timeout=60.0) as client:
            emulated = _paged_seconds(client)
        recording = {"event_hooks": {"response": [record]}}
        with XapiClient(pbx.url, pbx.client_id, pbx.client_secret, timeout=60.0, httpx_args=recording) as client:
            _paged_seconds(client)
    replay = _Served(_replaying_app(pages))
    with XapiClient(replay.url, "bench-client", "bench-secret", timeout=60.0) as client:
        replayed = _paged_seconds(client)
    replay.stop()
    detail = (
        f"{REPORT_ROWS / emulated:,.0f} vs {REPORT_ROWS / replayed:,.0f} rows/s for the same pages replayed by a bare "
        f"starlette app: {REPORT_ROWS:,} GetCallLogData rows in pages of {REPORT_PAGE:,} over loopback HTTP, "
        "parsed into models by the client"
    )
    speed = replayed / emulated  # the emulator's rows per second over those of a server that does no work
    # At least a third of a server that only replays bytes: seeding, paging and encoding rows stay cheap.
    name = f"paging {REPORT_ROWS:,} report rows from the emulator vs replayed pages"
    return Figure.at_least(name, speed, 0.35, detail)


def figures() -> list[Figure]:
    with Emulator(collection_size=25) as pbx:
        small = _small_gets(pbx)
    return [small, _report_paging()]
