"""What every generated model shares: the fields a PBX sent that the document does not declare, a repr of its
set fields with secrets masked, and the check of its field types before it is sent.

    User(id=7, auth_password="s3cret")   # repr: User(id=7, auth_password='***')
    InboundRule(rule_name=5).to_dict()   # TypeError: InboundRule.rule_name (JSON RuleName) must be str | None ...

Which fields are secret is decided once, when the package is generated (`is_secret_field` over the document's
schemas: `format: password`, or a string named like a password, PIN, secret, token or key); each model lists
its own in `_secret_fields`. Fields a PBX sent that the document does not declare are masked by the same rule.
"""

from __future__ import annotations

import datetime
import enum
import re
import types
import typing
import uuid
from typing import Any, Generic, TypeVar

import attrs

from .types import Unset

__all__ = ["MASK", "ExtraFields", "check_fields", "extra_fields_key", "is_secret_field", "model_repr"]

V = TypeVar("V")

MASK = "'***'"
# The last word of a field that holds a credential: AuthPassword, VMPIN, ClientSecret, APIKey, PinNumber, ...
# (text: re compiles and caches it on first use, so importing a model compiles nothing).
_SECRET_NAME = (
    r"(?i)(password|passwd|passcode|pin|pinnumber|secret|secretkey|token|tokens|apikey|privatekey|credentials?)$"
)


class ExtraFields(Generic[V]):
    """`additional_properties`, the fields a PBX sent that the document does not declare, as an openapi-python-
    client model has them (`model["NewField"]`, `model.additional_keys`), also given to the constructor
    (`User(first_name="Ann", additional_properties={"NewField": 1})`). The dict is made on first use: most rows
    carry none, and a page of 10,000 rows then holds no 10,000 empty dicts."""

    # The slot is here; each model declares it as an attrs field (keyword-only `additional_properties=`, default
    # None, compared by extra_fields_key), so a constructor stores a default rather than looking one up per row.
    __slots__ = ("_additional_properties",)
    _additional_properties: dict[str, V] | None

    @property
    def additional_properties(self) -> dict[str, V]:
        extra = self._additional_properties
        if extra is None:
            extra = self._additional_properties = {}
        return extra

    @additional_properties.setter
    def additional_properties(self, value: dict[str, V]) -> None:
        self._additional_properties = value

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties)

    def __getitem__(self, key: str) -> V:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: V) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties


def extra_fields_key(extra: dict[str, Any] | None) -> dict[str, Any]:
    """What models compare of their undeclared fields: none made yet equals none sent."""
    return {} if extra is None else extra


def is_secret_field(name: str, schema: Any = None) -> bool:
    """Whether a field holds a credential: `format: password`, or a secret's name on anything but a flag or a
    number (`AuthPassword` is secret, `AllowChangePassword: boolean` and `PinProtectTimeout` are not)."""
    schema = schema if isinstance(schema, dict) else {}
    if schema.get("format") == "password":
        return True
    kind = schema.get("type")
    kinds = set(kind) if isinstance(kind, list) else {kind}
    counts = kinds - {"null"} <= {"boolean", "integer", "number"} and bool(kinds - {"null", None})
    return not counts and re.search(_SECRET_NAME, name.replace("_", "")) is not None


def _declared_fields(cls: type) -> list[attrs.Attribute[Any]]:
    """The attrs fields of the document's properties, in constructor order (not `additional_properties`)."""
    return [field for field in attrs.fields(cls) if field.init and not field.name.startswith("_")]


def model_repr(model: Any, secrets: frozenset[str]) -> str:
    """`Name(field=value, ...)` with only the fields that are set, each secret one shown as '***'."""
    parts = []
    for field in _declared_fields(type(model)):
        value = getattr(model, field.name)
        if isinstance(value, Unset):
            continue
        parts.append(f"{field.name}={MASK if field.name in secrets and value is not None else repr(value)}")
    extra = getattr(model, "_additional_properties", None)  # not the property: a repr makes no dict
    if extra:
        shown = ", ".join(
            f"{key!r}: {MASK if _is_secret_value(key, value) else repr(value)}" for key, value in extra.items()
        )
        parts.append(f"additional_properties={{{shown}}}")
    return f"{type(model).__name__}({', '.join(parts)})"


def _is_secret_value(name: str, value: Any) -> bool:
    counts = isinstance(value, (bool, int, float))
    return not counts and re.search(_SECRET_NAME, name.replace("_", "")) is not None


def check_fields(model: Any) -> None:
    """A TypeError naming the first field whose value is not of its declared type; runs before a body is sent."""
    cls = type(model)
    describe = getattr(cls, "_json_fields", None)
    if describe is None:
        return
    for field, (json_name, hint, may_be_absent) in zip(_declared_fields(cls), describe(), strict=True):
        value = getattr(model, field.name)
        if isinstance(value, Unset) and may_be_absent:
            continue
        wrong = _wrong_type(value, hint)
        if wrong is not None:
            expected = _describe(hint) + (" (or left unset)" if may_be_absent else "")
            shown = "" if field.name in getattr(cls, "_secret_fields", ()) else f" ({_short(value)})"
            raise TypeError(f"{cls.__name__}.{field.name} (JSON {json_name}) must be {expected}, got {wrong}{shown}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _members(hint: Any) -> tuple[Any, ...]:
    is_union = isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union
    return typing.get_args(hint) if is_union else (hint,)


def _wrong_type(value: Any, hint: Any) -> str | None:
    """None when `value` fits `hint`, else the name of what it is (`int`, `list item 2: str`)."""
    for member in _members(hint):
        if _fits(value, member):
            return None
    if isinstance(value, list) and any(typing.get_origin(member) is list for member in _members(hint)):
        (item_hint,) = next(typing.get_args(m) for m in _members(hint) if typing.get_origin(m) is list)
        for position, item in enumerate(value):
            wrong = _wrong_type(item, item_hint)
            if wrong is not None:
                return f"list item {position}: {wrong}"
    return type(value).__name__


def _fits(value: Any, hint: Any) -> bool:
    if hint is Any:
        return True
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if typing.get_origin(hint) is list:
        (item_hint,) = typing.get_args(hint)
        return isinstance(value, list) and all(_wrong_type(item, item_hint) is None for item in value)
    if typing.get_origin(hint) is dict:
        return isinstance(value, dict)
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True  # a type the generator did not describe: from_dict and the PBX decide


def _describe(hint: Any) -> str:
    names = []
    for member in _members(hint):
        if member is type(None):
            names.append("None")
        elif typing.get_origin(member) is list:
            names.append(f"list[{_describe(typing.get_args(member)[0])}]")
        elif member in (datetime.datetime, datetime.date, datetime.timedelta):
            names.append(f"datetime.{member.__name__}")
        elif member is uuid.UUID:
            names.append("uuid.UUID")
        elif isinstance(member, type) and issubclass(member, enum.Enum):
            example = next(iter(member), None)
            names.append(
                f"{member.__name__}" + (f" (a member, e.g. {member.__name__}.{example.name})" if example else "")
            )
        else:
            names.append(getattr(member, "__name__", str(member)))
    return " | ".join(names)
