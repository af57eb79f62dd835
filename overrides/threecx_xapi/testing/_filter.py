"""`$filter` for the emulator: parsed by odata-query, evaluated here against rows held as JSON dicts."""

from __future__ import annotations

import datetime
import functools
import operator
from collections.abc import Callable, Mapping
from typing import Any

from odata_query import ast
from odata_query.exceptions import ODataException
from odata_query.grammar import ODataLexer, ODataParser
from odata_query.visitor import NodeVisitor

Row = Mapping[str, Any]


class FilterError(ValueError):
    """A `$filter` the emulator cannot read or evaluate; it answers 400 with this message."""


@functools.lru_cache(maxsize=256)
def compile_filter(text: str) -> Callable[[Row], bool]:
    """A predicate over one row, for the `$filter` text; FilterError when it does not parse."""
    try:
        tree = ODataParser().parse(ODataLexer().tokenize(text))
    except ODataException as exc:
        raise FilterError(f"$filter {text!r} does not parse: {exc}") from None
    return lambda row: _Evaluator(row).visit(tree) is True


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    """Rows hold date-times and GUIDs as strings: compare them as the literal's type."""
    if isinstance(right, datetime.datetime) and isinstance(left, str):
        return datetime.datetime.fromisoformat(left), right
    if isinstance(left, datetime.datetime) and isinstance(right, str):
        return left, datetime.datetime.fromisoformat(right)
    return left, right


_ORDER: dict[type[ast._Node], Callable[[Any, Any], bool]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


def _compare(comparator: ast._Node, left: Any, right: Any) -> bool:
    if isinstance(comparator, ast.In):
        return left in right
    left, right = _comparable(left, right)
    if isinstance(comparator, ast.Eq):
        return bool(left == right)
    if isinstance(comparator, ast.NotEq):
        return bool(left != right)
    if left is None or right is None:
        return False  # OData: ordering against null is false
    try:
        return _ORDER[type(comparator)](left, right)
    except TypeError:
        raise FilterError(f"cannot compare {left!r} with {right!r}") from None


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "contains": lambda text, part: text is not None and part in text,
    "startswith": lambda text, part: text is not None and text.startswith(part),
    "endswith": lambda text, part: text is not None and text.endswith(part),
    "tolower": lambda text: text.lower() if text is not None else None,
    "toupper": lambda text: text.upper() if text is not None else None,
    "trim": lambda text: text.strip() if text is not None else None,
    "length": lambda text: len(text) if text is not None else None,
    "indexof": lambda text, part: text.find(part) if text is not None else None,
    "concat": lambda *parts: "".join(str(part) for part in parts),
}


class _Evaluator(NodeVisitor):
    def __init__(self, row: Row) -> None:
        self.row = row

    def visit_Identifier(self, node: ast.Identifier) -> Any:
        return self.row.get(node.name)

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        owner = self.visit(node.owner)
        return owner.get(node.attr) if isinstance(owner, Mapping) else None

    def visit_Null(self, node: ast.Null) -> None:
        return None

    def visit_Integer(self, node: ast.Integer) -> int:
        return node.py_val

    def visit_Float(self, node: ast.Float) -> float:
        return node.py_val

    def visit_Boolean(self, node: ast.Boolean) -> bool:
        return node.py_val

    def visit_String(self, node: ast.String) -> str:
        return node.py_val

    def visit_GUID(self, node: ast.GUID) -> str:
        return node.val.lower()

    def visit_DateTime(self, node: ast.DateTime) -> datetime.datetime:
        return datetime.datetime.fromisoformat(node.val)

    def visit_Date(self, node: ast.Date) -> str:
        return node.val

    def visit_List(self, node: ast.List) -> list[Any]:
        return [self.visit(item) for item in node.val]

    def visit_Compare(self, node: ast.Compare) -> bool:
        return _compare(node.comparator, self.visit(node.left), self.visit(node.right))

    def visit_BoolOp(self, node: ast.BoolOp) -> bool:
        left = self.visit(node.left) is True
        if isinstance(node.op, ast.And):
            return left and self.visit(node.right) is True
        return left or self.visit(node.right) is True

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Any:
        operand = self.visit(node.operand)
        return not operand if isinstance(node.op, ast.Not) else -operand

    def visit_Call(self, node: ast.Call) -> Any:
        function = _FUNCTIONS.get(node.func.name)
        if function is None:
            raise FilterError(f"$filter function {node.func.name!r} is not supported by the emulator")
        return function(*(self.visit(argument) for argument in node.args))

    def generic_visit(self, node: ast._Node) -> Any:
        raise FilterError(f"$filter expression {type(node).__name__} is not supported by the emulator")
