"""OData literals and query options, so nobody quotes by hand.

XAPI puts keys and function parameters in the URL path as OData literals: `/Users(42)`,
`/Users(Number='O''Brien')`, `Pbx.GetCallLogData(periodFrom=2026-09-12T00:00:00Z,...,hidePcalls=true)`.
Generated functions call `path_literal` for every one of them, from the type the document declares.

For `$filter`, build expressions instead of pasting input into strings:

    >>> str(F("Number") == "O'Brien")
    "Number eq 'O''Brien'"
    >>> str((F("Number").startswith("1") | F("Number").in_(["200", "201"])) & ~F("Enabled").eq(False))
    "(startswith(Number,'1') or Number in ('200','201')) and not (Enabled eq false)"
    >>> literal(datetime.datetime(2026, 9, 12, tzinfo=datetime.UTC))
    '2026-09-12T00:00:00Z'

A `Filter` is a `str`, so it goes straight into any `filter_=` argument.
"""

from __future__ import annotations

import datetime
import math
import re
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from enum import Enum
from typing import Any
from urllib.parse import quote

from .codecs import format_duration

__all__ = ["F", "Filter", "comma_list", "literal", "path_literal", "query_option", "search_phrase"]

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
_INTEGER_BOUNDS = {
    "Edm.Byte": (0, 2**8 - 1),
    "Edm.SByte": (-(2**7), 2**7 - 1),
    "Edm.Int16": (-(2**15), 2**15 - 1),
    "Edm.Int32": INT32,
    "Edm.Int64": INT64,
}
# OData punctuation that stays readable in a path segment; everything else outside unreserved is percent-encoded.
_PATH_SAFE = "'(),=:"
_IDENTIFIER_PATH = r"^[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*$"  # re caches it on first use


def _string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _datetime(value: datetime.datetime, name: str) -> str:
    offset = value.utcoffset() or datetime.timedelta(0)
    try:
        utc = value.replace(tzinfo=None) - offset
    except OverflowError:
        # A PBX reads date-times as UTC instants of years 1..9999 (.NET DateTimeOffset): say so before sending.
        raise ValueError(
            f"parameter {name!r} (Edm.DateTimeOffset): {value.isoformat()} is outside years 1..9999 in UTC, "
            "which a PBX cannot take"
        ) from None
    if offset % datetime.timedelta(minutes=1):
        # OData offsets are hours and minutes: an offset with seconds (old zoneinfo times) is sent in UTC.
        value, offset = utc.replace(tzinfo=datetime.UTC), datetime.timedelta(0)
    text = value.isoformat()
    return text.removesuffix("+00:00") + "Z" if not offset else text


def _duration(value: datetime.timedelta) -> str:
    """`duration'P1DT2H3M4.5S'`, the OData form of a timedelta (negative: `-P...`)."""
    return f"duration'{format_duration(value)}'"


def _double(value: float) -> str:
    """`1.5`, `1e+300`, and the ABNF's nanInfinity words (`NaN`, `INF`, `-INF`) for the values JSON cannot hold."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    return repr(float(value))


def _integer(value: int, bounds: tuple[int, int], name: str, edm_type: str) -> str:
    low, high = bounds
    if not low <= value <= high:
        raise ValueError(f"parameter {name!r} ({edm_type}) must be between {low} and {high}, got {value}")
    return str(value)


def _expects(name: str, expected: str, edm_type: str, value: object) -> TypeError:
    return TypeError(f"parameter {name!r} expects {expected} ({edm_type}), got {type(value).__name__}")


def _typed_literal(value: object, name: str, edm_type: str) -> str:
    """The OData literal of a non-None value checked against the declared Edm type."""
    if isinstance(value, Enum):
        value = value.value
    if edm_type == "Edm.String":
        if not isinstance(value, str):
            raise _expects(name, "str", edm_type, value)
        return _string(value)
    if edm_type in _INTEGER_BOUNDS:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _expects(name, "int", edm_type, value)
        return _integer(value, _INTEGER_BOUNDS[edm_type], name, edm_type)
    if edm_type == "Edm.Boolean":
        if not isinstance(value, bool):
            raise _expects(name, "bool", edm_type, value)
        return "true" if value else "false"
    if edm_type == "Edm.DateTimeOffset":
        if not isinstance(value, datetime.datetime):
            raise _expects(name, "datetime", edm_type, value)
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"parameter {name!r} needs a timezone-aware datetime (e.g. tzinfo=datetime.UTC)")
        return _datetime(value, name)
    if edm_type == "Edm.Date":
        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
            raise _expects(name, "date", edm_type, value)
        return value.isoformat()
    if edm_type == "Edm.TimeOfDay":
        if not isinstance(value, datetime.time):
            raise _expects(name, "time", edm_type, value)
        if value.tzinfo is not None:
            raise ValueError(f"parameter {name!r} ({edm_type}) takes a time without a timezone")
        return value.isoformat()
    if edm_type == "Edm.Duration":
        if not isinstance(value, datetime.timedelta):
            raise _expects(name, "timedelta", edm_type, value)
        return _duration(value)
    if edm_type == "Edm.Guid":
        if not isinstance(value, uuid.UUID):
            raise _expects(name, "uuid.UUID", edm_type, value)
        return str(value)
    if edm_type in ("Edm.Double", "Edm.Single"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _expects(name, "float", edm_type, value)
        try:
            return _double(float(value))
        except OverflowError:
            raise ValueError(f"parameter {name!r} ({edm_type}): the int is beyond the Edm.Double range") from None
    if edm_type == "Edm.Decimal":
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise _expects(name, "Decimal", edm_type, value)
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():
            raise ValueError(f"parameter {name!r}: {value!r} has no OData literal")
        return format(number, "f")
    raise TypeError(f"parameter {name!r} has the type {edm_type}, which has no path literal")


def path_literal(value: object, *, name: str, edm_type: str, nullable: bool) -> str:
    """The OData literal of a key or function parameter, percent-encoded once for the URL path.

    Raises TypeError (wrong Python type) or ValueError (None for a key or where the document forbids null, a
    naive datetime, a date-time outside years 1..9999 in UTC, an out-of-range integer), naming the parameter,
    before any request is sent. `nullable` is the registry's: False for every key, as OData has no null key.
    """
    if value is None:
        if not nullable:
            # Keys are never nullable (OData's keyPredicate has no null); the registry says which parameters are.
            raise ValueError(f"parameter {name!r} ({edm_type}) may not be None")
        return "null"
    try:
        return quote(_typed_literal(value, name, edm_type), safe=_PATH_SAFE)
    except UnicodeEncodeError:
        raise ValueError(f"parameter {name!r} ({edm_type}) holds text that is not valid Unicode") from None


def literal(value: object) -> str:
    """The OData literal of a Python value, typed by the value itself (for `$filter` expressions)."""
    return _literal(value, "value")


def _literal(value: object, name: str) -> str:
    """`literal`, naming `name` (a parameter or a filtered property) in its errors."""
    if isinstance(value, Filter | F):
        raise TypeError(
            f"{name!r} takes a value, not the $filter expression {str(value)!r}: compare properties with values "
            "and combine expressions with & and |"
        )
    if isinstance(value, Enum):
        value = value.value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _double(value)
    if isinstance(value, Decimal):
        return _typed_literal(value, name, "Edm.Decimal")
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, datetime.datetime):
        return _typed_literal(value, name, "Edm.DateTimeOffset")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return _typed_literal(value, name, "Edm.TimeOfDay")
    if isinstance(value, datetime.timedelta):
        return _duration(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} has no OData literal")


def comma_list(value: Iterable[str] | str, *, name: str) -> str:
    """One comma-joined value for an `explode: false` list option (`$select=Id,Number`)."""
    items = [value] if isinstance(value, str) else list(value)
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"{name} items must be str, got {type(item).__name__}")
        if not item.strip():
            raise ValueError(f"{name} has an empty item")
    return ",".join(items)


def query_option(value: object, *, name: str, edm_type: str, minimum: int | None = None) -> str:
    """A query option's value (`$top`, `$skip`, `$count`, `$filter`) checked against its declared type.

    Raises TypeError or ValueError naming the option before any request is sent, as for path literals;
    a string is sent as it is (a `$filter` is an expression, not a literal).
    """
    if edm_type == "Edm.String":
        if not isinstance(value, str):
            raise _expects(name, "str", edm_type, value)
        return str(value)  # a Filter is sent as the plain text it is
    text = _typed_literal(value, name, edm_type)
    if minimum is not None and isinstance(value, int) and value < minimum:
        raise ValueError(f"parameter {name!r} ({edm_type}) must be at least {minimum}, got {value}")
    return text


def search_phrase(value: str) -> str:
    """A `$search` value: a phrase with whitespace is double-quoted (with `"` and `\\` escaped) unless it already is."""
    if not isinstance(value, str):
        raise TypeError(f"$search must be str, got {type(value).__name__}")
    already_quoted = len(value) >= 2 and value.startswith('"') and value.endswith('"')
    if already_quoted or not any(character.isspace() for character in value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Filter(str):
    """A `$filter` expression; combine with `&` (and), `|` (or) and `~` (not)."""

    _is_or: bool = False

    def __bool__(self) -> bool:
        # `a and b` would silently keep only `b`: Python's and/or/not cannot build an OData expression.
        raise TypeError(
            f"a $filter expression has no truth value ({str(self)!r}): combine expressions with & (and), "
            "| (or) and ~ (not), not with Python's and/or/not or chained comparisons"
        )

    def __and__(self, other: object) -> Filter:
        return Filter(f"{_operand(self, 'and')} and {_operand(other, 'and')}")

    def __or__(self, other: object) -> Filter:
        combined = Filter(f"{_operand(self, 'or')} or {_operand(other, 'or')}")
        combined._is_or = True
        return combined

    def __invert__(self) -> Filter:
        return Filter(f"not ({self})")


def _operand(expression: object, operator: str) -> str:
    if not isinstance(expression, Filter):
        raise TypeError(f"'{operator}' combines Filter expressions, got {type(expression).__name__}")
    return f"({expression})" if operator == "and" and expression._is_or else str(expression)


class F:
    """A property path in a `$filter`: `F("Number") == "100"`, `F("Group/Name").contains("Sales")`."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, path: str) -> None:
        if not isinstance(path, str):
            raise TypeError(f"F() takes a property path as a str, like F('Number'), got {type(path).__name__}")
        if not re.match(_IDENTIFIER_PATH, path):
            raise ValueError(f"{path!r} is not an OData property path (names separated by '/')")
        self.path = path

    def __bool__(self) -> bool:
        raise TypeError(f"{self!r} has no truth value: build a $filter expression such as {self!r} == value")

    def _operand(self, value: Any) -> str:
        """The right side of a comparison: another property (`Price lt Cost`) or a value's literal."""
        return value.path if isinstance(value, F) else _literal(value, self.path)

    def _compare(self, operator: str, value: Any) -> Filter:
        return Filter(f"{self.path} {operator} {self._operand(value)}")

    def __eq__(self, value: Any) -> Filter:  # type: ignore[override]
        return self._compare("eq", value)

    def __ne__(self, value: Any) -> Filter:  # type: ignore[override]
        return self._compare("ne", value)

    def __lt__(self, value: Any) -> Filter:
        return self._compare("lt", value)

    def __le__(self, value: Any) -> Filter:
        return self._compare("le", value)

    def __gt__(self, value: Any) -> Filter:
        return self._compare("gt", value)

    def __ge__(self, value: Any) -> Filter:
        return self._compare("ge", value)

    def eq(self, value: Any) -> Filter:
        """`F(x).eq(None)` reads better than `F(x) == None` where linters object."""
        return self._compare("eq", value)

    def in_(self, values: Iterable[Any]) -> Filter:
        """`Number in ('200','201')`: `values` is a list (or any iterable) of values, never one str."""
        if isinstance(values, str | bytes | bytearray | memoryview | Mapping) or not isinstance(values, Iterable):
            raise TypeError(
                f"F({self.path!r}).in_() takes a list of values, like in_(['200', '201']), "
                f"not a {type(values).__name__}"
            )
        items = list(values)
        if not items:
            raise ValueError(f"{self.path} in (...) needs at least one value")
        return Filter(f"{self.path} in ({','.join(_literal(item, self.path) for item in items)})")

    def _function(self, function: str, value: str) -> Filter:
        if not isinstance(value, str) or isinstance(value, Filter):
            raise TypeError(f"{function}() takes a str, got {type(value).__name__}")
        return Filter(f"{function}({self.path},{_literal(value, self.path)})")

    def contains(self, value: str) -> Filter:
        return self._function("contains", value)

    def startswith(self, value: str) -> Filter:
        return self._function("startswith", value)

    def endswith(self, value: str) -> Filter:
        return self._function("endswith", value)

    def __repr__(self) -> str:
        return f"F({self.path!r})"
