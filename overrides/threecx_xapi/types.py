"""The shared types of generated functions: `UNSET` for a left-out argument, `Response` for the `*_detailed`
calls, and `File` for an answer that is a file (a recording, a CSV report, a script) rather than JSON."""

from __future__ import annotations

import email.message
import email.utils
from collections.abc import MutableMapping
from http import HTTPStatus
from pathlib import Path, PurePosixPath
from typing import Generic, Literal, TypeVar

from attrs import define, field


class Unset:
    """The value of a field or parameter that is left out: not sent, and absent from what the PBX answered."""

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "UNSET"

    def __reduce__(self) -> str:
        return "UNSET"  # copies and pickles of a model keep the one UNSET, which `is UNSET` and eq rely on


UNSET: Unset = Unset()


@define
class File:
    """A file the PBX answered: its bytes, the name from Content-Disposition and the media type from Content-Type.

    `file_name` is the name's last part only (a PBX never chooses the folder it is saved in); `mime_type` is the
    media type without parameters (`text/csv`), or None when the PBX sent none.
    """

    payload: bytes = field(repr=False)
    file_name: str | None = None
    mime_type: str | None = None

    @classmethod
    def from_headers(cls, payload: bytes, content_type: str | None, content_disposition: str | None) -> File:
        return cls(payload, file_name_of(content_disposition), media_type_of(content_type))

    @property
    def size(self) -> int:
        return len(self.payload)

    def text(self, encoding: str = "utf-8-sig") -> str:
        """The payload as text; the default drops the UTF-8 byte order mark PBXs put before CSV reports."""
        return self.payload.decode(encoding)

    def save(self, path: str | Path) -> Path:
        """Write the payload to `path` and return it."""
        target = Path(path)
        target.write_bytes(self.payload)
        return target

    def __repr__(self) -> str:
        return f"File(file_name={self.file_name!r}, mime_type={self.mime_type!r}, size={self.size})"


@define
class SavedFile:
    """What a streaming call wrote: `path` (None for an open file it was given), name, media type, bytes written."""

    path: Path | None
    file_name: str | None
    mime_type: str | None
    size: int


def file_name_of(content_disposition: str | None) -> str | None:
    """The file name of a Content-Disposition header; RFC 6266's `filename*` (UTF-8, percent-encoded) first."""
    if not content_disposition:
        return None
    message = email.message.Message()
    message["Content-Disposition"] = content_disposition
    names = [value for key, value in (message.get_params(header="Content-Disposition") or [])[1:] if key == "filename"]
    extended = [value for value in names if isinstance(value, tuple)]  # `filename*` (RFC 5987) wins over `filename`
    if not names:
        return None
    name = email.utils.collapse_rfc2231_value((extended or names)[0])
    base = PurePosixPath(name.replace("\\", "/")).name
    return base if base not in ("", ".", "..") else None


def media_type_of(content_type: str | None) -> str | None:
    """`text/csv` of `text/csv; charset=utf-8`, lower-cased; None for no header."""
    if not content_type:
        return None
    media = content_type.split(";", 1)[0].strip().lower()
    return media or None


T = TypeVar("T")


@define
class Response(Generic[T]):
    """A response from an endpoint: `parsed` is None for an error status."""

    status_code: HTTPStatus
    content: bytes
    headers: MutableMapping[str, str]
    parsed: T | None


__all__ = ["UNSET", "File", "Response", "SavedFile", "Unset"]
