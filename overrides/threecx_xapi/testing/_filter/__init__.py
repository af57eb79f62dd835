"""`$filter` for the emulator: parsed by odata-query (`syntax`), checked against the entity type (`checker`),
evaluated over JSON rows (`evaluator`); `compile_filter` joins the three into one predicate over a row.
"""

from __future__ import annotations

from collections.abc import Callable

from .checker import Checker, Enums
from .evaluator import Evaluator, Row, Types
from .syntax import TOO_DEEP, FilterError, parse_filter

__all__ = ["Enums", "FilterError", "Row", "Types", "compile_filter", "parse_filter"]


def compile_filter(
    text: str, types: Types | None = None, type_name: str = "", enums: Enums | None = None
) -> Callable[[Row], bool]:
    """A predicate over one row; FilterError when the text does not parse, names what `types` lacks, or cannot
    be evaluated over a row. With `types`, row values are read as their Edm types (durations, date-times)."""
    tree = parse_filter(text)
    if types is not None:
        try:
            result = Checker(types, type_name, enums or {}).visit(tree)
        except RecursionError:
            raise FilterError(TOO_DEEP) from None
        if result not in ("Edm.Boolean", "?", "null"):
            raise FilterError("The $filter expression must evaluate to a single boolean value.")

    def predicate(row: Row) -> bool:
        try:
            result = Evaluator(row, types).visit(tree)
        except FilterError:
            raise
        except RecursionError:
            raise FilterError(TOO_DEEP) from None
        except Exception as exc:  # a PBX answers 400 for a $filter it cannot apply, never 500
            raise FilterError(f"The $filter '{text}' cannot be evaluated: {exc}") from None
        if result is not None and not isinstance(result, bool):
            raise FilterError("The $filter expression must evaluate to a single boolean value.")
        return result is True

    return predicate
