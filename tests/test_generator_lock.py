"""The spec lock finds the pinned document in its sources and refuses a different one."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from threecx_xapi import _pinned

from generator.document import DocumentError, count_operations, parse_document, sha256_of
from generator.drift import compare_trees
from generator.lock import LockError, SpecLock

DOCUMENT = b"openapi: 3.0.4\ninfo: {title: XAPI, version: 1.0.0}\npaths:\n  /Users:\n    get: {operationId: ListUser}\n"


def _lock(tmp_path: Path, **changes: object) -> SpecLock:
    lock = SpecLock(
        xapi_version="20.0.10",
        file="xapi.yaml",
        sha256=sha256_of(DOCUMENT),
        operations=1,
        sources=["$XAPI_SPEC", str(tmp_path / "specs" / "{file}")],
    )
    return replace(lock, **changes)  # type: ignore[arg-type]


def test_the_first_source_that_exists_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XAPI_SPEC", raising=False)
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "xapi.yaml").write_bytes(DOCUMENT)
    data, source = _lock(tmp_path).fetch()
    assert data == DOCUMENT and source.endswith("specs/xapi.yaml")

    override = tmp_path / "mine.yaml"
    override.write_bytes(DOCUMENT)
    monkeypatch.setenv("XAPI_SPEC", str(override))
    assert _lock(tmp_path).fetch()[1] == str(override)


def test_a_wrong_sha256_is_a_clear_error_never_a_silent_regeneration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    changed = tmp_path / "changed.yaml"
    changed.write_bytes(DOCUMENT + b"# changed\n")
    monkeypatch.setenv("XAPI_SPEC", str(changed))
    with pytest.raises(LockError, match="sha256 .* the lock pins .*make pull FROM="):
        _lock(tmp_path).fetch()


def test_nothing_found_names_every_source_tried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XAPI_SPEC", raising=False)
    with pytest.raises(LockError, match="xapi.yaml was not found; tried: .*specs/xapi.yaml"):
        _lock(tmp_path).fetch()


def test_the_project_lock_pins_a_document_found_beside_the_project() -> None:
    lock = SpecLock.read()
    data, source = lock.fetch()
    assert sha256_of(data) == lock.sha256
    assert lock.operations == count_operations(parse_document(data, source=source))
    # The generated package states the same pin (after `make pull` and `make generate`, whatever the version).
    assert (_pinned.XAPI_VERSION, _pinned.SPEC_SHA256, _pinned.OPERATION_COUNT) == (
        lock.xapi_version,
        lock.sha256,
        lock.operations,
    )


def test_not_an_openapi_document_is_refused() -> None:
    with pytest.raises(DocumentError, match="not an OpenAPI 3 document"):
        parse_document(b"swagger: '2.0'\npaths: {}\n", source="old.yaml")
    with pytest.raises(DocumentError, match="without paths"):
        parse_document(b"openapi: 3.0.1\npaths: {}\n", source="empty.yaml")


def test_drift_lists_every_difference(tmp_path: Path) -> None:
    committed, fresh = tmp_path / "committed", tmp_path / "fresh"
    for root in (committed, fresh):
        (root / "api").mkdir(parents=True)
        (root / "api" / "same.py").write_text("x = 1\n")
    assert compare_trees(committed, fresh) == []

    (committed / "api" / "same.py").write_text("x = 2\n")
    (committed / "edited_by_hand.py").write_text("")
    (fresh / "new.py").write_text("")
    assert compare_trees(committed, fresh) == [
        "only in the committed tree: edited_by_hand.py",
        "missing from the committed tree: new.py",
        "differs: api/same.py",
    ]
