"""`$filter` for the emulator: parsed by odata-query, checked against the entity type, evaluated over JSON rows.

What odata-query's lexer reads differently from a PBX (ASP.NET Core OData 8, ODL 7.x) is mended on its tokens,
which keep their positions in the text as sent, so errors name the position ODL names.
"""

from __future__ import annotations

import datetime
import functools
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from odata_query import ast
from odata_query.exceptions import (
    ArgumentCountException,
    ODataException,
    ParsingException,
    TokenizingException,
    UnknownFunctionException,
)
from odata_query.grammar import ODATA_FUNCTIONS, ODataLexer, ODataParser
from odata_query.visitor import NodeVisitor

from ..codecs import parse_datetime, parse_duration
from ._names import resolve_name

Row = Mapping[str, Any]
Types = Mapping[str, str]  # property name -> its Edm type ("Edm.String", "Edm.Int32", "Collection", ...)


class FilterError(ValueError):
    """A `$filter` the emulator cannot read or evaluate; it answers 400 with this message."""


# -- reading the text as ODL's ExpressionLexer reads it ----------------------------------------------------------

_WORD = re.compile(r"[_a-z](?:\.?\w)*", re.IGNORECASE)
_KEYWORDS = {"ANY", "ALL", "BOOLEAN", "NULL"}  # odata-query lexes `AllowLanOnly` as `All` + `owLanOnly`
_CANONICAL = {name.lower(): name for name in ODATA_FUNCTIONS}  # ODL binds `startsWith` as `startswith`
_HAS = ast.Identifier("has", ("Emulator",))  # odata-query has no `has`: `X has E'B'` is read as a call of this


def _outside_literals(text: str, change: Callable[[str], str]) -> str:
    """`text` with `change` applied between string literals only: inside quotes, text is data."""
    parts = text.split("'")  # even parts lie outside literals (a doubled '' inside one leaves an empty part)
    return "'".join(change(part) if index % 2 == 0 else part for index, part in enumerate(parts))


def _brackets(part: str) -> str:
    return part.replace("[", "(").replace("]", ")")  # `in ['a','b']` as `in ('a','b')`; same length


class _Tokens:
    """The lexer's tokens for one `$filter`, mended where odata-query reads otherwise than ODL."""

    def __init__(self, text: str) -> None:
        self.text = text
        try:
            raw = list(ODataLexer().tokenize(_outside_literals(text, _brackets)))
        except TokenizingException as exc:
            raise FilterError(self._lexer_error(exc.token.index)) from None
        self.ends = {token.index: after.index for token, after in zip(raw, raw[1:], strict=False)}
        if raw:
            self.ends[raw[-1].index] = len(text)
        self.list = self._has(self._single_item_lists(self._named(self._words(raw))))
        while self.list and self.list[0].type == "WS":
            self.list.pop(0)  # ODL skips white space around the expression; the grammar does not
        while self.list and self.list[-1].type == "WS":
            self.list.pop()
        for token in self.list:
            if token.type == "DATETIME" and not re.search(r"([zZ]|[+-]\d\d:\d\d)$", token.value.val):
                raise FilterError(
                    f"The DateTimeOffset text '{token.value.val}' should be in format "
                    "'yyyy-mm-ddThh:mm:ss('.'s+)?(zzzzzz)?' and each field value is within valid range."
                )

    def _lexer_error(self, index: int) -> str:
        if self.text[index] == "'":
            return f"There is an unterminated string literal at position {len(self.text)} in '{self.text}'."
        return f"Syntax error: character '{self.text[index]}' is not valid at position {index} in '{self.text}'."

    def _token(self, like: Any, kind: str, value: Any, end: int | None = None) -> Any:
        token = type(like)()
        token.type, token.value, token.lineno, token.index = kind, value, like.lineno, like.index
        if end is not None:
            self.ends[like.index] = end
        return token

    def _words(self, raw: list[Any]) -> list[Any]:
        """A keyword the lexer found at the start of a longer name (`AllowLanOnly`, `Nullable`) is that name."""
        mended: list[Any] = []
        skip_to = 0
        for token in raw:
            if token.index < skip_to:
                continue
            end = self.ends[token.index]
            if token.type in _KEYWORDS and end < len(self.text) and (self.text[end].isalnum() or self.text[end] == "_"):
                word = _WORD.match(self.text, token.index)
                assert word is not None  # a keyword is a word
                *namespace, name = word.group().split(".")
                skip_to = word.end()
                token = self._token(token, "ODATA_IDENTIFIER", ast.Identifier(name, tuple(namespace)), skip_to)
            mended.append(token)
        return mended

    def _named(self, tokens: list[Any]) -> list[Any]:
        """`Pbx.E'M'` is the enum member M (rows hold members by name); `startsWith(` and `not(` as ODL reads them."""
        mended: list[Any] = []
        for token, after in zip(tokens, [*tokens[1:], None], strict=True):
            adjacent = after is not None and after.index == self.ends[token.index]
            if token.type == "ODATA_IDENTIFIER" and token.value.namespace and adjacent and after.type == "STRING":
                continue  # the member's STRING follows and stands for the whole literal
            if token.type == "ODATA_IDENTIFIER" and not token.value.namespace and adjacent and after.type == "(":
                name = token.value.name.lower()
                if name == "not":
                    token = self._token(token, "NOT", ast.Not())
                elif name in _CANONICAL:
                    token = self._token(token, "ODATA_IDENTIFIER", ast.Identifier(_CANONICAL[name]))
            mended.append(token)
        return mended

    def _single_item_lists(self, tokens: list[Any]) -> list[Any]:
        """`Id in (1)`: odata-query wants a trailing comma in a one-item list; ODL does not."""
        for at in [index for index, token in enumerate(tokens) if token.type == "IN"][::-1]:
            opening = next((index for index in range(at + 1, len(tokens)) if tokens[index].type != "WS"), None)
            if opening is None or tokens[opening].type != "(":
                continue
            depth, commas, closing = 0, 0, None
            for index in range(opening, len(tokens)):
                kind = tokens[index].type
                depth += {"(": 1, ")": -1}.get(kind, 0)
                commas += kind == "," and depth == 1
                if depth == 0:
                    closing = index
                    break
            if closing is not None and not commas and closing > opening + 1:
                tokens.insert(closing, self._token(tokens[closing], ",", ","))
        return tokens

    def _has(self, tokens: list[Any]) -> list[Any]:
        """`Mode has Pbx.Modes'B'` as a call `Emulator.has(Mode,'B')`: "B is one of the flags held as 'A, B'"."""
        for at in range(len(tokens) - 2, 1, -1):
            word, before, after = tokens[at], tokens[at - 1], tokens[at + 1]
            if not (word.type == "ODATA_IDENTIFIER" and word.value == ast.Identifier("has")):
                continue
            if before.type != "WS" or after.type != "WS" or at + 2 >= len(tokens) or tokens[at + 2].type != "STRING":
                continue
            start = at - 1
            while start > 0 and tokens[start - 1].type in ("ODATA_IDENTIFIER", "/"):
                start -= 1
            if start == at - 1:
                continue
            flag, opening = tokens[at + 2], tokens[start]
            call = [self._token(opening, "ODATA_IDENTIFIER", _HAS), self._token(opening, "(", "(")]
            tail = [self._token(flag, ",", ","), flag, self._token(flag, ")", ")")]
            tokens[start : at + 3] = [*call, *tokens[start : at - 1], *tail]
        return tokens

    def syntax_error(self, token: Any | None) -> str:
        """ODL's message for a parse that stops at `token`: the position after the first token it could not take."""
        position = len(self.text)
        if token is not None:
            at = next((index for index, held in enumerate(self.list) if held is token), len(self.list))
            following = self.list[at:]
            token = next((held for held in following if held.type != "WS"), None)
            if token is not None:
                position = self.ends.get(token.index, len(self.text))
        return f"Syntax error at position {position} in '{self.text}'."


@functools.lru_cache(maxsize=256)
def parse_filter(text: str) -> ast._Node:
    tokens = _Tokens(text)
    try:
        tree: ast._Node = ODataParser().parse(iter(tokens.list))
    except ParsingException as exc:
        raise FilterError(tokens.syntax_error(None if exc.eof else exc.token)) from None
    except UnknownFunctionException as exc:
        raise FilterError(_unknown_function(exc.function_name)) from None
    except ArgumentCountException as exc:
        raise FilterError(_no_signature(exc.function_name)) from None
    except ODataException:
        raise FilterError(f"Syntax error at position {len(text)} in '{text}'.") from None
    if tree is None:
        raise FilterError(f"Expression expected at position 0 in '{text}'.")
    return tree


def compile_filter(text: str, types: Types | None = None, type_name: str = "") -> Callable[[Row], bool]:
    """A predicate over one row; FilterError when the text does not parse, names what `types` lacks, or cannot
    be evaluated over a row. With `types`, row values are read as their Edm types (durations, date-times)."""
    tree = parse_filter(text)
    if types is not None:
        result = _Checker(types, type_name).visit(tree)
        if result not in ("Edm.Boolean", "?", "null"):
            raise FilterError("The $filter expression must evaluate to a single boolean value.")

    def predicate(row: Row) -> bool:
        try:
            result = _Evaluator(row, types).visit(tree)
        except FilterError:
            raise
        except Exception as exc:  # a PBX answers 400 for a $filter it cannot apply, never 500
            raise FilterError(f"The $filter '{text}' cannot be evaluated: {exc}") from None
        if result is not None and not isinstance(result, bool):
            raise FilterError("The $filter expression must evaluate to a single boolean value.")
        return result is True

    return predicate


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
_INTEGERS = ("Edm.Byte", "Edm.SByte", "Edm.Int16", "Edm.Int32", "Edm.Int64")  # narrowest first
_NUMERIC = {*_INTEGERS, "Edm.Single", "Edm.Double", "Edm.Decimal"}
_OPERATOR_NAMES = {
    ast.Eq: "Equal",
    ast.NotEq: "NotEqual",
    ast.Lt: "LessThan",
    ast.LtE: "LessThanOrEqual",
    ast.Gt: "GreaterThan",
    ast.GtE: "GreaterThanOrEqual",
    ast.Add: "Add",
    ast.Sub: "Subtract",
    ast.Mult: "Multiply",
    ast.Div: "Divide",
    ast.Mod: "Modulo",
    ast.And: "And",
    ast.Or: "Or",
}
_UNKNOWN = ("?", "null")

# ODL's BuiltInUriFunctions (7.x): the parameter types of each signature, "?" marking Nullable=true.
_S, _I, _I_, _DUR = "Edm.String?", "Edm.Int32", "Edm.Int32?", "Edm.Duration"
_DTO, _DATE, _TOD = "Edm.DateTimeOffset", "Edm.Date", "Edm.TimeOfDay"
_SIGNATURES: dict[str, list[tuple[str, ...]]] = {
    **dict.fromkeys(("contains", "startswith", "endswith", "indexof", "concat"), [(_S, _S)]),
    **dict.fromkeys(("length", "tolower", "toupper", "trim"), [(_S,)]),
    "substring": [(_S, _I), (_S, _I_), (_S, _I, _I), (_S, _I_, _I), (_S, _I, _I_), (_S, _I_, _I_)],
    **dict.fromkeys(("year", "month", "day"), [(_DTO,), (_DTO + "?",), (_DATE,), (_DATE + "?",)]),
    **dict.fromkeys(
        ("hour", "minute", "second"),
        [(_DTO,), (_DTO + "?",), (_DUR,), (_DUR + "?",), (_TOD,), (_TOD + "?",)],
    ),
    "fractionalseconds": [(_DTO,), (_DTO + "?",), (_TOD,), (_TOD + "?",)],
    **dict.fromkeys(("totaloffsetminutes", "date", "time"), [(_DTO,), (_DTO + "?",)]),
    "totalseconds": [(_DUR,), (_DUR + "?",)],
    **dict.fromkeys(("now", "mindatetime", "maxdatetime"), [()]),
    **dict.fromkeys(
        ("round", "floor", "ceiling"), [("Edm.Double",), ("Edm.Decimal",), ("Edm.Double?",), ("Edm.Decimal?",)]
    ),
    "Emulator.has": [("?", "?")],
}
_RESULT_TYPES = {
    **dict.fromkeys(("contains", "startswith", "endswith", "Emulator.has"), "Edm.Boolean"),
    **dict.fromkeys(("indexof", "length", "year", "month", "day", "hour", "minute", "second"), "Edm.Int32"),
    **dict.fromkeys(("tolower", "toupper", "trim", "concat", "substring"), "Edm.String"),
    **dict.fromkeys(("fractionalseconds", "totalseconds"), "Edm.Decimal"),
    "totaloffsetminutes": "Edm.Int32",
    "date": "Edm.Date",
    "time": "Edm.TimeOfDay",
    **dict.fromkeys(("now", "mindatetime", "maxdatetime"), "Edm.DateTimeOffset"),
}


def _full_name(function: ast.Identifier) -> str:
    return ".".join((*function.namespace, function.name))


def _unknown_function(name: str) -> str:
    return (
        f"An unknown function with name '{name}' was found. This may also be a function import or a key lookup "
        "on a navigation property, which is not allowed."
    )


def _no_signature(name: str) -> str:
    considered = "; ".join(
        f"{name}({', '.join(kind[:-1] + ' Nullable=true' if kind.endswith('?') else kind for kind in signature)})"
        for signature in _SIGNATURES.get(name, [])
    )
    return (
        f"No function signature for the function with name '{name}' matches the specified arguments. "
        f"The function signatures considered are: {considered}."
    )


def _accepts(parameter: str, argument: str) -> bool:
    if argument in _UNKNOWN or parameter == "?" or argument == parameter.rstrip("?"):
        return True
    parameter = parameter.rstrip("?")
    if parameter in ("Edm.Double", "Edm.Decimal", "Edm.Single"):
        return argument in _NUMERIC
    if parameter in _INTEGERS:  # an integer promotes to a wider one, never to a narrower
        return argument in _INTEGERS and _INTEGERS.index(argument) <= _INTEGERS.index(parameter)
    return parameter == "Edm.DateTimeOffset" and argument == "Edm.Date"


def _compatible(left: str, right: str) -> bool:
    if "?" in (left, right) or left == right:
        return True
    if left in _NUMERIC and right in _NUMERIC:
        return True
    moments = {"Edm.DateTimeOffset", "Edm.Date"}
    return left in moments and right in moments


def _number_type(left: str, right: str) -> str:
    for wide in ("Edm.Double", "Edm.Single", "Edm.Decimal", "Edm.Int64"):
        if wide in (left, right):
            return wide
    return "Edm.Int32"


def _arithmetic_type(op: ast._Node, left: str, right: str) -> str | None:
    """The Edm type of `left op right` as ODL's BinaryOperatorBinder types it, or None when it refuses."""
    if left in _UNKNOWN or right in _UNKNOWN:
        return "?"
    if left in _NUMERIC and right in _NUMERIC:
        return _number_type(left, right)
    if not isinstance(op, (ast.Add, ast.Sub)):
        return None
    moments = ("Edm.DateTimeOffset", "Edm.Date")
    if left in (*moments, "Edm.Duration") and right == "Edm.Duration":
        return left
    if isinstance(op, ast.Sub) and left == right and left in moments:
        return "Edm.Duration"
    return None


class _Checker(NodeVisitor):
    """Names every property the entity type lacks and every operand or argument of the wrong type, as ODL does."""

    def __init__(self, types: Types, type_name: str) -> None:
        self.types = types
        self.type_name = type_name
        self.variables: set[str] = set()

    def _refuse(self, left: str, right: str, op: ast._Node) -> FilterError:
        return FilterError(
            "A binary operator with incompatible types was detected. Found operand types "
            f"'{left}' and '{right}' for operator kind '{_OPERATOR_NAMES[type(op)]}'."
        )

    def visit_Identifier(self, node: ast.Identifier) -> str:
        if node.name in self.variables:
            return "?"
        declared = resolve_name(self.types, node.name)
        if declared is None:
            raise FilterError(f"Could not find a property named '{node.name}' on type '{self.type_name}'.")
        return self.types[declared]

    def visit_Attribute(self, node: ast.Attribute) -> str:
        self.visit(node.owner)
        return "?"

    def visit_Compare(self, node: ast.Compare) -> str:
        left, right = self.visit(node.left), self.visit(node.right)
        if type(node.comparator) in _OPERATOR_NAMES and "null" not in (left, right) and not _compatible(left, right):
            raise self._refuse(left, right, node.comparator)
        return "Edm.Boolean"

    def visit_BoolOp(self, node: ast.BoolOp) -> str:
        left, right = self.visit(node.left), self.visit(node.right)
        if {left, right} - {"Edm.Boolean", *_UNKNOWN}:
            raise self._refuse(left, right, node.op)
        return "Edm.Boolean"

    def visit_BinOp(self, node: ast.BinOp) -> str:
        left, right = self.visit(node.left), self.visit(node.right)
        result = _arithmetic_type(node.op, left, right)
        if result is None:
            raise self._refuse(left, right, node.op)
        return result

    def visit_UnaryOp(self, node: ast.UnaryOp) -> str:
        operand = str(self.visit(node.operand))
        wanted = {"Edm.Boolean"} if isinstance(node.op, ast.Not) else {*_NUMERIC, "Edm.Duration"}
        if operand not in wanted and operand not in _UNKNOWN:
            kind = "Not" if isinstance(node.op, ast.Not) else "Negate"
            raise FilterError(
                f"A unary operator with an incompatible type was detected. Found operand type '{operand}' "
                f"for operator kind '{kind}'."
            )
        return operand

    def visit_List(self, node: ast.List) -> str:
        for item in node.val:
            self.visit(item)
        return "?"

    def visit_Call(self, node: ast.Call) -> str:
        name = _full_name(node.func)
        if name not in _FUNCTIONS:
            raise FilterError(_unknown_function(name))
        arguments = [self.visit(argument) for argument in node.args]
        if not any(
            len(signature) == len(arguments) and all(map(_accepts, signature, arguments))
            for signature in _SIGNATURES[name]
        ):
            raise FilterError(_no_signature(name))
        if name in ("round", "floor", "ceiling"):
            return str(arguments[0])
        return _RESULT_TYPES[name]

    def visit_CollectionLambda(self, node: ast.CollectionLambda) -> str:
        if self.visit(node.owner) not in ("Collection", "?"):
            raise FilterError("Any/All may only be used following a collection.")
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


_FUNCTIONS: dict[str, Callable[..., Any]] = {
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


class _Evaluator(NodeVisitor):
    def __init__(self, row: Row, types: Types | None = None, variables: Mapping[str, Any] | None = None) -> None:
        self.row = row
        self.types = types or {}
        self.variables = dict(variables or {})

    def visit_Identifier(self, node: ast.Identifier) -> Any:
        if node.name in self.variables:
            return self.variables[node.name]
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
        left = self.visit(node.left) is True
        if isinstance(node.op, ast.And):
            return left and self.visit(node.right) is True
        return left or self.visit(node.right) is True

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Any:
        operand = self.visit(node.operand)
        if operand is None:
            return None
        return not operand if isinstance(node.op, ast.Not) else -operand

    def visit_Call(self, node: ast.Call) -> Any:
        name = _full_name(node.func)
        function = _FUNCTIONS.get(name)
        if function is None:
            raise FilterError(_unknown_function(name))
        arguments = [self.visit(argument) for argument in node.args]
        try:
            return function(*arguments)
        except (TypeError, ValueError, AttributeError) as exc:
            raise FilterError(_no_signature(name)) from exc

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
            _Evaluator(self.row, self.types, {**self.variables, name: item}).visit(node.lambda_.expression) is True
            for item in items
        )
        return all(results) if isinstance(node.operator, ast.All) else any(results)

    def generic_visit(self, node: ast._Node) -> Any:
        raise FilterError(f"$filter expression {type(node).__name__} is not supported by the emulator")
