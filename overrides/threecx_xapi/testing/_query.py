"""OData query options over in-memory rows: `$filter`, `$search`, `$orderby`, `$count`, `$skip`, `$top`, `$select`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._filter import FilterError, compile_filter

Row = Mapping[str, Any]


def collection(rows: Iterable[Row], options: Mapping[str, str]) -> dict[str, Any]:
    """The JSON body of a collection response for these rows and the request's query options."""
    selected = list(rows)
    if "$filter" in options:
        predicate = compile_filter(options["$filter"])
        selected = [row for row in selected if predicate(row)]
    if options.get("$search"):
        selected = [row for row in selected if _matches_search(row, options["$search"])]
    if "$orderby" in options:
        selected = _ordered(selected, options["$orderby"])
    total = len(selected)
    skip = _count_option(options, "$skip") or 0
    top = _count_option(options, "$top")
    page = selected[skip : skip + top if top is not None else None]
    if "$select" in options:
        fields = [name.strip() for name in options["$select"].split(",") if name.strip()]
        page = [{name: row.get(name) for name in fields} for row in page]
    body: dict[str, Any] = {}
    if _bool_option(options, "$count"):
        body["@odata.count"] = total
    body["value"] = page
    return body


def _count_option(options: Mapping[str, str], name: str) -> int | None:
    text = options.get(name)
    if text is None:
        return None
    if not text.isdigit():
        raise FilterError(f"{name} must be a non-negative integer, got {text!r}")
    return int(text)


def _bool_option(options: Mapping[str, str], name: str) -> bool:
    text = options.get(name, "false")
    if text not in ("true", "false"):
        raise FilterError(f"{name} must be true or false, got {text!r}")
    return text == "true"


def _matches_search(row: Row, search: str) -> bool:
    """Every search term (a bare word or a "quoted phrase") appears in some string field, ignoring case."""
    terms: list[str] = []
    rest = search.strip()
    while rest:
        if rest.startswith('"'):
            end = rest.find('"', 1)
            end = len(rest) if end < 0 else end
            terms.append(rest[1:end].replace('\\"', '"'))
            rest = rest[end + 1 :].strip()
        else:
            word, _, rest = rest.partition(" ")
            terms.append(word)
            rest = rest.strip()
    texts = [value.lower() for value in row.values() if isinstance(value, str)]
    return all(any(term.lower() in text for text in texts) for term in terms)


def _ordered(rows: list[Row], orderby: str) -> list[Row]:
    # Stable sorts applied from the last key to the first give the combined order.
    for clause in reversed([part.strip() for part in orderby.split(",") if part.strip()]):
        name, _, direction = clause.partition(" ")
        if direction.strip() not in ("", "asc", "desc"):
            raise FilterError(f"$orderby direction must be asc or desc, got {direction.strip()!r}")
        rows = sorted(rows, key=lambda row: _sort_key(row.get(name)), reverse=direction.strip() == "desc")
    return rows


def _sort_key(value: Any) -> tuple[int, Any]:
    # Nulls first, then values of one kind compared among themselves.
    if value is None:
        return (0, "")
    if isinstance(value, bool | int | float):
        return (1, value)
    return (2, str(value))
