"""Read an XAPI OpenAPI document: YAML or JSON, from bytes, a path or a URL."""

from __future__ import annotations

import hashlib
import json
import os
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
        raise DocumentError(
            f"{shown(source)}: not YAML or JSON ({exc.__class__.__name__}); is it the PBX's swagger.yaml?"
        ) from None
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3."):
        raise DocumentError(f"{shown(source)}: not an OpenAPI 3 document (no 'openapi: 3.x' field)")
    if not isinstance(document.get("paths"), dict) or not document["paths"]:
        raise DocumentError(f"{shown(source)}: an OpenAPI document without paths")
    return document


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class SourceError(OSError):
    """A document could not be read: one line with the source (never its credentials), what failed, what to do."""

    def __init__(self, where: str, reason: str, advice: str) -> None:
        super().__init__(f"{where}: {reason}; {advice}")
        self.where, self.reason, self.advice = where, reason, advice


def shown(source: str) -> str:
    """A source as it may be printed or recorded: a URL without user, password, query or fragment."""
    if "://" not in source:
        return source
    try:
        url = httpx.URL(source)
    except httpx.InvalidURL:
        return source.split("://", 1)[0] + "://<an invalid URL>"
    return str(url.copy_with(userinfo=b"", query=None, fragment=None))


def read_source(source: str, *, timeout: float = 30.0) -> tuple[bytes, httpx.Headers | None]:
    """The raw bytes of a path or an http(s) URL, with the response headers for a URL; else a SourceError."""
    if source.startswith(("http://", "https://")):
        return _read_url(source, timeout)
    try:
        return Path(source).read_bytes(), None
    except FileNotFoundError:
        raise SourceError(source, "no such file", "give the path of an XAPI document or a PBX URL") from None
    except IsADirectoryError:
        raise SourceError(source, "a folder, not a document", "give the path of the .yaml or .json file") from None
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise SourceError(source, f"cannot read it ({reason})", "check the path and its permissions") from None


CLIENT_ID_VARIABLE, CLIENT_SECRET_VARIABLE = "THREECX_XAPI_CLIENT_ID", "THREECX_XAPI_CLIENT_SECRET"
# What to do about an HTTP status, by status; other 4xx and 5xx get the general advice below.
_STATUS_ADVICE = {
    401: (
        f"the PBX asks for a sign-in: set {CLIENT_ID_VARIABLE} and {CLIENT_SECRET_VARIABLE}, or download the "
        "document in a signed-in browser and pull that file"
    ),
    403: "the PBX refused it; download the document in a signed-in browser and pull that file",
    404: "no document there; give the PBX address (https://pbx.example.com) or the document's URL",
}


def _read_url(source: str, timeout: float) -> tuple[bytes, httpx.Headers]:
    response = _request("GET", source, timeout)
    client_id, client_secret = os.environ.get(CLIENT_ID_VARIABLE), os.environ.get(CLIENT_SECRET_VARIABLE)
    if response.status_code == 401 and client_id and client_secret:
        token = _token(source, timeout, client_id, client_secret)
        response = _request("GET", source, timeout, headers={"Authorization": f"Bearer {token}"})
    if response.is_success:
        return response.content, response.headers
    status = f"{response.status_code} {response.reason_phrase}".strip()
    advice = _STATUS_ADVICE.get(response.status_code)
    if advice is None:
        advice = "the PBX failed; try again later" if response.is_server_error else "check the URL"
    raise SourceError(f"GET {shown(source)}", status, advice)


def _token(source: str, timeout: float, client_id: str, client_secret: str) -> str:
    """A client-credentials token from the PBX's /connect/token, for a PBX that serves its document signed in."""
    url = str(httpx.URL(source).copy_with(path="/connect/token", query=None, fragment=None, userinfo=b""))
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
    response = _request("POST", url, timeout, data=form)
    try:
        answer = response.json() if response.is_success else None
    except ValueError:  # not JSON: no token in it
        answer = None
    token = answer.get("access_token") if isinstance(answer, dict) else None
    if not isinstance(token, str) or not token:
        status = f"{response.status_code} {response.reason_phrase}".strip()
        raise SourceError(
            f"POST {url}", f"{status}, no token", f"check {CLIENT_ID_VARIABLE} and {CLIENT_SECRET_VARIABLE}"
        )
    return token


def _request(method: str, source: str, timeout: float, **options: Any) -> httpx.Response:
    """One request; a network failure is a SourceError naming the request and the reason."""
    where = f"{method} {shown(source)}"
    try:
        return httpx.request(method, source, timeout=timeout, follow_redirects=True, **options)
    except httpx.TimeoutException:
        raise SourceError(where, f"no answer within {timeout:g} s", "check the address and try again") from None
    except httpx.ConnectError as exc:
        reason = _network_reason(exc)
        raise SourceError(where, f"cannot connect ({reason})", "check the address and that the PBX is up") from None
    except httpx.InvalidURL as exc:
        raise SourceError(shown(source), f"not a valid URL ({exc})", "give one like https://pbx.example.com") from None
    except httpx.HTTPError as exc:
        reason = _network_reason(exc)
        raise SourceError(where, f"{exc.__class__.__name__} ({reason})", "check the address and try again") from None


def _network_reason(exc: httpx.HTTPError) -> str:
    """The innermost OS or TLS reason of a network error, on one line, without the URL."""
    cause: BaseException = exc
    for _ in range(10):  # a chain is a few links long; a cycle must not loop forever
        inner = cause.__cause__ or cause.__context__
        if inner is None:
            break
        cause = inner
    text = getattr(cause, "strerror", None) or getattr(cause, "reason", None) or str(cause) or exc.__class__.__name__
    return " ".join(str(text).split())


def load_document(source: str | Path) -> dict[str, Any]:
    """Parse the document at a path or URL."""
    data, _headers = read_source(str(source))
    return parse_document(data, source=str(source))


MANIFEST = "MANIFEST.json"
# 3CX versions as XAPI has them (V20 and later); a document's info.version is usually 1.0.0, which is not one.
_THREECX_VERSION = re.compile(r"((?:[2-9]\d)\.\d+\.\d+)(?:\.\d+)?")


def manifest_entry(document_path: Path, sha256: str) -> dict[str, Any] | None:
    """The entry for this sha256 in the MANIFEST.json beside a document (published or pulled), if any."""
    manifest = document_path.parent / MANIFEST
    if not manifest.is_file():
        return None
    entries = json.loads(manifest.read_text(encoding="utf-8"))
    return next((entry for entry in entries if entry.get("sha256") == sha256), None)


def version_from_manifest(document_path: Path, sha256: str) -> str | None:
    """The 3CX version a MANIFEST.json beside a document gives for this sha256, if any."""
    entry = manifest_entry(document_path, sha256)
    return str(entry["api_version"]) if entry else None


def version_from_file_name(document_path: Path) -> str | None:
    """The 3CX version a published document's file name gives: `xapi-20.0.9-2026-01-22.yaml` -> 20.0.9."""
    match = re.match(r"xapi-(\d+\.\d+\.\d+)(?:-.*)?\.(?:ya?ml|json)$", document_path.name)
    return match.group(1) if match else None


def version_from_server(server_version: str | None) -> str | None:
    """The 3CX version of a PBX's `X-3CX-Version` header: 20.0.10.1621 -> 20.0.10."""
    match = _THREECX_VERSION.fullmatch((server_version or "").strip())
    return match.group(1) if match else None


def version_from_info(document: dict[str, Any]) -> str | None:
    """`info.version` when it is a 3CX version (20.0.10); 3CX's documents say 1.0.0, which tells nothing."""
    info = document.get("info")
    return version_from_server(str(info.get("version", ""))) if isinstance(info, dict) else None


def xapi_version_of(
    document: dict[str, Any], *, sha256: str, path: Path | None = None, server_version: str | None = None
) -> str | None:
    """What a document tells of its 3CX version: the PBX that served it (X-3CX-Version), a MANIFEST.json beside
    it, its file name (`pull` names what it fetches from a PBX so), else its info.version when that is one."""
    return (
        version_from_server(server_version)
        or (version_from_manifest(path, sha256) or version_from_file_name(path) if path else None)
        or version_from_info(document)
    )


def version_key(version: str) -> tuple[int, ...]:
    """A 3CX version for ordering: 20.0.9 < 20.0.10."""
    return tuple(int(part) for part in version.split("."))


def count_operations(document: dict[str, Any]) -> int:
    from .transforms import iter_operations

    return sum(1 for _ in iter_operations(document))
