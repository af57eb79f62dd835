"""Every generated endpoint module: one description that agrees with the registry, keys positional, the rest
keyword-only."""

from __future__ import annotations

import inspect

import pytest
from threecx_xapi import endpoint, registry

from generator.registry import SYSTEM_OPTIONS, path_keys

OPERATIONS = registry.operations()
CALLS = ("sync", "sync_detailed", "asyncio", "asyncio_detailed")


@pytest.mark.parametrize(
    ("path", "keys"),
    [
        ("/Users({Id})", {"Id"}),
        ("/Users(Number={Number})", {"Number"}),
        ("/Trunks({Id})/Pbx.ExportTrunk()", {"Id"}),
        ("/ReportCallLogData/Pbx.GetCallLogData(periodFrom={periodFrom},periodTo={periodTo})", set()),
        ("/Users({Id})/Pbx.GetPhoneRegistrars(mac={mac})", {"Id"}),
        ("/Groups({Id})/Members({Id1})", {"Id", "Id1"}),
    ],
)
def test_a_path_parameter_is_a_key_unless_it_sits_in_a_function_call(path: str, keys: set[str]) -> None:
    assert path_keys(path) == keys


def test_the_registry_records_keys_and_function_parameters() -> None:
    assert registry.get("GetUserByNumber").parameter("Number").key
    assert registry.get("ExportTrunk").parameter("Id").key
    assert not registry.get("GetCallLogData").parameter("periodFrom").key
    assert not registry.get("ListUser").parameter("$top").key


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.operation_id)
def test_each_module_describes_its_operation_as_the_registry_does_and_takes_only_keys_by_position(
    operation: registry.Operation,
) -> None:
    module = operation.load()
    described = module.ENDPOINT
    assert (described.operation_id, described.method, described.path, described.status) == (
        operation.operation_id,
        operation.method,
        operation.path,
        operation.response["status"],
    )
    assert [(p.python_name, p.name, p.edm_type, p.nullable) for p in described.parameters] == [
        (p.python_name, p.name, p.edm_type, p.nullable) for p in operation.parameters
    ]
    assert [p.location for p in described.parameters] == [
        ("key" if p.key else "function") if p.location == "path" else p.location for p in operation.parameters
    ]
    keys = [p.python_name for p in operation.parameters if p.key]
    for call in CALLS:
        signature = inspect.signature(getattr(module, call))
        positional = [
            name for name, p in signature.parameters.items() if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        ]
        assert positional == keys, (call, positional)
        assert all(p.annotation is not inspect.Parameter.empty for p in signature.parameters.values())


def test_the_shared_system_options_are_the_ones_the_generator_names() -> None:
    for name, (python_name, edm_type, minimum) in SYSTEM_OPTIONS.items():
        option = getattr(endpoint, name[1:].upper())
        assert (option.python_name, option.name, option.location, option.edm_type, option.minimum) == (
            python_name,
            name,
            endpoint.QUERY,
            edm_type,
            minimum,
        )
