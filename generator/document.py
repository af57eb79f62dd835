"""Read an XAPI OpenAPI document: YAML or JSON, from bytes, a path or a URL."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import httpx
import yaml

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Yaml12Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """YAML 1.2 booleans: 3CX enums have a member `No`, which YAML 1.1 reads as `false`."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.copy().items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class DocumentError(ValueError):
    """The bytes are not an OpenAPI 3 document with paths."""


def parse_document(data: bytes, *, source: str) -> dict[str, Any]:
    """Parse YAML or JSON bytes and check they are an OpenAPI 3 document with paths."""
    try:
        document = json.loads(data) if data.lstrip()[:1] == b"{" else yaml.load(data, Loader=Yaml12Loader)
    except (ValueError, yaml.YAMLError) as exc:
        raise DocumentError(f"{source}: not YAML or JSON ({exc.__class__.__name__})") from exc
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3."):
        raise DocumentError(f"{source}: not an OpenAPI 3 document (no 'openapi: 3.x' field)")
    if not isinstance(document.get("paths"), dict) or not document["paths"]:
        raise DocumentError(f"{source}: an OpenAPI document without paths")
    return document


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_source(source: str, *, timeout: float = 30.0) -> tuple[bytes, httpx.Headers | None]:
    """The raw bytes of a path or an http(s) URL, with the response headers for a URL."""
    if source.startswith(("http://", "https://")):
        response = httpx.get(source, timeout=timeout, follow_redirects=True)
        response.raise_for_status()
        return response.content, response.headers
    return Path(source).read_bytes(), None


def load_document(source: str | Path) -> dict[str, Any]:
    """Parse the document at a path or URL."""
    data, _headers = read_source(str(source))
    return parse_document(data, source=str(source))


def version_from_manifest(document_path: Path, sha256: str) -> str | None:
    """The 3CX version a MANIFEST.json beside a published document gives for this sha256, if any."""
    manifest = document_path.parent / "MANIFEST.json"
    if not manifest.is_file():
        return None
    for entry in json.loads(manifest.read_text(encoding="utf-8")):
        if entry.get("sha256") == sha256:
            return str(entry["api_version"])
    return None


def version_from_file_name(document_path: Path) -> str | None:
    """The 3CX version a published document's file name gives: `xapi-20.0.9-2026-01-22.yaml` -> 20.0.9."""
    match = re.match(r"xapi-(\d+\.\d+\.\d+)(?:-.*)?\.(?:ya?ml|json)$", document_path.name)
    return match.group(1) if match else None


def count_operations(document: dict[str, Any]) -> int:
    from .transforms import iter_operations

    return sum(1 for _ in iter_operations(document))
