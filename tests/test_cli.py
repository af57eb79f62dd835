"""The threecx-xapi command line, against an in-process fake PBX (httpx.MockTransport)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote

import httpx
import pytest
from click.testing import CliRunner
from threecx_xapi import registry
from threecx_xapi._pinned import XAPI_VERSION
from threecx_xapi.api.users import create_user
from threecx_xapi.cli import Connection, cli
from threecx_xapi.cli.output import write_csv
from threecx_xapi.cli.progress import Progress
from threecx_xapi.cli.values import to_python
from threecx_xapi.models import User
from threecx_xapi.registry import Parameter

if TYPE_CHECKING:
    from threecx_xapi.testing import Emulator

URL = "https://pbx.example.com"
CLIENT_ID = "cli-test"
SECRET = "Cli-Secret-7f3a9c0e5d"
TOKEN = "Bearer-Token-b81d2e44"
SERVER_VERSION = f"{XAPI_VERSION}.402"  # a build of the pinned version, whichever it is
ENV = {"THREECX_XAPI_URL": URL, "THREECX_XAPI_CLIENT_ID": CLIENT_ID, "THREECX_XAPI_CLIENT_SECRET": SECRET}
CALL_LOG_PARAMS = [
    "periodFrom=2026-09-12T00:00:00Z",
    "periodTo=2026-09-13T23:59:59+01:00",
    "sourceType=0",
    "sourceFilter=",
    "destinationType=0",
    "destinationFilter=null",
    "callsType=0",
    "callTimeFilterType=0",
    "callTimeFilterFrom=0:00:0",
    "callTimeFilterTo=0:00:0",
    "hidePcalls=true",
]


class FakePbx:
    """A token endpoint, /Users with $top/$skip over `users`, call-log rows, and a record of every request."""

    def __init__(self, users: int = 3) -> None:
        self.requests: list[httpx.Request] = []
        self.users = [
            {"Id": index, "Number": f"{1000 + index}", "FirstName": f"User {index}", "Groups": [{"GroupId": 1}]}
            for index in range(users)
        ]

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        headers = {"X-3CX-Version": SERVER_VERSION}
        path = unquote(request.url.path)
        if path == "/connect/token":
            if parse_qs(request.content.decode()).get("client_secret") != [SECRET]:
                return httpx.Response(400, json={"error": "invalid_client"}, headers=headers)
            return httpx.Response(200, json={"access_token": TOKEN, "expires_in": 3600}, headers=headers)
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return httpx.Response(401, headers=headers)
        if path == "/xapi/v1/Users" and request.method == "GET":
            skip = int(request.url.params.get("$skip", 0))
            top = int(request.url.params.get("$top", len(self.users)))
            return httpx.Response(200, json={"value": self.users[skip : skip + top]}, headers=headers)
        if path == "/xapi/v1/Users" and request.method == "POST":
            return httpx.Response(201, json=json.loads(request.content), headers=headers)
        if path.startswith("/xapi/v1/Users(Number="):
            return httpx.Response(200, json=self.users[0], headers=headers)
        if path.startswith("/xapi/v1/ReportCallLogData/Pbx.GetCallLogData("):
            rows = [{"CallId": 1, "SourceDisplayName": "Ann", "Status": "Answered"}, {"CallId": 2, "Status": "Missed"}]
            return httpx.Response(200, json={"value": rows}, headers=headers)
        if path == "/xapi/v1/Recordings/Pbx.DownloadRecording(recId=42)":
            disposition = {"Content-Disposition": 'attachment; filename="rec-42.wav"'}
            return httpx.Response(200, content=WAV, headers={**headers, "Content-Type": "audio/wav", **disposition})
        if path.startswith("/xapi/v1/Users(") and request.method in ("PATCH", "DELETE"):
            return httpx.Response(204, headers=headers)
        if path == "/xapi/v1/SystemStatus":
            return httpx.Response(200, json={"Version": SERVER_VERSION}, headers=headers)
        return httpx.Response(404, json={"error": {"code": "NotFound", "message": f"no route {path}"}}, headers=headers)

    @property
    def api_requests(self) -> list[httpx.Request]:
        return [request for request in self.requests if request.url.path != "/connect/token"]


@pytest.fixture
def pbx() -> FakePbx:
    return FakePbx()


@pytest.fixture
def run(pbx: FakePbx) -> Callable[..., Any]:
    def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Any:
        runner = CliRunner()
        connection = Connection(transport=httpx.MockTransport(pbx.handle))
        return runner.invoke(cli, list(args), obj=connection, env=ENV if env is None else env, input=input)

    return invoke


def test_ops_lists_every_operation_of_the_pinned_document(run: Callable[..., Any]) -> None:
    result = run("ops")
    lines = result.stdout.splitlines()
    assert result.exit_code == 0
    pinned = json.loads((Path(__file__).resolve().parents[1] / "spec" / "xapi.lock.json").read_text())
    assert len(lines) == pinned["operations"] == len(registry.operations())
    assert lines[0].split("\t")[0] == registry.operations()[0].operation_id
    assert all(len(line.split("\t")) == 5 for line in lines)


def test_ops_text_matches_id_path_tag_or_summary_in_any_case(run: Callable[..., Any]) -> None:
    result = run("ops", "calllog")
    ids = [line.split("\t")[0] for line in result.stdout.splitlines()]
    assert "GetCallLogData" in ids and "ListUser" not in ids
    assert all("calllog" in line.lower() for line in result.stdout.splitlines())


def test_ops_without_a_match_says_so_and_exits_1(run: Callable[..., Any]) -> None:
    result = run("ops", "no-such-operation-anywhere")
    assert result.exit_code == 1 and result.stdout == ""
    assert "no operation matches" in result.stderr


def test_call_log_prints_the_rows_of_the_collection(run: Callable[..., Any], pbx: FakePbx) -> None:
    result = run("call", "GetCallLogData", *(arg for item in CALL_LOG_PARAMS for arg in ("--param", item)))
    assert result.exit_code == 0, result.stderr
    assert [row["CallId"] for row in json.loads(result.stdout)] == [1, 2]
    (request,) = pbx.api_requests
    path = unquote(request.url.path)
    assert "periodFrom=2026-09-12T00:00:00Z," in path
    assert "periodTo=2026-09-13T23:59:59+01:00," in path
    assert "sourceFilter=''," in path and "destinationFilter=null," in path
    assert "callTimeFilterFrom='0:00:0'," in path and path.endswith("hidePcalls=true)")


def test_call_takes_python_parameter_names_too(run: Callable[..., Any], pbx: FakePbx) -> None:
    params = ["period_from=2026-09-12T00:00:00Z", *CALL_LOG_PARAMS[1:]]
    result = run("call", "GetCallLogData", *(arg for item in params for arg in ("-p", item)), "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["CallId"] for line in result.stdout.splitlines()] == [1, 2]


def test_call_quotes_a_key_as_the_library_does(run: Callable[..., Any], pbx: FakePbx) -> None:
    result = run("call", "GetUserByNumber", "--param", "Number=O'Brien", "--select", "Id,Number")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["Number"] == "1000"
    (request,) = pbx.api_requests
    assert unquote(request.url.path) == "/xapi/v1/Users(Number='O''Brien')"
    assert request.url.params["$select"] == "Id,Number"


def test_call_sends_the_body_from_a_file(run: Callable[..., Any], pbx: FakePbx, tmp_path: Path) -> None:
    body = {"Number": "2001", "FirstName": "Ada", "Groups": [{"GroupId": 7}]}
    (tmp_path / "user.json").write_text(json.dumps(body), encoding="utf-8")
    result = run("call", "CreateUser", "--body", f"@{tmp_path / 'user.json'}")
    assert result.exit_code == 0, result.stderr
    (request,) = pbx.api_requests
    assert request.method == "POST" and json.loads(request.content) == body
    assert json.loads(result.stdout)["FirstName"] == "Ada"


def test_call_reads_the_body_from_stdin(run: Callable[..., Any], pbx: FakePbx) -> None:
    result = run("call", "CreateUser", "--body", "@-", input='{"Number": "2002"}')
    assert result.exit_code == 0, result.stderr
    assert json.loads(pbx.api_requests[0].content) == {"Number": "2002"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["call", "NoSuchOperation"], "unknown operation 'NoSuchOperation'"),
        (["call", "GetUserByNumber", "-p", "Number=1", "-p", "Colour=red"], "has no parameter 'Colour'"),
        (["call", "GetUserByNumber", "-p", "Number"], "is not NAME=VALUE"),
        (["call", "GetUserByNumber", "-p", "Number=1", "-p", "number=2"], "given twice"),
        (["call", "GetUserByNumber"], "GetUserByNumber needs Number"),
        (["call", "GetCallLogData", "-p", "periodFrom=2026-09-12T00:00:00Z"], "needs periodTo, sourceType"),
        (["call", "ListUser", "--top", "ten"], "'$top' (Edm.Int64) expects an integer, got 'ten'"),
        (["call", "ListUser", "--top", "-1"], "expects a number of at least 0"),
        (["call", "ListUser", "--count", "maybe"], "--count"),
        (["call", "ListUser", "-p", "$count=maybe"], "expects true or false"),
        (["call", "ListUser", "--select", "Id,,Number"], "without empty items"),
        (["call", "DeleteUser", "-p", "Id=2147483648"], "at most 2147483647"),
        (["call", "CreateUser", "--body", "{'Number': 1}"], "bad JSON body (--body): Expecting property name"),
        (["call", "CreateUser", "--body", "[1, 2]"], "must be a JSON object (User)"),
        (["call", "CreateUser", "--body", "@/no/such/file.json"], "cannot read the body from /no/such/file.json"),
        (["call", "CreateUser"], "CreateUser needs a body"),
        (["call", "ReplaceMyGroupLicenseKey"], "ReplaceMyGroupLicenseKey needs a body"),
        (["call", "ListUser", "--body", "{}"], "ListUser takes no body"),
        (["call", "GetUserByNumber", "-p", "Number=1", "--top", "5"], "has no parameter '$top'"),
        (["call", "GetUserByNumber", "-p", "Number=1", "--all"], "--all pages with $top/$skip"),
        (["call", "ListUser", "--all", "--top", "0"], "must be at least 1"),
        (["call", "ListUser", "--format", "xml"], "'xml' is not one of 'json', 'jsonl', 'csv'"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_is_sent(
    run: Callable[..., Any], pbx: FakePbx, args: list[str], message: str
) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("error: ")
    assert message in result.stderr
    assert pbx.requests == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-09-12T00:00:00", "with an offset or Z"),
        ("12/09/2026", "an ISO 8601 date-time"),
        ("null", "expects an ISO 8601 date-time"),
    ],
)
def test_a_date_time_needs_an_offset(run: Callable[..., Any], pbx: FakePbx, value: str, message: str) -> None:
    params = [f"periodFrom={value}", *CALL_LOG_PARAMS[1:]]
    result = run("call", "GetCallLogData", *(arg for item in params for arg in ("-p", item)))
    assert result.exit_code == 2 and message in result.stderr and "'periodFrom'" in result.stderr
    assert pbx.requests == []


def test_missing_credentials_name_the_flags_and_variables(run: Callable[..., Any], pbx: FakePbx) -> None:
    result = run("call", "ListUser", env={"THREECX_XAPI_URL": URL})
    assert result.exit_code == 2
    assert result.stderr == (
        "error: missing --client-id (or THREECX_XAPI_CLIENT_ID), --client-secret (or THREECX_XAPI_CLIENT_SECRET)\n"
    )
    assert pbx.requests == []


def test_flags_stand_in_for_the_environment(run: Callable[..., Any], pbx: FakePbx) -> None:
    flags = ["--url", URL, "--client-id", CLIENT_ID, "--client-secret", SECRET]
    result = run("call", "ListUser", *flags, env={})
    assert result.exit_code == 0, result.stderr
    assert pbx.requests[0].url == f"{URL}/connect/token"


def test_an_error_answer_is_one_line_exit_2(run: Callable[..., Any]) -> None:
    result = run("call", "GetUser", "-p", "Id=7")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("error: 404 NotFound: no route /xapi/v1/Users(7)")
    assert len(result.stderr.splitlines()) == 1


def test_a_refused_secret_never_shows(run: Callable[..., Any], pbx: FakePbx) -> None:
    env = dict(ENV, THREECX_XAPI_CLIENT_SECRET="wrong-" + SECRET)
    result = run("call", "ListUser", "--debug", env=env)
    assert result.exit_code == 2 and result.stderr.startswith("debug: > POST")
    assert result.stderr.splitlines()[-1].startswith("error: 400")
    assert SECRET not in result.output and SECRET not in result.stderr


def test_debug_logs_requests_and_responses_without_secrets(run: Callable[..., Any]) -> None:
    result = run("call", "ListUser", "--top", "2", "--debug")
    assert result.exit_code == 0, result.stderr
    assert f"debug: > POST {URL}/connect/token" in result.stderr
    assert f"debug: > GET {URL}/xapi/v1/Users?%24top=2" in result.stderr
    assert "debug: < 200 OK" in result.stderr and f"X-3CX-Version {SERVER_VERSION}" in result.stderr
    assert SECRET not in result.stderr and TOKEN not in result.stderr
    assert len(json.loads(result.stdout)) == 2


def test_debug_shows_headers_and_bodies_with_the_secret_and_token_masked(run: Callable[..., Any]) -> None:
    result = run("call", "CreateUser", "--body", '{"Number": "2002"}', "--debug")
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert "debug: >   authorization: ***" in lines  # the API request's bearer token
    assert any(line.startswith("debug: >   client_id=cli-test&client_secret=***") for line in lines)
    assert any(line.startswith("debug: <   {") and '"access_token":"***"' in line for line in lines)
    assert 'debug: >   {"Number":"2002"}' in lines  # the request body as sent
    assert f"debug: <   x-3cx-version: {SERVER_VERSION}" in lines
    assert SECRET not in result.stderr and TOKEN not in result.stderr


def test_debug_cuts_a_long_body(run: Callable[..., Any], pbx: FakePbx) -> None:
    pbx.users = FakePbx(users=200).users
    result = run("call", "ListUser", "--debug")
    assert result.exit_code == 0, result.stderr
    (body,) = [line for line in result.stderr.splitlines() if line.startswith('debug: <   {"value"')]
    assert body.endswith(" characters)") and len(body) < 2100


def test_help_never_echoes_the_secret(run: Callable[..., Any]) -> None:
    result = run("call", "--help")
    assert result.exit_code == 0 and "THREECX_XAPI_CLIENT_SECRET" in result.stdout
    assert SECRET not in result.output


def test_all_writes_every_row_of_every_page_once_as_csv(run: Callable[..., Any], pbx: FakePbx) -> None:
    pbx.users = FakePbx(users=250).users
    result = run("call", "ListUser", "--all", "--top", "100", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["Id"] for row in rows] == [str(index) for index in range(250)]
    assert rows[0]["Groups"] == '[{"GroupId": 1}]'
    assert [request.url.params["$skip"] for request in pbx.api_requests] == ["0", "100", "200"]
    summary = r"ListUser: 250 rows, 3 pages in \d+\.\d s \([\d,]+ rows/s\)\n"
    assert re.fullmatch(summary, result.stderr)  # a pipe: the summary line only


def test_all_ends_after_a_full_last_page_with_one_empty_page(run: Callable[..., Any], pbx: FakePbx) -> None:
    pbx.users = FakePbx(users=4).users
    result = run("call", "ListUser", "--all", "--top", "2", "--format", "jsonl")
    assert [json.loads(line)["Id"] for line in result.stdout.splitlines()] == [0, 1, 2, 3]
    assert [request.url.params["$skip"] for request in pbx.api_requests] == ["0", "2", "4"]


def test_json_of_a_collection_is_an_array_even_when_empty(run: Callable[..., Any], pbx: FakePbx) -> None:
    pbx.users = []
    result = run("call", "ListUser", "--filter", "Number eq '9'")
    assert result.exit_code == 0 and json.loads(result.stdout) == []
    assert pbx.api_requests[0].url.params["$filter"] == "Number eq '9'"


def test_output_goes_to_the_file(run: Callable[..., Any], tmp_path: Path) -> None:
    target = tmp_path / "users.jsonl"
    result = run("call", "ListUser", "--format", "jsonl", "--output", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert len(target.read_text(encoding="utf-8").splitlines()) == 3


def test_a_failed_call_creates_no_output_file(run: Callable[..., Any], tmp_path: Path) -> None:
    target = tmp_path / "user.json"
    result = run("call", "GetUser", "-p", "Id=7", "--output", str(target))
    assert result.exit_code == 2 and not target.exists()


def test_version_reports_the_pbx_and_the_pinned_document(run: Callable[..., Any]) -> None:
    result = run("version")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].startswith(f"document: XAPI {registry.xapi_version()} ")
    assert lines[2] == f"pbx: XAPI {SERVER_VERSION} at {URL}"


def test_version_without_a_pbx_reports_the_package(run: Callable[..., Any], pbx: FakePbx) -> None:
    result = run("version", env={})
    assert result.exit_code == 0 and "pbx: not asked" in result.stdout
    assert pbx.requests == []


def test_an_unknown_option_is_one_line_exit_2(run: Callable[..., Any]) -> None:
    result = run("call", "ListUser", "--colour", "red")
    assert result.exit_code == 2 and result.stderr.startswith("error: No such option")
    assert "--colour" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_csv_columns_come_from_the_first_page_and_late_keys_are_reported() -> None:
    stream, warnings = io.StringIO(), list[str]()
    pages: list[list[dict[str, Any]]] = [[{"A": 1, "B": None}, {"C": True}], [{"A": 2, "D": {"x": [1]}}]]
    assert write_csv(iter(pages), stream, warn=warnings.append) == 3
    assert stream.getvalue().splitlines() == ["A,B,C", "1,,", ",,true", "2,,"]
    assert warnings == ["column(s) D first appear after the first page and are left out of the CSV"]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self, *readings: float) -> None:
        self.readings = list(readings)

    def __call__(self) -> float:
        return self.readings.pop(0)


def test_progress_rewrites_one_line_on_a_terminal_with_rows_pages_and_rate() -> None:
    terminal = Terminal()
    progress = Progress("ListUser", terminal, clock=Clock(0.0, 0.5, 2.0, 2.0, 2.0))
    assert list(progress.count(iter([[{"Id": 1}], [{"Id": 2}, {"Id": 3}]]))) == [[{"Id": 1}], [{"Id": 2}, {"Id": 3}]]
    progress.finish("users.csv")
    assert terminal.getvalue().split("\r") == [
        "",
        "ListUser: 1 row, 1 page, 2 rows/s\x1b[K",
        "ListUser: 3 rows, 2 pages, 2 rows/s\x1b[K",
        "\x1b[KListUser: 3 rows, 2 pages in 2.0 s (2 rows/s) -> users.csv\n",
    ]


def test_progress_on_a_pipe_is_only_the_summary_and_quiet_is_nothing() -> None:
    pages = [[{"Id": 1}], [{"Id": 2}, {"Id": 3}]]
    pipe, quiet = io.StringIO(), Terminal()
    for stream, options in ((pipe, {}), (quiet, {"quiet": True})):
        progress = Progress("ListUser", stream, clock=Clock(0.0, 4.0, 4.0), **options)  # type: ignore[arg-type]
        assert list(progress.count(iter(pages))) == pages
        progress.finish()
    assert pipe.getvalue() == "ListUser: 3 rows, 2 pages in 4.0 s (1 rows/s)\n"
    assert quiet.getvalue() == ""


def _parameter(edm_type: str, nullable: bool = False, **schema: Any) -> Parameter:
    return Parameter("value", "value", "path", edm_type, nullable, True, "", schema)


@pytest.mark.parametrize(
    ("text", "edm_type", "schema", "expected"),
    [
        ("42", "Edm.Int32", {}, 42),
        (" -7 ", "Edm.Int64", {}, -7),
        ("TRUE", "Edm.Boolean", {}, True),
        ("no", "Edm.Boolean", {}, False),
        ("2026-09-12T08:00:00+02:00", "Edm.DateTimeOffset", {}, dt.datetime(2026, 9, 12, 6, tzinfo=dt.UTC)),
        ("3f2504e0-4f89-11d3-9a0c-0305e82c3301", "Edm.Guid", {}, uuid.UUID("3f2504e0-4f89-11d3-9a0c-0305e82c3301")),
        ("Id, Number", "Collection(Edm.String)", {}, ["Id", "Number"]),
        ("-P1DT2H30M", "Edm.Duration", {}, -dt.timedelta(days=1, hours=2, minutes=30)),
        ("2026-09-12", "Edm.Date", {}, dt.date(2026, 9, 12)),
        ("1.50", "Edm.Decimal", {}, Decimal("1.50")),
        ("Queue", "Edm.String", {"enum": ["Queue", "VoiceMail"]}, "Queue"),
        ("null", "Edm.String", {}, "null"),
    ],
)
def test_values_are_read_as_their_declared_type(text: str, edm_type: str, schema: Any, expected: Any) -> None:
    assert to_python(text, _parameter(edm_type, **schema)) == expected


@pytest.mark.parametrize(
    ("text", "edm_type", "schema", "message"),
    [
        ("4.5", "Edm.Int32", {}, "expects an integer"),
        ("3f2504e0", "Edm.Guid", {}, "expects a GUID"),
        ("P", "Edm.Duration", {}, "expects an ISO 8601 duration"),
        ("Fax", "Edm.String", {"enum": ["Queue", "VoiceMail"]}, "expects one of Queue, VoiceMail, got 'Fax'"),
        ("1234567890123", "Edm.String", {"maxLength": 12}, "at most 12 characters"),
        ("x", "Edm.Binary", {}, "the CLI cannot read"),
    ],
)
def test_a_value_of_the_wrong_type_names_what_it_expects(text: str, edm_type: str, schema: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        to_python(text, _parameter(edm_type, **schema))


def test_null_is_none_only_where_the_document_allows_it() -> None:
    assert to_python("null", _parameter("Edm.String", nullable=True)) is None
    assert to_python("null", _parameter("Edm.Int32", nullable=True)) is None
    with pytest.raises(ValueError, match="expects an integer"):
        to_python("null", _parameter("Edm.Int32"))


# Against the emulator, over HTTP on 127.0.0.1: what a user runs.


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    from threecx_xapi.testing import Emulator

    with Emulator(port=0, seed=0) as pbx:
        yield pbx


def _emulator_env(pbx: Emulator) -> dict[str, str]:
    return {
        "THREECX_XAPI_URL": pbx.url,
        "THREECX_XAPI_CLIENT_ID": pbx.client_id,
        "THREECX_XAPI_CLIENT_SECRET": pbx.client_secret,
    }


def test_emulator_call_log_prints_rows(emulator: Emulator) -> None:
    # A PBX refuses null for a report's string parameter ("The destinationFilter field is required."): '' is all.
    params = ["destinationFilter=" if item.startswith("destinationFilter=") else item for item in CALL_LOG_PARAMS]
    args = ["call", "GetCallLogData", *(arg for item in params for arg in ("--param", item))]
    result = CliRunner().invoke(cli, [*args, "--format", "jsonl"], env=_emulator_env(emulator))
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and all("CallId" in row and "StartTime" in row for row in rows)


def test_emulator_all_pages_write_every_user_once_as_csv(emulator: Emulator, tmp_path: Path) -> None:
    # Hundreds of users through the library (in-process, same emulator), a few more through the CLI's --body.
    with emulator.client(httpx_args={"transport": emulator.transport()}) as client:
        for index in range(300):
            create_user.sync(client=client, body=User(number=f"7{index:03d}", first_name=f"Bulk {index}"))
    env = _emulator_env(emulator)
    for number in ("8001", "8002"):
        created = CliRunner().invoke(cli, ["call", "CreateUser", "--body", json.dumps({"Number": number})], env=env)
        assert created.exit_code == 0, created.stderr
    expected = {str(row["Number"]) for row in emulator.entities("Users")}
    assert len(expected) > 300

    target = tmp_path / "users.csv"
    args = ["call", "ListUser", "--all", "--top", "70", "--select", "Id,Number", "--format", "csv", "-o", str(target)]
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    numbers = [row["Number"] for row in rows]
    assert len(numbers) == len(set(numbers)) == len(expected) and set(numbers) == expected
    assert list(rows[0]) == ["Id", "Number"]
    pages = -(-len(expected) // 70)
    assert result.stderr.startswith(f"ListUser: {len(expected):,} rows, {pages} pages in ")
    assert result.stderr.endswith(f" rows/s) -> {target}\n") and result.stderr.count("\n") == 1


def test_emulator_inbound_rule_from_a_body_file(emulator: Emulator, tmp_path: Path) -> None:
    rule = {
        "RuleName": "Main number",
        "Data": "+442071234567",
        "OfficeHoursDestination": {"To": "Queue", "Number": "800"},
        "OutOfOfficeHoursDestination": {"To": "VoiceMail", "Number": "100"},
        "HolidaysDestination": {"To": "External", "External": "+447700900123"},
        "AlterDestinationDuringOutOfOfficeHours": True,
        "AlterDestinationDuringHolidays": True,
    }
    (tmp_path / "rule.json").write_text(json.dumps(rule), encoding="utf-8")
    env = _emulator_env(emulator)
    result = CliRunner().invoke(cli, ["call", "CreateInboundRule", "--body", f"@{tmp_path / 'rule.json'}"], env=env)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["RuleName"] == "Main number"
    found = CliRunner().invoke(cli, ["call", "ListInboundRule", "--filter", "RuleName eq 'Main number'"], env=env)
    assert [row["Data"] for row in json.loads(found.stdout)] == ["+442071234567"]


def test_emulator_refuses_a_wrong_secret_in_one_line(emulator: Emulator) -> None:
    env = dict(_emulator_env(emulator), THREECX_XAPI_CLIENT_SECRET="not-the-secret")
    result = CliRunner().invoke(cli, ["call", "ListUser"], env=env)
    assert result.exit_code == 2 and result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1
    assert "not-the-secret" not in result.stderr and emulator.client_secret not in result.stderr


def test_emulator_version_reports_its_x_3cx_version(emulator: Emulator) -> None:
    result = CliRunner().invoke(cli, ["version"], env=_emulator_env(emulator))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[2] == f"pbx: XAPI {registry.xapi_version()}.0 at {emulator.url}"


def test_the_installed_console_script_calls_the_emulator(emulator: Emulator) -> None:
    script = Path(sys.executable).with_name("threecx-xapi")
    env = dict(os.environ, **_emulator_env(emulator))
    done = subprocess.run(
        [str(script), "call", "ListUser", "--top", "5", "--select", "Id,Number", "--format", "jsonl"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert [sorted(json.loads(line)) for line in done.stdout.splitlines()] == [["Id", "Number"]] * 5


def test_the_emulator_command_serves_until_interrupted() -> None:
    script = Path(sys.executable).with_name("threecx-xapi")
    server = subprocess.Popen(
        [str(script), "emulator", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        exported = dict(server.stdout.readline().removeprefix("export ").strip().split("=", 1) for _ in range(3))
        assert exported["THREECX_XAPI_URL"].startswith("http://127.0.0.1:")
        result = CliRunner().invoke(cli, ["call", "ListUser", "--top", "2"], env=exported)
        assert result.exit_code == 0, result.stderr
        assert len(json.loads(result.stdout)) == 2
    finally:
        server.send_signal(signal.SIGINT)
        _, errors = server.communicate(timeout=30)
    assert server.returncode == 0, errors
    assert "stopped" in errors


# --- calls without a body, and files --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["UpdateUser", "--param", "Id=29", "--body", '{"FirstName": "Ann"}'], "updated Users(29)\n"),
        (["DeleteUser", "--param", "Id=29"], "deleted Users(29)\n"),
    ],
)
def test_a_call_answered_without_a_body_says_what_was_done_on_stderr_only(
    args: list[str], said: str, run: Callable[..., Any], pbx: FakePbx
) -> None:
    result = run("call", *args)

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and result.stderr == said
    assert pbx.api_requests[-1].url.path == "/xapi/v1/Users(29)"


class Recording:
    """What a file answer carries (threecx_xapi.types.File): the bytes, the PBX's file name and media type."""

    def __init__(self, payload: bytes) -> None:
        self.payload, self.file_name, self.mime_type = payload, "rec-42.wav", "audio/wav"


WAV = b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\xbb\x00\x00\xff\xfe"


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """DownloadRecording answers a WAV file; the calls it got are recorded."""
    module = registry.get("DownloadRecording").load()
    calls: list[dict[str, Any]] = []

    def sync(**arguments: Any) -> Recording:
        calls.append(arguments)
        return Recording(WAV)

    monkeypatch.setattr(module, "sync", sync)
    return calls


def test_a_file_answer_is_written_to_output_path_byte_for_byte(
    run: Callable[..., Any], recording: list[dict[str, Any]], tmp_path: Path
) -> None:
    target = tmp_path / "rec.wav"

    result = run("call", "DownloadRecording", "--param", "recId=42", "--output", str(target))

    assert result.exit_code == 0, result.stderr
    assert target.read_bytes() == WAV and result.stdout == ""
    assert result.stderr == f"wrote {target} (audio/wav, rec-42.wav, {len(WAV)} bytes)\n"
    assert recording[0]["rec_id"] == 42
    assert sorted(path.name for path in tmp_path.iterdir()) == ["rec.wav"]


def test_a_file_answer_is_never_dumped_on_a_terminal(
    run: Callable[..., Any], recording: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("threecx_xapi.cli.commands.stdout_is_terminal", lambda: True)

    result = run("call", "DownloadRecording", "--param", "recId=42")

    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        f"error: DownloadRecording answered a file (audio/wav, rec-42.wav, {len(WAV)} bytes): "
        "give --output PATH, or redirect stdout\n"
    )


def test_a_file_answer_goes_to_stdout_when_it_is_redirected(
    run: Callable[..., Any], recording: list[dict[str, Any]]
) -> None:
    result = run("call", "DownloadRecording", "--param", "recId=42")

    assert result.exit_code == 0 and result.stdout_bytes == WAV


def test_a_recording_the_pbx_answers_as_audio_is_written_to_output_path(
    run: Callable[..., Any], tmp_path: Path
) -> None:
    target = tmp_path / "rec.wav"

    result = run("call", "DownloadRecording", "--param", "recId=42", "--output", str(target))

    assert result.exit_code == 0, result.stderr
    assert target.read_bytes() == WAV
    assert result.stderr == f"wrote {target} (audio/wav, rec-42.wav, {len(WAV)} bytes)\n"
