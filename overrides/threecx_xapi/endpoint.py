"""One XAPI call, from arguments to result: the runtime every generated endpoint module calls.

A generated module describes its operation once, as an `Endpoint`, and each of its public functions hands its
arguments over in one call:

    ENDPOINT = Endpoint(
        "GetUserByNumber", "GET", "/Users(Number={Number})", 200, model(User),
        Param("number", "Number", KEY, "Edm.String"),
        Param("select", "$select", QUERY, "Collection(Edm.String)"),
    )

    def sync(number: str, *, client: XapiClient, select: list[str] | Unset = UNSET) -> User:
        return ENDPOINT.sync(locals())

The Endpoint builds the request (keys and function parameters as OData literals in the path, query options, the
If-Match header, the JSON body), sends it with the client's httpx client and reads the answer by its
Content-Type: JSON into the declared result; a file (`types.File`) for an operation that returns one. Every failure
on the way back is an `errors.XapiError`: a status the operation does not declare raises per status, a body it
cannot read raises `UnexpectedContent`, a connection or decoding failure raises `TransportError`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from enum import Enum
from http import HTTPStatus
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Generic, NoReturn, TypeVar

import httpx

from . import errors, odata, parsing
from ._extensions import OPERATION, STREAMED
from .types import UNSET, Response, media_type_of

if TYPE_CHECKING:
    from ._files import File, SavedFile

__all__ = [
    "COUNT",
    "EXPAND",
    "FILE",
    "FILTER",
    "FUNCTION",
    "HEADER",
    "KEY",
    "NO_CONTENT",
    "ORDERBY",
    "QUERY",
    "SEARCH",
    "SELECT",
    "SKIP",
    "TOP",
    "Endpoint",
    "Param",
    "Progress",
    "Result",
    "or_file",
    "model",
    "nullable_model",
    "value",
]

T = TypeVar("T")
M = TypeVar("M")

# Where a parameter goes: an entity key or a function parameter in the path, a query option, a header.
KEY = "key"
FUNCTION = "function"
QUERY = "query"
HEADER = "header"

# `progress(bytes_written, total_bytes_or_None)`, called after every chunk a streaming call writes.
Progress = Callable[[int, int | None], object]
CHUNK_SIZE = 1 << 16


class Param:
    """One parameter of an operation: its Python name, its document name, where it goes and its OData type."""

    __slots__ = ("edm_type", "location", "minimum", "name", "nullable", "python_name")

    def __init__(
        self,
        python_name: str,
        name: str,
        location: str,
        edm_type: str,
        *,
        nullable: bool = False,
        minimum: int | None = None,
    ) -> None:
        self.python_name = python_name
        self.name = name
        self.location = location
        self.edm_type = edm_type
        self.nullable = nullable
        self.minimum = minimum

    def __repr__(self) -> str:
        return f"Param({self.python_name!r}, {self.name!r}, {self.location!r}, {self.edm_type!r})"

    def encode(self, value: object) -> str:
        """The parameter's value as it goes on the wire; TypeError or ValueError naming it otherwise."""
        if self.location in (KEY, FUNCTION):
            return odata.path_literal(value, name=self.name, edm_type=self.edm_type, nullable=self.nullable)
        if self.edm_type.startswith("Collection("):
            return odata.comma_list(value, name=self.name)  # type: ignore[arg-type]  # comma_list checks it
        if self.name == "$search":
            return odata.search_phrase(value)  # type: ignore[arg-type]  # search_phrase checks it
        if self.location == QUERY:
            return odata.query_option(value, name=self.name, edm_type=self.edm_type, minimum=self.minimum)
        if not isinstance(value, str):
            raise TypeError(f"parameter {self.name!r} must be str, got {type(value).__name__}")
        return value


# The system query options of collection operations, alike in every one (the generator names them by option).
TOP = Param("top", "$top", QUERY, "Edm.Int64", minimum=0)
SKIP = Param("skip", "$skip", QUERY, "Edm.Int64", minimum=0)
SEARCH = Param("search", "$search", QUERY, "Edm.String")
FILTER = Param("filter_", "$filter", QUERY, "Edm.String")
COUNT = Param("count", "$count", QUERY, "Edm.Boolean")
ORDERBY = Param("orderby", "$orderby", QUERY, "Collection(Edm.String)")
SELECT = Param("select", "$select", QUERY, "Collection(Edm.String)")
EXPAND = Param("expand", "$expand", QUERY, "Collection(Edm.String)")


class Result(Generic[T]):
    """How an operation's success body becomes its result: `read(content)`, plus what kind of body it expects."""

    __slots__ = ("description", "files", "kind", "read")

    def __init__(self, kind: str, read: Callable[[bytes], T], description: str, *, files: bool = False) -> None:
        self.kind = kind  # "json", "file" or "none"
        self.read = read
        self.description = description
        self.files = files  # a JSON result that a PBX may answer as a file (a report download): give the File


def _no_content(content: bytes) -> None:
    return None


NO_CONTENT: Result[None] = Result("none", _no_content, "no content")


def _as_file(content: bytes) -> File:
    from ._files import File  # here: only a file answer loads it

    return File(content)


FILE: Result[File] = Result("file", _as_file, "a file")


def model(cls: type[M]) -> Result[M]:
    """A JSON object read into the generated model `cls`."""
    return Result("json", lambda content: parsing.parse_json(cls, content), f"a JSON {cls.__name__}")  # type: ignore[type-var]


def nullable_model(cls: type[M]) -> Result[M | None]:
    """A model that may be `null` (or no body at all)."""

    def read(content: bytes) -> M | None:
        if not content.strip() or content.strip() == b"null":
            return None
        return parsing.parse_json(cls, content)  # type: ignore[type-var]

    return Result("json", read, f"a JSON {cls.__name__} or null")


def value(cls: type[M]) -> Result[M]:
    """An enum or primitive result, bare (`"Active"`) as the document declares or wrapped as a PBX sends it
    (`{"@odata.context": ..., "value": "Active"}`)."""

    def read(content: bytes) -> M:
        data = json.loads(content)
        if isinstance(data, dict) and "value" in data:
            data = data["value"]
        if isinstance(cls, type) and issubclass(cls, Enum):
            if not isinstance(data, str | int) or isinstance(data, bool):
                raise TypeError(f"{cls.__name__} is a str or int, got {type(data).__name__}")
            return cls(data)
        if not isinstance(data, cls) or (isinstance(data, bool) and cls is not bool):
            raise TypeError(f"expected {cls.__name__}, got {type(data).__name__}")
        return data

    return Result("json", read, f"a JSON {cls.__name__}")


def or_file(result: Result[M]) -> Result[M | File]:
    """A JSON result that a PBX answers as a file (Download* reports come as CSV or XLSX): the File, then."""
    return Result(result.kind, result.read, result.description, files=True)


def _is_json(media_type: str | None) -> bool:
    # No Content-Type at all is read as JSON: a body that is not JSON then says so as UnexpectedContent.
    return media_type is None or media_type == "application/json" or media_type.endswith("+json")


class Endpoint(Generic[T]):
    """One operation: what to send (method, path, parameters, body) and how to read the answer."""

    __slots__ = ("body", "method", "operation_id", "parameters", "path", "result", "status")

    def __init__(
        self,
        operation_id: str,
        method: str,
        path: str,
        status: int,
        result: Result[T],
        *parameters: Param,
        body: type | None = None,
    ) -> None:
        self.operation_id = operation_id
        self.method = method
        self.path = path
        self.status = status
        self.result = result
        self.parameters = parameters
        self.body = body

    def __repr__(self) -> str:
        return f"<Endpoint {self.operation_id}: {self.method} {self.path}>"

    @property
    def is_collection(self) -> bool:
        """Whether the operation pages with `$top` and `$skip` (what `iterate` needs)."""
        return any(parameter.name == "$top" for parameter in self.parameters) and any(
            parameter.name == "$skip" for parameter in self.parameters
        )

    # -- the request --------------------------------------------------------------------------------------------

    def request(self, http: httpx.Client | httpx.AsyncClient, arguments: Mapping[str, Any]) -> httpx.Request:
        """The request for these arguments (a generated function's `locals()`), checked before anything is sent."""
        path, params, headers, body = self.encode(arguments)
        extra = {} if body is UNSET else {"json": body}
        # An absolute URL spares httpx a second parse to merge a relative one into its base URL (half its cost).
        url = str(http.base_url).rstrip("/") + path
        # httpx re-parses the URL for any params it is given, even none: give them only when there are some.
        request = http.build_request(self.method, url, params=params or None, headers=headers or None, **extra)
        request.extensions[OPERATION] = (self.operation_id, params, headers)
        return request

    def encode(self, arguments: Mapping[str, Any]) -> tuple[str, dict[str, str], dict[str, str], Any]:
        """(URL path, query options, headers, JSON body or UNSET): every argument checked and encoded, nothing sent.

        Raises TypeError or ValueError naming the parameter that cannot be sent as its OData type.
        """
        path_values: dict[str, str] = {}
        params: dict[str, str] = {}
        headers: dict[str, str] = {}
        for parameter in self.parameters:
            given = arguments.get(parameter.python_name, UNSET)
            if parameter.location in (KEY, FUNCTION):
                path_values[parameter.name] = parameter.encode(given)
            elif given is not UNSET:  # None is no option value: the encoder refuses it, naming the option
                (params if parameter.location == QUERY else headers)[parameter.name] = parameter.encode(given)
        body: Any = UNSET
        if self.body is not None and arguments.get("body", UNSET) is not UNSET:
            body = self._body(arguments["body"])
        url = self.path.format_map(path_values) if path_values else self.path
        return url, params, headers, body

    def _body(self, body: object) -> Any:
        """The JSON of a body: a model's `to_dict()`, or a dict of its JSON fields checked by reading it as one."""
        assert self.body is not None
        if isinstance(body, self.body):
            return body.to_dict()  # type: ignore[attr-defined]
        if isinstance(body, Mapping):
            try:
                checked = self.body.from_dict(dict(body))  # type: ignore[attr-defined]
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise TypeError(
                    f"body of {self.operation_id}: the dict is not a {self.body.__name__} ({type(exc).__name__}: {exc})"
                ) from None
            return checked.to_dict()
        raise TypeError(
            f"body of {self.operation_id} must be a {self.body.__name__} or a dict of its JSON fields, "
            f"got {type(body).__name__}"
        )

    # -- the answer ---------------------------------------------------------------------------------------------

    def read(self, response: httpx.Response) -> T:
        """The result of an answer: the declared success parsed, any other status raised as its XapiError."""
        if response.status_code != self.status:
            self.raise_for(response)
        result = self.result
        if result.kind == "none":
            return result.read(b"")
        if result.kind == "file":
            return self._file(response)  # type: ignore[return-value]
        if not _is_json(media_type_of(response.headers.get("Content-Type"))):
            if result.files:
                return self._file(response)  # type: ignore[return-value]
            raise errors.UnexpectedContent.of(self.operation_id, response, f"expected {result.description}")
        try:
            return result.read(response.content)
        except Exception as exc:  # whatever the body broke (JSON, UTF-8, a model's from_dict), it is the body's fault
            reason = f"expected {result.description} ({type(exc).__name__})"
            raise errors.UnexpectedContent.of(self.operation_id, response, reason) from exc

    def raise_for(self, response: httpx.Response) -> NoReturn:
        """Raise the XapiError of an answer the operation does not parse; a 404 from a PBX whose 3CX version has
        no such operation says so, since the route is missing there, not an entity."""
        reason = None
        if response.status_code == 404:
            from . import versions  # here: its table loads only to explain such an answer

            missing = versions.problem(self.operation_id, response.headers.get("X-3CX-Version"))
            reason = str(missing) if isinstance(missing, versions.OperationUnavailable) else None
        errors.raise_for_response(response, reason=reason)

    def detailed(self, response: httpx.Response) -> Response[T]:
        parsed = self.read(response) if response.status_code == self.status else None
        return Response(HTTPStatus(response.status_code), response.content, response.headers, parsed)

    @staticmethod
    def _file(response: httpx.Response) -> File:
        from ._files import File

        headers = response.headers
        return File.from_headers(response.content, headers.get("Content-Type"), headers.get("Content-Disposition"))

    # -- the four calls -----------------------------------------------------------------------------------------

    def send(self, arguments: Mapping[str, Any]) -> httpx.Response:
        http = arguments["client"].get_httpx_client()
        request = self.request(http, arguments)
        try:
            return http.send(request)  # type: ignore[no-any-return]
        except httpx.HTTPError as exc:
            raise errors.TransportError.from_exception(exc, request) from exc

    async def asend(self, arguments: Mapping[str, Any]) -> httpx.Response:
        http = arguments["client"].get_async_httpx_client()
        request = self.request(http, arguments)
        try:
            return await http.send(request)  # type: ignore[no-any-return]
        except httpx.HTTPError as exc:
            raise errors.TransportError.from_exception(exc, request) from exc

    def send_url(self, client: Any, url: str) -> httpx.Response:
        """GET a URL the PBX gave (a page's `@odata.nextLink`), for `read`."""
        http = client.get_httpx_client()
        request = http.build_request("GET", url)
        try:
            return http.send(request)  # type: ignore[no-any-return]
        except httpx.HTTPError as exc:
            raise errors.TransportError.from_exception(exc, request) from exc

    async def asend_url(self, client: Any, url: str) -> httpx.Response:
        http = client.get_async_httpx_client()
        request = http.build_request("GET", url)
        try:
            return await http.send(request)  # type: ignore[no-any-return]
        except httpx.HTTPError as exc:
            raise errors.TransportError.from_exception(exc, request) from exc

    def sync(self, arguments: Mapping[str, Any]) -> T:
        return self.read(self.send(arguments))

    def sync_detailed(self, arguments: Mapping[str, Any]) -> Response[T]:
        return self.detailed(self.send(arguments))

    async def asyncio(self, arguments: Mapping[str, Any]) -> T:
        return self.read(await self.asend(arguments))

    async def asyncio_detailed(self, arguments: Mapping[str, Any]) -> Response[T]:
        return self.detailed(await self.asend(arguments))

    # -- streaming a file ---------------------------------------------------------------------------------------

    def stream(self, arguments: Mapping[str, Any]) -> SavedFile:
        """Write the answer's body to `arguments["to"]` chunk by chunk, never holding it in memory whole."""
        sink = _Sink(arguments.get("to"), arguments.get("progress"))
        http = arguments["client"].get_httpx_client()
        request = self.request(http, arguments)
        request.extensions[STREAMED] = True
        try:
            response = http.send(request, stream=True)
            try:
                if response.status_code != self.status:
                    response.read()
                    self.raise_for(response)
                with sink.open(response) as write:
                    for chunk in response.iter_bytes(CHUNK_SIZE):
                        write(chunk)
            finally:
                response.close()
        except httpx.HTTPError as exc:
            raise errors.TransportError.from_exception(exc, request) from exc
        return sink.saved

    async def astream(self, arguments: Mapping[str, Any]) -> SavedFile:
        """The async twin of `stream`."""
        sink = _Sink(arguments.get("to"), arguments.get("progress"))
        http = arguments["client"].get_async_httpx_client()
        request = self.request(http, arguments)
        request.extensions[STREAMED] = True
        try:
            response = await http.send(request, stream=True)
            try:
                if response.status_code != self.status:
                    await response.aread()
                    self.raise_for(response)
                with sink.open(response) as write:
                    async for chunk in response.aiter_bytes(CHUNK_SIZE):
                        write(chunk)
            finally:
                await response.aclose()
        except httpx.HTTPError as exc:
            raise errors.TransportError.from_exception(exc, request) from exc
        return sink.saved


class _Sink:
    """Where a streaming call writes: a path (removed again when the download fails) or an open binary file."""

    def __init__(self, to: object, progress: object) -> None:
        if isinstance(to, str | os.PathLike):
            self.path: Path | None = Path(to)
        elif callable(getattr(to, "write", None)):
            self.path = None
        else:
            raise TypeError(f"to must be a path or a binary file open for writing, got {type(to).__name__}")
        if progress is not None and not callable(progress):
            raise TypeError(f"progress must be a callable(bytes_written, total), got {type(progress).__name__}")
        self.to = to
        self.progress: Progress | None = progress
        from ._files import SavedFile

        self.saved = SavedFile(self.path, None, None, 0)

    def open(self, response: httpx.Response) -> _Writing:
        from ._files import file_name_of

        headers = response.headers
        self.saved.file_name = file_name_of(headers.get("Content-Disposition"))
        self.saved.mime_type = media_type_of(headers.get("Content-Type"))
        length = headers.get("Content-Length")
        total = int(length) if length and length.isdigit() and "Content-Encoding" not in headers else None
        return _Writing(self, total)


class _Writing:
    def __init__(self, sink: _Sink, total: int | None) -> None:
        self.sink = sink
        self.total = total
        self.file: IO[bytes] | None = None

    def __enter__(self) -> Callable[[bytes], None]:
        sink = self.sink
        target: IO[bytes] = sink.path.open("wb") if sink.path is not None else sink.to  # type: ignore[assignment]
        self.file = target if sink.path is not None else None

        def write(chunk: bytes) -> None:
            target.write(chunk)
            sink.saved.size += len(chunk)
            if sink.progress is not None:
                sink.progress(sink.saved.size, self.total)

        return write

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: object) -> None:
        if self.file is not None:
            self.file.close()
            if exc_type is not None and self.sink.path is not None:
                self.sink.path.unlink(missing_ok=True)  # no half-written recording left behind as if complete
