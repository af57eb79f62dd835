"""`$filter` for the emulator: parsed by odata-query, checked against the entity type, evaluated over JSON rows."""

from __future__ import annotations

import datetime
import functools
import math
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

from odata_query import ast
from odata_query.exceptions import ODataException
from odata_query.grammar import ODataLexer, ODataParser
from odata_query.visitor import NodeVisitor

Row = Mapping[str, Any]
Types = Mapping[str, str]  # property name -> its Edm type ("Edm.String", "Edm.Int32", "Collection", ...)


class FilterError(ValueError):
    """A `$filter` the emulator cannot read or evaluate; it answers 400 with this message."""


# odata-query reads no `has`: `Mode has Pbx.Modes'B'` is read as "B is one of the flags held as 'A, B'".
_HAS = re.compile(r"([A-Za-z_][\w/]*)\s+has\s+(?:[A-Za-z_][\w.]*)?'((?:[^']|'')*)'")
_HAS_AS = r"(\1 eq '\2' or startswith(\1,'\2, ') or contains(\1,', \2, ') or endswith(\1,', \2'))"


# odata-query reads `not(` as a call of a function `not`; a PBX (Microsoft.OData) reads the operator `not`.
_NOT_CALL = re.compile(r"(?<![\w.])(not)\(", re.IGNORECASE)


def _not_spaced(text: str) -> str:
    """`not(...)` as `not (...)`, outside string literals: between quotes, text is data."""
    parts = text.split("'")  # even parts lie outside literals (a doubled '' inside one leaves an empty part)
    return "'".join(_NOT_CALL.sub(r"\1 (", part) if index % 2 == 0 else part for index, part in enumerate(parts))


@functools.lru_cache(maxsize=256)
def parse_filter(text: str) -> ast._Node:
    try:
        tree: ast._Node = ODataParser().parse(ODataLexer().tokenize(_HAS.sub(_HAS_AS, _not_spaced(text))))
    except ODataException as exc:
        raise FilterError(f"$filter {text!r} does not parse: {exc}") from None
    return tree


def compile_filter(text: str, types: Types | None = None, type_name: str = "") -> Callable[[Row], bool]:
    """A predicate over one row; FilterError when the text does not parse or names what `types` lacks."""
    tree = parse_filter(text)
    if types is not None:
        _Checker(types, type_name).visit(tree)
    return lambda row: _Evaluator(row).visit(tree) is True


# -- checking names and types before anything is evaluated ------------------------------------------------

_LITERAL_TYPES: dict[type[ast._Node], str] = {
    ast.String: "Edm.String",
    ast.Integer: "Edm.Int32",
    ast.Float: "Edm.Double",
    ast.Boolean: "Edm.Boolean",
    ast.DateTime: "Edm.DateTimeOffset",
    ast.Date: "Edm.Date",
    ast.Time: "Edm.TimeOfDay",
    ast.GUID: "Edm.Guid",
    ast.Duration: "Edm.Duration",
}
_NUMERIC = {"Edm.Int32", "Edm.Int64", "Edm.Int16", "Edm.Byte", "Edm.SByte", "Edm.Double", "Edm.Decimal", "Edm.Single"}
_OPERATOR_NAMES = {
    ast.Eq: "Equal",
    ast.NotEq: "NotEqual",
    ast.Lt: "LessThan",
    ast.LtE: "LessThanOrEqual",
    ast.Gt: "GreaterThan",
    ast.GtE: "GreaterThanOrEqual",
}


def _compatible(left: str, right: str) -> bool:
    if "?" in (left, right) or left == right:
        return True
    if left in _NUMERIC and right in _NUMERIC:
        return True
    moments = {"Edm.DateTimeOffset", "Edm.Date"}
    return left in moments and right in moments


class _Checker(NodeVisitor):
    """Names every property the entity type lacks and every comparison of incompatible types, as ODL does."""

    def __init__(self, types: Types, type_name: str) -> None:
        self.types = types
        self.type_name = type_name
        self.variables: set[str] = set()

    def visit_Identifier(self, node: ast.Identifier) -> str:
        if node.name in self.variables:
            return "?"
        if node.name not in self.types:
            raise FilterError(f"Could not find a property named '{node.name}' on type '{self.type_name}'.")
        return self.types[node.name]

    def visit_Attribute(self, node: ast.Attribute) -> str:
        self.visit(node.owner)
        return "?"

    def visit_Compare(self, node: ast.Compare) -> str:
        left, right = self.visit(node.left), self.visit(node.right)
        name = _OPERATOR_NAMES.get(type(node.comparator))
        if name is not None and left != "null" and right != "null" and not _compatible(left, right):
            raise FilterError(
                "A binary operator with incompatible types was detected. Found operand types "
                f"'{left}' and '{right}' for operator kind '{name}'."
            )
        return "Edm.Boolean"

    def visit_BoolOp(self, node: ast.BoolOp) -> str:
        self.visit(node.left)
        self.visit(node.right)
        return "Edm.Boolean"

    def visit_BinOp(self, node: ast.BinOp) -> str:
        self.visit(node.left)
        self.visit(node.right)
        return "?"

    def visit_UnaryOp(self, node: ast.UnaryOp) -> str:
        return str(self.visit(node.operand))

    def visit_List(self, node: ast.List) -> str:
        for item in node.val:
            self.visit(item)
        return "?"

    def visit_Call(self, node: ast.Call) -> str:
        if node.func.name not in _FUNCTIONS:
            raise FilterError(f"An unknown function with name '{node.func.name}' was found.")
        for argument in node.args:
            self.visit(argument)
        return _RESULT_TYPES.get(node.func.name, "?")

    def visit_CollectionLambda(self, node: ast.CollectionLambda) -> str:
        self.visit(node.owner)
        if node.lambda_ is not None:
            self.variables.add(node.lambda_.identifier.name)
            self.visit(node.lambda_.expression)
        return "Edm.Boolean"

    def visit_Null(self, node: ast.Null) -> str:
        return "null"

    def generic_visit(self, node: ast._Node) -> str:
        return _LITERAL_TYPES.get(type(node), "?")


# -- evaluating ---------------------------------------------------------------------------------------------


def _moment(value: Any) -> datetime.datetime | None:
    if value is None or isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.fromisoformat(str(value))


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    """Rows hold date-times, dates and GUIDs as strings: compare them as the literal's type."""
    for moment_type, read in ((datetime.datetime, _moment), (datetime.date, _date)):
        if isinstance(right, moment_type) and isinstance(left, str):
            return read(left), right
        if isinstance(left, moment_type) and isinstance(right, str):
            return left, read(right)
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


def _date(value: Any) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    moment = _moment(value)
    return moment.date() if moment is not None else None


def _text(function: Callable[..., Any]) -> Callable[..., Any]:
    """A string function: null in, null out (OData's rule for canonical functions)."""
    return lambda text, *rest: None if text is None or None in rest else function(str(text), *rest)


def _part(attribute: str) -> Callable[[Any], Any]:
    def read(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str) and len(value) == 10:
            value = datetime.date.fromisoformat(value)
        elif isinstance(value, str) and value[:1].isdigit() and value[2:3] == ":":
            value = datetime.time.fromisoformat(value)
        elif isinstance(value, str):
            value = _moment(value)
        return getattr(value, attribute)

    return read


def _time(value: Any) -> datetime.time | None:
    moment = _moment(value)
    return moment.timetz().replace(tzinfo=None) if moment is not None else None


def _number(function: Callable[[float], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else function(value)


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "contains": _text(lambda text, part: part in text),
    "startswith": _text(lambda text, part: text.startswith(part)),
    "endswith": _text(lambda text, part: text.endswith(part)),
    "indexof": _text(lambda text, part: text.find(part)),
    "tolower": _text(str.lower),
    "toupper": _text(str.upper),
    "trim": _text(str.strip),
    "length": _text(len),
    "concat": lambda *parts: None if None in parts else "".join(str(part) for part in parts),
    "substring": _text(lambda text, start, length=None: text[start : None if length is None else start + length]),
    "year": _part("year"),
    "month": _part("month"),
    "day": _part("day"),
    "hour": _part("hour"),
    "minute": _part("minute"),
    "second": _part("second"),
    "date": _date,
    "time": _time,
    "now": lambda: datetime.datetime.now(datetime.UTC),
    "round": _number(lambda value: math.floor(value + 0.5)),
    "floor": _number(math.floor),
    "ceiling": _number(math.ceil),
}
_RESULT_TYPES = {
    "contains": "Edm.Boolean",
    "startswith": "Edm.Boolean",
    "endswith": "Edm.Boolean",
    "indexof": "Edm.Int32",
    "length": "Edm.Int32",
    "tolower": "Edm.String",
    "toupper": "Edm.String",
    "trim": "Edm.String",
    "concat": "Edm.String",
    "substring": "Edm.String",
    **dict.fromkeys(("year", "month", "day", "hour", "minute", "second"), "Edm.Int32"),
    "date": "Edm.Date",
    "time": "Edm.TimeOfDay",
    "now": "Edm.DateTimeOffset",
}


class _Evaluator(NodeVisitor):
    def __init__(self, row: Row, variables: Mapping[str, Any] | None = None) -> None:
        self.row = row
        self.variables = dict(variables or {})

    def visit_Identifier(self, node: ast.Identifier) -> Any:
        if node.name in self.variables:
            return self.variables[node.name]
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

    def visit_Date(self, node: ast.Date) -> datetime.date:
        return datetime.date.fromisoformat(node.val)

    def visit_Time(self, node: ast.Time) -> datetime.time:
        return datetime.time.fromisoformat(node.val)

    def visit_Duration(self, node: ast.Duration) -> str:
        return node.val

    def visit_List(self, node: ast.List) -> list[Any]:
        return [self.visit(item) for item in node.val]

    def visit_Compare(self, node: ast.Compare) -> bool:
        left, right = self.visit(node.left), self.visit(node.right)
        if isinstance(left, datetime.time) and isinstance(right, str):
            right = datetime.time.fromisoformat(right)
        return _compare(node.comparator, left, right)

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
            raise FilterError(f"An unknown function with name '{node.func.name}' was found.")
        return function(*(self.visit(argument) for argument in node.args))

    def visit_CollectionLambda(self, node: ast.CollectionLambda) -> bool:
        items = self.visit(node.owner) or []
        if node.lambda_ is None:
            return bool(items)
        name = node.lambda_.identifier.name
        results = (
            _Evaluator(self.row, {**self.variables, name: item}).visit(node.lambda_.expression) is True
            for item in items
        )
        return all(results) if isinstance(node.operator, ast.All) else any(results)

    def generic_visit(self, node: ast._Node) -> Any:
        raise FilterError(f"$filter expression {type(node).__name__} is not supported by the emulator")
