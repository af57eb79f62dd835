"""OData query options over rows: checked against the entity type as a PBX checks them, then applied.

`$filter`, `$search`, `$orderby` (any expression of one primitive value, with `asc`/`desc`), `$count`, `$skip`,
`$top` (capped on entity sets, as a PBX caps it), `$select` (with paths into complex properties), `$expand` with
nested options (`Members($select=Number;$top=5)`) and `*`, and server-driven paging with `@odata.nextLink`. Names
are taken in any case and answered as declared; blank options are refused, each in AspNetCore OData's or ODL's words.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._fakedata import resolve
from ._filter import FilterError, compile_filter, compile_orderby
from ._names import resolve_name
from ._routes import RouteError
from ._search import compile_search

Row = Mapping[str, Any]

# OData 4.01 system query options (section 5 of part 2). Any other `$name` is ignored, as ASP.NET Core OData's
# BuildQueryOptions ignores it ("we don't throw if we can't recognize the query"): `$fitler` filters nothing there.
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
    # The type a navigation or complex property leads to (its items' for a collection): nested options, paths.
    target: Callable[[str], EntityType | None] = field(default=lambda name: None, compare=False, repr=False)
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)  # an enum property's members, by value


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

    enums = {key: members for key, sub in properties.items() if (members := _members(schemas, sub))}
    return EntityType(name, types, navigation, target, enums)


def _members(schemas: Mapping[str, Any], schema: Mapping[str, Any]) -> tuple[str, ...]:
    """An enum's (or a collection of enum members') member names in declared order: a member's position is its
    value, as CSDL numbers members that declare none (the XAPI documents give no x-ms-enum values)."""
    flat = resolve(schemas, schema)
    if flat.get("type") == "array":
        flat = resolve(schemas, flat.get("items", {}))
    return tuple(str(member) for member in flat.get("enum", ()))


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
    if kind == "array":  # a collection of primitives or enum members says of what: its items are values, not types
        item = _edm_type(schemas, flat.get("items", {}))
        return "Collection" if item in ("Complex", "Collection") else f"Collection({item})"
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


# System query options a PBX evaluates and the emulator does not: answering without them would be a wrong answer,
# so a request carrying one is a 501, as OData part 1 (9.3.1) asks of a service lacking a feature. ($index, $id,
# $deltatoken and $schemaversion a PBX reads past, and so does the emulator.)
UNEVALUATED_OPTIONS = ("$apply", "$compute")


def unevaluated_option(options: Mapping[str, str]) -> str | None:
    """The first system query option of `options` the emulator does not evaluate, or None; a blank one is left to
    `check_options`, which refuses it as a PBX does."""
    return next((name for name in UNEVALUATED_OPTIONS if options.get(name, "").strip()), None)


# AspNetCore OData 8 (ODataQueryOptions.ThrowIfEmpty) refuses these blank, each in its own words.
NOT_BLANK = frozenset({"$filter", "$orderby", "$top", "$skip", "$count", "$apply", "$compute", "$search"})
# ...and $select/$expand in ODataQueryValidator.ValidateNotEmptyOrWhitespace.
SELECT_EXPAND_BLANK = (
    "'select' and 'expand' cannot be empty or whitespace. Omit the parameter from the query if it is not used."
)


def check_options(options: Mapping[str, str], entity: EntityType | None) -> dict[str, str]:
    """Unknown or blank system query options, and names the entity type lacks in $select/$orderby/$expand/$filter.

    Returns the options with the names as declared (`$select=firstname` is `FirstName`, `$expand=*` every
    navigation property).
    """
    for name, value in options.items():
        if name in NOT_BLANK and not value.strip():
            raise QueryError(f"The value for OData query '{name}' cannot be empty.")
    if any(name in options and not options[name].strip() for name in ("$select", "$expand")):
        raise QueryError(SELECT_EXPAND_BLANK)
    return _declared(options, entity)


def _declared(options: Mapping[str, str], entity: EntityType | None) -> dict[str, str]:
    """`options` with $select, $orderby and $expand naming properties as declared; QueryError for the first unknown."""
    declared = dict(options)
    if "$orderby" in options:
        compile_orderby(options["$orderby"], entity)  # any expression, bound as ODL binds it; names read in any case
    if entity is None:
        return declared
    if "$select" in options:
        declared["$select"] = ",".join(_path(entity, item, select=True) for item in _names(options["$select"]))
    if "$expand" in options:
        declared["$expand"] = ",".join(_declared_expand(entity, options["$expand"]))
    if "$filter" in options:
        compile_filter(options["$filter"], entity)
    return declared


# Said when a path goes on past a property that has no properties of its own (ODL's SelectBinder).
_BAD_PATH = (
    "Found a path with multiple navigation properties or a bad complex property path in a select clause. "
    "Please reword your query such that each level of select or expand only contains either TypeSegments or Properties."
)


def _path(entity: EntityType, path: str, *, select: bool) -> str:
    """A `/` path as declared, each name looked up on the type the one before leads to: `hours/type` is `Hours/Type`.

    In $select a last `*` keeps all of a complex property (`Hours/*` is `Hours`) and `*` alone everything."""
    if select and path == "*":
        return path
    segments = path.split("/")
    if select and len(segments) > 1 and segments[-1] == "*":
        segments.pop()
    declared: list[str] = []
    current: EntityType | None = entity
    for segment in segments:
        if current is None:
            raise QueryError(_BAD_PATH)
        name = _known(current, segment)
        declared.append(name)
        leads_to = current.types[name] in ("Complex", "Collection") and name not in current.navigation
        current = current.target(name) if leads_to else None
    return "/".join(declared)


def _declared_expand(entity: EntityType, text: str) -> list[str]:
    """Each `$expand` item as declared, `*` standing for every navigation property not named on its own."""
    items: list[str] = []
    named: set[str] = set()
    star: str | None = None
    for item in _names(text):
        path, parenthesis, rest = item.partition("(")
        path = path.strip()
        if parenthesis and not rest.strip().removesuffix(")").strip():
            raise QueryError(  # ODL's SelectExpandOptionParser: `Groups()` names no option
                f"Missing expand option on navigation property '{path}'. If a parenthesis expression follows an "
                "expanded navigation property, then at least one expand option must be provided."
            )
        nested = query_options(_nested_pairs(rest)) if parenthesis else {}
        if path == "*":
            if any(option != "$levels" for option in nested):
                raise QueryError(
                    f"Term '({rest}' is not valid in a $expand expression, as only $level option is allowed when "
                    "the expanded navigation property is star."
                )
            star = f"({rest.strip()}" if parenthesis else ""
            continue
        first, slash, tail = path.partition("/")
        name = first if first == "*" else _known(entity, first)
        if name != "*" and name not in entity.navigation:
            raise QueryError(
                f"Property '{name}' on type '{entity.name}' is not a navigation property or complex property. "
                "Only navigation properties can be expanded."
            )
        if slash:  # `Groups/$ref` answers `@odata.id` links, which need the service root and the target's URL
            raise RouteError(501, "NotImplemented", f"The emulator does not evaluate $expand={name}/{tail}.")
        for option in nested:
            if option not in NESTED_OPTIONS:
                raise QueryError(f"The query option '{option}' is not allowed inside $expand={name}(...).")
        inner = _declared(nested, entity.target(name))
        items.append(name + (f"({';'.join(f'{key}={value}' for key, value in inner.items())})" if inner else ""))
        named.add(name)
    if star is not None:
        every = [name for name in entity.types if name in entity.navigation and name not in named]
        items.extend(name + star for name in every)
    return items


def _nested_pairs(text: str) -> list[tuple[str, str]]:
    """The `name=value` options inside an expand item's parentheses: `$select=Id,Name;$top=5)`."""
    pairs = (option.partition("=") for option in _split(text.strip().removesuffix(")"), ";"))
    return [(key.strip(), value.strip()) for key, _, value in pairs]


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
        name, parenthesis, rest = item.partition("(")
        if name.strip() != "*":
            items.append((name.strip(), query_options(_nested_pairs(rest)) if parenthesis else {}))
    return items


def projection(options: Mapping[str, str]) -> str:
    """What a context URL says of `$select` and `$expand`, as ODL writes it: `(Id,FirstName,Groups())`, or ""."""
    items = [item for item in _names(options.get("$select")) if item not in expanded(options)]
    for name, nested in expand_items(options):
        items.append(f"{name}{projection(nested) or '()'}")
    return f"({','.join(items)})" if items else ""


def select_fields(row: Row, options: Mapping[str, str]) -> dict[str, Any]:
    """The fields of `row` that `$select` keeps (all for `*` or no `$select`), with the row's annotations, the
    expanded navigation properties, and of a complex property only the sub-properties a path names."""
    tree = _select_tree(_names(options.get("$select")))
    if not tree:
        return dict(row)
    tree.update(dict.fromkeys(expanded(options)))
    return _kept(row, tree)


def _select_tree(paths: Iterable[str]) -> dict[str, Any] | None:
    """{name: None for all of it, or the tree of its selected sub-properties}; None when `*` keeps everything."""
    tree: dict[str, Any] = {}
    for path in paths:
        if path == "*":
            return None
        node = tree
        *parents, last = path.split("/")
        for name in parents:
            if name in node and node[name] is None:
                break  # all of it is kept already
            node = node.setdefault(name, {})
        else:
            node[last] = None
    return tree


def _kept(row: Row, tree: dict[str, Any]) -> dict[str, Any]:
    kept = {}
    for name, value in row.items():
        base = name.partition("@")[0]  # "" for the row's own annotations (`@odata.etag`), kept with it
        if base == "" or base in tree:
            sub = tree.get(base)
            kept[name] = value if sub is None or base != name else _kept_within(value, sub)
    return kept


def _kept_within(value: Any, tree: dict[str, Any]) -> Any:
    """A complex value (or a collection of them) cut to the sub-properties `tree` names."""
    if isinstance(value, list):
        return [_kept_within(item, tree) for item in value]
    return _kept(value, tree) if isinstance(value, Mapping) else value


def expand_value(value: Any, options: Mapping[str, str], target: EntityType | None) -> tuple[Any, int | None]:
    """(an expanded navigation property's value with its nested options applied, its `@odata.count` if asked)."""
    if isinstance(value, list):
        body = collection(value, options, target)
        return body["value"], body.get("@odata.count")
    if isinstance(value, Mapping) and "$select" in options:
        return select_fields(value, options), None
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


def _known(entity: EntityType, name: str) -> str:
    """The declared name `name` stands for, in any case (EnableCaseInsensitive, on in AspNetCore OData 8)."""
    declared = resolve_name(entity.types, name)
    if declared is None:
        raise QueryError(f"Could not find a property named '{name}' on type '{entity.name}'.")
    return declared


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
    shape: Callable[[Row, Mapping[str, str]], Row] | None = None,
) -> dict[str, Any]:
    """The JSON body of a collection response for these rows and the request's query options.

    `rows` may be a lazy Sequence (report rows made from their index): without $filter, $search or
    $orderby only the page's rows are read. `shape` makes each answered row (ETags, $expand) for the options
    with their declared names.
    """
    sent = options  # a next link repeats the options as sent, as AspNetCore OData's GetNextPageLink does
    options = check_options(options, entity)
    skip = _count_option(options, "$skip") or 0
    top = _count_option(options, "$top")
    if top is not None and paging.top_limit is not None and top > paging.top_limit:
        raise QueryError(
            "The limit of "
            f"'{paging.top_limit}' for Top query has been exceeded. The value from the incoming request is '{top}'."
        )
    selected: Sequence[Row] = rows if isinstance(rows, Sequence) else list(rows)
    if "$filter" in options:
        predicate = compile_filter(options["$filter"], entity)
        selected = [row for row in selected if predicate(row)]
    if options.get("$search"):
        matches = compile_search(options["$search"])
        selected = [row for row in selected if matches(row)]
    if "$orderby" in options:
        selected = _ordered(list(selected), options["$orderby"], entity)
    total = len(selected)
    size = top if top is not None else total - skip
    if paging.page_size is not None and size > paging.page_size:
        size = paging.page_size
    page = list(selected[skip : skip + max(size, 0)])
    if shape is not None:
        page = [shape(row, options) for row in page]
    if "$select" in options:
        page = [select_fields(row, options) for row in page]
    body: dict[str, Any] = {}
    if _bool_option(options, "$count"):
        body["@odata.count"] = total
    body["value"] = page
    end = skip + len(page)
    wanted_end = total if top is None else min(total, skip + top)
    if paging.next_link is not None and paging.page_size is not None and end < wanted_end:
        following = {name: value for name, value in sent.items() if name not in ("$skip", "$top")}
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


def _ordered(rows: list[Row], orderby: str, entity: EntityType | None) -> list[Row]:
    # Stable sorts applied from the last key to the first give the combined order.
    for value, descending in reversed(compile_orderby(orderby, entity)):
        keyed = [(_sort_key(value(row)), index) for index, row in enumerate(rows)]
        try:
            keyed.sort(key=lambda pair: pair[0], reverse=descending)
        except TypeError:  # values of one kind that do not compare (naive and aware date-times): a 400, never a 500
            raise QueryError(f"The $orderby '{orderby}' orders values that do not compare.") from None
        rows = [rows[index] for _, index in keyed]
    return rows


# Nulls first (LINQ's order), then each kind of value among its own kind.
_KINDS: tuple[tuple[type, ...], ...] = (
    (bool, int, float),
    (datetime.datetime,),
    (datetime.date,),
    (datetime.time,),
    (datetime.timedelta,),
)


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    for rank, kind in enumerate(_KINDS, start=1):
        if isinstance(value, kind):
            return (rank, value)
    return (len(_KINDS) + 1, str(value))
