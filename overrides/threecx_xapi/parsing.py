"""Response bodies into the generated attrs models: a strict fast path in C, the tolerant `from_dict` behind it.

    page = parse_json(CallHistoryViewCollectionResponse, response.content)

The fast path decodes the JSON with msgspec straight into typed values (ints, aware date-times, durations as
`timedelta`, enum members) and builds the attrs models from them, one positional call per object. It knows
exactly which fields the document declares: an unknown field or a value of an unexpected type makes it give up
on the whole body, and the generated `from_dict` parses it instead, keeping the unknown fields in
`additional_properties`. An unknown enum value needs no fallback: msgspec asks the enum's `_missing_`, which
keeps it (`is_known == False`). Both paths give equal models.

A model the fast path cannot describe (a union of models, a file) always takes the tolerant path. msgspec is
imported on the first parse, so importing an operation stays cheap.
"""

from __future__ import annotations

import datetime
import enum
import json
import sys
import threading
import types
import typing
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import attrs

from .types import UNSET, Unset

__all__ = ["datetime_from_json", "duration_from_json", "duration_to_json", "parse_json"]

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


class Model(Protocol):
    """What every generated model provides."""

    @classmethod
    def from_dict(cls, src_dict: Any) -> Any: ...


M = TypeVar("M", bound=Model)
Build = Callable[[Any], Any]


class Unsupported(TypeError):
    """The fast path cannot describe this model; it always takes the tolerant path."""


@attrs.frozen
class Plan:
    """How to decode one model fast: the msgspec decoder and the function that builds the attrs model."""

    decode: Callable[[bytes], Any]
    build: Build


_plans: dict[type, Plan | None] = {}
_wired: dict[type, tuple[type, Build]] = {}  # nested models, shared by every plan that contains them
_in_progress: set[type] = set()
_lock = threading.Lock()


def parse_json(model: type[M], content: bytes) -> M:
    """The model of a JSON body: strict and fast when everything is known, else `model.from_dict`."""
    plan = _plan(model)
    if plan is not None:
        import msgspec

        try:
            return typing.cast(M, plan.build(plan.decode(content)))
        except (msgspec.ValidationError, msgspec.DecodeError):
            pass  # something unknown or malformed: the tolerant path decides
    return typing.cast(M, model.from_dict(json.loads(content)))


def datetime_from_json(value: str) -> datetime.datetime:
    """An RFC 3339 date-time, fractions past microseconds rounded as the fast path does; else any ISO form."""
    import msgspec

    try:
        return msgspec.convert(value, datetime.datetime)
    except msgspec.ValidationError:
        return datetime.datetime.fromisoformat(value)


def duration_from_json(value: object) -> datetime.timedelta:
    """An ISO 8601 duration (`PT1M23.5S`, `-P1DT2H`) as a timedelta, exactly as the fast path reads it."""
    import msgspec

    if not isinstance(value, str):
        raise TypeError(f"a duration is an ISO 8601 string, got {type(value).__name__}")
    try:
        return msgspec.convert(value, datetime.timedelta)
    except msgspec.ValidationError as exc:
        raise ValueError(f"not an ISO 8601 duration of days, hours, minutes and seconds: {value!r}") from exc


def duration_to_json(value: datetime.timedelta) -> str:
    """The ISO 8601 form of a timedelta that `duration_from_json` reads back: `P1DT2H3M4.5S`, `-PT5S`, `PT0S`."""
    sign = "-" if value < datetime.timedelta(0) else ""
    value = abs(value)
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    time_part = "".join(f"{amount}{unit}" for amount, unit in ((hours, "H"), (minutes, "M")) if amount)
    if value.microseconds:
        time_part += f"{seconds}.{value.microseconds:06d}".rstrip("0") + "S"
    elif seconds:
        time_part += f"{seconds}S"
    day_part = f"{value.days}D" if value.days else ""
    if not day_part and not time_part:
        return "PT0S"
    return f"{sign}P{day_part}" + (f"T{time_part}" if time_part else "")


def _plan(model: type) -> Plan | None:
    if model in _plans:
        return _plans[model]
    with _lock:
        if model not in _plans:
            try:
                wire, build = _wire_model(model, top_level=True)
                _plans[model] = Plan(_decoder(wire), build)
            except (Unsupported, NameError):
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


class _ModelNames(dict[str, Any]):
    """Annotation namespace: the models a module imports only for type checking, found in `threecx_xapi.models`."""

    def __missing__(self, name: str) -> Any:
        from . import models

        try:
            return getattr(models, name)
        except AttributeError:
            raise KeyError(name) from None


def _is_model(hint: object) -> bool:
    return isinstance(hint, type) and attrs.has(hint) and hasattr(hint, "from_dict")


def _wire_model(model: type, top_level: bool) -> tuple[type, Build]:
    """A msgspec Struct mirroring `model` (JSON names, strict types) and the function building `model` from it."""
    import msgspec

    if not top_level and model in _wired:
        return _wired[model]
    if model in _in_progress:
        raise Unsupported(f"{model.__name__} contains itself")
    _in_progress.add(model)
    json_names: dict[str, str] | None = getattr(model, "_json_names", None)
    if json_names is None:
        raise Unsupported(f"{model.__name__} declares no JSON names")
    hints = typing.get_type_hints(model, globalns=vars(sys.modules[model.__module__]), localns=_ModelNames())
    fields = [field for field in attrs.fields(model) if field.init]
    struct_fields: list[Any] = []
    conversions: list[tuple[int, Build]] = []
    for index, field in enumerate(fields):
        wire, convert, optional = _wire_type(hints[field.name])
        default = UNSET if optional else msgspec.NODEFAULT
        struct_fields.append((field.name, wire, default))
        if convert is not None:
            conversions.append((index, convert))
    rename = {field.name: json_names[field.name] for field in fields}
    has_extra = any(field.name == "additional_properties" and not field.init for field in attrs.fields(model))
    annotations = [name for name in ODATA_ANNOTATIONS if name not in rename.values()] if top_level and has_extra else []
    for position, name in enumerate(annotations):
        struct_fields.append((f"annotation_{position}", Any, UNSET))
        rename[f"annotation_{position}"] = name
    struct = msgspec.defstruct(
        f"{model.__name__}Wire", struct_fields, rename=rename, forbid_unknown_fields=True, gc=False
    )
    build = _builder(model, len(fields), conversions, annotations)
    _in_progress.discard(model)
    if not top_level:
        _wired[model] = (struct, build)
    return struct, build


def _builder(model: type, count: int, conversions: list[tuple[int, Build]], annotations: list[str]) -> Build:
    import msgspec

    astuple = msgspec.structs.astuple

    if not conversions and not annotations:
        return lambda wire: model(*astuple(wire))

    def build(wire: Any) -> Any:
        values = astuple(wire)
        arguments = list(values[:count])
        for index, convert in conversions:
            value = arguments[index]
            if value is not UNSET and value is not None:
                arguments[index] = convert(value)
        instance = model(*arguments)
        extra = {name: value for name, value in zip(annotations, values[count:], strict=True) if value is not UNSET}
        if extra:
            instance.additional_properties = extra
        return instance

    return build


SCALARS = (bool, int, str, datetime.datetime, datetime.date, datetime.timedelta)


def _wire_type(hint: Any) -> tuple[Any, Build | None, bool]:
    """(the strict msgspec type, a converter to the attrs value or None, whether the field may be absent)."""
    is_union = isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union
    members = typing.get_args(hint) if is_union else (hint,)
    optional = Unset in members
    members = tuple(member for member in members if member is not Unset)
    nullable = type(None) in members
    members = tuple(member for member in members if member is not type(None))
    if len(members) != 1:
        raise Unsupported(f"union {hint!r}")
    wire, convert = _wire_value(members[0])
    return (wire | None if nullable else wire), convert, optional


def _wire_value(hint: Any) -> tuple[Any, Build | None]:
    import uuid

    if hint is float:
        return int | float, None  # from_dict keeps a JSON integer an int; so does this
    if hint in SCALARS or hint is uuid.UUID or hint is Any:
        return hint, None
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint, None  # msgspec asks the enum's _missing_ for an unknown value, which keeps it
    if _is_model(hint):
        return _wire_model(hint, top_level=False)
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        wire, convert = _wire_type(item)[:2]
        wire_list = types.GenericAlias(list, (wire,))
        return wire_list, None if convert is None else _list_of(convert)
    raise Unsupported(f"type {hint!r}")


def _list_of(convert: Build) -> Build:
    return lambda values: [None if value is None else convert(value) for value in values]
