"""`cast` and `isof` as ODL binds them (FunctionCallBinder.ValidateIsOfOrCast, DottedIdentifierBinder) and ASP.NET
Core OData evaluates them: the type comes last, as a quoted name or a primitive's or enum's dotted name; an unquoted
entity type is not one (ODL 7.x binds it to a cast node, not to a constant); one argument means `$it`.
"""

from __future__ import annotations

import math
from typing import Any

from odata_query import ast

from .syntax import FilterError, full_name

PRIMITIVES = frozenset(
    f"Edm.{name}"
    for name in (
        "Binary Boolean Byte Date DateTimeOffset Decimal Double Duration Guid Int16 Int32 Int64 SByte Single "
        "Stream String TimeOfDay Geography Geometry"
    ).split()
)
_INTEGERS = {"Edm.Byte", "Edm.SByte", "Edm.Int16", "Edm.Int32", "Edm.Int64"}
_NUMBERS = {*_INTEGERS, "Edm.Single", "Edm.Double", "Edm.Decimal"}

NO_TYPE = "Cast or IsOf Function must have a type in its arguments."
ENUM_CAST = "Enumeration type value can only be casted to or from string."
# ODL's MetadataBinder_CastOrIsOfCollectionsNotSupported and ..._WithWrongNumberOfOperands (wording from memory).
COLLECTIONS = "The Cast and IsOf functions do not support collection arguments or types."


def wrong_count(count: int) -> str:
    return (
        f"The Cast or IsOf expression has an invalid number of operands: number of operands is '{count}' "
        "and it should be 1 or 2."
    )


def not_entity(name: str) -> str:
    return f"The child type '{name}' in a cast was not an entity type. Casts can only be performed on entity types."


def dotted(node: ast._Node) -> str | None:
    """The dotted name an argument is (`Edm.String`, `Pbx.User`), or None for any other argument."""
    return full_name(node) if isinstance(node, ast.Identifier) and node.namespace else None


def type_name(node: ast._Node) -> str | None:
    """The type a cast's last argument names once bound: a quoted name, or a primitive's dotted name."""
    if isinstance(node, ast.String):
        return node.py_val
    name = dotted(node)
    return name if name is not None and (name in PRIMITIVES or not name.startswith("Edm.")) else None


def check_dotted(name: str, root_name: str) -> bool:
    """Whether a dotted argument binds to a constant (a primitive or an unknown non-Edm name, maybe an enum type);
    the root entity type binds to a cast node, an unknown Edm name is refused as DottedIdentifierBinder refuses it."""
    if name.startswith("Edm.") and name not in PRIMITIVES:
        raise FilterError(not_entity(name))
    return name != root_name


# -- evaluating ------------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """C#'s ToString() of a row value: `True`/`False` for a flag, the member's name for an enum (rows hold it)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return str(int(value))
    return str(value)


def cast(value: Any, target: str, declared: str) -> Any:
    """ASP.NET Core OData's cast of one value: to a string, between numbers, to its own type; otherwise null."""
    if value is None:
        return None
    if target == "Edm.String":
        return _text(value)
    if target == declared:
        return value
    if target in _NUMBERS and declared in _NUMBERS and not isinstance(value, (bool, str)):
        return int(value) if target in _INTEGERS else float(value)
    return None


def isof(value: Any, target: str, declared: str) -> bool:
    """`value is T` as LINQ's TypeIs answers it for the declared type: never for null."""
    return value is not None and target == declared
