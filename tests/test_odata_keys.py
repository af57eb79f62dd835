"""Keys are never null: OData's keyPredicate has no null, whatever the document says of alternate keys.

The document marks the alternate key `Number` of Users, Queues, RingGroups, Receptionists, Parkings, Peers,
Trunks and Fax nullable; `get_user_by_number.sync(None)` would send `/Users(Number=null)`. Function parameters
keep null where the document allows it.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from threecx_xapi import XapiClient, odata, registry
from threecx_xapi.api.report_agent_login_history import get_agent_login_history_data
from xapi_fakes import FakePbx

from generator.transforms import key_parameter_names, non_null_keys

ALTERNATE_KEYS = [
    operation
    for operation in registry.operations()
    if any(
        parameter.location == "path"
        and parameter.name == "Number"
        and parameter.name in key_parameter_names(operation.path)
        for parameter in operation.parameters
    )
]


def one_user(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"Id": 7, "Number": "100"})


@pytest.fixture
def pbx() -> FakePbx:
    return FakePbx(one_user)


@pytest.fixture
def client(pbx: FakePbx) -> Iterator[XapiClient]:
    with pbx.client() as xapi:
        yield xapi


def sent_paths(pbx: FakePbx) -> list[str]:
    return [request.url.raw_path.decode() for request in pbx.requests]


def test_the_eight_alternate_keys_are_found() -> None:
    tags = sorted(operation.tag for operation in ALTERNATE_KEYS)
    assert tags == ["Fax", "Parkings", "Peers", "Queues", "Receptionists", "RingGroups", "Trunks", "Users"]


@pytest.mark.parametrize("operation", ALTERNATE_KEYS, ids=[operation.operation_id for operation in ALTERNATE_KEYS])
def test_an_alternate_key_is_a_str_and_none_is_refused_naming_it_before_sending(
    operation: Any, client: XapiClient, pbx: FakePbx
) -> None:
    module = importlib.import_module(operation.module)
    assert inspect.signature(module.sync).parameters["number"].annotation is str
    assert next(p for p in operation.parameters if p.name == "Number").nullable is False
    with pytest.raises(ValueError, match=r"parameter 'Number' \(Edm.String\) may not be None"):
        module.sync(None, client=client)
    assert pbx.requests == [] and pbx.token_requests == [], "nothing was sent"
    module.sync("O'Brien", client=client)
    assert sent_paths(pbx)[-1].endswith("(Number='O''Brien')")


async def test_none_for_an_alternate_key_is_refused_by_async_calls(client: XapiClient, pbx: FakePbx) -> None:
    module = importlib.import_module(ALTERNATE_KEYS[0].module)
    with pytest.raises(ValueError, match="'Number'"):
        await module.asyncio_detailed(None, client=client)
    assert pbx.requests == [] and pbx.token_requests == []


def test_every_key_of_every_operation_is_non_nullable_and_function_parameters_keep_null() -> None:
    nullable_functions = 0
    for operation in registry.operations():
        keys = key_parameter_names(operation.path)
        for parameter in operation.parameters:
            if parameter.location != "path":
                continue
            if parameter.name in keys:
                assert not parameter.nullable, f"{operation.operation_id} {parameter.name}"
            nullable_functions += parameter.nullable
    assert nullable_functions > 100, "report and function parameters still take null where the document allows it"


def test_a_function_parameter_the_document_allows_null_for_still_sends_null(client: XapiClient, pbx: FakePbx) -> None:
    import datetime as dt

    start = dt.datetime(2026, 9, 12, tzinfo=dt.UTC)
    get_agent_login_history_data.sync_detailed(
        client=client,
        client_time_zone="Europe/London",
        start_dt=start,
        end_dt=start,
        queue_dn_str="800",
        agent_dn_str=None,
    )
    assert "agentDnStr=null" in sent_paths(pbx)[-1]


def test_path_literal_refuses_none_for_a_key_called_directly() -> None:
    with pytest.raises(ValueError, match="'Number'.*may not be None"):
        odata.path_literal(None, name="Number", edm_type="Edm.String", nullable=False)


@pytest.mark.parametrize(
    ("path", "keys"),
    [
        ("/Users(Number={Number})", {"Number"}),
        ("/Users({Id})/Pbx.GetPhoneRegistrars(mac={mac})", {"Id"}),
        ("/Groups({Id})/Members({Id1})", {"Id", "Id1"}),
        ("/ReportCallLogData/Pbx.GetCallLogData(periodFrom={periodFrom})", set()),
        ("/Pbx.GetSystemStatus()", set()),
    ],
)
def test_keys_are_the_parameters_of_entity_segments_not_of_namespaced_functions(path: str, keys: set[str]) -> None:
    assert key_parameter_names(path) == keys


def test_the_key_transform_clears_nullable_on_keys_only() -> None:
    document = {
        "paths": {
            "/Users(Number={Number})/Pbx.Find(text={text})": {
                "get": {
                    "parameters": [
                        {"name": "Number", "in": "path", "schema": {"type": "string", "nullable": True}},
                        {"name": "text", "in": "path", "schema": {"type": "string", "nullable": True}},
                    ]
                }
            }
        }
    }
    result = non_null_keys(document)
    number, text = result["paths"]["/Users(Number={Number})/Pbx.Find(text={text})"]["get"]["parameters"]
    assert number["schema"] == {"type": "string"}
    assert text["schema"] == {"type": "string", "nullable": True}
    assert document["paths"]["/Users(Number={Number})/Pbx.Find(text={text})"]["get"]["parameters"][0]["schema"][
        "nullable"
    ], "the input is not mutated"
