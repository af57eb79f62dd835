"""`python -m generator diff` and `changes`: what an upgrade adds, removes and breaks, for people and tools."""

from __future__ import annotations

import copy
import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.__main__ import main
from generator.diff import DocumentDiff, compare, render_json
from generator.document import load_document
from generator.lock import SpecLock

REPO = Path(__file__).resolve().parents[1]
SPECS = REPO.parent / "shared" / "specs"
OLD_RELEASE, NEW_RELEASE = SPECS / "xapi-20.0.9-2026-01-22.yaml", SPECS / "xapi-20.0.10-2026-06-11.yaml"
needs_specs = pytest.mark.skipif(
    not (SPECS / "MANIFEST.json").is_file(), reason="../shared/specs is not beside the project"
)
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def _operations(document: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(operationId, METHOD, path) of every operation, read straight from the document."""
    return {
        (operation["operationId"], method.upper(), path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def _rows(operations: list[dict[str, str]]) -> set[tuple[str, str, str]]:
    return {(row["operation_id"], row["method"], row["path"]) for row in operations}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- the published 20.0.9 -> 20.0.10 upgrade ------------------------------------------------------------


@pytest.fixture(scope="module")
def published_pair() -> tuple[dict[str, Any], dict[str, Any]]:
    return load_document(OLD_RELEASE), load_document(NEW_RELEASE)


@needs_specs
@pytest.mark.slow  # two whole published documents, whichever the lock pins
def test_diff_of_20_0_9_to_20_0_10_lists_exactly_the_operations_added_and_removed(
    published_pair: tuple[dict[str, Any], dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = (_operations(document) for document in published_pair)
    old_ids, new_ids = {op[0] for op in old}, {op[0] for op in new}
    expected_added = {op for op in new if op[0] not in old_ids}
    expected_removed = {op for op in old if op[0] not in new_ids}
    assert len(new) - len(old) == len(expected_added) - len(expected_removed) == 601 - 590

    code, out, _err = _run(capsys, "diff", str(OLD_RELEASE), str(NEW_RELEASE), "--json")

    report = json.loads(out)
    assert code == 0
    assert (report["old_version"], report["new_version"]) == ("20.0.9", "20.0.10")
    assert _rows(report["operations_added"]) == expected_added
    assert _rows(report["operations_removed"]) == expected_removed
    assert report["operations_added"] == sorted(report["operations_added"], key=lambda row: row["operation_id"])


@needs_specs
@pytest.mark.slow  # two whole published documents, whichever the lock pins
def test_markdown_tables_hold_the_same_operations(
    published_pair: tuple[dict[str, Any], dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = (_operations(document) for document in published_pair)
    old_ids, new_ids = {op[0] for op in old}, {op[0] for op in new}

    code, out, _err = _run(capsys, "diff", str(OLD_RELEASE), str(NEW_RELEASE))

    sections = {heading: body for heading, body in (part.split("\n", 1) for part in out.split("\n## ")[1:])}
    added = {line.split("`")[1] for line in sections["Operations added"].splitlines() if line.startswith("| `")}
    removed = {
        line.split("`")[1] for line in sections["Operations removed (breaking)"].splitlines() if line.startswith("| `")
    }
    assert code == 0
    assert out.startswith("# XAPI 20.0.9 -> 20.0.10\n")
    assert added == new_ids - old_ids
    assert removed == old_ids - new_ids


@needs_specs
@pytest.mark.slow  # two whole published documents, whichever the lock pins
def test_fail_on_breaking_names_the_removed_operations_of_20_0_10(
    published_pair: tuple[dict[str, Any], dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    removed = {op[0] for op in _operations(published_pair[0])} - {op[0] for op in _operations(published_pair[1])}

    code, _out, err = _run(capsys, "diff", str(OLD_RELEASE), str(NEW_RELEASE), "--fail-on-breaking")

    assert code == 1
    assert removed
    for operation_id in removed:
        assert f"operation {operation_id} removed" in err


# --- a synthetic pair of small documents ---------------------------------------------------------------


def _document(paths: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.0.1",
        "info": {"title": "XAPI", "version": "1.0.0"},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "parameters": {"top": {"name": "$top", "in": "query", "schema": {"type": "integer", "format": "int64"}}},
        },
    }


def _operation(operation_id: str, *parameters: dict[str, Any], body: str | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "parameters": list(parameters),
        "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pbx.Thing"}}}}},
    }
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}},
        }
    return operation


def _parameter(name: str, schema: dict[str, Any], *, required: bool = False, where: str = "query") -> dict[str, Any]:
    return {"name": name, "in": where, "required": required, "schema": schema}


OLD = _document(
    {
        "/Things({Id})": {
            "get": _operation(
                "GetThing",
                _parameter("Id", {"type": "integer", "format": "int32"}, required=True, where="path"),
                _parameter("$expand", {"type": "string"}),
                {"$ref": "#/components/parameters/top"},
            ),
            "patch": _operation("UpdateThing", body="Pbx.Thing"),
        },
        "/Things": {"get": _operation("ListThings")},
        "/Gone": {"post": _operation("RetiredAction")},
    },
    {
        "Pbx.Base": {"type": "object", "properties": {"Id": {"type": "integer", "format": "int32"}}},
        "Pbx.Thing": {
            "allOf": [
                {"$ref": "#/components/schemas/Pbx.Base"},
                {
                    "type": "object",
                    "properties": {
                        "Name": {"type": "string", "nullable": True},
                        "Count": {"type": "number", "format": "double", "nullable": True},
                        "Size": {"type": "integer", "format": "int32", "nullable": True},
                        "Legacy": {"type": "boolean", "nullable": True},
                        "Number": {"type": "string", "nullable": True},
                        "Colour": {"allOf": [{"$ref": "#/components/schemas/Pbx.Colour"}], "nullable": True},
                    },
                },
            ]
        },
        "Pbx.Colour": {"type": "string", "enum": ["Red", "Green", "No"]},
        "Pbx.Unused": {"type": "object", "properties": {}},
    },
)


def _newer(old: dict[str, Any]) -> dict[str, Any]:
    """OLD as a later release changes it: one thing of every kind the diff reports."""
    new = copy.deepcopy(old)
    del new["paths"]["/Gone"]
    thing = new["paths"]["/Things({Id})"]["get"]
    thing["parameters"][0]["schema"] = {"type": "string"}  # Id retyped
    thing["parameters"][1]["schema"] = {"type": "string", "nullable": True}  # $expand now nullable
    thing["parameters"].append(_parameter("since", {"type": "string", "format": "date-time"}, required=True))
    thing["parameters"].append(_parameter("$select", {"type": "string"}))
    new["paths"]["/Things"]["post"] = _operation("CreateThing", body="Pbx.Thing")
    schemas = new["components"]["schemas"]
    schemas["Pbx.Base"]["properties"]["Number"] = {"type": "string", "nullable": True}  # moved into the base
    own = schemas["Pbx.Thing"]["allOf"][1]["properties"]
    del own["Number"], own["Legacy"]
    own["Count"] = {"type": "string", "nullable": True}
    own["Size"] = {"type": "integer", "format": "int64", "nullable": True}  # a Python int either way
    own["Label"] = {"type": "string", "nullable": True}
    schemas["Pbx.Colour"]["enum"] = ["Green", "No", "Blue"]
    del schemas["Pbx.Unused"]
    schemas["Pbx.Added"] = {"type": "object", "properties": {}}
    return new


NEW = _newer(OLD)


def test_operations_added_and_removed_by_operation_id() -> None:
    diff = compare(OLD, NEW)

    assert [(op.operation_id, op.method, op.path) for op in diff.operations_added] == [
        ("CreateThing", "POST", "/Things")
    ]
    assert [(op.operation_id, op.method, op.path) for op in diff.operations_removed] == [
        ("RetiredAction", "POST", "/Gone")
    ]


def test_parameters_retyped_added_and_required() -> None:
    (change,) = compare(OLD, NEW).operations_changed

    retyped = {(r.old.name, r.old.type, r.new.type) for r in change.parameters_retyped}
    assert change.operation.operation_id == "GetThing"
    assert retyped == {("Id", "integer(int32)", "string"), ("$expand", "string", "string | null")}
    assert {(p.name, p.location, p.type, p.required) for p in change.parameters_added} == {
        ("since", "query", "string(date-time)", True),
        ("$select", "query", "string", False),
    }
    assert change.parameters_removed == ()


def test_shared_parameter_refs_are_resolved_before_comparing() -> None:
    new = copy.deepcopy(OLD)
    new["components"]["parameters"]["top"]["schema"] = {"type": "string"}

    (change,) = compare(OLD, new).operations_changed

    assert [(r.old.name, r.old.type, r.new.type) for r in change.parameters_retyped] == [
        ("$top", "integer(int64)", "string")
    ]


def test_fields_added_removed_and_retyped_with_inherited_fields_followed() -> None:
    changes = {schema.name: schema for schema in compare(OLD, NEW).schemas_changed}

    thing = changes["Pbx.Thing"]
    assert [field.name for field in thing.fields_added] == ["Label"]
    assert [field.name for field in thing.fields_removed] == ["Legacy"]  # Number moved into Pbx.Base: still there
    assert {(r.old.name, r.old.type, r.new.type, r.breaking) for r in thing.fields_retyped} == {
        ("Count", "number(double) | null", "string | null", True),
        ("Size", "integer(int32) | null", "integer(int64) | null", False),
    }
    assert [field.name for field in changes["Pbx.Base"].fields_added] == ["Number"]


def test_enum_members_added_and_removed() -> None:
    colour = next(schema for schema in compare(OLD, NEW).schemas_changed if schema.name == "Pbx.Colour")

    assert (colour.enum_added, colour.enum_removed) == (("Blue",), ("Red",))


def test_schemas_added_and_removed() -> None:
    diff = compare(OLD, NEW)

    assert (diff.schemas_added, diff.schemas_removed) == (("Pbx.Added",), ("Pbx.Unused",))


def test_breaking_changes_are_exactly_the_removals_and_retypes_a_caller_may_use() -> None:
    assert set(compare(OLD, NEW).breaking_changes()) == {
        "operation RetiredAction removed (POST /Gone)",
        "operation GetThing: new required parameter since (query)",
        "operation GetThing: parameter $expand (query) string -> string | null",
        "operation GetThing: parameter Id (path) integer(int32), required -> string, required",
        "schema Pbx.Unused removed",
        "schema Pbx.Thing: field Legacy removed",
        "schema Pbx.Thing: field Count number(double) | null -> string | null",
        "schema Pbx.Colour: enum member Red removed",
    }


def test_request_body_becoming_optional_is_listed_but_not_breaking() -> None:
    new = copy.deepcopy(OLD)
    new["paths"]["/Things({Id})"]["patch"]["requestBody"]["required"] = False

    diff = compare(OLD, new)

    (change,) = diff.operations_changed
    assert change.request_body is not None
    assert (change.request_body.old, change.request_body.new) == ("Pbx.Thing", "Pbx.Thing (optional)")
    assert diff.breaking_changes() == ()


def test_inline_action_body_is_compared_field_by_field() -> None:
    def with_action(properties: dict[str, Any]) -> dict[str, Any]:
        document = copy.deepcopy(OLD)
        body = {"type": "object", "properties": properties}
        document["paths"]["/Things/Pbx.Test"] = {
            "post": {
                "operationId": "Test",
                "requestBody": {"content": {"application/json": {"schema": body}}},
                "responses": {"204": {"description": "Success"}},
            }
        }
        return document

    diff = compare(with_action({"number": {"type": "string"}}), with_action({"query": {"type": "string"}}))

    (change,) = diff.operations_changed
    assert change.request_body is None
    assert change.request_body_fields is not None
    assert [field.name for field in change.request_body_fields.fields_added] == ["query"]
    assert diff.breaking_changes() == ("operation Test: request body: field number removed",)


def test_an_unchanged_document_has_an_empty_diff() -> None:
    diff = compare(OLD, copy.deepcopy(OLD))

    assert diff == DocumentDiff(old_version="1.0.0", new_version="1.0.0")
    assert diff.breaking_changes() == ()


# --- the command line ----------------------------------------------------------------------------------


@pytest.fixture
def document_files(tmp_path: Path) -> tuple[Path, Path]:
    """OLD as YAML (so the enum member `No` goes through the YAML 1.2 reader) and NEW as JSON."""
    old, new = tmp_path / "old.yaml", tmp_path / "new.json"
    old.write_text(yaml.safe_dump(OLD, sort_keys=False).replace("'No'", "No"), encoding="utf-8")
    new.write_text(json.dumps(NEW), encoding="utf-8")
    return old, new


def test_yaml_document_keeps_the_enum_member_no_as_a_string(
    document_files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old_yaml, _new = document_files
    old_json = tmp_path / "old.json"
    old_json.write_text(json.dumps(OLD), encoding="utf-8")
    assert "- No\n" in old_yaml.read_text(encoding="utf-8")

    code, out, _err = _run(capsys, "diff", str(old_yaml), str(old_json), "--json")

    assert code == 0
    assert json.loads(out)["schemas_changed"] == []


def test_fail_on_breaking_exits_1_and_prints_what(
    document_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = document_files

    code, out, err = _run(capsys, "diff", str(old), str(new), "--fail-on-breaking")

    assert code == 1
    assert out.startswith("# XAPI old.yaml -> new.json\n")
    assert err.splitlines()[0] == "8 breaking changes:"
    assert "  schema Pbx.Colour: enum member Red removed" in err.splitlines()


def test_without_fail_on_breaking_a_breaking_diff_exits_0(
    document_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = document_files

    code, _out, err = _run(capsys, "diff", str(old), str(new))

    assert (code, err) == (0, "")


def test_fail_on_breaking_exits_0_when_a_release_only_adds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    added_only = copy.deepcopy(OLD)
    added_only["paths"]["/Things"]["post"] = _operation("CreateThing", body="Pbx.Thing")
    added_only["components"]["schemas"]["Pbx.Colour"]["enum"].append("Blue")
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(OLD), encoding="utf-8")
    new.write_text(json.dumps(added_only), encoding="utf-8")

    code, out, err = _run(capsys, "diff", str(old), str(new), "--fail-on-breaking")

    assert (code, err) == (0, "")
    assert "| `CreateThing` | POST | `/Things` |" in out
    assert "enum members added: `Blue`" in out


def test_json_output_parses_has_sorted_keys_and_round_trips(
    document_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = document_files

    code, out, _err = _run(capsys, "diff", str(old), str(new), "--json")

    data = json.loads(out)
    restored = DocumentDiff.from_dict(data)
    assert code == 0
    assert restored == compare(OLD, NEW, old_version="old.yaml", new_version="new.json")
    assert render_json(restored) == out
    assert list(data) == sorted(data)
    assert data["breaking"] == list(restored.breaking_changes())


@pytest.fixture
def served_folder(tmp_path: Path) -> Iterator[str]:
    """tmp_path over HTTP on 127.0.0.1."""
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class names it so
        pass


def test_documents_can_be_read_from_urls(
    document_files: tuple[Path, Path], served_folder: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = _run(capsys, "diff", f"{served_folder}/old.yaml", f"{served_folder}/new.json", "--json")

    assert code == 0
    assert [row["operation_id"] for row in json.loads(out)["operations_removed"]] == ["RetiredAction"]


def test_a_missing_document_is_an_error_not_a_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "diff", str(tmp_path / "absent.yaml"), str(tmp_path / "absent.yaml"))

    assert (code, out) == (2, "")
    assert err.startswith("error: ")


# --- docs/xapi-changes.md ------------------------------------------------------------------------------


@needs_specs
@pytest.mark.slow  # compares eleven documents; `make drift` checks the same page
def test_changes_document_is_up_to_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "xapi-changes.md"

    code, _out, _err = _run(capsys, "changes", "--output", str(output))

    assert code == 0
    assert output.read_text(encoding="utf-8") == (REPO / "docs" / "xapi-changes.md").read_text(encoding="utf-8"), (
        "docs/xapi-changes.md is out of date: run 'python -m generator changes'"
    )


@needs_specs
def test_changes_document_lists_every_release_oldest_first() -> None:
    manifest = json.loads((SPECS / "MANIFEST.json").read_text(encoding="utf-8"))
    expected = [f"{entry['api_version']} ({entry['published']})" for entry in manifest]
    expected.sort(key=lambda label: label.split(" ")[1])
    text = (REPO / "docs" / "xapi-changes.md").read_text(encoding="utf-8")

    table = [line.split(" | ")[0].removeprefix("| ") for line in text.splitlines() if line.startswith("| 20.")]
    sections = [
        line.removeprefix("## XAPI ").split(" -> ")[1] for line in text.splitlines() if line.startswith("## XAPI")
    ]
    assert table == expected
    assert sections == expected[1:]


@needs_specs
def test_pinned_names_the_document_the_lock_pins(capsys: pytest.CaptureFixture[str]) -> None:
    lock = SpecLock.read()
    _data, pinned_path = lock.fetch()
    code, out, _err = _run(capsys, "diff", "pinned", str(OLD_RELEASE), "--json")
    _code, by_path, _err = _run(capsys, "diff", pinned_path, str(OLD_RELEASE), "--json")
    report = json.loads(out)
    assert code == 0 and report["old_version"] == lock.xapi_version
    assert json.loads(by_path)["old_version"] in (lock.xapi_version, Path(pinned_path).name)
    assert report["operations_removed"] == json.loads(by_path)["operations_removed"]
