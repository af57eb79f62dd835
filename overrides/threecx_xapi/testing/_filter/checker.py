"""Checking a parsed `$filter` against an entity type before anything is evaluated: every property the type lacks
and every operand or argument of the wrong Edm type is named, with ODL's messages, by `Checker`, which types each
node as ODL's binders do (its literal, operator and function result tables, the promotions between numeric types).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from odata_query import ast
from odata_query.visitor import NodeVisitor

from .._names import resolve_name
from . import casts
from .evaluator import FUNCTIONS
from .syntax import IT, SIGNATURES, TYPE_FUNCTIONS, FilterError, full_name, no_signature, operands, unknown_function

Enums = Mapping[str, tuple[str, ...]]  # an enum property (or collection of members) -> its members, by value


class Structured(Protocol):
    """An entity or complex type: its properties' Edm types ("Complex", "Collection" or "Collection(Edm.X)" for
    the structured ones), its enum members, and the type a structured property leads to."""

    @property
    def name(self) -> str: ...

    @property
    def types(self) -> Mapping[str, str]: ...

    @property
    def enums(self) -> Enums: ...

    def target(self, name: str) -> Structured | None: ...


@dataclass(frozen=True)
class Flat:
    """A type known by its property types alone: what a structured property leads to is not known."""

    name: str
    types: Mapping[str, str]
    enums: Enums = field(default_factory=dict)

    def target(self, name: str) -> Structured | None:
        return None


class One:
    """A single entity or complex value (a range variable, `$it`, a complex property)."""

    __slots__ = ("of",)

    def __init__(self, of: Structured) -> None:
        self.of = of


class Many:
    """A collection: of a structured type's values (`of`), or of primitives of type `item`."""

    __slots__ = ("item", "members", "of")

    def __init__(self, of: Structured | None, item: str = "?", members: tuple[str, ...] = ()) -> None:
        self.of, self.item, self.members = of, item, members  # members: an enum item type's


Kind = str | One | Many


def describe(kind: Kind) -> str:
    """A node's type as ODL names it in its messages."""
    if isinstance(kind, One):
        return kind.of.name
    if isinstance(kind, Many):
        return f"Collection({kind.of.name if kind.of is not None else kind.item})"
    return kind


def not_found(name: str, type_name: str) -> FilterError:
    return FilterError(f"Could not find a property named '{name}' on type '{type_name}'.")


# ODL's words when an `$orderby` item is not one primitive value (OrderByBinder).
ORDERBY_NOT_PRIMITIVE = "The $orderby expression must evaluate to a single value of primitive type."

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
_NO_HAS_SIGNATURES = "TypePromotionUtils_GetFunctionSignatures_Binary_UnreachableCodepath"  # ODL's internal error code

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
    """Names every property a type lacks and every operand or argument of the wrong type, as ODL's binders do:
    at the top level, after a `/` and inside lambda bodies, where a bare name is still one of `$it`'s."""

    def __init__(self, root: Structured) -> None:
        self.root = root
        self.variables: dict[str, Kind] = {}
        self.variable_members: dict[str, tuple[str, ...]] = {}  # a range variable over enum members -> them
        self.members: dict[int, tuple[str, ...]] = {}  # id of a node naming an enum value -> its type's members

    def _member(self, owner: Structured, written: str, node: ast._Node) -> Kind:
        declared = resolve_name(owner.types, written)
        if declared is None:
            raise not_found(written, owner.name)
        if declared in owner.enums:
            self.members[id(node)] = owner.enums[declared]
        kind = owner.types[declared]
        if kind == "Complex":
            leads_to = owner.target(declared)
            return One(leads_to) if leads_to is not None else "?"
        if kind == "Collection":
            leads_to = owner.target(declared)
            return Many(leads_to if leads_to is not None and leads_to.types else None)
        if kind.startswith("Collection("):
            return Many(None, kind.removeprefix("Collection(").removesuffix(")"), owner.enums.get(declared, ()))
        return kind

    def _check_members(self, node: ast.Compare) -> None:
        """A string compared with an enum property must name its members, exactly (ODL's enum binding)."""
        for named, other in ((node.left, node.right), (node.right, node.left)):
            members = self.members.get(id(named), ())
            literals = other.val if isinstance(other, ast.List) else [other]
            for literal in literals if members else ():
                text = literal.val if isinstance(literal, ast.String) else None
                # a flags enum's value may name several members: 'HoldCall, WelcomeMessageForIncomingCalls'
                if text is not None and any(part.strip() not in members for part in text.split(",")):
                    raise FilterError(f"The string '{text}' is not a valid enumeration type constant.")

    def _refuse(self, left: Kind, right: Kind, op: ast._Node) -> FilterError:
        return FilterError(
            "A binary operator with incompatible types was detected. Found operand types "
            f"'{describe(left)}' and '{describe(right)}' for operator kind '{_OPERATOR_NAMES[type(op)]}'."
        )

    def _single(self, op: ast._Node, *kinds: Kind) -> list[str]:
        """The operands' type names; a collection operand is ODL's "not a single value"."""
        if any(isinstance(kind, Many) for kind in kinds):
            raise FilterError(
                f"The operand for a binary operator '{_OPERATOR_NAMES[type(op)]}' is not a single value. "
                "Binary operators require both operands to be single values."
            )
        return [describe(kind) for kind in kinds]

    def visit_Identifier(self, node: ast.Identifier) -> Kind:
        if node.name in self.variables:
            if node.name in self.variable_members:
                self.members[id(node)] = self.variable_members[node.name]
            return self.variables[node.name]
        if node.name == IT:
            return One(self.root)
        return self._member(self.root, node.name, node)

    def visit_Attribute(self, node: ast.Attribute) -> Kind:
        owner = self.visit(node.owner)
        if isinstance(owner, One):
            return self._member(owner.of, node.attr, node)
        if isinstance(owner, Many):
            raise FilterError(
                f"The parent value for a property access of a property '{node.attr}' is not a single value. "
                "Property access can only be applied to a single value."
            )
        if owner in _UNKNOWN:
            return "?"
        raise not_found(node.attr, owner)

    def visit_Compare(self, node: ast.Compare) -> str:
        left, right = self.visit(node.left), self.visit(node.right)
        self._check_members(node)
        if type(node.comparator) in _OPERATOR_NAMES:
            left_name, right_name = self._single(node.comparator, left, right)
            if "null" not in (left_name, right_name) and not _compatible(left_name, right_name):
                raise self._refuse(left, right, node.comparator)
        return "Edm.Boolean"

    def visit_BoolOp(self, node: ast.BoolOp) -> str:
        kinds = [self.visit(operand) for operand in operands(node)]
        for left, right in zip(kinds, kinds[1:], strict=False):
            if {*self._single(node.op, left, right)} - {"Edm.Boolean", *_UNKNOWN}:
                raise self._refuse(left, right, node.op)
        return "Edm.Boolean"

    def visit_BinOp(self, node: ast.BinOp) -> str:
        left, right = self.visit(node.left), self.visit(node.right)
        result = _arithmetic_type(node.op, *self._single(node.op, left, right))
        if result is None:
            raise self._refuse(left, right, node.op)
        return result

    def visit_UnaryOp(self, node: ast.UnaryOp) -> str:
        operand = describe(self.visit(node.operand))
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

    def visit_Call(self, node: ast.Call) -> Kind:
        name = full_name(node.func)
        if name in TYPE_FUNCTIONS:
            return self._cast_or_isof(name, node.args)
        if name not in FUNCTIONS:
            raise FilterError(unknown_function(name))
        kinds = [self.visit(argument) for argument in node.args]
        arguments = [describe(kind) for kind in kinds]
        if name == "Emulator.has":
            self._check_has(node.args[0], kinds[0])
        if not any(
            len(signature) == len(arguments) and all(map(_accepts, signature, arguments))
            for signature in SIGNATURES[name]
        ):
            raise FilterError(no_signature(name))
        if name in ("round", "floor", "ceiling"):
            return str(arguments[0])
        return _RESULT_TYPES[name]

    def _check_has(self, flags: ast._Node, kind: Kind) -> None:
        """`has` takes an enum value on its left: ODL's promotion finds no `has` signature for any other type."""
        if isinstance(kind, Many):
            raise FilterError(
                "The operand for a binary operator 'Has' is not a single value. "
                "Binary operators require both operands to be single values."
            )
        if id(flags) not in self.members and describe(kind) not in _UNKNOWN:
            raise FilterError(f"An internal error '{_NO_HAS_SIGNATURES}' occurred.")

    def _cast_or_isof(self, name: str, arguments: list[ast._Node]) -> Kind:
        """Every argument bound first (a dotted one as DottedIdentifierBinder binds it), then ValidateIsOfOrCast."""
        constants: list[bool] = []
        kinds: list[Kind] = []
        for argument in arguments:
            written = casts.dotted(argument)
            if written is not None:
                constants.append(casts.check_dotted(written, self.root.name))
                kinds.append(One(self.root) if not constants[-1] else "?")
            else:
                kinds.append(self.visit(argument))
                constants.append(isinstance(argument, ast.String))
        if len(arguments) not in (1, 2):
            raise FilterError(casts.wrong_count(len(arguments)))
        target = casts.type_name(arguments[-1]) if constants[-1] else None
        if target is None or "." not in target or target.startswith("Edm.") and target not in casts.PRIMITIVES:
            raise FilterError(casts.NO_TYPE)
        if target.startswith("Collection("):
            raise FilterError(casts.COLLECTIONS)
        if len(arguments) == 2 and isinstance(kinds[0], Many):
            raise FilterError(casts.COLLECTIONS)
        if name == "cast" and len(arguments) == 2 and id(arguments[0]) in self.members and target != "Edm.String":
            raise FilterError(casts.ENUM_CAST)
        if name == "isof":
            return "Edm.Boolean"
        if target == self.root.name:
            return One(self.root)
        return target if target in casts.PRIMITIVES else "?"

    def visit_CollectionLambda(self, node: ast.CollectionLambda) -> str:
        owner = self.visit(node.owner)
        if not isinstance(owner, Many) and owner != "?":
            raise FilterError("Any/All may only be used following a collection.")
        if node.lambda_ is None:
            return "Edm.Boolean"
        item: Kind = "?"
        if isinstance(owner, Many):
            item = One(owner.of) if owner.of is not None else owner.item
        name = node.lambda_.identifier.name
        outer, outer_members = dict(self.variables), dict(self.variable_members)
        self.variables[name] = item
        self.variable_members.pop(name, None)
        if isinstance(owner, Many) and owner.members:
            self.variable_members[name] = owner.members  # `Tags/any(t: t eq 'MS')`: t is one of the members
        try:
            result = self.visit(node.lambda_.expression)
        finally:
            self.variables, self.variable_members = outer, outer_members
        if result not in ("Edm.Boolean", *_UNKNOWN):
            raise FilterError("The Any/All query expression must evaluate to a single boolean value.")
        return "Edm.Boolean"

    def visit_Null(self, node: ast.Null) -> str:
        return "null"

    def generic_visit(self, node: ast._Node) -> str:
        return _LITERAL_TYPES.get(type(node), "?")


def check_orderby(tree: ast._Node, root: Structured) -> tuple[str, ...]:
    """An `$orderby` item binds as a $filter expression does and must be one primitive (or enum) value; returns the
    members of its enum type by value (LINQ orders an enum by its number), or () for another type."""
    checker = Checker(root)
    if isinstance(checker.visit(tree), One | Many):
        raise FilterError(ORDERBY_NOT_PRIMITIVE)
    return checker.members.get(id(tree), ())
