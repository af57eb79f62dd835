"""Command-line text to the Python value a generated function takes, from the parameter's declared type.

    >>> to_python("2026-09-12T00:00:00Z", registry.get("GetCallLogData").parameter("periodFrom"))
    datetime.datetime(2026, 9, 12, 0, 0, tzinfo=datetime.timezone.utc)

The generated function then encodes the value as an OData literal (threecx_xapi.odata), exactly as for a
library call. `null` is None where the document allows null; every other failure is a `ValueError` whose
text names the parameter and what it expects, so the command line can print it as one line.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from ..codecs import parse_duration
from ..registry import Parameter

NULL = "null"
_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no")


def _integer(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError("an integer") from None


def _boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("true or false")


def _datetime(text: str) -> datetime.datetime:
    try:
        value = datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError("an ISO 8601 date-time such as 2026-09-12T00:00:00Z") from None
    if value.utcoffset() is None:
        # A PBX reads a bare date-time in its own zone; the user's intent must be explicit.
        raise ValueError("a date-time with an offset or Z, e.g. 2026-09-12T00:00:00Z")
    return value


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError("an ISO 8601 date such as 2026-09-12") from None


def _time(text: str) -> datetime.time:
    try:
        return datetime.time.fromisoformat(text.strip())
    except ValueError:
        raise ValueError("a time of day such as 08:30:00") from None


def _duration(text: str) -> datetime.timedelta:
    try:
        return parse_duration(text.strip())
    except ValueError:
        raise ValueError("an ISO 8601 duration such as PT1H30M or P1DT2H") from None


def _guid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise ValueError("a GUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301") from None


def _double(text: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise ValueError("a number") from None


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        raise ValueError("a decimal number") from None


def _string_list(text: str) -> list[str]:
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise ValueError("a comma-separated list without empty items, e.g. Id,Number")
    return items


_CONVERTERS: dict[str, Callable[[str], Any]] = {
    "Edm.String": str,
    "Edm.Int16": _integer,
    "Edm.Int32": _integer,
    "Edm.Int64": _integer,
    "Edm.Byte": _integer,
    "Edm.SByte": _integer,
    "Edm.Boolean": _boolean,
    "Edm.DateTimeOffset": _datetime,
    "Edm.Date": _date,
    "Edm.TimeOfDay": _time,
    "Edm.Duration": _duration,
    "Edm.Guid": _guid,
    "Edm.Double": _double,
    "Edm.Single": _double,
    "Edm.Decimal": _decimal,
    "Collection(Edm.String)": _string_list,
}


def _check_schema(value: Any, schema: dict[str, Any]) -> None:
    """The constraints the document states on the value itself (bounds, length, pattern, enum)."""
    allowed = schema.get("enum")
    if allowed is not None and value not in allowed:
        raise ValueError("one of " + ", ".join(str(item) for item in allowed))
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            raise ValueError(f"a number of at least {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            raise ValueError(f"a number of at most {schema['maximum']}")
    if isinstance(value, str):
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            raise ValueError(f"at most {schema['maxLength']} characters")
        # Date-times are checked by parsing; the document's pattern for them is stricter than ISO 8601 needs.
        if "pattern" in schema and schema.get("format") is None and not re.search(schema["pattern"], value):
            raise ValueError(f"text matching {schema['pattern']}")


def to_python(text: str, parameter: Parameter) -> Any:
    """The Python value for `parameter` written as `text` on the command line."""
    if text == NULL and parameter.nullable:
        return None
    converter = _CONVERTERS.get(parameter.edm_type)
    if converter is None:
        raise ValueError(f"parameter {parameter.name!r} has the type {parameter.edm_type}, which the CLI cannot read")
    try:
        value = converter(text)
        _check_schema(value, parameter.schema)
    except ValueError as exc:
        raise ValueError(f"parameter {parameter.name!r} ({parameter.edm_type}) expects {exc}, got {text!r}") from None
    return value
