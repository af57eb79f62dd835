"""Which operation exists in which published 3CX version, with its parameters: refuse a call a PBX cannot answer.

    from threecx_xapi import versions

    versions.versions_with("GetCallLogData")                  # ['20.0.4', ..., '20.0.10']
    versions.check("ListCallFlowApps", "20.0.7.1234")         # raises OperationUnavailable, naming 20.0.9, 20.0.10
    versions.check("GetCallLogData", "20.0.4.900", sent=["periodFrom", ..., "$top"])  # or ParametersDiffer

The table (`threecx_xapi/api/versions.json`, generated from spec/xapi-versions.json) lists every published
document. A PBX's `X-3CX-Version` (`20.0.7.1234`) is matched by its first three numbers to every document of
that release: 3CX republishes a release's document, and a PBX of that release may run any of its builds, so an
operation is refused only when no document of the release has it, and its parameters only when they fit none.
A release newer than every document is judged by the newest document, one older than all by the oldest.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ._pinned import SPEC_SHA256
from .errors import XapiError

__all__ = [
    "OperationUnavailable",
    "ParametersDiffer",
    "VersionError",
    "check",
    "known_versions",
    "operations_in",
    "problem",
    "release",
    "versions_with",
]

_OPTIONS = "$top:q{0},$skip:q{0},$search:qs,$filter:qs,$count:qb,$select:q[s],$orderby:q[s],$expand:q[s]"
_OPTION_SETS = {"$*": _OPTIONS.format("l"), "$+": _OPTIONS.format("i")}
_LOCATIONS = {"p": "path", "q": "query", "h": "header"}
# Literals that read the same in both types: an integer is one text in Int32 and Int64, a number in Double and Decimal.
_SAME_LITERAL = {"l": "i", "m": "d"}
_EDM_NAMES = {
    "s": "Edm.String",
    "i": "Edm.Int32",
    "l": "Edm.Int64",
    "b": "Edm.Boolean",
    "t": "Edm.DateTimeOffset",
    "g": "Edm.Guid",
    "d": "Edm.Double",
    "m": "Edm.Decimal",
    "D": "Edm.Date",
    "u": "Edm.Duration",
    "T": "Edm.TimeOfDay",
}


class VersionError(XapiError):
    """The PBX's 3CX version cannot answer this call as this package would send it; nothing was sent."""


class OperationUnavailable(VersionError):
    """The operation is in no published document of the PBX's 3CX version."""


class ParametersDiffer(VersionError):
    """The operation exists on the PBX's version with other parameters (or at another path)."""


@dataclass(frozen=True)
class ParameterSpec:
    name: str
    location: str  # path, query or header
    code: str  # the type code of spec/xapi-versions.json: s, i, [s], ...
    required: bool

    @property
    def edm_type(self) -> str:
        if self.code.startswith("["):
            return f"Collection({_EDM_NAMES[self.code[1:-1]]})"
        return _EDM_NAMES[self.code]


@dataclass(frozen=True)
class Signature:
    method: str
    path: str  # every `{name}` placeholder written as `@`
    parameters: tuple[ParameterSpec, ...]

    @classmethod
    def parse(cls, text: str) -> Signature:
        method, _, rest = text.partition(" ")
        path, _, listed = rest.partition(" ")
        for token, expanded in _OPTION_SETS.items():
            listed = listed.replace(token, expanded)
        parameters = []
        for item in filter(None, listed.split(",")):
            name, _, kind = item.rpartition(":")
            parameters.append(ParameterSpec(name, _LOCATIONS[kind[0]], kind[1:].rstrip("!?"), "!" in kind))
        return cls(method, path, tuple(parameters))

    def parameter(self, name: str) -> ParameterSpec | None:
        return next((parameter for parameter in self.parameters if parameter.name == name), None)


@dataclass(frozen=True)
class Document:
    xapi_version: str
    date: str
    sha256: str

    @property
    def label(self) -> str:
        return f"{self.xapi_version} ({self.date})" if self.date else self.xapi_version


@dataclass(frozen=True)
class _Table:
    documents: tuple[Document, ...]
    signatures: tuple[str, ...]
    operations: dict[str, list[list[int]]]

    def signature(self, operation_id: str, position: int) -> Signature | None:
        for mask, index in self.operations.get(operation_id, ()):
            if mask >> position & 1:
                return _parse(self.signatures[index])
        return None


@functools.cache
def _parse(text: str) -> Signature:
    return Signature.parse(text)


@functools.cache
def _table() -> _Table:
    text = resources.files("threecx_xapi.api").joinpath("versions.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    documents = tuple(Document(**entry) for entry in data["documents"])
    return _Table(documents, tuple(data["signatures"]), data["operations"])


def release(server_version: str) -> tuple[int, int, int] | None:
    """`20.0.7.1234` -> (20, 0, 7); None when it is not a 3CX version."""
    parts = server_version.strip().split(".")
    if len(parts) < 3 or not all(part.isdigit() for part in parts[:3]):
        return None
    return int(parts[0]), int(parts[1]), int(parts[2])


def _release_of(document: Document) -> tuple[int, int, int]:
    found = release(document.xapi_version)
    assert found is not None, document
    return found


def documents_for(server_version: str) -> list[int]:
    """Positions of the documents a PBX of this version may run, newest last; [] for an unreadable version."""
    wanted = release(server_version)
    documents = _table().documents
    if wanted is None or not documents:
        return []
    releases = sorted({_release_of(document) for document in documents})
    if wanted not in releases:
        older = [known for known in releases if known < wanted]
        wanted = older[-1] if older else releases[0]
    return [position for position, document in enumerate(documents) if _release_of(document) == wanted]


def known_versions() -> list[str]:
    """The 3CX versions the table knows, oldest first (one entry per release)."""
    return list(dict.fromkeys(document.xapi_version for document in _table().documents))


def versions_with(operation_id: str) -> list[str]:
    """The 3CX versions with at least one document that has the operation, oldest first."""
    table = _table()
    return list(
        dict.fromkeys(
            document.xapi_version
            for position, document in enumerate(table.documents)
            if table.signature(operation_id, position) is not None
        )
    )


def operations_in(server_version: str) -> frozenset[str]:
    """The operations of the newest document of this version's release: what such a PBX answers."""
    positions = documents_for(server_version)
    if not positions:
        return frozenset()
    newest = 1 << positions[-1]
    return frozenset(
        operation_id
        for operation_id, variants in _table().operations.items()
        if any(mask & newest for mask, _ in variants)
    )


def _pinned_signature(operation_id: str) -> Signature | None:
    table = _table()
    for position, document in enumerate(table.documents):
        if document.sha256 == SPEC_SHA256:
            return table.signature(operation_id, position)
    return None


def _differences(pinned: Signature, theirs: Signature, sent: set[str], version: str) -> list[str]:
    """How a call sending `sent` (document names) would not fit `theirs`; [] when it fits."""
    found = []
    if (pinned.method, pinned.path) != (theirs.method, theirs.path):
        found.append(
            f"on {version} it is {theirs.method} {theirs.path}, this package sends {pinned.method} {pinned.path}"
        )
    for name in sorted(sent):
        mine, other = pinned.parameter(name), theirs.parameter(name)
        if other is None:
            found.append(f"{version} does not take {name}")
        elif mine is not None and _SAME_LITERAL.get(mine.code, mine.code) != _SAME_LITERAL.get(other.code, other.code):
            found.append(f"{name} is {other.edm_type} on {version}, {mine.edm_type} in this package")
    needed = [parameter.name for parameter in theirs.parameters if parameter.required and parameter.name not in sent]
    if needed:
        found.append(f"{version} needs {', '.join(needed)}, which this call does not send")
    return found


def problem(operation_id: str, server_version: str | None, *, sent: Iterable[str] | None = None) -> VersionError | None:
    """Why a PBX of `server_version` cannot answer this call, or None when it can (or its version is unknown).

    `sent` names the parameters the call sends (document names; every path parameter is always sent); without
    it only the operation's existence is checked.
    """
    if not server_version:
        return None
    positions = documents_for(server_version)
    if not positions:
        return None
    table = _table()
    signatures = [(table.documents[p], table.signature(operation_id, p)) for p in positions]
    present = [(document, found) for document, found in signatures if found is not None]
    release_name = table.documents[positions[-1]].xapi_version
    if not present:
        having = versions_with(operation_id)
        where = f"it is in {', '.join(having)}" if having else "no published version has it"
        return OperationUnavailable(
            f"{operation_id} is not in XAPI {release_name} (the PBX runs {server_version}); {where}",
            server_version=server_version,
        )
    pinned = _pinned_signature(operation_id)
    if sent is None or pinned is None:
        return None
    names = set(sent) | {parameter.name for parameter in pinned.parameters if parameter.location == "path"}
    reasons = [_differences(pinned, found, names, release_name) for _document, found in present]
    if any(not reason for reason in reasons):
        return None
    return ParametersDiffer(
        f"{operation_id} differs on XAPI {release_name} (the PBX runs {server_version}): {'; '.join(reasons[-1])}",
        server_version=server_version,
    )


def check(operation_id: str, server_version: str | None, *, sent: Iterable[str] | None = None) -> None:
    """Raise `OperationUnavailable` or `ParametersDiffer` when `problem` finds one; nothing is sent either way."""
    found = problem(operation_id, server_version, sent=sent)
    if found is not None:
        raise found
