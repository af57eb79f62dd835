"""Checking a parsed `$filter` against an entity type before anything is evaluated: every property the type lacks
and every operand or argument of the wrong Edm type is named, with ODL's messages, by `Checker`, which types each
node as ODL's binders do (its literal, operator and function result tables, the promotions between numeric types).
"""

from __future__ import annotations

from collections.abc import Mapping

from odata_query import ast
from odata_query.visitor import NodeVisitor

from .._names import resolve_name
from .evaluator import FUNCTIONS, Types
from .syntax import SIGNATURES, FilterError, full_name, no_signature, operands, unknown_function

Enums = Mapping[str, frozenset[str]]  # an enum property -> the names of its members

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


class Checker(NodeVisitor):
    """Names every property the entity type lacks and every operand or argument of the wrong type, as ODL does."""

    def __init__(self, types: Types, type_name: str, enums: Enums) -> None:
        self.types = types
        self.type_name = type_name
        self.enums = enums
        self.variables: set[str] = set()

    def _check_members(self, node: ast.Compare) -> None:
        """A string compared with an enum property must name its members, exactly (ODL's enum binding)."""
        for named, other in ((node.left, node.right), (node.right, node.left)):
            if not isinstance(named, ast.Identifier) or named.name in self.variables:
                continue
            members = self.enums.get(resolve_name(self.enums, named.name) or "", frozenset())
            literals = other.val if isinstance(other, ast.List) else [other]
            for literal in literals if members else ():
                text = literal.val if isinstance(literal, ast.String) else None
                # a flags enum's value may name several members: 'HoldCall, WelcomeMessageForIncomingCalls'
                if text is not None and any(part.strip() not in members for part in text.split(",")):
                    raise FilterError(f"The string '{text}' is not a valid enumeration type constant.")

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
        self._check_members(node)
        if type(node.comparator) in _OPERATOR_NAMES and "null" not in (left, right) and not _compatible(left, right):
            raise self._refuse(left, right, node.comparator)
        return "Edm.Boolean"

    def visit_BoolOp(self, node: ast.BoolOp) -> str:
        kinds = [self.visit(operand) for operand in operands(node)]
        for left, right in zip(kinds, kinds[1:], strict=False):
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
        name = full_name(node.func)
        if name not in FUNCTIONS:
            raise FilterError(unknown_function(name))
        arguments = [self.visit(argument) for argument in node.args]
        if not any(
            len(signature) == len(arguments) and all(map(_accepts, signature, arguments))
            for signature in SIGNATURES[name]
        ):
            raise FilterError(no_signature(name))
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
