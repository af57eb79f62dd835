"""Deterministic, schema-valid JSON values for the emulator, made from the document's own schemas.

The same seed, schema and row number always give the same value, so tests and the demo see stable data.
"""

from __future__ import annotations

import datetime
import random
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Nested objects below this depth are left out: XAPI payloads are shallow and some schemas are recursive.
MAX_DEPTH = 3
DEFAULT_PERIOD = (
    datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC),
    datetime.datetime(2026, 9, 30, 23, 59, 59, tzinfo=datetime.UTC),
)


def resolve(schemas: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """One flat schema: `$ref` followed, `allOf` merged, the first `oneOf`/`anyOf` choice taken."""
    while "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
    flat = {key: value for key, value in schema.items() if key not in ("allOf", "oneOf", "anyOf")}
    for part in schema.get("allOf", ()):
        resolved = resolve(schemas, part)
        properties = {**resolved.get("properties", {}), **flat.get("properties", {})}
        flat = {**resolved, **flat}
        if properties:
            flat["properties"] = properties
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            flat = {**resolve(schemas, schema[key][0]), **flat}
    return flat


def collection_items(schemas: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any] | None:
    """The item schema when `schema` is an OData collection response (`{"value": [...]}`), else None."""
    value = resolve(schemas, schema).get("properties", {}).get("value")
    if value is None or resolve(schemas, value).get("type") != "array":
        return None
    return dict(resolve(schemas, value)["items"])


@dataclass(frozen=True)
class FakeData:
    """Values for schemas of one document; `period` bounds every date-time it makes."""

    schemas: Mapping[str, Any]
    seed: int = 0
    period: tuple[datetime.datetime, datetime.datetime] = DEFAULT_PERIOD

    def rows(self, schema: Mapping[str, Any], count: int, *, salt: str) -> list[Any]:
        return [self.value(schema, salt=salt, row=row) for row in range(count)]

    def value(self, schema: Mapping[str, Any], *, salt: str, row: int = 0, name: str = "", depth: int = 0) -> Any:
        rng = random.Random(f"{self.seed}:{salt}:{row}:{name}")
        return self._value(resolve(self.schemas, schema), rng, salt=salt, row=row, name=name, depth=depth)

    def _value(self, schema: dict[str, Any], rng: random.Random, *, salt: str, row: int, name: str, depth: int) -> Any:
        if "enum" in schema:
            return schema["enum"][rng.randrange(len(schema["enum"]))]
        kind = schema.get("type", "object" if "properties" in schema else "string")
        if kind == "object":
            if depth >= MAX_DEPTH:
                return {}
            properties = {
                key: sub
                for key, sub in schema.get("properties", {}).items()
                if not key.startswith("@") and not sub.get("x-ms-navigationProperty")
                if depth + 1 < MAX_DEPTH or not _is_container(self.schemas, sub)
            }
            made = {
                key: self.value(sub, salt=salt, row=row, name=key, depth=depth + 1) for key, sub in properties.items()
            }
            # Start before end: SegmentStartTime precedes SegmentEndTime whatever the order of the properties.
            moments = chronological(
                key for key, sub in properties.items() if resolve(self.schemas, sub).get("format") == "date-time"
            )
            made.update(zip(moments, sorted(made[key] for key in moments), strict=True))
            for low, high in _integer_ranges(made):  # a range's bounds in order: ENL From/To, VlanIdMin/VlanIdMax
                made[low], made[high] = sorted((made[low], made[high]))
            return made
        if kind == "array":
            items = schema.get("items", {})
            return [self.value(items, salt=salt, row=row * 2 + i, name=name, depth=depth + 1) for i in range(2)]
        if kind == "boolean":
            return rng.random() < 0.5
        if kind == "integer":
            return _integer(schema, rng, name)
        if kind == "number":
            return round(rng.uniform(0, 100), 2)
        return self._string(schema, rng, row=row, name=name)

    def _string(self, schema: dict[str, Any], rng: random.Random, *, row: int, name: str) -> str:
        fmt = schema.get("format")
        if fmt == "date-time":
            start, end = self.period
            seconds = int((end - start).total_seconds())
            when = start + datetime.timedelta(seconds=rng.randrange(max(seconds, 1)))
            return when.strftime("%Y-%m-%dT%H:%M:%SZ")
        if fmt == "date":
            return self.period[0].date().isoformat()
        if fmt == "time":
            return f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:00"
        if fmt == "duration":
            if name.lower().startswith("loggedin"):
                return f"PT{rng.randrange(1, 9)}H{rng.randrange(60)}M{rng.randrange(60)}.{rng.randrange(10**6):06d}S"
            return f"PT{rng.randrange(10)}M{rng.randrange(60)}.{rng.randrange(10**6):06d}S"  # PBXs send microseconds
        if fmt == "uuid":
            return str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if fmt in ("byte", "base64url"):
            return "AAEC"
        return _named_string(name, row, rng, schema.get("maxLength"))


# (low, high) name pairs of a range, as suffixes (`LocalRTPPortStart`/`LocalRTPPortEnd`) or prefixes (`MinLength`).
_RANGE_SUFFIXES = (("From", "To"), ("Start", "End"), ("Min", "Max"))
_RANGE_PREFIXES = (("Min", "Max"),)


def _integer_ranges(made: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The pairs of integer properties of an object that are the two bounds of one range."""
    pairs = [(key, key[: -len(low)] + high) for key in made for low, high in _RANGE_SUFFIXES if key.endswith(low)]
    pairs += [(key, high + key[len(low) :]) for key in made for low, high in _RANGE_PREFIXES if key.startswith(low)]
    return [
        (low, high)
        for low, high in pairs
        if type(made[low]) is int and type(made.get(high)) is int  # exactly int: a bool is no bound
    ]


def _is_container(schemas: Mapping[str, Any], schema: Mapping[str, Any]) -> bool:
    resolved = resolve(schemas, schema)
    return resolved.get("type") in ("object", "array") or "properties" in resolved


# Where a date-time name puts it in an object's timeline: starts first, ends last, the rest between.
_FIRST_MOMENTS = ("start", "begin", "from", "created", "loggedin")
_LAST_MOMENTS = ("end", "stop", "to", "until", "loggedout")


def chronological(keys: Iterable[str]) -> list[str]:
    """Date-time property names in the order their moments happen (SegmentStartTime before SegmentEndTime)."""

    def rank(key: str) -> int:
        words = key.lower().removesuffix("time").removesuffix("date").removesuffix("dt")
        if any(word in words for word in _FIRST_MOMENTS):
            return 0
        return 2 if words.endswith(_LAST_MOMENTS) or "end" in words else 1

    return sorted(keys, key=rank)


def _integer(schema: dict[str, Any], rng: random.Random, name: str = "") -> int:
    low = max(int(schema.get("minimum", 0)), 0)
    high = min(int(schema.get("maximum", 1000)), low + 1000)
    if schema.get("format") == "uint8":
        high = min(high, 255)
    if "percent" in name.lower():
        high = min(high, 100)
    elif name.endswith("Type"):
        high = min(high, 12)  # DnType, SegmentType, SourceType: small codes of the PBX's enumerations
    return rng.randint(low, max(low, high))


_FIRST = ("Alex", "Sam", "Robin", "Kim", "Jo", "Chris", "Pat", "Lee")
_STATUSES = ("Answered", "Unanswered", "Redirected", "Voicemail")
_LAST = ("Smith", "O'Brien", "Jones", "Müller", "Garcia", "Novak", "Tanaka", "Brown")
# Values of the call log's plain-string columns, as real PBXs answer them.
_CALL_WORDS = {
    "direction": ("Inbound", "Outbound", "Internal", "Inbound Queue"),
    "calltype": ("Extension", "Queue", "System", "Digital Receptionist", "External"),
}


# Names a PBX's admin gives queues, ring groups, IVRs and groups; GRP0000 is the group every PBX starts with.
_SUBJECT_NAMES = {
    "Queues": ("Sales", "Support", "Billing", "Reception", "Orders", "Returns"),
    "RingGroups": ("Front Desk", "Warehouse", "Managers", "Night Shift"),
    "Receptionists": ("Main Menu", "After Hours", "Holiday Menu"),
    "Groups": ("DEFAULT", "Sales Team", "Support Team", "Head Office", "Branch Office"),
}
# Where a subject's numbers start, so a number in a report row names the subject holding it.
SUBJECT_STARTS = {"Queues": 800, "RingGroups": 700, "Receptionists": 600}


def subject_name(set_name: str, row: int) -> str | None:
    """The seeded name of row `row` of a set whose entities are named by their admin; None for other sets."""
    names = _SUBJECT_NAMES.get(set_name)
    if names is None:
        return None
    name = names[row % len(names)]
    return name if row < len(names) else f"{name} {row // len(names) + 1}"


def user_name(row: int) -> str:
    """The full name of the seeded user of this row (FirstName LastName), as reports and call history show it."""
    return f"{_FIRST[row % len(_FIRST)]} {_LAST[row % len(_LAST)]}"


def _named_string(name: str, row: int, rng: random.Random, max_length: int | None) -> str:
    """A plausible value for the common XAPI property names; the row keeps numbers and addresses unique."""
    lowered = name.lower()
    if lowered in _CALL_WORDS:
        words = _CALL_WORDS[lowered]
        text = words[rng.randrange(len(words))]
    elif lowered.endswith("callerid") or lowered.endswith("calleeid"):
        text = f"+44207946{row % 10000:04d}"  # E.164, from a range set aside for drama: no one's number
    elif lowered.endswith("historyid") or lowered == "cdrid":
        text = str(uuid.UUID(int=rng.getrandbits(128), version=4))  # a call's and a leg's ids are GUIDs
    elif lowered == "recordingurl":
        text = f"{100 + row}/[{user_name(row)}]_{100 + row}-{101 + row}_20260901000000({row + 1}).wav"  # a path
    elif lowered == "queue" or lowered.startswith("queue") and lowered.endswith(("number", "dn", "no")):
        text = str(SUBJECT_STARTS["Queues"] + row % 4)  # a report's rows are of the first queues, which exist
    elif lowered in ("number", "dn") or lowered.endswith(("number", "dn", "no")):
        text = str(100 + row)
    elif lowered.endswith(("available", "outdated")):
        text = "false"  # held as text by the PBX, read as a flag by clients
    elif lowered.endswith("status"):
        text = _STATUSES[rng.randrange(len(_STATUSES))]
    elif "email" in lowered:
        text = f"user{row}@example.com"
    elif lowered == "firstname":
        text = _FIRST[row % len(_FIRST)]
    elif lowered == "lastname":
        text = _LAST[row % len(_LAST)]
    elif lowered == "displayname":
        text = user_name(row)  # a user's display name is FirstName LastName, as Queues' agents name them
    elif "name" in lowered or lowered.endswith("agent"):
        text = f"{_FIRST[row % len(_FIRST)]} {_LAST[rng.randrange(len(_LAST))]}"
    else:
        text = f"{name or 'value'} {row}"
    return text[:max_length] if max_length else text
