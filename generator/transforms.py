"""Small, pure transforms of the XAPI document, one per quirk, applied before generation.

Each transform takes the document (a dict) and returns a new one; the input is never mutated.
`TRANSFORMS` lists them in the order they run, each with the one-line reason it exists.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

from .refs import resolve

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
                copy.deepcopy(resolve(result, parameter)) for parameter in operation["parameters"]
            ]
    return result


class ModelNameCollision(ValueError):
    """Two schemas of the document would give models of one name once their namespace is dropped."""


def entity_name(schema_key: str) -> str:
    """The model name of a schema: its key without the namespace (`Pbx.User` -> `User`)."""
    return schema_key.rsplit(".", 1)[-1]


def name_models_after_entities(document: Document) -> Document:
    """Models are named after the title when there is one, else the key (`PbxUser` beside `Contact`): one rule."""
    result = copy.deepcopy(document)
    schemas: dict[str, Any] = result.get("components", {}).get("schemas", {})
    claimed: dict[str, str] = {}
    for key in schemas:
        # Module names are snake_case, so `DNProperty` and `DnProperty` would collide too.
        folded = entity_name(key).lower().replace("_", "")
        if folded in claimed:
            raise ModelNameCollision(
                f"schemas {claimed[folded]!r} and {key!r} would both be the model {entity_name(key)!r}: "
                "name them in the generator before generating this document"
            )
        claimed[folded] = key
    for key, schema in schemas.items():
        if not isinstance(schema, dict):
            continue
        title = schema.get("title")
        if isinstance(title, str) and title != entity_name(key) and not schema.get("description"):
            schema["description"] = title  # the document's title stays readable in the model's docstring
        schema["title"] = entity_name(key)
    return result


TRANSFORMS: tuple[Transform, ...] = (
    inline_parameter_refs,
    lift_nullable_path_strings,
    integer_for_int32_numbers,
    name_models_after_entities,
)


def apply_all(document: Document) -> Document:
    """Run every transform, in order."""
    for transform in TRANSFORMS:
        document = transform(document)
    return document
