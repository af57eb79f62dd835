"""`pull` and `diff` fail in one line (the URL without credentials, what failed, what to do); a downgrade is refused."""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from loopback import SWAGGER, Answer, DocumentServer, serving

from generator import pull
from generator.__main__ import main
from generator.document import sha256_of
from generator.lock import REPO_ROOT, SpecLock

DOCUMENT = b"openapi: 3.0.4\ninfo: {title: XAPI, version: 1.0.0}\npaths:\n  /Users:\n    get: {operationId: ListUser}\n"


@pytest.fixture
def pbx() -> Iterator[DocumentServer]:
    with serving(Answer(body=DOCUMENT, headers={"X-3CX-Version": "20.0.10.1621"})) as server:
        yield server


@pytest.fixture
def lock_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A lock pinning XAPI 20.0.10, and pull's cache, both in tmp_path; the project's lock is never touched."""
    for variable in ("THREECX_XAPI_CLIENT_ID", "THREECX_XAPI_CLIENT_SECRET"):
        monkeypatch.delenv(variable, raising=False)
    path = tmp_path / "xapi.lock.json"
    SpecLock(xapi_version="20.0.10", file="old.yaml", sha256="0" * 64, operations=0).write(path)
    monkeypatch.setattr(pull, "CACHE", tmp_path / "cache")
    monkeypatch.setattr(pull, "LOCK_PATH", path)
    return path


def _error_line(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run the generator's command line; it must fail with exit 2 and exactly one `error:` line on stderr."""
    assert main(list(argv)) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    assert "Traceback" not in captured.err and "HTTPStatusError" not in captured.err
    return lines[0]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (
            401,
            "401 Unauthorized; the PBX asks for a sign-in: set THREECX_XAPI_CLIENT_ID and THREECX_XAPI_CLIENT_SECRET",
        ),
        (403, "403 Forbidden; the PBX refused it"),
        (404, "404 Not Found; no document there; give the PBX address"),
        (500, "500 Internal Server Error; the PBX failed; try again later"),
        (410, "410 Gone; check the URL"),
    ],
)
def test_an_http_status_is_one_line_with_the_url_without_credentials_and_what_to_do(
    status: int, expected: str, pbx: DocumentServer, lock_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pbx.answer = Answer(status=status, body=b'{"error": "no"}')
    with_credentials = pbx.url.replace("http://", "http://admin:Pa55word@")
    pbx_address, document_url = f"{with_credentials}/xapi/v1", f"{with_credentials}{SWAGGER}?access_token=Secret-Token"

    for argv in (["pull", "--from", pbx_address], ["diff", document_url, "pinned"]):  # the URL is read first
        line = _error_line(capsys, *argv)
        assert line.startswith(f"error: GET {pbx.url}{SWAGGER}: {expected}"), line
        assert "Pa55word" not in line and "Secret-Token" not in line and "admin" not in line
    assert json.loads(lock_path.read_text())["xapi_version"] == "20.0.10"  # nothing pinned


def test_a_closed_port_is_one_line_naming_the_network_error(
    lock_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:  # a port nobody listens on: bound, then released
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    line = _error_line(capsys, "pull", "--from", f"http://127.0.0.1:{port}")

    assert line == (
        f"error: GET http://127.0.0.1:{port}{SWAGGER}: cannot connect (Connection refused); "
        "check the address and that the PBX is up"
    )


def test_an_answer_that_is_not_a_document_says_so(
    pbx: DocumentServer, lock_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pbx.answer = Answer(body=b"<html><body>Sign in: <input name='user'></body></html>\n<p>: :\n")

    line = _error_line(capsys, "pull", "--from", pbx.url)

    assert line.startswith(f"error: {pbx.url}{SWAGGER}: not ")


def test_a_missing_file_is_one_line(tmp_path: Path, lock_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere" / "xapi.yaml"
    for argv in (["pull", "--from", str(missing)], ["diff", str(missing), "pinned"]):
        assert _error_line(capsys, *argv) == (
            f"error: {missing}: no such file; give the path of an XAPI document or a PBX URL"
        )


def test_a_missing_pinned_document_names_every_source_tried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = SpecLock(xapi_version="20.0.10", file="gone.yaml", sha256="0" * 64, operations=0)
    monkeypatch.setattr(SpecLock, "read", classmethod(lambda cls, path=None: _with_sources(lock, tmp_path)))
    monkeypatch.delenv("XAPI_SPEC", raising=False)

    line = _error_line(capsys, "diff", "pinned", str(tmp_path))

    assert line == (
        f"error: the pinned document gone.yaml was not found; tried: {tmp_path}/gone.yaml (no such file); "
        "set XAPI_SPEC to its path or THREECX_XAPI_URL to a PBX that serves it"
    )


def _with_sources(lock: SpecLock, folder: Path) -> SpecLock:
    from dataclasses import replace

    return replace(lock, sources=["$XAPI_SPEC", str(folder / "{file}")])


def test_an_older_version_is_a_downgrade_refused_unless_asked(
    pbx: DocumentServer, lock_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pbx.answer = Answer(body=DOCUMENT, headers={"X-3CX-Version": "20.0.9.1100"})
    before = lock_path.read_bytes()

    line = _error_line(capsys, "pull", "--from", pbx.url)

    assert line == (
        f"error: {pbx.url}{SWAGGER} is XAPI 20.0.9, older than the pinned XAPI 20.0.10 (old.yaml): a downgrade; "
        "pass --allow-downgrade (make pull FROM=... ALLOW_DOWNGRADE=1) to pin it"
    )
    assert lock_path.read_bytes() == before

    assert main(["pull", "--from", pbx.url, "--allow-downgrade"]) == 0
    pinned = json.loads(lock_path.read_text())
    assert (pinned["xapi_version"], pinned["sha256"]) == ("20.0.9", sha256_of(DOCUMENT))


@pytest.mark.parametrize("server_version", ["20.0.10.1700", "20.0.11.100", "21.0.0.1"])
def test_the_same_or_a_newer_version_is_pinned(
    server_version: str, pbx: DocumentServer, lock_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pbx.answer = Answer(body=DOCUMENT, headers={"X-3CX-Version": server_version})

    assert main(["pull", "--from", pbx.url]) == 0

    assert json.loads(lock_path.read_text())["xapi_version"] == server_version.rsplit(".", 1)[0]
    assert capsys.readouterr().out.startswith("pinned xapi-")


def test_a_document_that_tells_no_version_asks_for_one(
    pbx: DocumentServer, lock_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pbx.answer = Answer(body=DOCUMENT, headers={})

    line = _error_line(capsys, "pull", "--from", pbx.url)

    assert line == (
        f"error: cannot tell the 3CX version of {pbx.url}{SWAGGER}: give it with --xapi-version 20.0.x "
        "(make pull FROM=... XAPI_VERSION=20.0.x)"
    )
    assert main(["pull", "--from", pbx.url, "--xapi-version", "20.0.11"]) == 0


def test_make_pull_passes_the_downgrade_and_version_options_on() -> None:
    printed = subprocess.run(
        ["make", "--dry-run", "pull", "FROM=pbx.yaml", "ALLOW_DOWNGRADE=1", "XAPI_VERSION=20.0.9"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert '-m generator pull --from "pbx.yaml" --xapi-version "20.0.9" --allow-downgrade' in " ".join(printed.split())


def test_pull_from_a_pbx_records_its_version_and_rewrites_the_lock(pbx: DocumentServer, lock_path: Path) -> None:
    pbx.answer = Answer(body=DOCUMENT, headers={"X-3CX-Version": "20.0.11.1700"})

    assert pull.run(pbx.url, lock_path=lock_path) == 0

    written = json.loads(lock_path.read_text())
    assert written["xapi_version"] == "20.0.11"
    assert written["sha256"] == sha256_of(DOCUMENT) and written["operations"] == 1
    assert written["pulled_from"] == f"{pbx.url}{SWAGGER} (X-3CX-Version 20.0.11.1700)"
    assert (pull.CACHE / written["file"]).read_bytes() == DOCUMENT


def test_pull_keeps_no_credentials_of_the_pbx_url_in_the_lock(pbx: DocumentServer, lock_path: Path) -> None:
    with_credentials = pbx.url.replace("http://", "http://admin:Pa55word@") + "/xapi/v1?access_token=Secret-Token"

    assert pull.run(with_credentials, lock_path=lock_path) == 0

    recorded = json.loads(lock_path.read_text())["pulled_from"]
    assert recorded.startswith(f"{pbx.url}{SWAGGER} (X-3CX-Version ")
    assert "Pa55word" not in lock_path.read_text() and "Secret-Token" not in lock_path.read_text()


def test_pull_from_the_emulator_url_pins_the_document_it_serves(
    lock_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from threecx_xapi import _pinned
    from threecx_xapi.testing import Emulator

    with Emulator() as emulator:
        url = emulator.url  # its port is gone once it stops
        monkeypatch.setenv("THREECX_XAPI_CLIENT_ID", emulator.client_id)  # should it ask for a sign-in, as PBXs may
        monkeypatch.setenv("THREECX_XAPI_CLIENT_SECRET", emulator.client_secret)
        # The stand-in lock pins 20.0.10; whatever release this build is, the emulator's document is the one to pin.
        assert pull.run(url, lock_path=lock_path, allow_downgrade=True) == 0

    pinned = json.loads(lock_path.read_text())
    assert (pinned["xapi_version"], pinned["operations"]) == (_pinned.XAPI_VERSION, _pinned.OPERATION_COUNT)
    assert pinned["pulled_from"].startswith(f"{url}{SWAGGER} (X-3CX-Version {_pinned.XAPI_VERSION}.")


def test_a_pbx_that_serves_its_document_signed_in_is_asked_with_the_client_credentials(
    pbx: DocumentServer, lock_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "Pull-Secret-3f9a"
    pbx.answer = Answer(body=DOCUMENT, headers={"X-3CX-Version": "20.0.10.1621"}, token="T0k3n", client_secret=secret)
    monkeypatch.setenv("THREECX_XAPI_CLIENT_ID", "puller")
    monkeypatch.setenv("THREECX_XAPI_CLIENT_SECRET", "wrong-" + secret)

    line = _error_line(capsys, "pull", "--from", pbx.url)
    assert line == (
        f"error: POST {pbx.url}/connect/token: 400 Bad Request, no token; "
        "check THREECX_XAPI_CLIENT_ID and THREECX_XAPI_CLIENT_SECRET"
    )
    assert secret not in line

    monkeypatch.setenv("THREECX_XAPI_CLIENT_SECRET", secret)
    assert main(["pull", "--from", pbx.url]) == 0
    assert json.loads(lock_path.read_text())["sha256"] == sha256_of(DOCUMENT)
