"""`python -m generator docs`: docs/operations.md, the reference of every operation, from the registry.

Read from the generated package's `operations.json`, so the page names exactly the generated modules and
Python parameter names. Grouped by tag (alphabetical), operations in document order; the same registry
always gives the same bytes, and a test fails when the committed page is not what this writes.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
from pathlib import Path
from typing import Any

from .build import DEFAULT_OUTPUT, PACKAGE
from .lock import REPO_ROOT

DEFAULT_REGISTRY = DEFAULT_OUTPUT / PACKAGE / "api" / "operations.json"
DEFAULT_PAGE = REPO_ROOT / "docs" / "operations.md"
# The OData system query options, explained once at the top instead of in every operation's table.
QUERY_OPTIONS = {
    "$top": ("top", "Show only the first n items"),
    "$skip": ("skip", "Skip the first n items"),
    "$search": ("search", "Search items by search phrases"),
    "$filter": ("filter_", "Filter items by property values"),
    "$count": ("count", "Include count of items"),
    "$select": ("select", "Select properties to be returned"),
    "$orderby": ("orderby", "Order items by property values"),
    "$expand": ("expand", "Expand related entities"),
}


def anchor(title: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|") or " "


def _is_query_option(parameter: dict[str, Any]) -> bool:
    known = QUERY_OPTIONS.get(parameter["name"])
    return known is not None and (parameter["python_name"], parameter["description"]) == known


def _schema_name(schema: dict[str, Any] | None) -> str | None:
    """`Pbx.User` for `{"$ref": ".../Pbx.User"}`, also when wrapped as the one item of an `allOf`."""
    schema = schema or {}
    parts = schema.get("allOf") or []
    if "$ref" not in schema and len(parts) == 1 and isinstance(parts[0], dict):
        schema = parts[0]
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def body_required(operation: dict[str, Any]) -> bool:
    """Whether the generated function must be given `body`: the document's flag, or the signature when it
    asks for a body the document calls optional (a body declared without a schema)."""
    body = operation["request_body"]
    if body is None:
        return False
    if body["required"]:
        return True
    parameter = inspect.signature(importlib.import_module(operation["module"]).sync).parameters["body"]
    return parameter.default is inspect.Parameter.empty


def python_call(operation: dict[str, Any]) -> str:
    """`threecx_xapi.api.<tag>.<module>.sync(<required>=..., client=client)`."""
    arguments = [f"{p['python_name']}=..." for p in operation["parameters"] if p["required"]]
    if body_required(operation):
        arguments.append(f"body={operation['request_body']['model']}(...)")
    arguments.append("client=client")
    return f"{operation['module']}.sync({', '.join(arguments)})"


def cli_call(operation: dict[str, Any]) -> str:
    words = ["threecx-xapi call", operation["operation_id"]]
    words += [f"--param {p['name']}=..." for p in operation["parameters"] if p["required"]]
    if body_required(operation):
        words.append("--body @body.json")
    return " ".join(words)


def _parameter_rows(parameters: list[dict[str, Any]]) -> list[str]:
    rows = ["| Parameter | Python | In | Type | Required | Meaning |", "|---|---|---|---|---|---|"]
    for p in parameters:
        kind = p["edm_type"] + (", may be null" if p["nullable"] else "")
        required = "yes" if p["required"] else "no"
        rows.append(
            f"| `{p['name']}` | `{p['python_name']}` | {p['in']} | {kind} | {required} | {_cell(p['description'])} |"
        )
    return rows


def _operation_section(operation: dict[str, Any]) -> list[str]:
    lines = [f"### {operation['operation_id']}", "", f"`{operation['method']} {operation['path']}`", ""]
    if operation["summary"]:
        lines += [_cell(operation["summary"]) + ".", ""]
    if operation["description"]:
        lines += [operation["description"].strip(), ""]
    lines += ["```python", python_call(operation), "```", "", "```sh", cli_call(operation), "```", ""]
    own = [p for p in operation["parameters"] if not _is_query_option(p)]
    options = [p["name"] for p in operation["parameters"] if _is_query_option(p)]
    if own:
        lines += [*_parameter_rows(own), ""]
    if options:
        lines += ["OData options: " + ", ".join(f"`{name}`" for name in options) + ".", ""]
    body = operation["request_body"]
    if body is not None:
        schema = _schema_name(body["schema"])
        source = f" (document schema `{schema}`)" if schema else ""
        required = "required" if body_required(operation) else "optional"
        lines += [f"Body ({required}, {body['content_type']}): `threecx_xapi.models.{body['model']}`{source}.", ""]
    response = operation["response"]
    if response["model"]:
        lines += [f"Returns ({response['status']}): `threecx_xapi.models.{response['model']}`.", ""]
    elif response["schema"]:
        schema = _schema_name(response["schema"])
        lines += [f"Returns ({response['status']}): JSON" + (f" (document schema `{schema}`)." if schema else "."), ""]
    else:
        lines += [f"Returns ({response['status']}): nothing.", ""]
    return lines


def render(registry: dict[str, Any]) -> str:
    """The whole page for a registry (the parsed `operations.json`)."""
    operations: list[dict[str, Any]] = registry["operations"]
    by_tag: dict[str, list[dict[str, Any]]] = {}
    for operation in operations:
        by_tag.setdefault(operation["tag"], []).append(operation)
    tags = sorted(by_tag, key=lambda tag: (tag.casefold(), tag))
    lines = [
        "<!-- Generated by `python -m generator docs` (make docs) from api/operations.json: do not edit. -->",
        "",
        "# XAPI operations",
        "",
        f"Every operation of XAPI {registry['xapi_version']} (document sha256 {registry['spec_sha256'][:16]}): "
        f"{len(operations)} operations in {len(tags)} tags. Each has a module with `sync`, `sync_detailed`, "
        "`asyncio` and `asyncio_detailed`, and runs from the shell with `threecx-xapi call`; `...` marks a value "
        "to fill in. Parameters take their Python name in code and either name on the command line, where a "
        "parameter that may be null takes `null`. Report functions (`/Report...`) are the exception: a PBX refuses "
        "null for their string parameters and takes `''` (`--param name=` on the command line) for all, and each "
        "such parameter says so.",
        "",
        "OData options, where an operation lists them:",
        "",
        "| Option | Python | Meaning |",
        "|---|---|---|",
        *(f"| `{name}` | `{python}` | {meaning} |" for name, (python, meaning) in QUERY_OPTIONS.items()),
        "",
        "## Tags",
        "",
        *(f"- [{tag}](#{anchor(tag)}) ({len(by_tag[tag])})" for tag in tags),
        "",
    ]
    for tag in tags:
        lines += [f"## {tag}", ""]
        for operation in by_tag[tag]:
            lines += _operation_section(operation)
    return "\n".join(lines).rstrip("\n") + "\n"


def render_file(registry_path: Path = DEFAULT_REGISTRY) -> str:
    registry: dict[str, Any] = json.loads(registry_path.read_text(encoding="utf-8"))
    return render(registry)


def run(registry_path: Path = DEFAULT_REGISTRY, page: Path = DEFAULT_PAGE, *, check: bool = False) -> int:
    """Write the page (or, with `check`, fail when the committed one differs)."""
    text = render_file(registry_path)
    if check:
        current = page.read_text(encoding="utf-8") if page.exists() else ""
        if current != text:
            print(f"{page} is out of date: run make docs")
            return 1
        print(f"{page} is up to date")
        return 0
    page.write_text(text, encoding="utf-8")
    print(f"wrote {page} ({len(text.splitlines())} lines)")
    return 0
