"""`$filter` and `$orderby` expressions for the emulator: parsed by odata-query (`syntax`), checked against the
entity type (`checker`), evaluated over JSON rows (`evaluator`); `compile_filter` joins the three into one
predicate over a row, `compile_orderby` into one sort key per item.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from odata_query import ast

from .checker import Checker, Enums, Flat, Structured, check_orderby
from .evaluator import Evaluator, Row, Types
from .syntax import TOO_DEEP, FilterError, parse_filter, parse_orderby

__all__ = [
    "Enums",
    "FilterError",
    "Row",
    "Structured",
    "Types",
    "compile_filter",
    "compile_orderby",
    "parse_filter",
]


def _root(types: Types | Structured, type_name: str, enums: Enums | None) -> Structured:
    return Flat(type_name, types, enums or {}) if isinstance(types, Mapping) else types


def compile_filter(
    text: str, types: Types | Structured | None = None, type_name: str = "", enums: Enums | None = None
) -> Callable[[Row], bool]:
    """A predicate over one row; FilterError when the text does not parse, names what `types` lacks, or cannot
    be evaluated over a row. With `types` (a mapping of property types, or the entity type with what its
    structured properties lead to), row values are read as their Edm types (durations, date-times)."""
    tree = parse_filter(text)
    root = None if types is None else _root(types, type_name, enums)
    if root is not None:
        try:
            result = Checker(root).visit(tree)
        except RecursionError:
            raise FilterError(TOO_DEEP) from None
        if result not in ("Edm.Boolean", "?", "null"):
            raise FilterError("The $filter expression must evaluate to a single boolean value.")
    evaluate = _evaluation(tree, f"$filter '{text}'", root)

    def predicate(row: Row) -> bool:
        result = evaluate(row)
        if result is not None and not isinstance(result, bool):
            raise FilterError("The $filter expression must evaluate to a single boolean value.")
        return result is True

    return predicate


def compile_orderby(text: str, root: Structured | None = None) -> list[tuple[Callable[[Row], Any], bool]]:
    """(the value a row sorts by, descending) for each `$orderby` item; FilterError as `compile_filter` raises it,
    and when an item is not a single primitive value."""
    items = parse_orderby(text)
    members: list[tuple[str, ...]] = [()] * len(items)
    if root is not None:
        try:
            members = [check_orderby(tree, root) for tree, _ in items]
        except RecursionError:
            raise FilterError(TOO_DEEP) from None
    return [
        (_by_value(_evaluation(tree, f"$orderby '{text}'", root), named), descending)
        for (tree, descending), named in zip(items, members, strict=True)
    ]


def _by_value(evaluate: Callable[[Row], Any], members: tuple[str, ...]) -> Callable[[Row], Any]:
    """An enum sorts by its member's number (LINQ orders the CLR enum), its position when the schema gives none."""
    if not members:
        return evaluate
    numbers = {member: number for number, member in enumerate(members)}
    return lambda row: numbers.get(value, value) if isinstance(value := evaluate(row), str) else value


def _evaluation(tree: ast._Node, option: str, root: Structured | None) -> Callable[[Row], Any]:
    types = root.types if root is not None else None
    entity = root.name if root is not None else ""

    def evaluate(row: Row) -> Any:
        try:
            return Evaluator(row, types, entity=entity).visit(tree)
        except FilterError:
            raise
        except RecursionError:
            raise FilterError(TOO_DEEP) from None
        except Exception as exc:  # a PBX answers 400 for an expression it cannot apply, never 500
            raise FilterError(f"The {option} cannot be evaluated: {exc}") from None

    return evaluate
