"""Request bodies read as a PBX reads them: undeclared properties refused, null taken where the document allows it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._fakedata import resolve

_cache: dict[int, dict[str, Any]] = {}


def _nullable(node: Any) -> Any:
    if isinstance(node, list):
        return [_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    copied = {key: _nullable(value) for key, value in node.items()}
    if copied.get("nullable") and "type" not in copied and ("allOf" in copied or "$ref" in copied):
        # OAS 3.0 ignores `nullable` without `type`; Microsoft.OpenApi.OData means "this reference, or null".
        rest = {key: value for key, value in copied.items() if key != "nullable"}
        return {"anyOf": [rest, {"enum": [None]}]}
    return copied


def nullable_schemas(schemas: Mapping[str, Any]) -> dict[str, Any]:
    """The schemas with every `allOf: [$ref]` + `nullable: true` (291 in the 20.0.10 document) taking null."""
    found = _cache.get(id(schemas))
    if found is None:
        found = _nullable(dict(schemas))
        if len(schemas) > 1:  # the document's schemas: made once; a single schema is made each time
            _cache[id(schemas)] = found
    return found


def undeclared_property(
    schemas: Mapping[str, Any], schema: Mapping[str, Any], payload: Any, where: str = ""
) -> tuple[str, str, str] | None:
    """(path, property, type) of the first property the schema does not declare; OData annotations (`@`) pass."""
    flat = resolve(schemas, schema)
    if isinstance(payload, list):
        items = flat.get("items")
        for index, item in enumerate(payload):
            found = undeclared_property(schemas, items, item, f"{where}/{index}") if items else None
            if found is not None:
                return found
        return None
    if not isinstance(payload, dict) or "properties" not in flat or flat.get("additionalProperties"):
        return None
    properties = flat["properties"]
    type_name = str(schema.get("$ref", "").rsplit("/", 1)[-1] or flat.get("title") or "object")
    for name, value in payload.items():
        if "@" in name:
            continue
        if name not in properties:
            return where.lstrip("/"), name, type_name
        found = undeclared_property(schemas, properties[name], value, f"{where}/{name}")
        if found is not None:
            return found
    return None
