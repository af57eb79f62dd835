"""Long `call --all --output FILE` exports: a failure part way (Ctrl-C, a PBX that dies) keeps the previous file.

The command line runs as its own process against a PBX served from this test over loopback. The PBX holds the
request for one page until the test has acted (an Event, never a sleep), so "mid-run" is exact.
"""

from __future__ import annotations

import http.server
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from loopback import LoopbackServer, running

TOKEN = "Export-Token-5e1f"
SECRET = "Export-Secret-90ab"
USERS = 500
HELD_PAGE_SKIP = 300  # the request for rows 300.. waits until the test releases it
WAIT = 60.0  # a bound on every wait of the test, so a broken run fails instead of hanging


class ExportPbx(LoopbackServer):
    def __init__(self) -> None:
        super().__init__(_Handler)
        self.held = threading.Event()  # the held page was asked for
        self.release = threading.Event()  # the held request may go on (and is then dropped)
        self.hold = False


class _Handler(http.server.BaseHTTPRequestHandler):
    server: ExportPbx
    protocol_version = "HTTP/1.1"

    def _send(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._send(200, {"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600})

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        query = {name: values[0] for name, values in parse_qs(urlsplit(self.path).query).items()}
        skip, top = int(query.get("$skip", 0)), int(query.get("$top", 100))
        if self.server.hold and skip == HELD_PAGE_SKIP:
            self.server.held.set()
            self.server.release.wait(WAIT)
            self.close_connection = True  # the PBX is gone: no answer to this request
            return
        rows = [{"Id": index, "Number": f"{1000 + index}"} for index in range(skip, min(skip + top, USERS))]
        self._send(200, {"value": rows})

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet test server
        pass


@pytest.fixture
def pbx() -> Iterator[ExportPbx]:
    with running(ExportPbx()) as server:
        yield server
        server.release.set()  # a held request must not outlive the test


def _export(pbx: ExportPbx, target: Path, format_: str = "json") -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "THREECX_XAPI_URL": pbx.url,
        "THREECX_XAPI_CLIENT_ID": "exporter",
        "THREECX_XAPI_CLIENT_SECRET": SECRET,
    }
    command = "from threecx_xapi.cli import main; main()"
    args = ["call", "ListUser", "--all", "--top", "100", "--format", format_, "--output", str(target)]
    return subprocess.Popen(
        [sys.executable, "-c", command, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _previous_export(tmp_path: Path) -> tuple[Path, bytes]:
    target = tmp_path / "users.json"
    previous = json.dumps([{"Id": index, "Number": f"{1000 + index}"} for index in range(USERS)], indent=1).encode()
    target.write_bytes(previous)
    return target, previous


def test_a_complete_export_replaces_the_file_with_valid_json_and_one_summary_line(
    pbx: ExportPbx, tmp_path: Path
) -> None:
    target, _previous = _previous_export(tmp_path)
    target.write_bytes(b"an older export")

    stdout, stderr = _export(pbx, target).communicate(timeout=WAIT)

    assert stdout == ""
    assert [row["Id"] for row in json.loads(target.read_text())] == list(range(USERS))
    assert stderr.startswith(f"ListUser: {USERS} rows, 5 pages in ") and stderr.endswith(f" -> {target}\n")
    assert stderr.count("\n") == 1  # a pipe gets the summary only, no progress line
    assert sorted(path.name for path in tmp_path.iterdir()) == ["users.json"]


def test_ctrl_c_mid_export_keeps_the_previous_file_byte_for_byte(pbx: ExportPbx, tmp_path: Path) -> None:
    target, previous = _previous_export(tmp_path)
    pbx.hold = True
    export = _export(pbx, target)

    assert pbx.held.wait(WAIT), "the export never asked for the held page"
    export.send_signal(signal.SIGINT)
    stdout, stderr = export.communicate(timeout=WAIT)

    assert export.returncode == 130
    assert stderr == (
        f"error: interrupted after 300 rows, 3 pages; {target} is unchanged "
        f"(the previous {len(previous):,} bytes are kept)\n"
    )
    assert target.read_bytes() == previous
    assert sorted(path.name for path in tmp_path.iterdir()) == ["users.json"]  # no partial file left beside it
    assert stdout == ""


def test_a_pbx_that_dies_mid_export_keeps_the_previous_file_and_says_so(pbx: ExportPbx, tmp_path: Path) -> None:
    target, previous = _previous_export(tmp_path)
    pbx.hold = True
    export = _export(pbx, target, format_="csv")

    assert pbx.held.wait(WAIT), "the export never asked for the held page"
    pbx.shutdown()  # nothing accepts connections any more ...
    pbx.server_close()
    pbx.release.set()  # ... and the request in flight is dropped without an answer
    _stdout, stderr = export.communicate(timeout=WAIT)

    assert export.returncode == 2
    (line,) = stderr.splitlines()
    assert line.startswith("error: ") and "Traceback" not in stderr, line
    assert line.endswith(
        f"(after 300 rows, 3 pages); {target} is unchanged (the previous {len(previous):,} bytes are kept)"
    )
    assert target.read_bytes() == previous
    assert sorted(path.name for path in tmp_path.iterdir()) == ["users.json"]


def test_a_failed_first_export_leaves_no_file(pbx: ExportPbx, tmp_path: Path) -> None:
    target = tmp_path / "users.csv"
    pbx.hold = True
    export = _export(pbx, target, format_="csv")

    assert pbx.held.wait(WAIT)
    export.send_signal(signal.SIGINT)
    _stdout, stderr = export.communicate(timeout=WAIT)

    assert export.returncode == 130
    assert stderr == f"error: interrupted after 300 rows, 3 pages; no {target} was written\n"
    assert list(tmp_path.iterdir()) == []
