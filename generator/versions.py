"""The operations-by-version table: which operation exists in which published XAPI document, with its parameters.

`spec/xapi-versions.json` is committed and only ever grows: `python -m generator versions --add DOC...` and
`pull` add documents to it, so a later regeneration never needs the older documents again. `generate` copies it,
minified and with the generated document added when it is missing, to `threecx_xapi/api/versions.json`, which
`threecx_xapi.versions` reads at run time.

Format (1): `documents` is a list of {xapi_version, date, sha256}, oldest first; `signatures` is a list of
interned strings `METHOD PATH PARAMETERS`; `operations` maps an operationId to `[[mask, signature], ...]`, bit i
of `mask` meaning documents[i] has the operation with that signature. In a signature's path every `{name}`
placeholder is `@`; a parameter is `name:<p|q|h><type>[!][?]` (path, query or header; the Edm type code of
EDM_CODES, `[x]` for a collection; `!` required, `?` nullable); `$*` and `$+` stand for the eight OData query
options with 64-bit or 32-bit `$top`/`$skip`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .document import parse_document, read_source, sha256_of, version_from_file_name
from .lock import REPO_ROOT
from .registry import edm_type
from .transforms import NULLABLE_MARK, Document, apply_all, iter_operations

TABLE_PATH = REPO_ROOT / "spec" / "xapi-versions.json"
FORMAT = 1
EDM_CODES = {
    "Edm.String": "s",
    "Edm.Int32": "i",
    "Edm.Int64": "l",
    "Edm.Boolean": "b",
    "Edm.DateTimeOffset": "t",
    "Edm.Guid": "g",
    "Edm.Double": "d",
    "Edm.Decimal": "m",
    "Edm.Date": "D",
    "Edm.Duration": "u",
    "Edm.TimeOfDay": "T",
}
_OPTIONS = "$top:q{0},$skip:q{0},$search:qs,$filter:qs,$count:qb,$select:q[s],$orderby:q[s],$expand:q[s]"
# The eight query options nearly every collection operation takes, each written once instead of 480 times.
OPTION_SETS = {"$*": _OPTIONS.format("l"), "$+": _OPTIONS.format("i")}
_PLACEHOLDER = re.compile(r"\{[^{}]+\}")
_PUBLISHED_FILE = re.compile(r"xapi-\d+\.\d+\.\d+-(\d{4}-\d{2}-\d{2})\.(?:ya?ml|json)$")


def type_code(edm: str) -> str:
    """`Edm.String` -> `s`, `Collection(Edm.String)` -> `[s]`."""
    if edm.startswith("Collection(") and edm.endswith(")"):
        return f"[{type_code(edm[len('Collection(') : -1])}]"
    return EDM_CODES[edm]


def parameter_code(parameter: dict[str, Any]) -> str:
    schema = parameter.get("schema", {})
    flags = ("!" if parameter.get("required") else "") + (
        "?" if parameter.get(NULLABLE_MARK) or schema.get("nullable") else ""
    )
    return f"{parameter['name']}:{parameter['in'][0]}{type_code(edm_type(schema))}{flags}"


def signature(path: str, method: str, operation: dict[str, Any]) -> str:
    """`GET /Users(@) Id:pi!,$+`: the operation's method, path shape and parameter list in one string."""
    parameters = ",".join(parameter_code(parameter) for parameter in operation.get("parameters", []))
    for token, expanded in OPTION_SETS.items():
        parameters = parameters.replace(expanded, token)
    return f"{method.upper()} {_PLACEHOLDER.sub('@', path)} {parameters}".rstrip()


def document_signatures(document: Document) -> dict[str, str]:
    """operationId -> signature for one (untransformed) document."""
    transformed = apply_all(document)
    return {
        operation["operationId"]: signature(path, method, operation)
        for path, method, operation in iter_operations(transformed)
    }


@dataclass(frozen=True)
class DocumentEntry:
    xapi_version: str
    date: str  # the publication date, or the day it was pulled from a PBX
    sha256: str

    @property
    def order(self) -> tuple[tuple[int, ...], str]:
        return tuple(int(part) for part in self.xapi_version.split(".")), self.date


@dataclass(frozen=True)
class VersionTable:
    """The decoded table: each document with its operations' signatures."""

    documents: tuple[DocumentEntry, ...]
    operations: tuple[dict[str, str], ...]  # per document: operationId -> signature

    @classmethod
    def empty(cls) -> VersionTable:
        return cls((), ())

    @classmethod
    def decode(cls, data: dict[str, Any]) -> VersionTable:
        if data.get("format") != FORMAT:
            raise ValueError(f"the versions table has format {data.get('format')!r}; this generator reads {FORMAT}")
        documents = tuple(DocumentEntry(**entry) for entry in data["documents"])
        signatures: list[str] = data["signatures"]
        per_document: list[dict[str, str]] = [{} for _ in documents]
        for operation_id, variants in data["operations"].items():
            for mask, index in variants:
                for position in range(len(documents)):
                    if mask >> position & 1:
                        per_document[position][operation_id] = signatures[index]
        return cls(documents, tuple(per_document))

    def encode(self) -> dict[str, Any]:
        signatures: dict[str, int] = {}
        operations: dict[str, dict[int, int]] = {}
        for position, found in enumerate(self.operations):
            for operation_id, text in sorted(found.items()):
                index = signatures.setdefault(text, len(signatures))
                variants = operations.setdefault(operation_id, {})
                variants[index] = variants.get(index, 0) | 1 << position
        return {
            "format": FORMAT,
            "documents": [vars(entry) for entry in self.documents],
            "signatures": list(signatures),
            "operations": {
                operation_id: [[mask, index] for index, mask in variants.items()]
                for operation_id, variants in sorted(operations.items())
            },
        }

    def with_document(self, entry: DocumentEntry, signatures: dict[str, str]) -> VersionTable:
        """The table with this document added (or replaced, by sha256), documents kept oldest first."""
        pairs = [(old, found) for old, found in zip(self.documents, self.operations, strict=True)]
        pairs = [(old, found) for old, found in pairs if old.sha256 != entry.sha256] + [(entry, signatures)]
        pairs.sort(key=lambda pair: pair[0].order)
        return VersionTable(tuple(old for old, _ in pairs), tuple(found for _, found in pairs))

    def has(self, sha256: str) -> bool:
        return any(entry.sha256 == sha256 for entry in self.documents)


def read_table(path: Path = TABLE_PATH) -> VersionTable:
    if not path.is_file():
        return VersionTable.empty()
    return VersionTable.decode(json.loads(path.read_text(encoding="utf-8")))


def committed_text(table: VersionTable) -> str:
    """The spec/ form: one document, signature or operation per line, so a new document is a readable diff."""
    data = table.encode()

    def lines(items: Iterable[str]) -> str:
        return ",\n".join(f"  {item}" for item in items)

    compact = json.dumps
    documents = lines(compact(entry, separators=(",", ":")) for entry in data["documents"])
    signatures = lines(compact(text) for text in data["signatures"])
    operations = lines(
        f"{compact(key)}:{compact(value, separators=(',', ':'))}" for key, value in data["operations"].items()
    )
    return (
        f'{{"format": {FORMAT},\n"documents": [\n{documents}\n],\n"signatures": [\n{signatures}\n],\n'
        f'"operations": {{\n{operations}\n}}}}\n'
    )


def packaged_text(table: VersionTable) -> str:
    """The package form: minified JSON."""
    return json.dumps(table.encode(), separators=(",", ":")) + "\n"


def write_table(table: VersionTable, path: Path = TABLE_PATH) -> None:
    path.write_text(committed_text(table), encoding="utf-8")


def add_document(
    table: VersionTable, data: bytes, *, source: str, xapi_version: str, date: str
) -> tuple[VersionTable, DocumentEntry]:
    entry = DocumentEntry(xapi_version, date, sha256_of(data))
    return table.with_document(entry, document_signatures(parse_document(data, source=source))), entry


def _manifest_entry(path: Path, sha256: str) -> dict[str, Any] | None:
    manifest = path.parent / "MANIFEST.json"
    if not manifest.is_file():
        return None
    for entry in json.loads(manifest.read_text(encoding="utf-8")):
        if entry.get("sha256") == sha256:
            found: dict[str, Any] = entry
            return found
    return None


def published_date(path: Path, data: bytes) -> str | None:
    """The publication date its MANIFEST.json entry or its file name (`xapi-20.0.9-2026-01-22.yaml`) gives."""
    manifest = _manifest_entry(path, sha256_of(data)) or {}
    match = _PUBLISHED_FILE.search(path.name)
    return str(manifest.get("published") or (match.group(1) if match else "")) or None


def describe(path: Path, data: bytes, *, xapi_version: str | None, date: str | None) -> tuple[str, str]:
    """(3CX version, date) of a document file: the flags, else its MANIFEST.json entry, else its file name."""
    manifest = _manifest_entry(path, sha256_of(data)) or {}
    version = xapi_version or manifest.get("api_version") or version_from_file_name(path)
    day = date or published_date(path, data)
    if not version or not day:
        raise ValueError(f"cannot tell the 3CX version and date of {path}: pass --xapi-version and --date")
    return str(version), str(day)


def run(paths: Sequence[Path], *, xapi_version: str | None = None, date: str | None = None) -> int:
    """`python -m generator versions --add DOC...`: add documents to spec/xapi-versions.json."""
    if (xapi_version or date) and len(paths) != 1:
        raise ValueError("--xapi-version and --date describe one document: give one DOC with them")
    table = read_table()
    for path in paths:
        data, _headers = read_source(str(path))
        version, day = describe(path, data, xapi_version=xapi_version, date=date)
        table, entry = add_document(table, data, source=str(path), xapi_version=version, date=day)
        count = len(table.operations[table.documents.index(entry)])
        print(f"added {path.name}: XAPI {entry.xapi_version} of {entry.date}, {count} operations")
    write_table(table)
    size = len(packaged_text(table))
    print(f"wrote {TABLE_PATH.relative_to(REPO_ROOT)}: {len(table.documents)} documents, {size} bytes packaged")
    return 0
