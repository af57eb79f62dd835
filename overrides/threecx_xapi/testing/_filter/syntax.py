"""Reading a `$filter` text as a PBX reads it (ASP.NET Core OData 8, ODL 7.x): odata-query's lexer tokens, mended
where it reads otherwise than ODL and kept at their positions in the text as sent, so errors name the position ODL
names; `parse_filter`, `FilterError`, and the messages parsing and checking share (an unknown function, no matching
signature, with ODL's table of canonical function signatures they name).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
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


class FilterError(ValueError):
    """A `$filter` the emulator cannot read or evaluate; it answers 400 with this message."""


# -- reading the text as ODL's ExpressionLexer reads it ----------------------------------------------------------

_WORD = re.compile(r"[_a-z](?:\.?\w)*", re.IGNORECASE)
_KEYWORDS = {"ANY", "ALL", "BOOLEAN", "NULL"}  # odata-query lexes `AllowLanOnly` as `All` + `owLanOnly`
# ODL's unbound functions, bound by FunctionCallBinder without a signature table (ValidateIsOfOrCast).
TYPE_FUNCTIONS = ("cast", "isof")
_CANONICAL = {name.lower(): name for name in [*ODATA_FUNCTIONS, *TYPE_FUNCTIONS]}  # ODL binds `startsWith` too
_HAS = ast.Identifier("has", ("Emulator",))  # odata-query has no `has`: `X has E'B'` is read as a call of this


def _outside_literals(text: str, change: Callable[[str], str]) -> str:
    """`text` with `change` applied between string literals only: inside quotes, text is data."""
    parts = text.split("'")  # even parts lie outside literals (a doubled '' inside one leaves an empty part)
    return "'".join(change(part) if index % 2 == 0 else part for index, part in enumerate(parts))


def _brackets(part: str) -> str:
    return part.replace("[", "(").replace("]", ")")  # `in ['a','b']` as `in ('a','b')`; same length


_IT = re.compile(r"\$it(?!\w)")
_NAN_INFINITY = (ast.Identifier("INF"), ast.Identifier("NaN"))  # the ABNF's nanInfinity, in this case only
IT = "$it"  # ODL's implicit range variable: the row itself, declared in every expression


def _implicit(part: str) -> str:
    return _IT.sub("_it", part)  # the lexer takes no `$`: `$it` is lexed as a name of the same length


class _Tokens:
    """The lexer's tokens for one `$filter`, mended where odata-query reads otherwise than ODL."""

    def __init__(self, text: str) -> None:
        self.text = text
        try:
            raw = list(ODataLexer().tokenize(_outside_literals(text, lambda part: _brackets(_implicit(part)))))
        except TokenizingException as exc:
            raise FilterError(self._lexer_error(exc.token.index)) from None
        self.ends = {token.index: after.index for token, after in zip(raw, raw[1:], strict=False)}
        if raw:
            self.ends[raw[-1].index] = len(text)
        self.list = self._has(self._single_item_lists(self._named(self._all(self._words(raw)))))
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

    def _all(self, tokens: list[Any]) -> list[Any]:
        """`$it` as the name it is, `INF` and `NaN` as the doubles they are; `all()`, which ODL reads as true for
        every collection, as `all($:true)`."""
        mended: list[Any] = []
        for token in tokens:
            if token.type == "ODATA_IDENTIFIER" and self.text.startswith(IT, token.index) and token.value.name == "_it":
                token = self._token(token, "ODATA_IDENTIFIER", ast.Identifier(IT))
            if token.type == "ODATA_IDENTIFIER" and token.value in _NAN_INFINITY:
                token = self._token(token, "DECIMAL", ast.Float(token.value.name))  # ODL's lexer: a double literal
            if token.type == ")" and len(mended) >= 2 and mended[-1].type == "(" and mended[-2].type == "ALL":
                mended += [
                    self._token(token, "ODATA_IDENTIFIER", ast.Identifier("$")),
                    self._token(token, ":", ":"),
                    self._token(token, "BOOLEAN", ast.Boolean("true")),
                ]
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
    if not tokens.list:
        raise FilterError(f"Expression expected at position 0 in '{text}'.")
    return _parse(tokens, tokens.list, len(text))


@functools.lru_cache(maxsize=256)
def parse_orderby(text: str) -> list[tuple[ast._Node, bool]]:
    """(expression, descending) for each comma-separated `$orderby` item, as ODL's ParseOrderBy reads them: any
    expression, then `asc` or `desc` in any case; anything else after it is a syntax error at its end."""
    tokens = _Tokens(text)
    items: list[tuple[ast._Node, bool]] = []
    for segment, end in _segments(tokens.list, len(text)):
        expression, descending = _direction(tokens, segment)
        if not expression:
            raise FilterError(f"Expression expected at position {segment[0].index if segment else end} in '{text}'.")
        items.append((_parse(tokens, expression, end), descending))
    return items


def _segments(tokens: list[Any], length: int) -> list[tuple[list[Any], int]]:
    """The tokens between commas outside parentheses, each without white space at its ends, with where it ends."""
    segments: list[tuple[list[Any], int]] = []
    depth, current = 0, list[Any]()
    for token in tokens:
        depth += {"(": 1, ")": -1}.get(token.type, 0)
        if token.type == "," and depth == 0:
            segments.append((current, token.index))
            current = []
        else:
            current.append(token)
    segments.append((current, length))
    return [(_trimmed(segment), end) for segment, end in segments]


def _trimmed(segment: list[Any]) -> list[Any]:
    while segment and segment[0].type == "WS":
        segment = segment[1:]
    while segment and segment[-1].type == "WS":
        segment = segment[:-1]
    return segment


def _direction(tokens: _Tokens, segment: list[Any]) -> tuple[list[Any], bool]:
    """The expression's tokens and whether a `desc` follows it; a word after the direction is refused at its end."""
    for at, token in enumerate(segment):
        name = token.value.name.lower() if token.type == "ODATA_IDENTIFIER" and not token.value.namespace else ""
        if name in ("asc", "desc") and at > 0 and segment[at - 1].type == "WS":
            rest = [held for held in segment[at + 1 :] if held.type != "WS"]
            if rest:
                raise FilterError(tokens.syntax_error(rest[0]))
            return _trimmed(segment[:at]), name == "desc"
    return segment, False


def _function_call(self: Any, func: ast.Identifier, args: list[ast._Node]) -> ast._Node:
    if not func.namespace and func.name in TYPE_FUNCTIONS:
        return ast.Call(func, args)  # arity and type argument are the checker's, in ODL's words
    return ODataParser._function_call(self, func, args)  # type: ignore[no-any-return]


# ODL's UriQueryExpressionParser: or < and < one level for eq ne gt ge lt le (ParseComparison, left-associative)
# < add sub < mul div mod < not and - < in and has (ParseInHas); odata-query puts eq/ne below gt/lt. The same
# rules, rebuilt with ODL's precedence table (sly builds a parser's tables from the class body it is given).
_ODL_PRECEDENCE = (
    ("left", "OR"),
    ("left", "AND"),
    ("left", "EQ", "NE", "GT", "GE", "LT", "LE"),
    ("left", "ADD", "SUB"),
    ("left", "MUL", "DIV", "MOD"),
    ("right", "NOT", "UMINUS"),
    ("left", "IN"),
)


@functools.cache
def _odl_parser() -> Any:
    """The parser class, built on first use: building its tables takes as long as importing odata-query."""
    rules = {name: value for name, value in vars(ODataParser).items() if name not in ("__dict__", "__weakref__")}
    parser_meta: Any = type(ODataParser)  # sly's ParserMeta, which drops the rule decorator `_` from the body
    return parser_meta(
        "OdlParser",
        (ODataParser,),
        {**rules, "_": None, "precedence": _ODL_PRECEDENCE, "_function_call": _function_call},
    )


# What the parser still wants when the text ends after one of these: an operand (ODL's ParsePrimaryStart).
_WANTS_OPERAND = {"EQ", "NE", "GT", "GE", "LT", "LE", "AND", "OR", "ADD", "SUB", "MUL", "DIV", "MOD", "NOT", "IN"}
_WANTS_OPERAND |= {"UMINUS", "(", ",", ":"}
_OPERATOR_WORDS = {kind.lower() for kind in _WANTS_OPERAND if kind.isalpha()} | {"has"}


def _cut_short(items: list[Any], failed_at: Any) -> bool:
    """The parse failed at the end, where ODL expects an operand: after an operator, `(`, `,` or `:` (`Id eq`)."""
    at = next((index for index, token in enumerate(items) if token is failed_at), len(items) - 1)
    held = [token for token in items if token.type != "WS"]
    if not held or any(token.type != "WS" and token is not held[-1] for token in items[at:]):
        return False  # the parse stopped before the last token: that is where ODL stops too
    last = held[-1]
    if last.type in _WANTS_OPERAND:
        return True
    word = last.value.name.lower() if last.type == "ODATA_IDENTIFIER" and not last.value.namespace else ""
    return word in _OPERATOR_WORDS and len(held) > 1  # the lexer takes `eq` with no space after it for a name


def _parse(tokens: _Tokens, items: list[Any], end: int) -> ast._Node:
    text = tokens.text
    try:
        tree: ast._Node = _odl_parser()().parse(iter(items))
    except ParsingException as exc:
        if _cut_short(items, None if exc.eof else exc.token):
            raise FilterError(f"Expression expected at position {end} in '{text}'.") from None
        if exc.eof:
            raise FilterError(f"Syntax error at position {end} in '{text}'.") from None
        raise FilterError(tokens.syntax_error(exc.token)) from None
    except UnknownFunctionException as exc:
        raise FilterError(unknown_function(exc.function_name)) from None
    except ArgumentCountException as exc:
        raise FilterError(no_signature(exc.function_name)) from None
    except ODataException:
        raise FilterError(f"Syntax error at position {end} in '{text}'.") from None
    if tree is None:
        raise FilterError(f"Expression expected at position 0 in '{text}'.")
    _declare(tree, {IT})
    return tree


def _declare(node: Any, declared: set[str]) -> None:
    """Each lambda's range variable is new where it is declared, `$it` included (ODL's parser refuses it twice)."""
    pending: list[tuple[Any, frozenset[str]]] = [(node, frozenset(declared))]
    while pending:
        item, names = pending.pop()
        if isinstance(item, ast.CollectionLambda) and item.lambda_ is not None:
            name = item.lambda_.identifier.name
            if name in names:
                raise FilterError(f"The range variable '{name}' has already been declared.")
            pending.append((item.owner, names))
            pending.append((item.lambda_.expression, names | {name}))
            continue
        if isinstance(item, ast._Node):
            for value in vars(item).values():
                for child in value if isinstance(value, list) else [value]:
                    if isinstance(child, ast._Node):
                        pending.append((child, names))


# -- what parsing and checking say of a function call ---------------------------------------------------------

# ODL's BuiltInUriFunctions (7.x): the parameter types of each signature, "?" marking Nullable=true.
_S, _I, _I_, _DUR = "Edm.String?", "Edm.Int32", "Edm.Int32?", "Edm.Duration"
_DTO, _DATE, _TOD = "Edm.DateTimeOffset", "Edm.Date", "Edm.TimeOfDay"
SIGNATURES: dict[str, list[tuple[str, ...]]] = {
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


# ODL's words when an expression nests deeper than its parser recurses (ODataUriParserSettings' limits).
TOO_DEEP = "Recursion depth exceeded allowed limit."


def operands(node: ast.BoolOp) -> list[ast._Node]:
    """The operands of a chain of one boolean operator (`a or b or c ...`), gathered without recursion: a long
    chain (a filter over 500 extensions) is as deep as it is long."""
    found: list[ast._Node] = []
    pending: list[ast._Node] = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, ast.BoolOp) and type(item.op) is type(node.op):
            pending.extend((item.right, item.left))
        else:
            found.append(item)
    return found


def full_name(function: ast.Identifier) -> str:
    return ".".join((*function.namespace, function.name))


def unknown_function(name: str) -> str:
    return (
        f"An unknown function with name '{name}' was found. This may also be a function import or a key lookup "
        "on a navigation property, which is not allowed."
    )


def no_signature(name: str) -> str:
    considered = "; ".join(
        f"{name}({', '.join(kind[:-1] + ' Nullable=true' if kind.endswith('?') else kind for kind in signature)})"
        for signature in SIGNATURES.get(name, [])
    )
    return (
        f"No function signature for the function with name '{name}' matches the specified arguments. "
        f"The function signatures considered are: {considered}."
    )
