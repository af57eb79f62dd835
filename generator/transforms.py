"""Small, pure transforms of the XAPI document, one per quirk, applied before generation.

Each transform takes the document (a dict) and returns a new one; the input is never mutated.
`TRANSFORMS` lists them in the order they run, each with the one-line reason it exists.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

Document = dict[str, Any]
Transform = Callable[[Document], Document]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Marks a path parameter whose `nullable: true` was lifted; the registry and templates read it back.
NULLABLE_MARK = "x-threecx-nullable"


def iter_operations(document: Document) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Yield (path, method, operation) for every operation of the document."""
    for path, item in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                yield path, method, operation


def _resolved_parameter(document: Document, parameter: dict[str, Any]) -> dict[str, Any]:
    ref = parameter.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/parameters/"):
        resolved: dict[str, Any] = document["components"]["parameters"][ref.rsplit("/", 1)[1]]
        return resolved
    return parameter


def lift_nullable_path_strings(document: Document) -> Document:
    """Path strings marked nullable: openapi-python-client drops such operations; the OData encoder sends `null`."""
    result = copy.deepcopy(document)
    for _path, _method, operation in iter_operations(result):
        for parameter in operation.get("parameters", []):
            if parameter.get("in") != "path":
                continue
            schema = parameter.get("schema", {})
            if schema.pop("nullable", False):
                parameter[NULLABLE_MARK] = True
    return result


def integer_for_int32_numbers(document: Document) -> Document:
    """XAPI types some int32 keys as `number`; an OData Int32 literal and a Python int are what they are."""
    result = copy.deepcopy(document)

    def fix(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "number" and node.get("format") in ("int32", "int64"):
                node["type"] = "integer"
            for value in node.values():
                fix(value)
        elif isinstance(node, list):
            for value in node:
                fix(value)

    fix(result)
    return result


def inline_parameter_refs(document: Document) -> Document:
    """Shared `$top`/`$skip`/... parameters are `$ref`s; inlining them lets every operation be read on its own."""
    result = copy.deepcopy(document)
    for _path, _method, operation in iter_operations(result):
        if "parameters" in operation:
            operation["parameters"] = [
                copy.deepcopy(_resolved_parameter(result, parameter)) for parameter in operation["parameters"]
            ]
    return result


TRANSFORMS: tuple[Transform, ...] = (
    inline_parameter_refs,
    lift_nullable_path_strings,
    integer_for_int32_numbers,
)


def apply_all(document: Document) -> Document:
    """Run every transform, in order."""
    for transform in TRANSFORMS:
        document = transform(document)
    return document
