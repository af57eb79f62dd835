"""Schema-valid arguments for any registry operation, addressed at entities an emulator really holds."""

from __future__ import annotations

import datetime
import typing
import uuid
from typing import Any

from threecx_xapi import registry
from threecx_xapi.testing import Emulator
from threecx_xapi.testing._fakedata import FakeData

# Generated bodies use numbers (Number, Dn) far from the seeded entities' 100, 101, ... and apart per method,
# so an update does not take the number a create is about to use.
BODY_ROW = {"POST": 1000, "PATCH": 2000, "PUT": 3000}
PERIOD_FROM = datetime.datetime(2026, 9, 12, tzinfo=datetime.UTC)
PERIOD_TO = datetime.datetime(2026, 9, 13, 23, 59, 59, tzinfo=datetime.UTC)


def _value(parameter: registry.Parameter, position: int) -> Any:
    edm_type = parameter.edm_type
    if edm_type == "Edm.String":
        return "O'Brien / 100"
    if edm_type.startswith("Edm.Int"):
        return 1
    if edm_type == "Edm.Boolean":
        return True
    if edm_type == "Edm.Guid":
        return uuid.UUID(int=position + 1)
    if edm_type == "Edm.DateTimeOffset":
        # Period functions take their bounds in document order: the first is the start.
        return PERIOD_FROM if position == 0 else PERIOD_TO
    raise AssertionError(f"no test value for {edm_type} ({parameter.name})")


def _key_value(value: Any, parameter: registry.Parameter) -> Any:
    return uuid.UUID(value) if parameter.edm_type == "Edm.Guid" else value


def arguments(operation: registry.Operation, emulator: Emulator, *, entity_index: int = 0) -> dict[str, Any]:
    """Keyword arguments for the operation's generated `sync_detailed`."""
    entity_set = operation.path.strip("/").split("(", 1)[0].split("/", 1)[0]
    first_segment = operation.path.strip("/").split("/", 1)[0]
    kwargs: dict[str, Any] = {}
    moments = 0
    for parameter in operation.path_parameters:
        if "{" + parameter.name + "}" in first_segment and "(" in first_segment:
            try:
                entity = emulator.entities(entity_set)[entity_index]
            except KeyError:  # addressed by key, but not an entity set the emulator holds
                pass
            else:
                kwargs[parameter.python_name] = _key_value(entity[parameter.name], parameter)
                continue
        if parameter.name == "groupNumber":  # a group report has rows only for a group the PBX holds
            kwargs[parameter.python_name] = emulator.entities("Groups")[0]["Number"]
            continue
        kwargs[parameter.python_name] = _value(parameter, moments)
        moments += parameter.edm_type == "Edm.DateTimeOffset"
    if operation.request_body is not None:
        body_type = typing.get_type_hints(operation.load().sync_detailed)["body"]
        schema = operation.request_body["schema"] or {"type": "object"}
        data = FakeData(registry.schemas(), seed=7).value(
            schema, salt=operation.operation_id, row=BODY_ROW[operation.method]
        )
        if isinstance(data, dict) and _numbered(emulator, entity_set):
            data.pop("Number", None)  # the PBX picks a number on create and refuses a change on update
        kwargs["body"] = build_model(body_type, data)
    return kwargs


def _numbered(emulator: Emulator, entity_set: str) -> bool:
    try:
        return any("Number" in row for row in emulator.entities(entity_set))
    except KeyError:
        return False


def build_model(body_type: Any, data: Any) -> Any:
    for candidate in typing.get_args(body_type) or (body_type,):
        if hasattr(candidate, "from_dict"):
            return candidate.from_dict(data)
    return data
