"""The operation registry: every operation of the document with its OData parameter types.

Built from the transformed document and openapi-python-client's own parse of it, so the Python names
are exactly the generated ones. Written to `threecx_xapi/api/operations.json`; the templates read the same
entries to encode each parameter (see docs/architecture.md for the format).
"""

from __future__ import annotations

import json
import re
from typing import Any

from openapi_python_client import strings
from openapi_python_client.parser import GeneratorData
from openapi_python_client.parser.openapi import Endpoint
from threecx_xapi.model_support import is_secret_field

from .refs import resolve, success_response
from .transforms import NULLABLE_MARK, Document, iter_operations

# The document's type of a function result that is a file or free content, never JSON, on a real PBX.
IACTION_RESULT = "#/components/schemas/Pbx.IActionResult"
# Report downloads the document types as JSON collections; a PBX answers them with the report as a file.
REPORT_DOWNLOAD = "Download"
# The system query options every collection operation takes alike, by name: (Python name, OData type, minimum).
# threecx_xapi.endpoint holds one Param for each, named after the option (`$top` -> TOP).
SYSTEM_OPTIONS: dict[str, tuple[str, str, int | None]] = {
    "$top": ("top", "Edm.Int64", 0),
    "$skip": ("skip", "Edm.Int64", 0),
    "$search": ("search", "Edm.String", None),
    "$filter": ("filter_", "Edm.String", None),
    "$count": ("count", "Edm.Boolean", None),
    "$orderby": ("orderby", "Collection(Edm.String)", None),
    "$select": ("select", "Collection(Edm.String)", None),
    "$expand": ("expand", "Collection(Edm.String)", None),
}
RUNTIME_NAMES = {"Endpoint", "Param", "FILE", "NO_CONTENT", "model", "nullable_model", "or_file", "value"} | {
    name[1:].upper() for name in SYSTEM_OPTIONS
}

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


def path_keys(path: str) -> set[str]:
    """The path parameters that are entity keys (`/Users({Id})`, `/Users(Number={Number})`), not function
    parameters (a segment whose name holds a namespace dot: `/Pbx.GetCallLogData(periodFrom={periodFrom})`)."""
    keys: set[str] = set()
    for segment in path.split("/"):
        name, _, arguments = segment.partition("(")
        if "." not in name:
            keys.update(re.findall(r"\{([^}]+)\}", arguments))
    return keys


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
        keys = path_keys(path)
        parameters = [
            {
                "name": parameter["name"],
                "python_name": python_names[parameter["name"]],
                "in": parameter["in"],
                "key": parameter["in"] == "path" and parameter["name"] in keys,
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

    def _success(self, endpoint: Endpoint) -> Any | None:
        """The response of the registry's success status; None when it has no body."""
        status = self.operation(endpoint)["response"]["status"]
        for response in self.success_responses(endpoint):
            if response.status_code.range[0] == status:
                return None if str(response.source["attribute"]) == "None" else response
        return None

    def _returns(self, endpoint: Endpoint) -> tuple[str, str]:
        """(the runtime's Result expression, the return annotation) of the success response."""
        response = self._success(endpoint)
        if response is None:
            return "NO_CONTENT", "None"
        prop = response.prop
        if IACTION_RESULT in json.dumps(self.operation(endpoint)["response"]["schema"]):
            return "FILE", "File"
        if prop.template == "enum_property.py.jinja":
            name = prop.class_info.name
            return f"value({name})", str(name)
        if prop.template == "model_property.py.jinja":
            name = prop.class_info.name
            if self.operation(endpoint)["operation_id"].startswith(REPORT_DOWNLOAD):
                return f"or_file(model({name}))", f"{name} | File"
            return f"model({name})", str(name)
        name = _class_name(prop)
        if prop.template == "union_property.py.jinja" and name is not None:
            return f"nullable_model({name})", f"{name} | None"
        raise ValueError(f"{endpoint.name}: no result reader for a {prop.template} response")

    def result(self, endpoint: Endpoint) -> str:
        return self._returns(endpoint)[0]

    def return_type(self, endpoint: Endpoint) -> str:
        return self._returns(endpoint)[1]

    def result_description(self, endpoint: Endpoint) -> str:
        result, annotation = self._returns(endpoint)
        return "a file" if annotation == "File" else "empty" if annotation == "None" else "the JSON it declares"

    def returns_line(self, endpoint: Endpoint, return_type: str) -> str:
        if return_type == "File":
            return "File: the payload, with file_name and mime_type; `stream` writes a large file chunk by chunk."
        if return_type.endswith(" | File"):
            return f"{return_type}: a PBX answers this report as a file (CSV or XLSX), returned as a File."
        return return_type

    def description(self, endpoint: Endpoint) -> str:
        """The module's `Endpoint(...)`: operation id, method, path, success status, result and parameters."""
        entry = self.operation(endpoint)
        path = strings.in_double_quote_literal(entry["path"])
        parts = [f'"{entry["operation_id"]}"', f'"{entry["method"]}"', f'"{path}"', str(entry["response"]["status"])]
        parts.append(self.result(endpoint))
        for parameter in (*endpoint.path_parameters, *endpoint.query_parameters, *endpoint.header_parameters):
            odata = self.parameter(endpoint, parameter.name)
            where = ("key" if odata["key"] else "function") if odata["in"] == "path" else odata["in"]
            minimum = odata["schema"].get("minimum")
            preset = SYSTEM_OPTIONS.get(odata["name"])
            if preset == (str(parameter.python_name), odata["edm_type"], minimum) and where == "query":
                parts.append(odata["name"][1:].upper())
                continue
            extra = ", nullable=True" if odata["nullable"] else ""
            extra += f", minimum={minimum}" if minimum is not None and where == "query" else ""
            parts.append(
                f'Param("{parameter.python_name}", "{odata["name"]}", "{where}", "{odata["edm_type"]}"{extra})'
            )
        if endpoint.bodies:
            parts.append(f"body={endpoint.bodies[0].prop.get_type_string(no_optional=True).as_unembedded_code()}")
        return f"ENDPOINT = Endpoint({', '.join(parts)})"

    def runtime_names(self, endpoint: Endpoint) -> str:
        """What the module imports from `threecx_xapi.endpoint`: exactly the names its description uses."""
        used = set(re.findall(r"\b[A-Za-z_]+\b", self.description(endpoint).split("=", 1)[1])) & RUNTIME_NAMES
        if self.return_type(endpoint) == "File":
            used.add("Progress")  # the streaming calls' progress callback
        return ", ".join(sorted(used))

    def signature(self, endpoint: Endpoint) -> str:
        """The parameters of the public functions: keys positional; client, body and all else keyword-only."""
        keys: list[str] = []
        named = ["*", "client: XapiClient"]
        if endpoint.bodies:
            body = endpoint.bodies[0].prop
            default = "" if body.required else " = UNSET"
            named.append(f"body: {body.get_type_string().as_unembedded_code()} | dict[str, Any]{default}")
        for parameter in endpoint.path_parameters:
            odata = self.parameter(endpoint, parameter.name)
            kind = parameter.get_type_string().as_unembedded_code() + (" | None" if odata["nullable"] else "")
            (keys if odata["key"] else named).append(f"{parameter.python_name}: {kind}")
        for parameter in (*endpoint.query_parameters, *endpoint.header_parameters):
            named.append(parameter.to_string().as_unembedded_code())
        return ", ".join([*keys, *named])
