"""The shared types of generated functions: `UNSET` for a left-out argument, `Response` for the `*_detailed`
calls, and `File` for an answer that is a file (a recording, a CSV report, a script) rather than JSON."""

from __future__ import annotations

from collections.abc import MutableMapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from attrs import define

if TYPE_CHECKING:
    from ._files import File, SavedFile, file_name_of

# What only a file answer needs loads on first use (PEP 562): most operations answer JSON.
_FILE_NAMES = ("File", "SavedFile", "file_name_of")


class Unset:
    """The value of a field or parameter that is left out: not sent, and absent from what the PBX answered."""

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "UNSET"

    def __reduce__(self) -> str:
        return "UNSET"  # copies and pickles of a model keep the one UNSET, which `is UNSET` and eq rely on


UNSET: Unset = Unset()


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


def __getattr__(name: str) -> Any:
    if name not in _FILE_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import _files

    value = getattr(_files, name)
    globals()[name] = value
    return value


__all__ = ["UNSET", "File", "Response", "SavedFile", "Unset", "file_name_of", "media_type_of"]
