"""Request paths to registry operations: segments read with the strict OData literal parser, never by regex."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from ..odata import literal
from ..registry import Operation, Parameter
from ._names import resolve_name
from .odata_abnf import ODataLiteralError, parse_literal, split_parameters

POSITIONAL = "#"  # a key written without its name: Users(42)

_KEY_SAFE = "'-._~!$&*+,;=:@"  # what a key literal keeps unescaped, as .NET's Uri.AbsoluteUri keeps it


def entity_segment(set_name: str, key: object) -> str:
    """`Users(1)`, `Users('O''Brien')`: an entity's canonical segment, as Location and `@odata.id` write it."""
    return f"{set_name}({quote(literal(key), safe=_KEY_SAFE)})"


class RouteError(Exception):
    """A request the router cannot map: `status` 404 for no such resource, 400 for a malformed literal."""

    def __init__(self, status: int, code: str, message: str, *, target: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.target = target  # the property the error is about, for the error body's details


@dataclass(frozen=True)
class Segment:
    """One path segment: `Users`, `Users(42)`, `Pbx.GetLogs(startDate=...,severity='x')`."""

    name: str
    arguments: tuple[tuple[str, str], ...] | None  # None: no parentheses; names are POSITIONAL for bare keys

    @property
    def text(self) -> str:
        """The segment as a context URL names it: `Users(42)`, `Users(Number='100')`."""
        if self.arguments is None:
            return self.name
        pairs = (value if name == POSITIONAL else f"{name}={value}" for name, value in self.arguments)
        return f"{self.name}({','.join(pairs)})"

    @property
    def shape(self) -> str:
        if self.arguments is None:
            return self.name
        return f"{self.name}({','.join(sorted(name for name, _ in self.arguments))})"


@dataclass(frozen=True)
class Match:
    operation: Operation
    segments: tuple[Segment, ...]
    arguments: dict[str, Any]  # by the parameter's document name, read as its Edm type
    keys: tuple[tuple[str, Any], ...]  # the first segment's key values: (property name or POSITIONAL, value)


def _raw_segments(raw_path: str) -> list[str]:
    """The path split on each `/` outside parentheses: `clientTimeZone='Asia/Taipei'` stays one argument.

    Clients send a time zone's `/` unencoded inside the quoted literal (the web client does), and a PBX takes it.
    """
    segments, start, depth, quoted = [], 0, 0, False
    text = raw_path.strip("/").replace("%27", "'")  # decoded now or after the split: the same quote
    for index, char in enumerate(text):
        if char == "'":
            quoted = not quoted  # a doubled quote toggles twice: still inside
        elif quoted:
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == "/" and depth == 0:
            segments.append(text[start:index])
            start = index + 1
    segments.append(text[start:])
    return segments


def request_segments(raw_path: str) -> tuple[Segment, ...]:
    """Segments of a request path after the service root, split on `/` outside literals, each percent-decoded once."""
    segments = []
    for raw in _raw_segments(raw_path):
        try:
            text = unquote(raw, errors="strict")
        except UnicodeDecodeError:  # Kestrel refuses a path whose escapes are no UTF-8 (%FF, a lone surrogate)
            raise RouteError(400, "BadRequest", f"path segment {raw!r} does not decode as UTF-8") from None
        name, parenthesis, rest = text.partition("(")
        if not parenthesis:
            segments.append(Segment(name, None))
            continue
        if not rest.endswith(")"):
            raise RouteError(400, "BadRequest", f"path segment {text!r} does not end with ')'")
        inner = rest[:-1]
        try:
            pairs = split_parameters(inner) if inner else []
        except ODataLiteralError as exc:
            raise RouteError(400, "BadRequest", f"path segment {text!r}: {exc}") from None
        segments.append(Segment(name, tuple((key or POSITIONAL, value) for key, value in pairs)))
    return tuple(segments)


def template_segments(path: str) -> tuple[Segment, ...]:
    """Segments of a registry path template: `/Users(Number={Number})` -> Segment('Users', (('Number', 'Number'),))."""
    segments = []
    for text in path.strip("/").split("/"):
        name, parenthesis, rest = text.partition("(")
        if not parenthesis:
            segments.append(Segment(name, None))
            continue
        pairs = []
        for part in filter(None, rest[:-1].split(",")):
            key, equals, placeholder = part.partition("=")
            pairs.append((key, placeholder.strip("{}")) if equals else (POSITIONAL, key.strip("{}")))
        segments.append(Segment(name, tuple(pairs)))
    return tuple(segments)


class Router:
    """Finds the operation for a method and path, and reads its path parameters as typed values."""

    def __init__(self, operations: Iterable[Operation]) -> None:
        self._routes: dict[tuple[str, tuple[str, ...]], tuple[Operation, tuple[Segment, ...]]] = {}
        self._key_names: dict[str, set[str]] = {}  # segment -> the names of its single key: Users -> {"Id"}
        self._key_types: dict[str, str] = {}  # segment -> the Edm type of its single key: Users -> Edm.Int32
        self._names: dict[tuple[str, ...], set[str]] = {}  # the names before a segment -> the names it may have
        self._argument_names: dict[tuple[str, ...], set[str]] = {}  # the names up to a segment -> its arguments'
        for operation in operations:
            template = template_segments(operation.path)
            self._routes[(operation.method, tuple(segment.shape for segment in template))] = (operation, template)
            names = tuple(segment.name for segment in template)
            for position, segment in enumerate(template):
                self._names.setdefault(names[:position], set()).add(segment.name)
                arguments = self._argument_names.setdefault(names[: position + 1], set())
                arguments.update(key for key, _ in segment.arguments or () if key != POSITIONAL)
                if segment.arguments is not None and [key for key, _ in segment.arguments] == [POSITIONAL]:
                    key = operation.parameter(segment.arguments[0][1])
                    self._key_names.setdefault(segment.name, set()).add(key.name)
                    self._key_types[segment.name] = key.edm_type
        self._shapes = {shapes for _, shapes in self._routes}

    def match(self, method: str, raw_path: str) -> Match:
        written = self._declared_names(request_segments(raw_path))
        positional = tuple(self._positional(segment) for segment in written)
        # `Users/1` is `Users(1)` (ASP.NET Core OData's key as segment), tried last: a declared route wins.
        for segments in (written, positional, self._declared_names(self._keys_as_segments(positional))):
            shapes = tuple(segment.shape for segment in segments)
            if (method, shapes) in self._routes:
                break
            if shapes in self._shapes:
                raise RouteError(405, "MethodNotAllowed", f"{method} is not allowed on {raw_path}")
        else:
            raise RouteError(404, "NotFound", f"no resource at {raw_path}")
        operation, template = self._routes[(method, shapes)]
        arguments: dict[str, Any] = {}
        keys: list[tuple[str, Any]] = []
        for position, (request_segment, template_segment) in enumerate(zip(segments, template, strict=True)):
            placeholders = dict(template_segment.arguments or ())
            for key, text in request_segment.arguments or ():
                parameter = operation.parameter(placeholders[key])
                arguments[parameter.name] = _read(parameter, text)
                if position == 0:
                    keys.append((key, arguments[parameter.name]))
        return Match(operation, segments, arguments, tuple(keys))

    def _declared_names(self, segments: Iterable[Segment]) -> tuple[Segment, ...]:
        """Segment and argument names as declared: ASP.NET Core routing matches a route's literals in any case."""
        resolved: list[Segment] = []
        for segment in segments:
            before = tuple(item.name for item in resolved)
            name = resolve_name(self._names.get(before, ()), segment.name) or segment.name
            arguments = None
            if segment.arguments is not None:
                # ODL's resolver, case-insensitive by default in ASP.NET Core OData 8, takes key names in any case too.
                declared = self._argument_names.get((*before, name), set()) | self._key_names.get(name, set())
                arguments = tuple(
                    (key if key == POSITIONAL else resolve_name(declared, key) or key, text)
                    for key, text in segment.arguments
                )
            resolved.append(Segment(name, arguments))
        return tuple(resolved)

    def _positional(self, segment: Segment) -> Segment:
        """`Users(Id=2)` as `Users(2)` when `Id` is the single key of `Users`; any other segment as it is."""
        if segment.arguments is None or len(segment.arguments) != 1:
            return segment
        ((name, text),) = segment.arguments
        if name in self._key_names.get(segment.name, ()):
            return Segment(segment.name, ((POSITIONAL, text),))
        return segment

    def _keys_as_segments(self, segments: tuple[Segment, ...]) -> tuple[Segment, ...]:
        """`Users/1/Groups` as `Users(1)/Groups`: a bare segment after a keyed set's bare name that names nothing."""
        collapsed: list[Segment] = []
        for segment in segments:
            previous = collapsed[-1] if collapsed else None
            before = tuple(item.name for item in collapsed)
            if (
                previous is not None
                and previous.arguments is None
                and segment.arguments is None
                and previous.name in self._key_types
                and segment.name not in self._names.get(before, ())
            ):
                key = _segment_key(segment.name, self._key_types[previous.name])
                collapsed[-1] = Segment(previous.name, ((POSITIONAL, key),))
            else:
                collapsed.append(segment)
        return tuple(collapsed)


def _segment_key(text: str, edm_type: str) -> str:
    """A key written as a segment: a string key may go unquoted there (KeySegmentTemplate adds the quotes)."""
    if edm_type == "Edm.String" and not text.startswith("'") and not text.endswith("'"):
        return f"'{text}'"
    return text


def _read(parameter: Parameter, text: str) -> Any:
    if text == "null" and parameter.edm_type == "Edm.String":
        # ASP.NET's model validation: a string parameter is required; '' is how a client says "all".
        raise RouteError(400, "", f"The {parameter.name} field is required.", target=parameter.name)
    try:
        return parse_literal(text, parameter.edm_type, nullable=parameter.nullable)
    except ODataLiteralError as exc:
        raise RouteError(
            400, "BadRequest", f"parameter {parameter.name!r} ({parameter.edm_type}): {text!r} is not valid: {exc}"
        ) from None
