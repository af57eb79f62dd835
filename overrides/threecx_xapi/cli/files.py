"""`--output FILE`: written beside the target and renamed over it only when complete.

An export that fails (Ctrl-C, a PBX that stops answering) leaves the previous file byte for byte, and no
partial file: the temporary file is removed. `kept()` says what is at the target afterwards.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO, TextIO, TypeVar

from .errors import InputError

S = TypeVar("S", bound=IO[Any])


class AtomicOutput:
    """One output file: `open()` gives the temporary stream; leaving it without an exception replaces the target."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.previous_size = self.path.stat().st_size if self.path.is_file() else None

    def kept(self) -> str:
        """What a failed export left at the target: the previous file, or nothing."""
        if self.previous_size is None:
            return f"no {self.path} was written"
        return f"{self.path} is unchanged (the previous {self.previous_size:,} bytes are kept)"

    def text(self) -> contextlib.AbstractContextManager[TextIO]:
        """A UTF-8 text stream (newlines as written) to the temporary file."""
        return self._replacing(lambda descriptor: open(descriptor, "w", encoding="utf-8", newline=""))

    def binary(self) -> contextlib.AbstractContextManager[BinaryIO]:
        return self._replacing(lambda descriptor: open(descriptor, "wb"))

    @contextlib.contextmanager
    def _replacing(self, open_stream: Callable[[int], S]) -> Iterator[S]:
        if self.path.is_dir():
            raise InputError(f"cannot write {self.path}: it is a folder")
        try:
            folder, prefix = self.path.parent, f".{self.path.name}."
            descriptor, temporary = tempfile.mkstemp(prefix=prefix, suffix=".partial", dir=folder)
        except OSError as exc:
            raise InputError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        completed = False
        try:
            stream = open_stream(descriptor)
            with stream:
                yield stream
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, self._mode())
            os.replace(temporary, self.path)
            completed = True
        finally:
            if not completed:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temporary)

    def _mode(self) -> int:
        """The previous file's permissions, else what a new file gets under the umask (mkstemp makes 0600)."""
        if self.previous_size is not None:
            return stat.S_IMODE(self.path.stat().st_mode)
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
