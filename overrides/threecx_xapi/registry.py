"""Every XAPI operation of the pinned document, as data: read from `operations.json` on first use.

    from threecx_xapi import registry

    operation = registry.get("GetUserByNumber")
    operation.path                      # '/Users(Number={Number})'
    [p.python_name for p in operation.parameters]
    module = operation.load()           # threecx_xapi.api.users.get_user_by_number

The emulator, the command line, the docs and the tests all read it; the format is described in
docs/architecture.md.
"""

from __future__ import annotations

import functools
import importlib
import json
from dataclasses import dataclass
from importlib import resources
from types import ModuleType
from typing import Any


@dataclass(frozen=True)
class Parameter:
    name: str
    python_name: str
    location: str
    edm_type: str
    nullable: bool
    required: bool
    description: str
    schema: dict[str, Any]
    key: bool = False  # an entity key in the path (positional); a function parameter in the path is keyword-only


@dataclass(frozen=True)
class Operation:
    operation_id: str
    tag: str
    module: str
    method: str
    path: str
    summary: str
    description: str
    parameters: tuple[Parameter, ...]
    request_body: dict[str, Any] | None
    response: dict[str, Any]

    def load(self) -> ModuleType:
        """The generated endpoint module (`sync`, `sync_detailed`, `asyncio`, `asyncio_detailed`)."""
        return importlib.import_module(self.module)

    def parameter(self, name: str) -> Parameter:
        """A parameter by its document name (`periodFrom`, `$filter`) or Python name (`period_from`)."""
        for parameter in self.parameters:
            if name in (parameter.name, parameter.python_name):
                return parameter
        raise KeyError(f"{self.operation_id} has no parameter {name!r}")

    @property
    def path_parameters(self) -> tuple[Parameter, ...]:
        return tuple(parameter for parameter in self.parameters if parameter.location == "path")

    @property
    def query_parameters(self) -> tuple[Parameter, ...]:
        return tuple(parameter for parameter in self.parameters if parameter.location == "query")


def _operation(entry: dict[str, Any]) -> Operation:
    parameters = tuple(
        Parameter(
            name=item["name"],
            python_name=item["python_name"],
            location=item["in"],
            edm_type=item["edm_type"],
            nullable=item["nullable"],
            required=item["required"],
            description=item["description"],
            schema=item["schema"],
            key=item.get("key", False),
        )
        for item in entry["parameters"]
    )
    fields = {key: value for key, value in entry.items() if key != "parameters"}
    return Operation(parameters=parameters, **fields)


@functools.cache
def _load() -> dict[str, Any]:
    text = resources.files("threecx_xapi.api").joinpath("operations.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@functools.cache
def operations() -> tuple[Operation, ...]:
    """Every operation, in document order."""
    return tuple(_operation(entry) for entry in _load()["operations"])


@functools.cache
def _by_id() -> dict[str, Operation]:
    return {operation.operation_id: operation for operation in operations()}


def get(operation_id: str) -> Operation:
    """The operation with this operationId; KeyError names close matches."""
    try:
        return _by_id()[operation_id]
    except KeyError:
        lowered = operation_id.lower()
        close = [known for known in _by_id() if lowered in known.lower()][:5]
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"unknown operation {operation_id!r}{hint}") from None


@functools.cache
def schemas() -> dict[str, Any]:
    """The document's `components.schemas`, for validation and test data."""
    text = resources.files("threecx_xapi.models").joinpath("schemas.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def xapi_version() -> str:
    """The 3CX version of the document the registry was generated from."""
    return str(_load()["xapi_version"])
