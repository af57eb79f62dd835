"""OData query options over rows: checked against the entity type as a PBX checks them, then applied.

`$filter`, `$search`, `$orderby`, `$count`, `$skip`, `$top` (capped on entity sets, as a PBX caps it),
`$select`, `$expand` with nested options (`Members($select=Number;$top=5)`), and server-driven paging with
`@odata.nextLink`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._fakedata import resolve
from ._filter import FilterError, compile_filter

Row = Mapping[str, Any]

# OData 4.01 system query options (section 5 of part 2); any other `$name` is refused, as ASP.NET Core OData does.
SYSTEM_OPTIONS = frozenset(
    {"$filter", "$select", "$expand", "$orderby", "$top", "$skip", "$count", "$search", "$format", "$skiptoken"}
    | {"$compute", "$apply", "$index", "$schemaversion", "$deltatoken", "$levels", "$id"}
)


@dataclass(frozen=True)
class EntityType:
    """What query options may name: the type's properties with their Edm types, and its navigation properties."""

    name: str  # "Pbx.User"
    types: dict[str, str]
    navigation: frozenset[str] = field(default_factory=frozenset)
    # The type a navigation property leads to (its items' for a collection), for nested $expand options.
    target: Callable[[str], EntityType | None] = field(default=lambda name: None, compare=False, repr=False)


def entity_type(schemas: Mapping[str, Any], schema: Mapping[str, Any]) -> EntityType:
    name = schema.get("$ref", "").rsplit("/", 1)[-1] or str(schema.get("title", "Pbx.Entity"))
    properties = resolve(schemas, schema).get("properties", {})
    types = {key: _edm_type(schemas, sub) for key, sub in properties.items() if not key.startswith("@")}
    navigation = frozenset(key for key, sub in properties.items() if sub.get("x-ms-navigationProperty"))

    def target(navigation_property: str) -> EntityType | None:
        property_schema = properties.get(navigation_property)
        if property_schema is None:
            return None
        flat = resolve(schemas, property_schema)
        leads_to = flat.get("items", property_schema) if flat.get("type") == "array" else property_schema
        ref = next((part for part in [leads_to, *leads_to.get("allOf", ())] if "$ref" in part), leads_to)
        return entity_type(schemas, ref)

    return EntityType(name, types, navigation, target)


def _edm_type(schemas: Mapping[str, Any], schema: Mapping[str, Any]) -> str:
    flat = resolve(schemas, schema)
    if "enum" in flat:
        return "?"  # an enum compares with its member's name in quotes
    kind, fmt = flat.get("type"), flat.get("format")
    if kind == "string":
        formats = {"date-time": "Edm.DateTimeOffset", "uuid": "Edm.Guid", "duration": "Edm.Duration"}
        return {**formats, "date": "Edm.Date", "time": "Edm.TimeOfDay"}.get(str(fmt), "Edm.String")
    if kind == "integer":
        return {"int64": "Edm.Int64", "int16": "Edm.Int16", "uint8": "Edm.Byte"}.get(str(fmt), "Edm.Int32")
    if kind == "number":
        return "Edm.Decimal" if fmt == "decimal" else "Edm.Double"
    if kind == "boolean":
        return "Edm.Boolean"
    if kind == "array":
        return "Collection"
    if kind == "object" or "properties" in flat:
        return "Complex"
    return "?"


class QueryError(FilterError):
    """A query option the PBX would refuse; the handler answers 400 with this message."""


def query_options(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Options by name, each system query option under its `$name`: an OData 4.01 service takes their names in
    any case, with or without the `$` (part 2, 5), as ASP.NET Core OData does by default (`top=5`, `$Top=5`).

    An option given twice is refused, with Microsoft.OData's message; other names are kept as sent."""
    options: dict[str, str] = {}
    for name, value in pairs:
        folded = "$" + name.lower().removeprefix("$")
        key = folded if folded in SYSTEM_OPTIONS else name
        if key in options:
            raise QueryError(
                f"Query option '{key}' was specified more than once, but it must be specified at most once."
            )
        options[key] = value
    return options


# System query options the emulator does not evaluate: answering without them would be a wrong answer, so a
# request carrying one is a 501, as OData part 1 (9.3.1) asks of a service lacking a feature.
UNEVALUATED_OPTIONS = ("$apply", "$compute", "$deltatoken", "$id", "$index")


def unevaluated_option(options: Mapping[str, str]) -> str | None:
    """The first system query option of `options` the emulator does not evaluate, or None."""
    return next((name for name in UNEVALUATED_OPTIONS if name in options), None)


def check_options(options: Mapping[str, str], entity: EntityType | None) -> None:
    """Unknown system query options, and properties the entity type lacks in $select/$orderby/$expand/$filter."""
    for name in options:
        if name.startswith("$") and name not in SYSTEM_OPTIONS:
            raise QueryError(f"The query parameter '{name}' is not supported.")
    if entity is None:
        return
    for name in _names(options.get("$select")):
        if name != "*":
            _known(entity, name.split("/", 1)[0])
    for clause in _names(options.get("$orderby")):
        _known(entity, clause.split(" ", 1)[0].split("/", 1)[0])
    for name, nested in expand_items(options):
        _known(entity, name)
        if name not in entity.navigation:
            raise QueryError(
                f"Property '{name}' on type '{entity.name}' is not a navigation property or complex property. "
                "Only navigation properties can be expanded."
            )
        for option in nested:
            if option not in NESTED_OPTIONS:
                raise QueryError(f"The query option '{option}' is not allowed inside $expand={name}(...).")
        if nested:
            check_options(nested, entity.target(name))
    if "$filter" in options:
        compile_filter(options["$filter"], entity.types, entity.name)


# The options an expanded navigation property may carry in parentheses (OData 4.01 part 2, 5.1.3).
NESTED_OPTIONS = frozenset(
    {"$select", "$expand", "$filter", "$orderby", "$top", "$skip", "$count", "$search", "$levels"}
)


def expanded(options: Mapping[str, str]) -> list[str]:
    """The navigation properties `$expand` names."""
    return [name for name, _ in expand_items(options)]


def expand_items(options: Mapping[str, str]) -> list[tuple[str, dict[str, str]]]:
    """Each navigation property `$expand` names with its nested options: `Members($select=Number;$top=5)`."""
    items = []
    for item in _names(options.get("$expand")):
        if item == "*":
            continue
        name, _, rest = item.partition("(")
        pairs = (option.partition("=") for option in _split(rest.strip().removesuffix(")"), ";"))
        items.append((name.strip(), query_options((key.strip(), value.strip()) for key, _, value in pairs)))
    return items


def _selected(name: str, kept: set[str]) -> bool:
    """Whether `$select` keeps a field: a kept property carries its annotations (`Members@odata.count`)."""
    return name in kept or name.partition("@")[0] in kept


def expand_value(value: Any, options: Mapping[str, str], target: EntityType | None) -> tuple[Any, int | None]:
    """(an expanded navigation property's value with its nested options applied, its `@odata.count` if asked)."""
    if isinstance(value, list):
        body = collection(value, options, target)
        return body["value"], body.get("@odata.count")
    if isinstance(value, Mapping) and "$select" in options:
        kept = set(_names(options["$select"])) | set(expanded(options))
        return {name: item for name, item in value.items() if _selected(name, kept)}, None
    return value, None


def _names(text: str | None) -> list[str]:
    """Comma-separated items, commas inside parentheses left alone: `Groups($select=Id,Name),Phones`."""
    return _split(text, ",")


def _split(text: str | None, separator: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for character in text or "":
        depth += {"(": 1, ")": -1}.get(character, 0)
        if character == separator and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += character
    return [part.strip() for part in [*parts, current] if part.strip()]


def _known(entity: EntityType, name: str) -> None:
    if name not in entity.types:
        raise QueryError(f"Could not find a property named '{name}' on type '{entity.name}'.")


@dataclass(frozen=True)
class Paging:
    """How many rows a page may hold: `top_limit` refuses larger `$top`; `page_size` cuts pages with a next link."""

    top_limit: int | None = None
    page_size: int | None = None
    next_link: Callable[[dict[str, str]], str] | None = None  # the URL of the same request with other options


def collection(
    rows: Iterable[Row],
    options: Mapping[str, str],
    entity: EntityType | None = None,
    *,
    paging: Paging = Paging(),  # noqa: B008  (frozen: one shared default is safe)
    shape: Callable[[Row], Row] | None = None,
) -> dict[str, Any]:
    """The JSON body of a collection response for these rows and the request's query options.

    `rows` may be a lazy Sequence (report rows made from their index): without $filter, $search or
    $orderby only the page's rows are read. `shape` makes each answered row (ETags, $expand).
    """
    check_options(options, entity)
    skip = _count_option(options, "$skip") or 0
    top = _count_option(options, "$top")
    if top is not None and paging.top_limit is not None and top > paging.top_limit:
        raise QueryError(
            "The query specified in the URI is not valid. The limit of "
            f"'{paging.top_limit}' for Top query has been exceeded. The value from the incoming request is '{top}'."
        )
    selected: Sequence[Row] = rows if isinstance(rows, Sequence) else list(rows)
    if "$filter" in options:
        predicate = compile_filter(options["$filter"])
        selected = [row for row in selected if predicate(row)]
    if options.get("$search"):
        selected = [row for row in selected if _matches_search(row, options["$search"])]
    if "$orderby" in options:
        selected = _ordered(list(selected), options["$orderby"])
    total = len(selected)
    size = top if top is not None else total - skip
    if paging.page_size is not None and size > paging.page_size:
        size = paging.page_size
    page = list(selected[skip : skip + max(size, 0)])
    if shape is not None:
        page = [shape(row) for row in page]
    if "$select" in options:
        fields = [name for name in _names(options["$select"]) if name != "*"]
        if fields:
            kept = set(fields) | set(expanded(options)) | {"@odata.etag"}
            page = [{name: value for name, value in row.items() if _selected(name, kept)} for row in page]
    body: dict[str, Any] = {}
    if _bool_option(options, "$count"):
        body["@odata.count"] = total
    body["value"] = page
    end = skip + len(page)
    wanted_end = total if top is None else min(total, skip + top)
    if paging.next_link is not None and paging.page_size is not None and end < wanted_end:
        following = {name: value for name, value in options.items() if name not in ("$skip", "$top")}
        following["$skip"] = str(end)
        if top is not None:
            following["$top"] = str(skip + top - end)
        body["@odata.nextLink"] = paging.next_link(following)
    return body


def _count_option(options: Mapping[str, str], name: str) -> int | None:
    text = options.get(name)
    if text is None:
        return None
    if not text.isdigit():
        raise QueryError(
            f"Invalid value '{text}' for {name} query option found. {name} must be a non-negative integer."
        )
    return int(text)


def _bool_option(options: Mapping[str, str], name: str) -> bool:
    text = options.get(name, "false")
    if text not in ("true", "false"):
        raise QueryError(f"'{text}' is not a valid count option.")
    return text == "true"


def _matches_search(row: Row, search: str) -> bool:
    """Every search term (a bare word or a "quoted phrase") appears in some string field, ignoring case."""
    terms: list[str] = []
    rest = search.strip()
    while rest:
        if rest.startswith('"'):
            end = rest.find('"', 1)
            end = len(rest) if end < 0 else end
            terms.append(rest[1:end].replace('\\"', '"'))
            rest = rest[end + 1 :].strip()
        else:
            word, _, rest = rest.partition(" ")
            terms.append(word)
            rest = rest.strip()
    texts = [value.lower() for value in row.values() if isinstance(value, str)]
    return all(any(term.lower() in text for text in texts) for term in terms)


def _ordered(rows: list[Row], orderby: str) -> list[Row]:
    # Stable sorts applied from the last key to the first give the combined order.
    for clause in reversed(_names(orderby)):
        name, _, direction = clause.partition(" ")
        if direction.strip() not in ("", "asc", "desc"):
            raise QueryError(f"$orderby direction must be asc or desc, got {direction.strip()!r}")
        rows = sorted(rows, key=lambda row: _sort_key(row.get(name)), reverse=direction.strip() == "desc")
    return rows


def _sort_key(value: Any) -> tuple[int, Any]:
    # Nulls first, then values of one kind compared among themselves.
    if value is None:
        return (0, "")
    if isinstance(value, bool | int | float):
        return (1, value)
    return (2, str(value))
