"""`python -m generator pull --from SOURCE`: fetch an XAPI document and pin it in the lock."""

from __future__ import annotations

import datetime
from dataclasses import replace
from pathlib import Path

import httpx

from .document import count_operations, parse_document, read_source, sha256_of, version_from_manifest
from .lock import LOCK_PATH, REPO_ROOT, SpecLock
from .versions import TABLE_PATH, add_document, published_date, read_table, write_table

CACHE = REPO_ROOT / "spec" / "cache"


def run(
    source: str, *, xapi_version: str | None = None, lock_path: Path = LOCK_PATH, table_path: Path | None = None
) -> int:
    """Fetch, check, cache under spec/cache/ (not committed), rewrite the lock and add the document to the
    versions table beside the lock (spec/xapi-versions.json)."""
    if "://" in source:
        source = _document_url(source)
    data, headers = read_source(source)
    document = parse_document(data, source=source)
    sha256 = sha256_of(data)
    server_version = headers.get("X-3CX-Version") if headers is not None else None
    version = xapi_version or (None if "://" in source else version_from_manifest(Path(source), sha256))
    if version is None and server_version:
        version = ".".join(server_version.split(".")[:3])  # 20.0.10.1621 -> 20.0.10
    if version is None:
        raise ValueError(f"cannot tell the 3CX version of {source}: pass --xapi-version")
    file_name = f"xapi-{version}-{sha256[:12]}.yaml" if "://" in source else Path(source).name
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / file_name).write_bytes(data)
    old = SpecLock.read(lock_path)
    new = replace(
        old,
        xapi_version=version,
        file=file_name,
        sha256=sha256,
        operations=count_operations(document),
        pulled_from=_shown(source) + (f" (X-3CX-Version {server_version})" if server_version else ""),
        published_commit=old.published_commit if sha256 == old.sha256 else None,
    )
    new.write(lock_path)
    _add_to_version_table(data, source, version, table_path or lock_path.with_name(TABLE_PATH.name))
    print(f"pinned {file_name}: XAPI {version}, {new.operations} operations, sha256 {sha256}")
    return 0


def _document_url(source: str) -> str:
    """A bare PBX address (`https://pbx`, `https://pbx/xapi/v1`) becomes its swagger.yaml URL."""
    url = httpx.URL(source)
    if url.path.endswith((".yaml", ".yml", ".json")):
        return source
    return str(url.copy_with(path=url.path.rstrip("/").removesuffix("/xapi/v1") + "/xapi/v1/swagger.yaml"))


def _shown(source: str) -> str:
    """The source as the lock records it: a URL without user, password or query, which may hold credentials."""
    if "://" not in source:
        return source
    url = httpx.URL(source)
    return str(url.copy_with(userinfo=b"", query=None, fragment=None))


def _add_to_version_table(data: bytes, source: str, version: str, table_path: Path) -> None:
    """The versions table keeps every pulled document, so regenerating never needs it again."""
    published = None if "://" in source else published_date(Path(source), data)
    # A document from a PBX has no publication date: the day it was pulled stands in.
    date = published or datetime.datetime.now(datetime.UTC).date().isoformat()
    table, _entry = add_document(read_table(table_path), data, source=source, xapi_version=version, date=date)
    write_table(table, table_path)
