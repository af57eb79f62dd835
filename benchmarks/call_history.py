"""Schema-valid CallHistoryView rows built from the document's own schema, with date-times and durations."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from threecx_xapi import registry

SCHEMA = "Pbx.CallHistoryView"
START = dt.datetime(2026, 9, 12, 8, 0, tzinfo=dt.UTC)


def _value(name: str, schema: dict[str, Any], row: int) -> Any:
    if schema.get("nullable") and row % 7 == 3:
        return None
    kind, fmt = schema.get("type"), schema.get("format")
    if fmt == "date-time":
        moment = START + dt.timedelta(seconds=row * 37, microseconds=(row * 1013) % 1_000_000)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if fmt == "duration":
        return f"PT{row % 3}H{row % 60}M{row % 60}.{row % 1000:03d}S"
    if kind == "integer":
        return (row * 31 + len(name)) % 100_000
    if kind == "boolean":
        return row % 2 == 0
    if kind == "string":
        return f"{name} {row}"
    raise ValueError(f"{SCHEMA}.{name}: no sample for {schema}")


def rows(count: int) -> list[dict[str, Any]]:
    properties: dict[str, Any] = registry.schemas()[SCHEMA]["properties"]
    return [{name: _value(name, schema, row) for name, schema in properties.items()} for row in range(count)]


def page_body(count: int) -> bytes:
    """An OData collection response of `count` rows, as a PBX sends it."""
    return json.dumps({"@odata.count": count, "value": rows(count)}, separators=(",", ":")).encode()
