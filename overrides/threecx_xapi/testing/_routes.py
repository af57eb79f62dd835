"""Request paths to registry operations: segments read with the strict OData literal parser, never by regex."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from ..registry import Operation, Parameter
from .odata_abnf import ODataLiteralError, parse_literal, split_parameters

POSITIONAL = "#"  # a key written without its name: Users(42)


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
        text = unquote(raw, errors="strict")
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
        for operation in operations:
            template = template_segments(operation.path)
            self._routes[(operation.method, tuple(segment.shape for segment in template))] = (operation, template)
            for segment in template:
                if segment.arguments is not None and [key for key, _ in segment.arguments] == [POSITIONAL]:
                    key = operation.parameter(segment.arguments[0][1]).name
                    self._key_names.setdefault(segment.name, set()).add(key)
        self._shapes = {shapes for _, shapes in self._routes}

    def match(self, method: str, raw_path: str) -> Match:
        segments = request_segments(raw_path)
        shapes = tuple(segment.shape for segment in segments)
        if (method, shapes) not in self._routes and shapes not in self._shapes:
            # `Users(Id=2)` is `Users(2)`: OData lets a single key be written with its property's name.
            segments = tuple(self._positional(segment) for segment in segments)
            shapes = tuple(segment.shape for segment in segments)
        route = self._routes.get((method, shapes))
        if route is None:
            if shapes in self._shapes:
                raise RouteError(405, "MethodNotAllowed", f"{method} is not allowed on {raw_path}")
            raise RouteError(404, "NotFound", f"no resource at {raw_path}")
        operation, template = route
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

    def _positional(self, segment: Segment) -> Segment:
        """`Users(Id=2)` as `Users(2)` when `Id` is the single key of `Users`; any other segment as it is."""
        if segment.arguments is None or len(segment.arguments) != 1:
            return segment
        ((name, text),) = segment.arguments
        if name in self._key_names.get(segment.name, ()):
            return Segment(segment.name, ((POSITIONAL, text),))
        return segment


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
