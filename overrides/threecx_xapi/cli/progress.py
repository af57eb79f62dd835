"""The progress of a long export on stderr: one line rewritten in place on a terminal, then a one-line summary.

On a pipe or a file only the summary is written, so logs stay clean; `quiet` writes nothing at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TextIO, TypeVar

Page = TypeVar("Page", bound=list)  # type: ignore[type-arg]
ERASE_TO_END_OF_LINE = "\x1b[K"


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


class Progress:
    """Counts the rows and pages an export has written; `line()` is what has been done so far."""

    def __init__(
        self,
        label: str,
        stream: TextIO,
        *,
        quiet: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.stream = stream
        self.quiet = quiet
        self.live = not quiet and stream.isatty()
        self.clock = clock
        self.started = clock()
        self.rows = 0
        self.pages = 0

    def done(self) -> str:
        """`2,000 rows, 20 pages`: what has been received so far."""
        return f"{_plural(self.rows, 'row')}, {_plural(self.pages, 'page')}"

    def rate(self) -> str:
        elapsed = self.clock() - self.started
        return f"{self.rows / elapsed:,.0f} rows/s" if elapsed > 0 else "- rows/s"

    def count(self, pages: Iterator[Page]) -> Iterator[Page]:
        """The same pages, counted as each one is handed on."""
        for page in pages:
            self.rows += len(page)
            self.pages += 1
            if self.live:
                self.stream.write(f"\r{self.label}: {self.done()}, {self.rate()}{ERASE_TO_END_OF_LINE}")
                self.stream.flush()
            yield page

    def clear(self) -> None:
        """Take the live line away, so an error message that follows starts on a clean line."""
        if self.live and self.pages:
            self.stream.write(f"\r{ERASE_TO_END_OF_LINE}")
            self.stream.flush()

    def finish(self, destination: str | None = None) -> None:
        """The one-line summary: rows, pages, time, rate and where they went."""
        if self.quiet:
            return
        elapsed = self.clock() - self.started
        where = f" -> {destination}" if destination else ""
        self.clear()
        self.stream.write(f"{self.label}: {self.done()} in {elapsed:.1f} s ({self.rate()}){where}\n")
        self.stream.flush()
