"""The OpenAPI 3.1 form of an OpenAPI 3.0 document, as Microsoft.OpenApi.OData writes it for 3.1.

Used by the tests to prove that a 3.1 document generates the same package as its 3.0 form. It rewrites
only what 3.1 spells differently: `openapi: 3.1.0`; `nullable: true` becomes `null` in a `type` list; a
nullable `$ref` becomes `anyOf` with `{type: "null"}`, or, when other keywords stand beside it (OData's
`x-ms-navigationProperty`), a `$ref` with those siblings and `type: [object, "null"]`; schema and parameter
`example` become schema `examples`; a nullable `enum` lists `null`; a one-value `enum` becomes `const`; a
boolean `exclusiveMinimum` / `exclusiveMaximum` becomes the bound itself.
"""

from __future__ import annotations

import copy
from typing import Any

# Schema keywords whose values are themselves schemas (or lists / maps of schemas).
_SCHEMA = ("items", "not", "additionalProperties")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SCHEMA_MAPS = ("properties",)


def to_openapi_31(document: dict[str, Any]) -> dict[str, Any]:
    """A new document: the 3.1 form of `document` (which is left as it is)."""
    result = copy.deepcopy(document)
    result["openapi"] = "3.1.0"
    components = result.get("components", {})
    for name, schema in list(components.get("schemas", {}).items()):
        components["schemas"][name] = _schema(schema)
    for parameter in components.get("parameters", {}).values():
        _parameter(parameter)
    for kind in ("responses", "requestBodies"):
        for item in components.get(kind, {}).values():
            _content(item)
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                _parameter(parameter)
            if "requestBody" in operation:
                _content(operation["requestBody"])
            for response in operation.get("responses", {}).values():
                _content(response)
    return result


def _parameter(parameter: dict[str, Any]) -> None:
    if "schema" in parameter:
        parameter["schema"] = _schema(parameter["schema"])
        if "example" in parameter:  # as JSON Schema 2020-12 spells it: a list of examples in the schema
            parameter["schema"]["examples"] = [parameter.pop("example")]


def _content(item: dict[str, Any]) -> None:
    for media in item.get("content", {}).values():
        if "schema" in media:
            media["schema"] = _schema(media["schema"])


def _schema(schema: Any) -> Any:
    if not isinstance(schema, dict):
        return schema
    schema = dict(schema)
    for key in _SCHEMA:
        if key in schema:
            schema[key] = _schema(schema[key])
    for key in _SCHEMA_LISTS:
        if key in schema:
            schema[key] = [_schema(member) for member in schema[key]]
    for key in _SCHEMA_MAPS:
        if key in schema:
            schema[key] = {name: _schema(member) for name, member in schema[key].items()}
    if "example" in schema:
        schema["examples"] = [schema.pop("example")]
    if isinstance(schema.get("enum"), list) and len(schema["enum"]) == 1:
        schema["const"] = schema.pop("enum")[0]
    for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        if schema.get(exclusive) is True:
            schema[exclusive] = schema.pop(bound)
        elif schema.get(exclusive) is False:
            del schema[exclusive]
    nullable = bool(schema.pop("nullable", False))
    members = schema.get("allOf")
    if isinstance(members, list) and len(members) == 1 and set(members[0]) == {"$ref"}:
        del schema["allOf"]
        if nullable and schema:
            # Keywords beside a nullable reference: written as siblings of `$ref`, the type list saying null.
            return {**members[0], "type": ["object", "null"], **schema}
        if nullable:
            return {"anyOf": [members[0], {"type": "null"}]}
        return {**members[0], **schema}
    if nullable:
        kind = schema.get("type")
        if isinstance(kind, str):
            schema["type"] = [kind, "null"]
        elif "type" not in schema and "enum" not in schema:
            return {"anyOf": [schema, {"type": "null"}]}
        elif "enum" in schema:
            schema["type"] = [schema.get("type", "string"), "null"]
        if isinstance(schema.get("enum"), list):
            schema["enum"] = [*schema["enum"], None]  # a nullable enum lists null among its values in 2020-12
    return schema
