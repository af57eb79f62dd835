"""Answers as real PBXs send them: files for Pbx.IActionResult, reports as CSV, wrapped enum results, dict bodies."""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from threecx_xapi import XapiClient, errors, iterate
from threecx_xapi.api.recordings import download_recording
from threecx_xapi.api.report_call_distribution import download_get_get_call_distribution
from threecx_xapi.api.system_status import get_remote_access_status
from threecx_xapi.api.users import create_user, get_user, list_user
from threecx_xapi.types import File

PBX = "https://pbx.example.com"
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 64
CSV = "\ufeffInterval,Incoming,Outgoing\r\n08:00,3,4\r\n".encode()
Answer = Callable[[httpx.Request], httpx.Response]


class PBXStandIn:
    """Answers the token request; every other request gets `answer(request)` and is recorded."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.answer: Answer = lambda request: httpx.Response(200, json={})

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/connect/token":
            return httpx.Response(200, json={"access_token": "t0ken", "token_type": "Bearer", "expires_in": 3600})
        self.requests.append(request)
        return self.answer(request)


@pytest.fixture
def pbx() -> PBXStandIn:
    return PBXStandIn()


@pytest.fixture
def client(pbx: PBXStandIn) -> Iterator[XapiClient]:
    transport = httpx.MockTransport(pbx)
    with XapiClient(PBX, "id", "secret", httpx_args={"transport": transport, "async_transport": transport}) as xapi:
        yield xapi


def recording(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        content=WAV,
        headers={
            "Content-Type": "audio/wav",
            "Content-Disposition": "attachment; filename=\"rec.wav\"; filename*=UTF-8''%E2%82%AC%20O%27Brien.wav",
        },
    )


def test_download_recording_returns_the_file_with_its_rfc_6266_name(client: XapiClient, pbx: PBXStandIn) -> None:
    pbx.answer = recording
    file = download_recording.sync(client=client, rec_id=7)
    assert file == File(WAV, "€ O'Brien.wav", "audio/wav")
    assert "/Recordings/Pbx.DownloadRecording(recId=7)" in str(pbx.requests[-1].url)
    assert repr(file) == f"File(file_name=\"€ O'Brien.wav\", mime_type='audio/wav', size={len(WAV)})"


def test_a_file_name_never_names_a_folder(client: XapiClient, pbx: PBXStandIn) -> None:
    pbx.answer = lambda request: httpx.Response(
        200, content=b"x", headers={"Content-Disposition": 'attachment; filename="../../etc/passwd"'}
    )
    assert download_recording.sync(client=client, rec_id=1).file_name == "passwd"


def test_stream_writes_a_recording_to_a_path_chunk_by_chunk_with_progress(
    client: XapiClient, pbx: PBXStandIn, tmp_path: Path
) -> None:
    pbx.answer = recording
    seen: list[tuple[int, int | None]] = []
    saved = download_recording.stream(
        client=client, rec_id=7, to=tmp_path / "r.wav", progress=lambda done, total: seen.append((done, total))
    )
    assert (tmp_path / "r.wav").read_bytes() == WAV
    assert (saved.path, saved.file_name, saved.mime_type, saved.size) == (
        tmp_path / "r.wav",
        "€ O'Brien.wav",
        "audio/wav",
        len(WAV),
    )
    assert seen[-1] == (len(WAV), len(WAV)) and all(a[0] < b[0] for a, b in zip(seen, seen[1:], strict=False))


async def test_astream_writes_to_an_open_binary_file(client: XapiClient, pbx: PBXStandIn) -> None:
    pbx.answer = recording
    sink = io.BytesIO()
    saved = await download_recording.astream(client=client, rec_id=7, to=sink)
    assert sink.getvalue() == WAV and saved.path is None and saved.size == len(WAV)


def test_stream_of_an_error_raises_it_and_leaves_no_file(client: XapiClient, pbx: PBXStandIn, tmp_path: Path) -> None:
    pbx.answer = lambda request: httpx.Response(404, json={"error": {"code": "", "message": "No such recording"}})
    with pytest.raises(errors.NotFound, match="No such recording"):
        download_recording.stream(client=client, rec_id=7, to=tmp_path / "r.wav")
    assert not (tmp_path / "r.wav").exists()


def test_stream_refuses_a_target_that_is_not_a_file_before_sending(client: XapiClient, pbx: PBXStandIn) -> None:
    with pytest.raises(TypeError, match="to must be a path or a binary file"):
        download_recording.stream(client=client, rec_id=7, to=42)  # type: ignore[arg-type]
    assert pbx.requests == []


def test_a_report_download_answered_as_csv_gives_the_file(client: XapiClient, pbx: PBXStandIn) -> None:
    pbx.answer = lambda request: httpx.Response(
        200,
        content=CSV,
        headers={"Content-Type": "text/csv; charset=utf-8", "Content-Disposition": "attachment; filename=dist.csv"},
    )
    start = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
    answer = download_get_get_call_distribution.sync(
        client=client,
        client_time_zone="Europe/London",
        period_from=start,
        period_to=start + datetime.timedelta(days=1),
        group_number="",
        extension_dns="",
        wait_interval="",
        include_queue_calls=True,
        call_area=0,
        grouping_type=0,
    )
    assert isinstance(answer, File)
    assert (answer.file_name, answer.mime_type) == ("dist.csv", "text/csv")
    assert answer.text().splitlines()[0] == "Interval,Incoming,Outgoing"  # the BOM dropped


def test_a_json_operation_answered_with_another_type_raises_unexpected_content_carrying_it(
    client: XapiClient, pbx: PBXStandIn
) -> None:
    page = b'<html><body>Login {"AuthPassword": "hunter2"}</body></html>'
    pbx.answer = lambda request: httpx.Response(200, content=page, headers={"Content-Type": "text/html"})
    with pytest.raises(errors.UnexpectedContent) as raised:
        list_user.sync(client=client)
    error = raised.value
    assert error.file.payload == page and error.content_type == "text/html" and error.status_code == 200
    assert "ListUser got 200 with text/html" in str(error) and "<html><body>Login" in str(error)
    assert "hunter2" not in str(error)


@pytest.mark.parametrize(
    "body",
    [b'"Active"', b'{"@odata.context": "https://pbx/xapi/v1/$metadata#Pbx.RemoteAccessStatus", "value": "Active"}'],
    ids=["bare", "wrapped"],
)
def test_an_enum_result_is_read_bare_or_wrapped(client: XapiClient, pbx: PBXStandIn, body: bytes) -> None:
    pbx.answer = lambda request: httpx.Response(200, content=body, headers={"Content-Type": "application/json"})
    assert get_remote_access_status.sync(client=client).value == "Active"


def test_a_dict_body_is_checked_as_the_model_and_sent(client: XapiClient, pbx: PBXStandIn) -> None:
    pbx.answer = lambda request: httpx.Response(201, content=request.content, headers=request.headers)
    created = create_user.sync(client=client, body={"Number": "100", "FirstName": "Ada"})
    assert json.loads(pbx.requests[-1].content) == {"Number": "100", "FirstName": "Ada"}
    assert created.first_name == "Ada"


def test_a_body_of_another_type_is_refused_before_sending(client: XapiClient, pbx: PBXStandIn) -> None:
    with pytest.raises(TypeError, match="body of CreateUser must be a .*User or a dict of its JSON fields, got list"):
        create_user.sync(client=client, body=[1])  # type: ignore[arg-type]
    assert pbx.requests == []


def test_iterate_on_a_single_result_operation_says_it_needs_a_collection(client: XapiClient) -> None:
    with pytest.raises(TypeError, match="needs a collection operation .* GetUser returns a single result"):
        next(iterate(get_user, client=client))


def test_iterate_retries_once_at_the_top_limit_a_pbx_names(client: XapiClient, pbx: PBXStandIn) -> None:
    def capped(request: httpx.Request) -> httpx.Response:
        top = int(request.url.params["$top"])
        if top > 100:
            message = (
                "The query specified in the URI is not valid. The limit of '100' for Top query has been exceeded. "
                f"The value from the incoming request is '{top}'."
            )
            return httpx.Response(400, json={"error": {"code": "", "message": message}})
        skip = int(request.url.params["$skip"])
        return httpx.Response(200, json={"value": [{"Id": i} for i in range(skip, min(skip + top, 150))]})

    pbx.answer = capped
    ids = [user.id for user in iterate(list_user, client=client, page_size=500)]
    assert ids == list(range(150))
    assert [request.url.params["$top"] for request in pbx.requests] == ["500", "100", "100"]


def test_a_download_cut_short_is_a_transport_error_and_leaves_no_file(
    client: XapiClient, pbx: PBXStandIn, tmp_path: Path
) -> None:
    def cut_short() -> Iterator[bytes]:
        yield WAV[:1000]
        raise httpx.ReadError("connection reset by peer")

    pbx.answer = lambda request: httpx.Response(200, content=cut_short(), headers={"Content-Type": "audio/wav"})
    with pytest.raises(errors.TransportError, match="ReadError"):
        download_recording.stream(client=client, rec_id=7, to=tmp_path / "r.wav")
    assert not (tmp_path / "r.wav").exists()
