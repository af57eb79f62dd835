"""Response bodies into the generated attrs models: one strict pass in C, the tolerant `from_dict` behind it.

    page = parse_json(CallHistoryViewCollectionResponse, response.content)

Each generated model describes its JSON form at build time (`_json_fields()`: each field's JSON name, Python
type and whether it may be absent, in constructor order). From that, on a model's first parse, this module
defines msgspec Structs and decodes a body straight into typed values (ints, aware date-times, durations as
`timedelta`, enum members), then builds the attrs models with one positional call per object.

A PBX newer than the document sends fields the document does not declare. The decoder stops at the first one,
learns it (the field is added to that model's Struct as a kept value) and decodes again; every later body of
that shape parses in one pass and keeps the new fields in `additional_properties`, as `from_dict` would. An
unknown enum value needs nothing: msgspec asks the enum's `_missing_`, which keeps it (`is_known == False`).
Only a value of another type than declared (or a model the fast path cannot describe: a union of models) goes to
the generated `from_dict`. Both paths give equal models. msgspec is imported on the first parse, so importing
an operation stays cheap.
"""

from __future__ import annotations

import datetime
import enum
import itertools
import json
import re
import threading
import types
import typing
import uuid
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from .model_support import ExtraFields
from .types import UNSET, Unset

__all__ = ["parse_json"]

# OData control information a PBX may add to any response object; kept in `additional_properties`, as from_dict does.
ODATA_ANNOTATIONS = (
    "@odata.context",
    "@odata.count",
    "@odata.nextLink",
    "@odata.deltaLink",
    "@odata.etag",
    "@odata.id",
    "@odata.type",
)
# How many undeclared fields one body may teach the decoder before the tolerant path takes it.
MAX_LEARNED_PER_BODY = 32
# msgspec's error for an undeclared field, and the steps of its path (text: re compiles them on first use).
_UNKNOWN_FIELD = r"(?s)^Object contains unknown field `(?P<name>.*?)`(?: - at `\$(?P<path>.*)`)?$"
_PATH_STEP = r"\.(?P<field>[^.\[]+)|\[(?P<index>\d+)\]"

# (JSON name, Python type without Unset, may be absent) for each constructor field, as the generator wrote them.
JsonFields = tuple[tuple[str, Any, bool], ...]


class Model(Protocol):
    """What every generated model provides."""

    @classmethod
    def from_dict(cls, src_dict: Any) -> Any: ...


M = TypeVar("M", bound=Model)
Build = Callable[[Any], Any]


class Unsupported(TypeError):
    """The fast path cannot describe this model; it always takes the tolerant path."""


class Plan(typing.NamedTuple):
    """How to decode one model fast: the msgspec decoder and the function that builds the attrs model."""

    decode: Callable[[bytes], Any]
    build: Build


_plans: dict[type, Plan | None] = {}
_wired: dict[type, tuple[type, Build]] = {}  # nested models, shared by every plan that contains them
_learned: dict[type, tuple[str, ...]] = {}  # JSON fields a PBX sent that the document does not declare
_in_progress: set[type] = set()
_lock = threading.RLock()


def parse_json(model: type[M], content: bytes) -> M:
    """The model of a JSON body: strict and fast when every value has its declared type, else `from_dict`.

    The cyclic garbage collector keeps running: a pause would leave every new row young at once, for one long
    scan of them all after the parse, slower than the short scans it makes while the rows are still in cache.
    """
    for _ in range(MAX_LEARNED_PER_BODY + 1):
        plan = _plan(model)
        if plan is None:
            break
        import msgspec

        try:
            return typing.cast(M, plan.build(plan.decode(content)))
        except msgspec.ValidationError as exc:
            if not _learn(model, str(exc)):
                break  # a value of another type: the tolerant path keeps what it can
        except msgspec.DecodeError:
            break  # not JSON: json.loads below raises the error callers expect
    return typing.cast(M, model.from_dict(json.loads(content)))


def _fields_of(model: type) -> JsonFields | None:
    describe = getattr(model, "_json_fields", None)
    return None if describe is None else typing.cast(JsonFields, describe())


def _keeps_extra(model: type) -> bool:
    return issubclass(model, ExtraFields)


def _learn(model: type, message: str) -> bool:
    """Add the undeclared field named by msgspec's error to the model it was found in; False if it is no such error."""
    match = re.match(_UNKNOWN_FIELD, message)
    if match is None:
        return False
    owner: Any = model
    for step in re.finditer(_PATH_STEP, match["path"] or ""):
        if step["index"] is not None:
            owner = _item_type(owner)
        else:
            fields = _fields_of(owner) if isinstance(owner, type) else None
            hint = next((hint for name, hint, _ in fields or () if name == step["field"]), None)
            owner = _without_none(hint)
        if owner is None:
            return False
    if not isinstance(owner, type) or _fields_of(owner) is None or not _keeps_extra(owner):
        return False
    with _lock:
        known = _learned.get(owner, ())
        if match["name"] in known:
            return False
        _learned[owner] = (*known, match["name"])
        _plans.clear()  # every Struct containing this model changes
        _wired.clear()
    return True


def _without_none(hint: Any) -> Any:
    members = [member for member in _members(hint) if member is not type(None)]
    return members[0] if len(members) == 1 else None


def _item_type(hint: Any) -> Any:
    return _without_none(typing.get_args(hint)[0]) if typing.get_origin(hint) is list else None


def _members(hint: Any) -> tuple[Any, ...]:
    is_union = isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union
    return typing.get_args(hint) if is_union else (hint,)


def _plan(model: type) -> Plan | None:
    plan = _plans.get(model, UNSET)
    if not isinstance(plan, Unset):
        return plan
    with _lock:
        if model not in _plans:
            try:
                wire, build = _wire_model(model, top_level=True)
                _plans[model] = Plan(_decoder(wire), build)
            except Unsupported:
                _plans[model] = None
            finally:
                _in_progress.clear()
        return _plans[model]


def _decoder(wire: Any) -> Callable[[bytes], Any]:
    import msgspec

    try:
        return msgspec.json.Decoder(wire).decode
    except TypeError as exc:  # msgspec refuses some unions: the model stays on the tolerant path
        raise Unsupported(str(exc)) from exc


def _wire_model(model: type, top_level: bool) -> tuple[type, Build]:
    """A msgspec Struct mirroring `model` (JSON names, strict types) and the function building `model` from it."""
    import msgspec

    if not top_level and model in _wired:
        return _wired[model]
    if model in _in_progress:
        raise Unsupported(f"{model.__name__} contains itself")
    fields = _fields_of(model)
    if fields is None:
        raise Unsupported(f"{model.__name__} describes no JSON fields")
    _in_progress.add(model)
    struct_fields: list[Any] = []
    rename: dict[str, str] = {}
    conversions: list[tuple[int, Build]] = []
    for index, (json_name, hint, may_be_absent) in enumerate(fields):
        wire, convert, nullable = _wire_type(hint)
        struct_fields.append(
            (f"f{index}", wire | None if nullable else wire, UNSET if may_be_absent else msgspec.NODEFAULT)
        )
        rename[f"f{index}"] = json_name
        if convert is not None:
            conversions.append((index, convert))
    declared = set(rename.values())
    kept = [name for name in _learned.get(model, ()) if name not in declared] if _keeps_extra(model) else []
    if top_level and _keeps_extra(model):
        kept += [name for name in ODATA_ANNOTATIONS if name not in declared and name not in kept]
    for position, name in enumerate(kept):
        struct_fields.append((f"x{position}", Any, UNSET))
        rename[f"x{position}"] = name
    struct = msgspec.defstruct(
        f"{model.__name__}Wire", struct_fields, rename=rename, forbid_unknown_fields=True, gc=False
    )
    build = _builder(model, len(fields), conversions, kept)
    _in_progress.discard(model)
    if not top_level:
        _wired[model] = (struct, build)
    return struct, build


def _builder(model: type, count: int, conversions: list[tuple[int, Build]], kept: list[str]) -> Build:
    import msgspec

    astuple = msgspec.structs.astuple

    if not conversions and not kept:
        simple: Any = lambda wire: model(*astuple(wire))  # noqa: E731
        simple.model = model  # lets a list of these be built without a call per item
        return typing.cast(Build, simple)

    def build(wire: Any) -> Any:
        values = astuple(wire)
        arguments = list(values[:count])
        for index, convert in conversions:
            value = arguments[index]
            if value is not UNSET and value is not None:
                arguments[index] = convert(value)
        kept_values = values[count:]
        if kept_values.count(UNSET) == len(kept_values):  # most bodies carry none of them: no dict to build
            return model(*arguments)
        extra = {name: value for name, value in zip(kept, kept_values, strict=True) if value is not UNSET}
        return model(*arguments, additional_properties=extra)

    return build


SCALARS = (bool, int, str, datetime.datetime, datetime.date, datetime.timedelta, uuid.UUID)


def _wire_type(hint: Any) -> tuple[Any, Build | None, bool]:
    """(the strict msgspec type, a converter to the attrs value or None, whether the field may be null)."""
    members = tuple(member for member in _members(hint) if member is not Unset)
    nullable = type(None) in members
    members = tuple(member for member in members if member is not type(None))
    if len(members) != 1:
        raise Unsupported(f"union {hint!r}")
    wire, convert = _wire_value(members[0])
    return wire, convert, nullable


def _wire_value(hint: Any) -> tuple[Any, Build | None]:
    if hint is float:
        return int | float, None  # from_dict keeps a JSON integer an int; so does this
    if hint in SCALARS or hint is Any:
        return hint, None
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint, None  # msgspec asks the enum's _missing_ for an unknown value, which keeps it
    if isinstance(hint, type) and hasattr(hint, "_json_fields"):
        return _wire_model(hint, top_level=False)
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        wire, convert, nullable = _wire_type(item)
        wire_list = types.GenericAlias(list, (wire | None if nullable else wire,))
        return wire_list, None if convert is None else _list_of(convert, nullable)
    raise Unsupported(f"type {hint!r}")


def _list_of(convert: Build, nullable: bool) -> Build:
    if nullable:
        return lambda values: [None if value is None else convert(value) for value in values]
    model = getattr(convert, "model", None)
    if model is None:
        return lambda values: [convert(value) for value in values]
    import msgspec

    astuple = msgspec.structs.astuple

    def rows(values: list[Any]) -> list[Any]:
        # A page of rows, the hot loop, run in C (no bytecode per row). Each decoded struct is let go as its row is
        # built, so the rows reuse its memory instead of fresh pages (the decoded list is ours alone): reversed,
        # then popped from the end.
        values.reverse()
        return list(itertools.starmap(model, map(astuple, itertools.islice(iter(values.pop, None), len(values)))))

    return rows
