"""What a file answer becomes: `File` (its bytes, name and media type) and `SavedFile` (what a streaming call
wrote). Imported from `threecx_xapi.types` on first use, so an operation that answers JSON never loads them."""

from __future__ import annotations

import email.message
import email.utils
from pathlib import Path, PurePosixPath

from attrs import define, field

from .types import media_type_of

__all__ = ["File", "SavedFile", "file_name_of"]


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
