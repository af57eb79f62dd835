"""The operations-by-version table: built from every published document, kept in spec/, read at run time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from threecx_xapi import registry, versions

from generator import versions as table_builder

SPECS = Path(__file__).resolve().parents[1].parent / "shared" / "specs"
TABLE = Path(__file__).resolve().parents[1] / "spec" / "xapi-versions.json"
NEEDS_SPECS = pytest.mark.skipif(
    not (SPECS / "MANIFEST.json").is_file(), reason="../shared/specs is not beside the project"
)
PACKAGED = Path(registry.__file__).resolve().parents[2] / "generated_client" / "threecx_xapi" / "api" / "versions.json"


def test_the_packaged_table_is_the_committed_one_minified() -> None:
    committed = table_builder.read_table(TABLE)
    assert PACKAGED.read_text(encoding="utf-8") == table_builder.packaged_text(committed)
    assert len(PACKAGED.read_bytes()) < len((PACKAGED.parent / "operations.json").read_bytes()) / 5


@NEEDS_SPECS
def test_every_published_document_is_in_the_table() -> None:
    manifest = json.loads((SPECS / "MANIFEST.json").read_text(encoding="utf-8"))
    committed = table_builder.read_table(TABLE)
    assert {entry.sha256 for entry in committed.documents} == {entry["sha256"] for entry in manifest}
    for entry, operations in zip(committed.documents, committed.operations, strict=True):
        published = next(item for item in manifest if item["sha256"] == entry.sha256)
        assert len(operations) == published["operations"]


@NEEDS_SPECS
@pytest.mark.slow  # reads whole published documents, whichever the lock pins
def test_documents_added_in_any_order_encode_to_the_same_table() -> None:
    older, newer = SPECS / "xapi-20.0.4-2024-10-18.yaml", SPECS / "xapi-20.0.9-2026-01-22.yaml"
    one = two = table_builder.VersionTable.empty()
    for path in (older, newer):
        one, _ = table_builder.add_document(one, path.read_bytes(), source=str(path), **_described(path))
    for path in (newer, older):
        two, _ = table_builder.add_document(two, path.read_bytes(), source=str(path), **_described(path))
    assert one.encode() == two.encode()
    assert table_builder.VersionTable.decode(one.encode()) == one
    assert [entry.xapi_version for entry in one.documents] == ["20.0.4", "20.0.9"]


def _described(path: Path) -> dict[str, str]:
    version, date = table_builder.describe(path, path.read_bytes(), xapi_version=None, date=None)
    return {"xapi_version": version, "date": date}


def test_an_operation_a_version_lacks_is_refused_naming_the_versions_that_have_it() -> None:
    error = versions.problem("GetAISettings", "20.0.7.1100")
    assert isinstance(error, versions.OperationUnavailable)
    assert str(error) == "GetAISettings is not in XAPI 20.0.7 (the PBX runs 20.0.7.1100); it is in 20.0.9, 20.0.10"
    assert versions.problem("GetAISettings", "20.0.9.1300") is None
    with pytest.raises(versions.OperationUnavailable):
        versions.check("GetAISettings", "20.0.4.100")


def test_a_call_whose_parameters_differ_on_a_version_says_how() -> None:
    error = versions.problem("DownloadEventLogs", "20.0.7.1100", sent=["$top"])
    assert isinstance(error, versions.ParametersDiffer) and "20.0.7 does not take $top" in str(error)
    assert versions.problem("DownloadEventLogs", "20.0.7.1100", sent=[]) is None
    # $top is Int32 before 20.0.9 and Int64 since: one literal, so no difference.
    assert versions.problem("GetCallLogData", "20.0.7.1100", sent=["$top", "$skip"]) is None


def test_versions_outside_the_table_are_judged_by_the_nearest_document() -> None:
    assert versions.problem("GetAISettings", "20.0.12.5") is None  # newer: the newest document
    assert isinstance(versions.problem("GetAISettings", "20.0.3.1"), versions.OperationUnavailable)  # the oldest
    assert versions.problem("GetAISettings", "not a version") is None
    assert versions.problem("GetAISettings", None) is None


def test_a_release_with_several_documents_has_what_any_of_them_has() -> None:
    # GetCallLog is only in the second 20.0.6 document and the first 20.0.7 one: a 20.0.6 PBX may have it.
    having = versions.versions_with("GetCallLog")
    assert having == ["20.0.6", "20.0.7"]
    assert versions.problem("GetCallLog", "20.0.6.1") is None
    assert "GetCallLog" not in versions.operations_in("20.0.8.1")


@NEEDS_SPECS
@pytest.mark.slow  # reads whole published documents, whichever the lock pins
def test_pulling_a_document_adds_it_to_the_table_beside_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator import pull

    monkeypatch.setattr(pull, "CACHE", tmp_path / "cache")
    lock = tmp_path / "xapi.lock.json"
    lock.write_text((TABLE.parent / "xapi.lock.json").read_text(encoding="utf-8"), encoding="utf-8")
    table_path = tmp_path / "xapi-versions.json"
    table_builder.write_table(table_builder.read_table(TABLE), table_path)
    assert pull.run(str(SPECS / "xapi-20.0.9-2026-01-22.yaml"), lock_path=lock, allow_downgrade=True) == 0
    assert table_builder.read_table(table_path) == table_builder.read_table(TABLE)  # already there: unchanged
    table_path.unlink()
    assert pull.run(str(SPECS / "xapi-20.0.8-2025-09-01.yaml"), lock_path=lock, allow_downgrade=True) == 0
    added = table_builder.read_table(table_path)
    assert [(entry.xapi_version, entry.date) for entry in added.documents] == [("20.0.8", "2025-09-01")]
    assert len(added.operations[0]) == 571
