"""Evaluating a parsed `$filter` over one JSON row: `Evaluator` reads property values (date-times, dates, times and
durations held as JSON strings read as the type they meet or the Edm type declared), compares, does arithmetic as C#
does and calls the canonical functions, null in, null out, as OData has it.
"""

from __future__ import annotations

import datetime
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from odata_query import ast
from odata_query.visitor import NodeVisitor

from ...codecs import parse_datetime, parse_duration
from .._names import resolve_name
from . import casts
from .syntax import IT, TYPE_FUNCTIONS, FilterError, full_name, no_signature, operands, unknown_function

Row = Mapping[str, Any]
Types = Mapping[str, str]  # property name -> its Edm type ("Edm.String", "Edm.Int32", "Collection", ...)


# -- evaluating ---------------------------------------------------------------------------------------------


def _moment(value: Any) -> datetime.datetime | None:
    if value is None or isinstance(value, datetime.datetime):
        return value
    return parse_datetime(str(value))


def _date(value: Any) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    moment = _moment(value)
    return moment.date() if moment is not None else None


def _time(value: Any) -> datetime.time | None:
    if value is None or isinstance(value, datetime.time):
        return value
    if isinstance(value, str) and value[:1].isdigit() and value[2:3] == ":":
        return datetime.time.fromisoformat(value)
    moment = _moment(value)
    return moment.timetz().replace(tzinfo=None) if moment is not None else None


def _duration(value: Any) -> datetime.timedelta:
    return value if isinstance(value, datetime.timedelta) else parse_duration(value)


# Rows hold date-times, dates, times and durations as JSON strings: read one as the type it meets.
_READERS: list[tuple[type, Callable[[Any], Any]]] = [
    (datetime.datetime, _moment),
    (datetime.date, _date),
    (datetime.time, _time),
    (datetime.timedelta, _duration),
]
_EDM_READERS: dict[str, Callable[[Any], Any]] = {
    "Edm.DateTimeOffset": _moment,
    "Edm.Date": _date,
    "Edm.TimeOfDay": _time,
    "Edm.Duration": _duration,
}


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    """A string met by a date-time, date, time or duration is read as that type."""
    for kind, read in _READERS:
        if isinstance(right, kind) and isinstance(left, str):
            return read(left), right
        if isinstance(left, kind) and isinstance(right, str):
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
        return any(_compare(ast.Eq(), left, item) for item in right)
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


def _divide(left: Any, right: Any, remainder: bool) -> Any:
    """C#'s `/` and `%`: integers truncate toward zero and refuse a zero divisor; doubles give IEEE answers."""
    if isinstance(left, int) and isinstance(right, int):
        if right == 0:
            raise FilterError("Attempted to divide by zero.")
        quotient = abs(left) // abs(right) * (1 if (left < 0) == (right < 0) else -1)
        return left - quotient * right if remainder else quotient
    if right == 0:
        return math.nan if remainder or left == 0 else math.copysign(math.inf, left)
    return math.fmod(left, right) if remainder else left / right


_COMBINE: dict[type[ast._Node], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
}


def _arithmetic(op: ast._Node, left: Any, right: Any) -> Any:
    if left is None or right is None:
        return None  # OData: null in, null out
    left, right = _comparable(left, right)
    if any(isinstance(value, (str, bool)) for value in (left, right)):
        raise TypeError("arithmetic takes numbers, date-times and durations")
    if isinstance(op, (ast.Div, ast.Mod)):
        return _divide(left, right, isinstance(op, ast.Mod))
    combine = _COMBINE[type(op)]
    if isinstance(left, datetime.timedelta) != isinstance(right, datetime.timedelta) and combine is operator.mul:
        raise TypeError("a duration multiplies by nothing")
    return combine(left, right)


def _text(function: Callable[..., Any]) -> Callable[..., Any]:
    """A string function: null in, null out (OData's rule for canonical functions); strings only."""

    def call(text: Any, *rest: Any) -> Any:
        if text is None or None in rest:
            return None
        if not isinstance(text, str):
            raise TypeError("a string function takes a string")
        return function(text, *rest)

    return call


def _part(attribute: str) -> Callable[[Any], Any]:
    def read(value: Any) -> Any:
        if isinstance(value, str) and len(value) == 10:
            value = datetime.date.fromisoformat(value)
        elif isinstance(value, str) and value[:1].isdigit() and value[2:3] == ":":
            value = datetime.time.fromisoformat(value)
        elif isinstance(value, str):
            value = _moment(value)
        return None if value is None else getattr(value, attribute)

    return read


def _number(function: Callable[[float], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else function(value)


def _has(value: Any, flag: str) -> bool | None:
    return None if value is None else flag in [member.strip() for member in str(value).split(",")]


def _concat(*parts: Any) -> str | None:
    if None in parts:
        return None
    if not all(isinstance(part, str) for part in parts):
        raise TypeError("concat takes strings")
    return "".join(parts)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "contains": _text(lambda text, part: part in text),
    "startswith": _text(lambda text, part: text.startswith(part)),
    "endswith": _text(lambda text, part: text.endswith(part)),
    "indexof": _text(lambda text, part: text.find(part)),
    "tolower": _text(str.lower),
    "toupper": _text(str.upper),
    "trim": _text(str.strip),
    "length": _text(len),
    "concat": _concat,
    "substring": _text(lambda text, start, length=None: text[start : None if length is None else start + length]),
    "year": _part("year"),
    "month": _part("month"),
    "day": _part("day"),
    "hour": _part("hour"),
    "minute": _part("minute"),
    "second": _part("second"),
    "fractionalseconds": lambda value: None if value is None else _part("microsecond")(value) / 1_000_000,
    "totaloffsetminutes": lambda value: None if value is None else _offset_minutes(_moment(value)),
    "totalseconds": lambda value: None if value is None else _duration(value).total_seconds(),
    "date": _date,
    "time": _time,
    "now": lambda: datetime.datetime.now(datetime.UTC),
    "mindatetime": lambda: datetime.datetime.min.replace(tzinfo=datetime.UTC),
    "maxdatetime": lambda: datetime.datetime.max.replace(tzinfo=datetime.UTC),
    "round": _number(lambda value: math.floor(value + 0.5)),
    "floor": _number(math.floor),
    "ceiling": _number(math.ceil),
    "Emulator.has": _has,
}


def _offset_minutes(moment: datetime.datetime | None) -> int | None:
    offset = moment.utcoffset() if moment is not None else None
    return None if offset is None else int(offset.total_seconds() // 60)


def _read(row: Mapping[str, Any], written: str) -> Any:
    """The value of the property `written` names, in any case (ODL's case-insensitive resolver)."""
    if written in row:
        return row[written]
    declared = resolve_name(row, written)
    return None if declared is None else row[declared]


_PYTHON_TYPES: tuple[tuple[type, str], ...] = ((bool, "Edm.Boolean"), (int, "Edm.Int32"), (float, "Edm.Double"))


class Evaluator(NodeVisitor):
    def __init__(
        self, row: Row, types: Types | None = None, variables: Mapping[str, Any] | None = None, entity: str = ""
    ) -> None:
        self.row = row
        self.types = types or {}
        self.variables = dict(variables or {})
        self.entity = entity  # the row's entity type ("Pbx.User"), what `isof` and `cast` of `$it` test

    def _declared(self, node: ast._Node, value: Any) -> str:
        """The Edm type of an argument: a property's declared type, else what its value is."""
        if isinstance(node, ast.Identifier) and node.name not in self.variables and self.types:
            declared = resolve_name(self.types, node.name)
            if declared is not None:
                return self.types[declared]
        if isinstance(value, Mapping):
            return self.entity if value is self.row else "?"
        found = next((edm for kind, edm in _PYTHON_TYPES if isinstance(value, kind)), None)
        return found or ("Edm.String" if isinstance(value, str) else "?")

    def _type_function(self, name: str, arguments: list[ast._Node]) -> Any:
        target = casts.type_name(arguments[-1]) or ""
        source = self.row if len(arguments) == 1 else self.visit(arguments[0])
        declared = self._declared(arguments[0], source) if len(arguments) == 2 else self.entity
        if name == "isof":
            return casts.isof(source, target, declared)
        return casts.cast(source, target, declared)

    def visit_Identifier(self, node: ast.Identifier) -> Any:
        if node.name in self.variables:
            return self.variables[node.name]
        if node.name == IT:
            return self.row
        value = _read(self.row, node.name)
        declared = resolve_name(self.types, node.name) if self.types else None
        read = _EDM_READERS.get(self.types[declared]) if declared is not None else None
        return read(value) if read is not None and isinstance(value, str) else value

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        owner = self.visit(node.owner)
        return _read(owner, node.attr) if isinstance(owner, Mapping) else None

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
        return parse_datetime(node.val)

    def visit_Date(self, node: ast.Date) -> datetime.date:
        return datetime.date.fromisoformat(node.val)

    def visit_Time(self, node: ast.Time) -> datetime.time:
        return datetime.time.fromisoformat(node.val)

    def visit_Duration(self, node: ast.Duration) -> datetime.timedelta:
        return parse_duration(node.val)

    def visit_List(self, node: ast.List) -> list[Any]:
        return [self.visit(item) for item in node.val]

    def visit_Compare(self, node: ast.Compare) -> bool:
        return _compare(node.comparator, self.visit(node.left), self.visit(node.right))

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        return _arithmetic(node.op, self.visit(node.left), self.visit(node.right))

    def visit_BoolOp(self, node: ast.BoolOp) -> bool:
        results = (self.visit(operand) is True for operand in operands(node))
        return all(results) if isinstance(node.op, ast.And) else any(results)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Any:
        operand = self.visit(node.operand)
        if operand is None:
            return None
        return not operand if isinstance(node.op, ast.Not) else -operand

    def visit_Call(self, node: ast.Call) -> Any:
        name = full_name(node.func)
        if name in TYPE_FUNCTIONS:
            return self._type_function(name, node.args)
        function = FUNCTIONS.get(name)
        if function is None:
            raise FilterError(unknown_function(name))
        arguments = [self.visit(argument) for argument in node.args]
        try:
            return function(*arguments)
        except (TypeError, ValueError, AttributeError) as exc:
            raise FilterError(no_signature(name)) from exc

    def visit_CollectionLambda(self, node: ast.CollectionLambda) -> bool:
        items = self.visit(node.owner)
        if items is None:
            return False
        if not isinstance(items, Sequence) or isinstance(items, str):
            raise FilterError("Any/All may only be used following a collection.")
        if node.lambda_ is None:
            return bool(items)
        name = node.lambda_.identifier.name
        results = (
            Evaluator(self.row, self.types, {**self.variables, name: item}, self.entity).visit(node.lambda_.expression)
            is True
            for item in items
        )
        return all(results) if isinstance(node.operator, ast.All) else any(results)

    def generic_visit(self, node: ast._Node) -> Any:
        raise FilterError(f"$filter expression {type(node).__name__} is not supported by the emulator")
