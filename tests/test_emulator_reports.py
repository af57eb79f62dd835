"""Report and function rows: valid against the document's schemas, the same for a seed, and filtered as asked."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from typing import Any

import pytest
from emulator_arguments import arguments
from threecx_xapi import XapiClient, registry
from threecx_xapi.api.report_agent_login_history import get_agent_login_history_data
from threecx_xapi.api.report_extension_statistics_by_group import get_extension_statistics_by_group_data
from threecx_xapi.api.report_queue_performance_overview import get_queue_performance_overview_data
from threecx_xapi.testing import Emulator
from threecx_xapi.testing._fakedata import collection_items
from threecx_xapi.testing._handler import schema_validator

START = datetime.datetime(2026, 9, 7, tzinfo=datetime.UTC)
END = datetime.datetime(2026, 9, 13, 23, 59, 59, tzinfo=datetime.UTC)
SEED = 11


def _is_function(operation: registry.Operation) -> bool:
    return any(segment.startswith("Pbx.") for segment in operation.path.strip("/").split("/"))


FUNCTIONS = [
    operation
    for operation in registry.operations()
    if _is_function(operation)
    and operation.response["schema"] is not None
    and collection_items(registry.schemas(), operation.response["schema"]) is not None
    and operation.operation_id != "BatchDelete"  # its rows: the Ids it could not delete (test_emulator_as_a_pbx)
]


class Run:
    """One emulator and its client; the tests call the same operations, in the same order, on each."""

    def __init__(self, seed: int) -> None:
        self.pbx = Emulator(seed=seed, collection_size=6)
        self.client = self.pbx.client()

    def __enter__(self) -> Run:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.client.close()

    def body(self, operation: registry.Operation) -> Any:
        response = operation.load().sync_detailed(client=self.client, **arguments(operation, self.pbx))
        assert response.status_code == operation.response["status"], response.content[:300]
        return json.loads(response.content)


@pytest.fixture(scope="module")
def runs() -> Iterator[tuple[Run, Run]]:
    with Run(SEED) as first, Run(SEED) as again:
        yield first, again


def test_the_functions_returning_collections_are_the_reports_and_more() -> None:
    ids = {operation.operation_id for operation in FUNCTIONS}
    assert {"GetCallLogData", "GetAgentLoginHistoryData", "DownloadGetGetCallDistribution"} <= ids
    assert len(FUNCTIONS) > 50


@pytest.mark.parametrize("operation", FUNCTIONS, ids=lambda operation: operation.operation_id)
def test_rows_are_valid_and_the_same_for_a_seed(operation: registry.Operation, runs: tuple[Run, Run]) -> None:
    first, again = (run.body(operation) for run in runs)
    validator = schema_validator(registry.schemas(), operation.response["schema"])
    errors = [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(first)]
    assert errors == []
    assert len(first["value"]) == 6
    assert first == again


@pytest.mark.parametrize("operation_id", ["GetCallLogData", "GetAgentLoginHistoryData", "GetCallDistribution"])
def test_another_seed_gives_other_rows(operation_id: str) -> None:
    operation = registry.get(operation_id)
    with Run(SEED) as first, Run(SEED + 1) as other:
        assert first.body(operation) != other.body(operation)


def test_the_validator_finds_a_row_that_breaks_its_schema(runs: tuple[Run, Run]) -> None:
    operation = registry.get("GetCallLogData")
    body = runs[0].body(operation)
    body["value"][1]["StartTime"] = 5
    body["value"][3]["Status"] = {"not": "a string"}
    found = {
        tuple(error.absolute_path)
        for error in schema_validator(registry.schemas(), operation.response["schema"]).iter_errors(body)
    }
    assert {("value", 1, "StartTime"), ("value", 3, "Status")} <= found


@pytest.fixture
def client() -> Iterator[XapiClient]:
    with Emulator().client() as xapi:
        yield xapi


def test_a_queue_filtered_report_has_rows_of_that_queue_only(client: XapiClient) -> None:
    page = get_agent_login_history_data.sync(
        client=client,
        client_time_zone="Europe/London",
        start_dt=START,
        end_dt=END,
        queue_dn_str="800",
        agent_dn_str="",
    )
    assert len(page.value) == 25
    assert {row.queue_no for row in page.value} == {"800"}
    assert len({row.agent_no for row in page.value}) > 1  # agentDnStr='': every agent


def test_a_report_of_several_queues_spreads_its_rows_over_them(client: XapiClient) -> None:
    page = get_queue_performance_overview_data.sync(
        client=client, period_from=START, period_to=END, queue_dns="800,801", wait_interval="0:00:30"
    )
    assert {row.queue_dn for row in page.value} == {"800", "801"}
    page = get_agent_login_history_data.sync(
        client=client,
        client_time_zone="Europe/London",
        start_dt=START,
        end_dt=END,
        queue_dn_str="800, 801",
        agent_dn_str="100",
    )
    assert {row.queue_no for row in page.value} == {"800", "801"}
    assert {row.agent_no for row in page.value} == {"100"}


def test_an_empty_filter_is_every_queue(client: XapiClient) -> None:
    page = get_agent_login_history_data.sync(
        client=client, client_time_zone="Europe/London", start_dt=START, end_dt=END, queue_dn_str="", agent_dn_str=""
    )
    assert len({row.queue_no for row in page.value}) > 1


@pytest.mark.parametrize(("group", "found"), [("GRP0000", True), ("", False), ("GRP9999", False)])
def test_a_group_report_has_rows_only_for_a_group_that_exists(client: XapiClient, group: str, found: bool) -> None:
    # Seen on a PBX: groupNumber='' is a 200 with no rows (no "all" here), as is a number no group holds.
    page = get_extension_statistics_by_group_data.sync(
        client=client, group_number=group, period_from=START, period_to=END, call_area=0
    )
    assert bool(page.value) is found
