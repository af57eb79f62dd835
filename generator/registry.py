"""The operation registry: every operation of the document with its OData parameter types.

Built from the transformed document and openapi-python-client's own parse of it, so the Python names
are exactly the generated ones. Written to `threecx_xapi/api/operations.json`; the templates read the same
entries to encode each parameter (see docs/architecture.md for the format).
"""

from __future__ import annotations

from typing import Any

from openapi_python_client import strings
from openapi_python_client.parser import GeneratorData
from openapi_python_client.parser.openapi import Endpoint
from threecx_xapi.model_support import is_secret_field

from .refs import resolve, success_response
from .transforms import NULLABLE_MARK, Document, iter_operations

_EDM_BY_FORMAT: dict[tuple[str, str | None], str] = {
    ("string", "date-time"): "Edm.DateTimeOffset",
    ("string", "date"): "Edm.Date",
    ("string", "uuid"): "Edm.Guid",
    ("string", "duration"): "Edm.Duration",
    ("string", "time"): "Edm.TimeOfDay",
    ("integer", "int64"): "Edm.Int64",
    ("number", "double"): "Edm.Double",
    ("number", "float"): "Edm.Double",
    ("number", "decimal"): "Edm.Decimal",
}
_EDM_BY_TYPE = {"string": "Edm.String", "integer": "Edm.Int32", "boolean": "Edm.Boolean", "number": "Edm.Decimal"}


def edm_type(schema: dict[str, Any]) -> str:
    """The OData primitive type of a parameter schema."""
    kind = schema.get("type", "string")
    if kind == "array":
        return f"Collection({edm_type(schema.get('items', {}))})"
    return _EDM_BY_FORMAT.get((kind, schema.get("format")), _EDM_BY_TYPE.get(kind, "Edm.String"))


def _text(value: object) -> str:
    """openapi-python-client wraps document strings; this is the plain text."""
    untrusted = getattr(value, "get_untrusted_value", None)
    return str(untrusted()) if untrusted is not None else str(value)


def _class_name(prop: Any) -> str | None:
    """The model class of a property; a nullable model (`allOf` + `nullable`) is a union holding it."""
    class_info = getattr(prop, "class_info", None)
    if class_info is not None:
        return str(class_info.name)
    for inner in getattr(prop, "inner_properties", ()):
        if getattr(inner, "class_info", None) is not None:
            return str(inner.class_info.name)
    return None


def _model_of(endpoint: Endpoint, status: int) -> str | None:
    for response in endpoint.responses.patterns:
        if response.status_code.range == (status, status):
            return _class_name(response.prop)
    return None


def _body_model(endpoint: Endpoint) -> str | None:
    return _class_name(endpoint.bodies[0].prop) if endpoint.bodies else None


def _success(document: Document, operation: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
    found = success_response(document, operation)
    if found is None:
        return 204, None
    status, response = found
    content = response.get("content", {})
    schema = content.get("application/json", {}).get("schema") if content else None
    return status, schema


def build_registry(document: Document, generated: GeneratorData, *, field_prefix: str) -> list[dict[str, Any]]:
    """One entry per operation, in document order."""
    endpoints: dict[str, tuple[str, Endpoint]] = {}
    for tag_module, collection in generated.endpoint_collections_by_tag.items():
        for generated_endpoint in collection.endpoints:
            endpoints[str(generated_endpoint.name)] = (str(tag_module), generated_endpoint)

    entries: list[dict[str, Any]] = []
    for path, method, operation in iter_operations(document):
        tag, endpoint = endpoints[_text(strings.PythonIdentifier(operation["operationId"], field_prefix))]
        python_names = {
            _text(parameter.name): str(parameter.python_name)
            for parameter in (*endpoint.path_parameters, *endpoint.query_parameters, *endpoint.header_parameters)
        }
        parameters = [
            {
                "name": parameter["name"],
                "python_name": python_names[parameter["name"]],
                "in": parameter["in"],
                "edm_type": edm_type(parameter.get("schema", {})),
                "nullable": bool(parameter.get(NULLABLE_MARK) or parameter.get("schema", {}).get("nullable")),
                "required": bool(parameter.get("required")),
                "description": parameter.get("description", ""),
                "schema": parameter.get("schema", {}),
            }
            for parameter in operation.get("parameters", [])
        ]
        body = operation.get("requestBody")
        request_body = None
        if body is not None:
            body = resolve(document, body)
            content_type, media = next(iter(body.get("content", {"application/json": {}}).items()))
            request_body = {
                "model": _body_model(endpoint),
                "schema": media.get("schema"),
                "required": bool(body.get("required")),
                "content_type": content_type,
            }
        status, schema = _success(document, operation)
        entries.append(
            {
                "operation_id": operation["operationId"],
                "tag": (operation.get("tags") or ["default"])[0],
                "module": f"threecx_xapi.api.{tag}.{endpoint.name}",
                "method": method.upper(),
                "path": path,
                "summary": operation.get("summary", ""),
                "description": operation.get("description", ""),
                "parameters": parameters,
                "request_body": request_body,
                "response": {"status": status, "model": _model_of(endpoint, status), "schema": schema},
            }
        )
    return entries


def _schema_of(model: Any, prop: Any) -> dict[str, Any]:
    """Enough of a property's schema to tell a secret: its format and whether it is a flag or a number."""
    declared = (model.data.properties or {}).get(prop.name)
    type_string = str(prop.get_type_string(no_optional=True).as_unembedded_code()).replace(" ", "")
    members = set(type_string.split("|")) - {"None"}
    numbers = {"bool": "boolean", "int": "integer", "float": "number"}
    kind = numbers[members.pop()] if len(members) == 1 and next(iter(members)) in numbers else "object"
    schema: dict[str, Any] = {"type": kind}
    if declared is not None and getattr(declared, "schema_format", None):
        schema["format"] = str(declared.schema_format)
    return schema


class TemplateHelpers:
    """What the endpoint templates ask of the registry, keyed by operation id."""

    def __init__(self, entries: list[dict[str, Any]]) -> None:
        self._entries = {entry["module"].rsplit(".", 1)[1]: entry for entry in entries}

    def operation(self, endpoint: Endpoint) -> dict[str, Any]:
        return self._entries[str(endpoint.name)]

    def parameter(self, endpoint: Endpoint, name: object) -> dict[str, Any]:
        entry = self.operation(endpoint)
        for parameter in entry["parameters"]:
            if parameter["name"] == _text(name):
                found: dict[str, Any] = parameter
                return found
        raise KeyError(f"{entry['operation_id']} has no parameter {_text(name)!r}")

    def docstring_line(self, endpoint: Endpoint, parameter: Any) -> str:
        """`name (type): `specName`, OData type. description` for an OData parameter; the stock line otherwise."""
        entry = self.operation(endpoint)
        odata = next((p for p in entry["parameters"] if p["name"] == _text(parameter.name)), None)
        if odata is None:
            return str(parameter.to_docstring())
        kind = parameter.get_type_string().as_unembedded_code()
        if odata["nullable"] and odata["in"] == "path":
            kind += " | None"
        description = f" {odata['description']}" if odata["description"] else ""
        return f"{parameter.python_name} ({kind}): `{odata['name']}`, OData {odata['edm_type']}.{description}"

    def secret_fields(self, model: Any) -> list[str]:
        """The Python names of a model's secret fields (a password, PIN, secret, token or key): masked in its repr."""
        return sorted(
            str(prop.python_name)
            for prop in (*model.required_properties, *model.optional_properties)
            if is_secret_field(str(_text(prop.name)), _schema_of(model, prop))
        )

    def success_responses(self, endpoint: Endpoint) -> list[Any]:
        """The endpoint's declared 2xx responses, lowest status first."""
        return sorted(
            (
                response
                for response in endpoint.responses.patterns
                if response.status_code.range is not None and 200 <= response.status_code.range[0] <= 299
            ),
            key=lambda response: response.status_code.range[0],
        )

    def is_empty(self, response: Any) -> bool:
        return str(response.source["attribute"]) == "None"

    def success_type(self, endpoint: Endpoint) -> str:
        """The return annotation of `sync()`: the success models only, never the OData error model."""
        types: list[str] = []
        for response in self.success_responses(endpoint):
            type_string = "None" if self.is_empty(response) else response.prop.get_type_string().as_unembedded_code()
            if type_string not in types:
                types.append(type_string)
        return " | ".join(types) or "None"
