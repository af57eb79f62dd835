"""Rows to JSON, JSON lines or CSV, written as they arrive so `--all` holds one page at a time.

A row is one JSON object: an item of a collection's `value`, or the whole response when it is not a
collection. Rows come in pages (lists); a writer sees each page once.

CSV columns are the union of the keys of the first page, in first-seen order. A CSV header must be written
before the first row, and waiting for the last page would hold the whole collection in memory; the items of
one XAPI collection share one schema, so the first page names the columns (use `--select` to fix them).
A key first seen on a later page is reported once on stderr and left out; `--format jsonl` keeps everything.
Nested objects and lists are written as JSON text, booleans as true/false, null as an empty cell.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from typing import Any, TextIO

FORMATS = ("json", "jsonl", "csv")
Row = dict[str, Any]


def _json_text(value: Any, *, indent: int | None = None) -> str:
    return json.dumps(value, ensure_ascii=False, indent=indent, default=str)


def write_json(pages: Iterable[list[Row]], stream: TextIO, *, collection: bool) -> int:
    """A JSON array of every row (or the single object when the response is not a collection)."""
    count = 0
    if not collection:
        for page in pages:
            for row in page:
                stream.write(_json_text(row, indent=2) + "\n")
                count += 1
        return count
    stream.write("[")
    for page in pages:
        for row in page:
            stream.write(("," if count else "") + "\n  " + _json_text(row))
            count += 1
    stream.write("\n]\n" if count else "]\n")
    return count


def write_jsonl(pages: Iterable[list[Row]], stream: TextIO) -> int:
    """One JSON object per line."""
    count = 0
    for page in pages:
        for row in page:
            stream.write(_json_text(row) + "\n")
            count += 1
    return count


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return _json_text(value)
    return str(value)


def write_csv(pages: Iterable[list[Row]], stream: TextIO, *, warn: Callable[[str], None]) -> int:
    """A header from the first page's keys, then one line per row."""
    writer = csv.writer(stream, lineterminator="\n")
    columns: list[str] | None = None
    reported: set[str] = set()
    count = 0
    for page in pages:
        if columns is None:
            columns = list(dict.fromkeys(key for row in page for key in row)) or None
            if columns is None:
                continue
            writer.writerow(columns)
        known = set(columns)
        for row in page:
            late = [key for key in row if key not in known and key not in reported]
            if late:
                reported.update(late)
                warn(f"column(s) {', '.join(late)} first appear after the first page and are left out of the CSV")
            writer.writerow([csv_cell(row.get(column)) for column in columns])
            count += 1
    return count
