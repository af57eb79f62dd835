"""`python -m generator pull --from SOURCE`: fetch an XAPI document and pin it in the lock.

Every failure is one line (the source without credentials, what failed, what to do). A document older than
the pinned one is a downgrade and is refused unless asked for (`--allow-downgrade`).
"""

from __future__ import annotations

import datetime
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from .document import (
    count_operations,
    manifest_entry,
    parse_document,
    read_source,
    sha256_of,
    shown,
    version_key,
    xapi_version_of,
)
from .lock import LOCK_PATH, REPO_ROOT, SpecLock
from .versions import TABLE_PATH, add_document, published_date, read_table, write_table

CACHE = REPO_ROOT / "spec" / "cache"
PUBLISHED_SOURCE = "github.com/3cx/xapi-tutorial swagger.yaml"


class DowngradeRefused(ValueError):
    """The document is an older 3CX version than the pinned one, and no downgrade was asked for."""


def run(
    source: str,
    *,
    xapi_version: str | None = None,
    allow_downgrade: bool = False,
    lock_path: Path | None = None,
    table_path: Path | None = None,
) -> int:
    """Fetch, check, cache under spec/cache/ (not committed), rewrite the lock (by default the project's) and add
    the document to the versions table beside the lock (spec/xapi-versions.json)."""
    lock_path = lock_path or LOCK_PATH
    if not source:
        raise ValueError("nothing to pull: give a PBX URL or a path (make pull FROM=https://pbx.example.com)")
    is_url = "://" in source
    if is_url:
        source = _document_url(source)
    data, headers = read_source(source)
    document = parse_document(data, source=source)
    sha256 = sha256_of(data)
    server_version = headers.get("X-3CX-Version") if headers is not None else None
    path = None if is_url else Path(source)
    version = xapi_version or xapi_version_of(document, sha256=sha256, path=path, server_version=server_version)
    if version is None:
        raise ValueError(
            f"cannot tell the 3CX version of {shown(source)}: give it with --xapi-version 20.0.x "
            "(make pull FROM=... XAPI_VERSION=20.0.x)"
        )
    old = SpecLock.read(lock_path)
    if version_key(version) < version_key(old.xapi_version) and not allow_downgrade:
        raise DowngradeRefused(
            f"{shown(source)} is XAPI {version}, older than the pinned XAPI {old.xapi_version} ({old.file}): "
            "a downgrade; pass --allow-downgrade (make pull FROM=... ALLOW_DOWNGRADE=1) to pin it"
        )
    file_name = f"xapi-{version}-{sha256[:12]}.yaml" if path is None else path.name
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / file_name).write_bytes(data)
    published = manifest_entry(path, sha256) if path is not None else None
    new = replace(
        old,
        xapi_version=version,
        file=file_name,
        sha256=sha256,
        operations=count_operations(document),
        pulled_from=shown(source) + (f" (X-3CX-Version {server_version})" if server_version else ""),
        published_commit=_published_commit(old, sha256, published),
    )
    new.write(lock_path)
    _add_to_version_table(data, source, version, table_path or lock_path.with_name(TABLE_PATH.name))
    print(f"pinned {file_name}: XAPI {version}, {new.operations} operations, sha256 {sha256}")
    return 0


def _published_commit(old: SpecLock, sha256: str, published: dict[str, Any] | None) -> str | None:
    """The xapi-tutorial commit that published this document, so a clean clone can fetch it from there."""
    if sha256 == old.sha256:
        return old.published_commit
    if published and published.get("source") == PUBLISHED_SOURCE and published.get("source_commit"):
        return str(published["source_commit"])
    return None


def _document_url(source: str) -> str:
    """A bare PBX address (`https://pbx`, `https://pbx/xapi/v1`) becomes its swagger.yaml URL."""
    try:
        url = httpx.URL(source)
    except httpx.InvalidURL as exc:
        raise ValueError(f"{shown(source)}: not a valid URL ({exc}); give https://pbx.example.com") from None
    if url.path.endswith((".yaml", ".yml", ".json")):
        return source
    return str(url.copy_with(path=url.path.rstrip("/").removesuffix("/xapi/v1") + "/xapi/v1/swagger.yaml"))


def _add_to_version_table(data: bytes, source: str, version: str, table_path: Path) -> None:
    """The versions table keeps every pulled document, so regenerating never needs it again."""
    if read_table(table_path).has(sha256_of(data)):
        return  # a document the table holds keeps its entry and its publication date
    published = None if "://" in source else published_date(Path(source), data)
    # A document from a PBX has no publication date: the day it was pulled stands in.
    date = published or datetime.datetime.now(datetime.UTC).date().isoformat()
    table, _entry = add_document(read_table(table_path), data, source=source, xapi_version=version, date=date)
    write_table(table, table_path)
