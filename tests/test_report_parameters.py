"""Report functions' string parameters: the document allows null, a real PBX refuses it and takes '' for all.

A PBX answers `queueDnStr=null` with 400 "The queueDnStr field is required."; the 3CX web client sends `''`.
One rule (generator.transforms.is_report_string_parameter) picks the parameters, and one transform puts the
note in their descriptions, so the docstrings, docs/operations.md and `threecx-xapi ops --params` say it.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from threecx_xapi import BadRequest, XapiClient, registry
from threecx_xapi.api.report_agent_login_history import get_agent_login_history_data
from threecx_xapi.api.report_call_distribution import download_get_get_call_distribution
from threecx_xapi.cli.commands import cli
from threecx_xapi.testing.emulator import Emulator
from xapi_fakes import FakePbx

from generator import docs
from generator.transforms import EMPTY_FOR_ALL, empty_string_for_report_parameters

REPO = Path(__file__).resolve().parent.parent
START = dt.datetime(2026, 9, 12, tzinfo=dt.UTC)
END = dt.datetime(2026, 9, 13, 23, 59, 59, tzinfo=dt.UTC)
NOTE = "A PBX refuses null here"


def _noted() -> list[tuple[registry.Operation, registry.Parameter]]:
    return [
        (operation, parameter)
        for operation in registry.operations()
        for parameter in operation.parameters
        if NOTE in parameter.description
    ]


def test_every_nullable_string_parameter_of_a_report_function_and_only_those_carries_the_note() -> None:
    noted = _noted()
    assert len(noted) > 100
    for operation, parameter in noted:
        assert operation.path.startswith("/Report") and parameter.location == "path", operation.operation_id
        assert parameter.edm_type == "Edm.String" and parameter.nullable, "null stays allowed: the document says so"
        assert f'"The {parameter.name} field is required."' in parameter.description
    for operation in registry.operations():
        for parameter in operation.parameters:
            if parameter.location == "path" and parameter.nullable and parameter.edm_type == "Edm.String":
                assert (NOTE in parameter.description) == operation.path.startswith("/Report"), operation.operation_id
    names = {parameter.name for _, parameter in noted}
    assert {"queueDnStr", "agentDnStr", "extensionDns", "waitInterval", "groupNumber"} <= names


def test_the_note_reaches_the_docstrings_the_reference_page_and_the_command_line() -> None:
    doc = get_agent_login_history_data.sync.__doc__ or ""
    assert re.search(r"agent_dn_str \(str \| None\): `agentDnStr`.*A PBX refuses null here", doc, re.DOTALL)
    assert "pass a value, or '' for all" in " ".join(doc.split())
    page = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
    assert page == docs.render_file(), "docs/operations.md is what the generator writes"
    row = next(line for line in page.splitlines() if line.startswith("| `queueDnStr` | `queue_dn_str` |"))
    assert '"The queueDnStr field is required."' in row
    shown = CliRunner().invoke(cli, ["ops", "GetAgentLoginHistoryData", "--params"])
    assert shown.exit_code == 0
    line = next(line for line in shown.output.splitlines() if line.startswith("  agentDnStr\t"))
    assert "may be null" in line and NOTE in line


def test_a_function_parameter_outside_the_reports_keeps_its_description() -> None:
    extension = registry.get("GetLogs").parameter("extension")
    assert extension.nullable and NOTE not in extension.description


def test_the_transform_notes_report_strings_only() -> None:
    document = {
        "paths": {
            "/ReportX/Pbx.GetX(queueDnStr={queueDnStr},from={from},count={count})": {
                "get": {
                    "parameters": [
                        {
                            "name": "queueDnStr",
                            "in": "path",
                            "description": "Usage: q",
                            "schema": {"type": "string", "nullable": True},
                        },
                        {
                            "name": "from",
                            "in": "path",
                            "schema": {"type": "string", "format": "date-time", "nullable": True},
                        },
                        {"name": "count", "in": "path", "schema": {"type": "integer", "nullable": True}},
                    ]
                }
            },
            "/ActivityLog/Pbx.GetLogs(extension={extension})": {
                "get": {
                    "parameters": [{"name": "extension", "in": "path", "schema": {"type": "string", "nullable": True}}]
                }
            },
        }
    }
    result = empty_string_for_report_parameters(document)
    report = result["paths"]["/ReportX/Pbx.GetX(queueDnStr={queueDnStr},from={from},count={count})"]["get"]
    assert report["parameters"][0]["description"] == "Usage: q. " + EMPTY_FOR_ALL.format(name="queueDnStr")
    assert "description" not in report["parameters"][1] and "description" not in report["parameters"][2]
    logs = result["paths"]["/ActivityLog/Pbx.GetLogs(extension={extension})"]["get"]["parameters"][0]
    assert "description" not in logs
    assert (
        "description"
        not in document["paths"]["/ActivityLog/Pbx.GetLogs(extension={extension})"]["get"]["parameters"][0]
    ), "the input is not mutated"


# --- as a real PBX answers ------------------------------------------------------------------------------------


def real_pbx_reports(request: httpx.Request) -> httpx.Response:
    """Answers report functions as a real PBX does: a `null` string parameter is a 400 naming the field."""
    refused = re.search(r"[(,](\w+)=null[,)]", request.url.raw_path.decode().split("?", 1)[0])
    if refused:
        message = f"The {refused.group(1)} field is required."
        return httpx.Response(400, json={"error": {"code": "", "message": message, "details": []}})
    return httpx.Response(200, json={"@odata.context": "$metadata#Collection", "value": []})


@pytest.fixture
def pbx() -> FakePbx:
    return FakePbx(real_pbx_reports)


@pytest.fixture
def client(pbx: FakePbx) -> Iterator[XapiClient]:
    with pbx.client() as xapi:
        yield xapi


def sent_paths(pbx: FakePbx) -> list[str]:
    return [request.url.raw_path.decode().split("?", 1)[0] for request in pbx.requests]


def test_empty_strings_are_sent_as_the_web_client_sends_them_and_a_pbx_answers(
    client: XapiClient, pbx: FakePbx
) -> None:
    logins = get_agent_login_history_data.sync(
        client_time_zone="Europe/London", start_dt=START, end_dt=END, queue_dn_str="800", agent_dn_str="", client=client
    )
    assert logins.value == []
    assert sent_paths(pbx)[-1].endswith("queueDnStr='800',agentDnStr='')")
    rows = download_get_get_call_distribution.sync(
        client_time_zone="Europe/London",
        period_from=START,
        period_to=END,
        group_number="GRP0001",
        extension_dns="",
        wait_interval="",
        include_queue_calls=True,
        call_area=0,
        grouping_type=0,
        client=client,
    )
    assert rows.value == []
    assert "extensionDns='',waitInterval=''," in sent_paths(pbx)[-1]


def test_null_is_still_sent_where_the_document_allows_it_and_a_real_pbx_refuses_it(
    client: XapiClient, pbx: FakePbx
) -> None:
    with pytest.raises(BadRequest, match="The agentDnStr field is required."):
        get_agent_login_history_data.sync(
            client_time_zone="Europe/London",
            start_dt=START,
            end_dt=END,
            queue_dn_str="800",
            agent_dn_str=None,
            client=client,
        )
    assert sent_paths(pbx)[-1].endswith("agentDnStr=null)")


def test_readme_passes_no_null_to_a_report_string_parameter() -> None:
    noted = {parameter.name for _, parameter in _noted()} | {parameter.python_name for _, parameter in _noted()}
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in re.findall(r"--param (\w+)=null", readme):
        assert name not in noted, name
    for name in re.findall(r"(\w+)=None", readme):
        assert name not in noted, name
    report_calls = re.findall(
        r"(?:download_get_get_call_distribution|get_agent_login_history_data)\.sync\(([^)]*)\)", readme
    )
    assert report_calls and all("None" not in arguments for arguments in report_calls)


def test_the_demo_reports_run_against_a_pbx_that_refuses_null(client: XapiClient, pbx: FakePbx) -> None:
    demo = importlib.import_module("threecx_xapi.demo")
    assert "Call distribution for group (all)" in demo.call_distribution(client)
    assert "Agent login history for queue (all)" in demo.agent_logins(client)
    reports = [path for path in sent_paths(pbx) if path.startswith("/xapi/v1/Report")]
    assert len(reports) == 2 and all("=null" not in path for path in reports)


def test_the_command_line_sends_an_empty_value_as_the_empty_string(xapi_emulator: Emulator) -> None:
    environment = {
        "THREECX_XAPI_URL": xapi_emulator.url,
        "THREECX_XAPI_CLIENT_ID": xapi_emulator.client_id,
        "THREECX_XAPI_CLIENT_SECRET": xapi_emulator.client_secret,
    }
    arguments = ["call", "GetAgentLoginHistoryData", "--param", "clientTimeZone=Europe/London"]
    arguments += ["--param", "startDt=2026-09-12T00:00:00Z", "--param", "endDt=2026-09-13T23:59:59Z"]
    arguments += ["--param", "queueDnStr=800", "--param", "agentDnStr="]
    done = CliRunner().invoke(cli, arguments, env=environment)
    assert done.exit_code == 0, done.output
    path = xapi_emulator.requests[-1].path
    assert path.endswith("queueDnStr='800',agentDnStr='')")
