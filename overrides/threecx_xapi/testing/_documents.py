"""What a PBX serves about itself: the OpenAPI document, the OData service document and `$metadata` (CSDL).

The CSDL is derived from the document (its schemas and operations), sorted, so the same document always
gives the same bytes. The OpenAPI document is the pinned one when it can be found beside the checkout
(the lock's local sources), otherwise one rebuilt from the registry the package carries.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from .. import registry
from ._entities import EntitySet
from ._fakedata import collection_items, resolve

_REPO_ROOT = Path(__file__).resolve().parents[3]


def openapi_document() -> bytes:
    """The XAPI document: the pinned file if a local lock source holds it, else rebuilt from the registry."""
    lock_path = _REPO_ROOT / "spec" / "xapi.lock.json"
    if lock_path.is_file():
        lock = json.loads(lock_path.read_text(encoding="utf-8"))
        candidates = [
            os.environ.get("XAPI_SPEC", ""),
            *(source.replace("{file}", lock["file"]) for source in lock.get("sources", ()) if "://" not in source),
        ]
        for candidate in candidates:
            path = Path(candidate) if Path(candidate).is_absolute() else _REPO_ROOT / candidate
            if candidate and not candidate.startswith("$") and path.is_file():
                return path.read_bytes()
    return json.dumps(_rebuilt_document(), indent=1, sort_keys=True).encode()


def _rebuilt_document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for operation in registry.operations():
        entry: dict[str, Any] = {
            "operationId": operation.operation_id,
            "tags": [operation.tag],
            "summary": operation.summary,
            "parameters": [
                {"name": p.name, "in": p.location, "required": p.required, "schema": p.schema}
                for p in operation.parameters
            ],
            "responses": {
                str(operation.response["status"]): {"description": "Success"}
                | (
                    {"content": {"application/json": {"schema": operation.response["schema"]}}}
                    if operation.response["schema"] is not None
                    else {}
                ),
                "default": {"$ref": "#/components/responses/error"},
            },
        }
        if operation.request_body is not None:
            entry["requestBody"] = {
                "required": bool(operation.request_body.get("required")),
                "content": {"application/json": {"schema": operation.request_body["schema"]}},
            }
        paths.setdefault(operation.path, {})[operation.method.lower()] = entry
    error = {"description": "error", "content": {"application/json": {"schema": {"type": "object"}}}}
    return {
        "openapi": "3.0.4",
        "info": {"title": "3CX XAPI", "version": registry.xapi_version()},
        "servers": [{"url": "/xapi/v1"}],
        "paths": paths,
        "components": {"schemas": registry.schemas(), "responses": {"error": error}},
    }


def entity_sets(
    schemas: Mapping[str, Any], sets: Mapping[str, EntitySet], singletons: Iterable[str] = ()
) -> dict[str, str]:
    """Every entity set by its type name: the keyed ones, and those only listed (`GET /Recordings`, reports);
    never a singleton's name (`AISettings/Pbx.GetVectorStoreFiles` is bound to the singleton)."""
    found = {name: _type_name(entity_set.item_schema) for name, entity_set in sets.items()}
    for operation in registry.operations():
        path, schema = operation.path.strip("/"), operation.response["schema"]
        if operation.method != "GET" or "/" in path or "(" in path or schema is None or path in found:
            continue
        items = collection_items(schemas, schema)
        if items is not None and _type_name(items) in schemas:
            found[path] = _type_name(items)
    # Sets only functions are bound to (/ReportCallLogData/Pbx.GetCallLogData): typed by their rows.
    taken = set(singletons)
    for operation in sorted(registry.operations(), key=lambda item: item.operation_id):
        first, _, rest = operation.path.strip("/").partition("/")
        schema = operation.response["schema"]
        if not rest.startswith("Pbx.") or "(" in first or first in found or first in taken or schema is None:
            continue
        items = collection_items(schemas, schema)
        if items is not None and _type_name(items) in schemas:
            found[first] = _type_name(items)
    return found


def service_document(base: str, sets: Iterable[str], singletons: Iterable[str]) -> dict[str, Any]:
    value = [{"name": name, "kind": "EntitySet", "url": name} for name in sorted(sets)]
    value += [{"name": name, "kind": "Singleton", "url": name} for name in sorted(singletons)]
    return {"@odata.context": f"{base}/$metadata", "value": value}


_EDMX = "http://docs.oasis-open.org/odata/ns/edmx"
_EDM = "http://docs.oasis-open.org/odata/ns/edm"


def metadata(schemas: Mapping[str, Any], sets: Mapping[str, EntitySet], singletons: Mapping[str, Any]) -> bytes:
    """CSDL XML for the document: entity, complex and enum types, bound functions and actions, the container."""
    ElementTree.register_namespace("edmx", _EDMX)
    root = ElementTree.Element(f"{{{_EDMX}}}Edmx", Version="4.0")
    services = ElementTree.SubElement(root, f"{{{_EDMX}}}DataServices")
    schema = ElementTree.SubElement(services, "Schema", Namespace="Pbx", xmlns=_EDM)
    set_types = entity_sets(schemas, sets, singletons)
    keys: dict[str, str | None] = {set_types[name]: entity_set.key for name, entity_set in sets.items()}
    for type_name in set_types.values():
        keys.setdefault(type_name, _first_key(schemas, type_name))
    for type_name in _singleton_types(singletons).values():
        keys.setdefault(type_name, None)  # a singleton's type is an entity type, keyless as CSDL 4.01 allows
    keys = entity_keys(schemas, keys)
    for name in sorted(schemas):
        if not name.startswith("Pbx.") or "." in name[4:]:
            continue
        _type_element(schema, schemas, name, keys)
    singleton_types = _singleton_types(singletons)
    for operation in sorted(registry.operations(), key=lambda item: item.operation_id):
        _operation_element(schema, schemas, operation, set_types, singleton_types)
    container = ElementTree.SubElement(schema, "EntityContainer", Name="Default")
    for name in sorted(set_types):
        ElementTree.SubElement(container, "EntitySet", Name=name, EntityType=set_types[name])
    for name in sorted(singletons):
        ElementTree.SubElement(container, "Singleton", Name=name, Type=_type_name(singletons[name]))
    ElementTree.indent(root)
    text: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return text


def entity_keys(schemas: Mapping[str, Any], keys: dict[str, str | None]) -> dict[str, str | None]:
    """Entity types and their keys: the sets' types, and every type a navigation property leads to (keyed by Id)."""
    pending = list(keys)
    while pending:
        name = pending.pop()
        for sub in resolve(schemas, schemas[name]).get("properties", {}).values():
            if not sub.get("x-ms-navigationProperty"):
                continue
            target = _type_name(sub.get("items", sub) if sub.get("type") == "array" else (sub.get("allOf") or [sub])[0])
            if target in keys or target not in schemas:
                continue
            keys[target] = _first_key(schemas, target)
            pending.append(target)
    return keys


def _first_key(schemas: Mapping[str, Any], type_name: str) -> str:
    """A key for a type the document gives none: Id when it has one, else its first plain property."""
    properties = resolve(schemas, schemas[type_name]).get("properties", {})
    scalars = [key for key, value in properties.items() if value.get("type") in ("string", "integer")]
    return "Id" if "Id" in properties else (scalars or list(properties) or ["Id"])[0]


def _singleton_types(singletons: Mapping[str, Any]) -> dict[str, str]:
    return {name: _type_name(schema) for name, schema in singletons.items()}


def _type_name(schema: Mapping[str, Any]) -> str:
    return str(schema.get("$ref", "#/Edm.Untyped").rsplit("/", 1)[-1])


def _type_element(
    parent: ElementTree.Element, schemas: Mapping[str, Any], name: str, keys: Mapping[str, str | None]
) -> None:
    flat = resolve(schemas, schemas[name])
    short = name[4:]
    if "enum" in flat:
        element = ElementTree.SubElement(parent, "EnumType", Name=short)
        for value, member in enumerate(flat["enum"]):
            ElementTree.SubElement(element, "Member", Name=str(member), Value=str(value))
        return
    if flat.get("type", "object") != "object":
        return
    entity = name in keys
    key = keys.get(name)
    element = ElementTree.SubElement(parent, "EntityType" if entity else "ComplexType", Name=short)
    if key:
        ElementTree.SubElement(ElementTree.SubElement(element, "Key"), "PropertyRef", Name=key)
    for prop, sub in flat.get("properties", {}).items():
        if prop.startswith("@"):
            continue
        tag = "NavigationProperty" if entity and sub.get("x-ms-navigationProperty") else "Property"
        attributes = {"Name": prop, "Type": edm_type_name(schemas, sub)}
        if prop == key or (tag == "Property" and not sub.get("nullable") and sub.get("type") not in (None, "array")):
            attributes["Nullable"] = "false"
        ElementTree.SubElement(element, tag, attributes)


def edm_type_name(schemas: Mapping[str, Any], schema: Mapping[str, Any]) -> str:
    if "$ref" in schema:
        return _type_name(schema)
    if schema.get("allOf"):
        return edm_type_name(schemas, schema["allOf"][0])
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "array":
        return f"Collection({edm_type_name(schemas, schema.get('items', {}))})"
    if kind == "string":
        formats = {"date-time": "Edm.DateTimeOffset", "uuid": "Edm.Guid", "duration": "Edm.Duration"}
        formats |= {"date": "Edm.Date", "time": "Edm.TimeOfDay", "base64url": "Edm.Binary", "byte": "Edm.Binary"}
        return formats.get(str(fmt), "Edm.String")
    if kind == "integer":
        return {"int64": "Edm.Int64", "int16": "Edm.Int16", "uint8": "Edm.Byte"}.get(str(fmt), "Edm.Int32")
    if kind == "number":
        return {"decimal": "Edm.Decimal", "float": "Edm.Single"}.get(str(fmt), "Edm.Double")
    if kind == "boolean":
        return "Edm.Boolean"
    choices = schema.get("anyOf") or schema.get("oneOf")
    if choices:
        return edm_type_name(schemas, choices[0])
    return "Edm.Untyped"


def _operation_element(
    parent: ElementTree.Element,
    schemas: Mapping[str, Any],
    operation: registry.Operation,
    set_types: Mapping[str, str],  # entity set name -> its entity type
    singleton_types: Mapping[str, str],  # singleton name -> its type
) -> None:
    segments = operation.path.strip("/").split("/")
    last = segments[-1].split("(", 1)[0]
    if not last.startswith("Pbx."):
        return
    kind = "Function" if operation.method == "GET" else "Action"
    element = ElementTree.SubElement(parent, kind, Name=last[4:], IsBound="true")
    binding = segments[0].split("(", 1)[0]
    by_key = "(" in segments[0]  # bound to one entity of a set, whose key is the first path parameter
    bound_type = singleton_types.get(binding) or set_types.get(binding, f"Pbx.{binding}")
    one = by_key or binding in singleton_types
    shown_binding = bound_type if one else f"Collection({bound_type})"
    ElementTree.SubElement(element, "Parameter", Name="bindingParameter", Type=shown_binding)
    for parameter in operation.path_parameters[1 if by_key else 0 :]:
        ElementTree.SubElement(element, "Parameter", Name=parameter.name, Type=parameter.edm_type)
    body = (operation.request_body or {}).get("schema")
    for name, sub in (resolve(schemas, body).get("properties", {}) if body else {}).items():
        ElementTree.SubElement(element, "Parameter", Name=name, Type=edm_type_name(schemas, sub))
    schema = operation.response["schema"]
    if schema is not None:
        items = collection_items(schemas, schema)
        shown = f"Collection({edm_type_name(schemas, items)})" if items is not None else edm_type_name(schemas, schema)
        ElementTree.SubElement(element, "ReturnType", Type=shown)
