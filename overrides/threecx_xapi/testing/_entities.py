"""The emulator's entity sets: rows in memory, found by key or alternate key, created, merged and deleted."""

from __future__ import annotations

import copy
import datetime
import itertools
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..odata import literal
from ..registry import Operation
from ._fakedata import FakeData, collection_items, resolve, subject_name
from ._numbering import STARTS, NumberError, NumberingPlan, group_number
from ._routes import POSITIONAL, RouteError, Segment, template_segments


def json_value(value: Any) -> Any:
    """A parsed path literal as it is held in a row."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value


# A user's forwarding profiles, as a V20 PBX names them (the web client shows the two custom ones by CustomName).
PROFILE_NAMES = ("Available", "Away", "Out of office", "Custom 1", "Custom 2")


@dataclass
class EntitySet:
    """One entity set, e.g. Users keyed by `Id` with the alternate key `Number`."""

    name: str
    key: str
    integer_key: bool
    item_schema: dict[str, Any]
    alternate_keys: set[str] = field(default_factory=set)
    rows: dict[Any, dict[str, Any]] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)  # the entity type's, resolved
    plan: NumberingPlan | None = None
    versions: dict[int, int] = field(default_factory=dict)  # id(row) -> version: the ETag
    _counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))  # a new version per change
    _last_id: int = 0  # the highest integer key ever held: a deleted entity's Id is never handed out again

    def seed(self, fake: FakeData, count: int) -> None:
        numbered = "Number" in self.properties
        free = self.plan.free_numbers(self.name, count) if numbered and self.plan and self.name in STARTS else None
        for row in range(count):
            entity = self.made(fake, row)
            if self.integer_key:
                entity[self.key] = row + 1
            if numbered and self.name == "Groups":
                entity["Number"] = group_number(row)
            elif free is not None:
                entity["Number"] = free[row]
            self._store(entity.get(self.key, row), entity)

    def made(self, fake: FakeData, row: int) -> dict[str, Any]:
        """Entity `row` as the PBX would hold it: the generated values, admin names, a user's forwarding profiles."""
        entity: dict[str, Any] = fake.value(self.item_schema, salt=self.name, row=row)
        name = subject_name(self.name, row)
        if name is not None and "Name" in self.properties:
            entity["Name"] = name
        if "ForwardingProfiles" in self.properties and "CurrentProfileName" in self.properties:
            entity["ForwardingProfiles"] = self._profiles(fake, row)
            entity["CurrentProfileName"] = PROFILE_NAMES[0]
        return entity

    def _profiles(self, fake: FakeData, row: int) -> list[dict[str, Any]]:
        """The five forwarding profiles every user of a PBX has, the first of them current."""
        items = resolve(fake.schemas, self.properties["ForwardingProfiles"]).get("items", {})
        profiles = []
        for position, name in enumerate(PROFILE_NAMES):
            profile = fake.value(items, salt="ForwardingProfiles", row=row * len(PROFILE_NAMES) + position)
            profiles.append({**profile, "Id": row * len(PROFILE_NAMES) + position + 1, "Name": name})
        return profiles

    def _store(self, key: Any, entity: dict[str, Any]) -> None:
        self.rows[key] = entity
        if isinstance(key, int):
            self._last_id = max(self._last_id, key)
        self.versions[id(entity)] = next(self._counter)

    def etag(self, entity: dict[str, Any]) -> str:
        return f'W/"{self.versions.get(id(entity), 0)}"'

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows.values())

    def find(self, arguments: Sequence[tuple[str, Any]]) -> dict[str, Any]:
        """The entity with these key values (the primary key, or an alternate key such as Number); 404 if none."""
        wanted = {self.key if name == POSITIONAL else name: json_value(value) for name, value in arguments}
        for entity in self.rows.values():
            if all(entity.get(name) == value for name, value in wanted.items()):
                return entity
        shown = ",".join(
            literal(value) if name == POSITIONAL else f"{name}={literal(value)}" for name, value in arguments
        )
        raise RouteError(404, "NotFound", f"{self.name}({shown}) does not exist")  # as the URL wrote the key

    def create(self, entity: dict[str, Any], fake: FakeData | None = None) -> dict[str, Any]:
        """Store a new entity; with `fake`, what the body leaves out takes the PBX's defaults, as a PBX answers a
        POST with the whole entity (keys and numbers aside: the PBX hands those out)."""
        # Annotations a client echoes back (InitTrunk's @odata.context) are not properties.
        entity = {name: value for name, value in copy.deepcopy(entity).items() if "@" not in name}
        if fake is not None:
            handed_out = {self.key, "Number", *self.alternate_keys}
            row = self._last_id if self.integer_key else len(self.rows)
            defaults = {name: value for name, value in self.made(fake, row).items() if name not in handed_out}
            named = " ".join(str(entity[part]) for part in ("FirstName", "LastName") if entity.get(part))
            if named and "DisplayName" in defaults:
                defaults["DisplayName"] = named  # the PBX shows a new user by the names it was given
            entity = {**defaults, **entity}
        if self.integer_key:  # the PBX numbers new entities itself from a database sequence, whatever Id was sent
            entity[self.key] = self._last_id + 1
        if entity.get(self.key) is None:
            raise RouteError(400, "BadRequest", f"a new {self.name} entity needs its key {self.key!r}")
        self._check_unique(entity, (self.key, *sorted(self.alternate_keys)))
        try:
            if self.plan is not None:
                self.plan.claim(self.name, entity)
        except NumberError as exc:
            raise RouteError(exc.status, "", exc.message, target=exc.target) from None
        if self.name == "Groups" and "Number" in self.properties and not entity.get("Number"):
            numbers = {str(row.get("Number")) for row in self.rows.values()}
            entity["Number"] = next(group_number(n) for n in itertools.count(1) if group_number(n) not in numbers)
        self._store(entity[self.key], entity)
        return entity

    def update(self, entity: dict[str, Any], changes: dict[str, Any]) -> None:
        """PATCH semantics: the properties sent replace those held; the key stays; Number never changes."""
        changes = {name: value for name, value in changes.items() if name != self.key and "@" not in name}
        if "Number" in self.properties:
            try:
                NumberingPlan.check_change(entity, changes)
            except NumberError as exc:
                raise RouteError(exc.status, "", exc.message, target=exc.target) from None
        self._check_unique(changes, sorted(self.alternate_keys), besides=entity)
        entity.update(changes)
        self.versions[id(entity)] = next(self._counter)

    def _check_unique(self, values: dict[str, Any], names: Iterable[str], besides: object = None) -> None:
        """Keys and alternate keys (Number) identify one entity: a second one is a 409, as on a PBX."""
        for name in names:
            value = values.get(name)
            if value is None:
                continue
            if any(other.get(name) == value for other in self.rows.values() if other is not besides):
                raise RouteError(409, "Conflict", f"{self.name} with {name}={value!r} already exists")

    def delete(self, entity: dict[str, Any]) -> None:
        del self.rows[entity[self.key]]
        self.versions.pop(id(entity), None)


def discover(operations: Iterable[Operation], schemas: dict[str, Any]) -> dict[str, EntitySet]:
    """Entity sets are the top-level segments addressed by key (`/Users({Id})`, `/Users(Number={Number})`)."""
    keyed: list[tuple[Operation, Segment]] = []
    for operation in operations:
        segments = template_segments(operation.path)
        if len(segments) == 1 and segments[0].arguments:
            keyed.append((operation, segments[0]))
    sets: dict[str, EntitySet] = {}
    # The positional key (`Users({Id})`) is the primary key; named ones (`Users(Number=...)`) are alternates.
    for operation, segment in sorted(keyed, key=lambda pair: pair[1].arguments[0][0] != POSITIONAL):  # type: ignore[index]
        key, placeholder = (segment.arguments or ())[0]
        if segment.name not in sets and key != POSITIONAL:
            continue  # named arguments alone make a function import, e.g. GetUpdateDetails(key=...,id=...)
        if segment.name not in sets:
            item_schema = _item_schema(operation, schemas)
            if item_schema is None:
                continue
            parameter = operation.parameter(placeholder)
            sets[segment.name] = EntitySet(
                name=segment.name,
                key=parameter.name,
                integer_key=parameter.edm_type.startswith("Edm.Int"),
                item_schema=item_schema,
                properties=resolve(schemas, item_schema).get("properties", {}),
            )
        if key != POSITIONAL:
            sets[segment.name].alternate_keys.add(key)
    return sets


def _item_schema(operation: Operation, schemas: dict[str, Any]) -> dict[str, Any] | None:
    """The entity type, from the GET-by-key operation's response."""
    schema = operation.response["schema"]
    if operation.method != "GET" or schema is None or collection_items(schemas, schema) is not None:
        return None
    return dict(schema)
