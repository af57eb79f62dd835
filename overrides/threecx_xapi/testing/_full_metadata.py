"""`odata.metadata=full` (OData JSON Format 4.01, 3.1.2 and 4.5), as ASP.NET Core OData 8 over ODL writes it.

A minimal answer is rewritten from what its context URL names (a set, a singleton, a navigation path, a collection
of a type): every entity and complex value gets `@odata.type`; an entity of a set or singleton also gets an absolute
`@odata.id` (ASP.NET builds it), `@odata.editLink` relative to the service root (ODL computes it from the id) and,
for its navigation properties, absolute `@odata.associationLink`/`@odata.navigationLink`; a primitive property whose
JSON does not tell its type (anything but String, Boolean, Int32 and finite Double) gets `Prop@odata.type`.
Entities with no navigation source (report rows, `Users(1)/Groups`) get only `@odata.type`, as ODL writes no id then.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ._documents import edm_type_name, entity_keys
from ._fakedata import resolve
from ._routes import entity_segment

_NATIVE = frozenset({"Edm.String", "Edm.Boolean", "Edm.Int32", "Edm.Untyped"})  # JSON tells these apart itself
Tree = dict[str, Any]  # a context URL's projection: {name: None selected, or the tree of an expanded one}


@dataclass(frozen=True)
class Model:
    """What the rewrite needs of the emulator's CSDL: types, keyed sets, listed sets and singletons."""

    schemas: Mapping[str, Any]
    keyed: Mapping[str, tuple[str, str]]  # entity set -> (its type, its key)
    listed: Mapping[str, str]  # every entity set -> its type, keyed or not
    singletons: Mapping[str, str]  # singleton -> its type
    entity_types: frozenset[str]

    @classmethod
    def build(
        cls,
        schemas: Mapping[str, Any],
        keyed: Mapping[str, tuple[str, str]],
        listed: Mapping[str, str],
        singletons: Mapping[str, str],
    ) -> Model:
        # The entity types as `$metadata` declares them: the sets' and singletons' types and every navigation target.
        entity_types = entity_keys(schemas, dict.fromkeys([*listed.values(), *singletons.values()]))
        return cls(schemas, keyed, listed, singletons, frozenset(entity_types))

    def bound_set(self, type_name: str) -> str | None:
        """The set a navigation property to `type_name` is bound to: the only keyed set of that type (as the
        convention model builder's AssociationSetDiscoveryConvention binds it), else none."""
        found = [name for name, (kind, _) in self.keyed.items() if kind == type_name]
        return found[0] if len(found) == 1 else None

    def properties(self, type_name: str) -> dict[str, Any]:
        schema = self.schemas.get(type_name)
        return dict(resolve(self.schemas, schema).get("properties", {})) if schema is not None else {}


def with_full_metadata(body: Any, model: Model) -> Any:
    """`body`, a minimal answer, with the control information full metadata adds; unchanged when its context URL
    names nothing typed (the service document, an error, a primitive)."""
    context = body.get("@odata.context") if isinstance(body, dict) else None
    if not isinstance(context, str) or "/$metadata#" not in context:
        return body
    base, _, fragment = context.partition("/$metadata#")
    writer = _Writer(model, base)
    single = fragment.endswith("/$entity")
    fragment = fragment.removesuffix("/$entity")
    type_name, source, tree, many = writer.target(fragment)
    if type_name is None:
        return body
    if many and not single and isinstance(body.get("value"), list):
        return {**body, "value": [writer.value(row, type_name, source, tree) for row in body["value"]]}
    head = {name: value for name, value in body.items() if name == "@odata.context"}
    rest = {name: value for name, value in body.items() if name != "@odata.context"}
    return {**head, **writer.value(rest, type_name, source, tree)}


class _Writer:
    def __init__(self, model: Model, base: str) -> None:
        self.model = model
        self.base = base

    def target(self, fragment: str) -> tuple[str | None, tuple[str, str] | None, Tree | None, bool]:
        """(the type of what the fragment names, its navigation source as (kind, name), its projection, whether
        it names a collection)."""
        if fragment.startswith("Collection("):
            item = fragment[len("Collection(") : -1]
            return (item if item in self.model.schemas else None), None, None, True
        name, _, rest = fragment.partition("(")
        name, slash, path = name.partition("/")
        model = self.model
        if "/" in fragment.split(")")[-1] or slash:  # a navigation path, Users(1)/Groups: no bound source
            owner = model.listed.get(name) or model.singletons.get(name)
            target = _target_type(model.properties(owner or "").get(fragment.rsplit("/", 1)[-1], {}))
            return target, None, None, True
        tree = _projection("(" + rest) if rest else None
        if name in model.keyed:
            return model.keyed[name][0], ("set", name), tree, True
        if name in model.singletons:
            return model.singletons[name], ("singleton", name), tree, False
        if name in model.listed:
            return model.listed[name], None, tree, True
        return (name if name in model.schemas else None), None, tree, False

    def value(self, row: Any, type_name: str, source: tuple[str, str] | None, tree: Tree | None) -> Any:
        """An entity or complex value of `type_name` with its control information; anything else as it is."""
        if not isinstance(row, dict) or "enum" in resolve(self.model.schemas, self.model.schemas.get(type_name, {})):
            return row
        entity = type_name in self.model.entity_types
        head: dict[str, Any] = {"@odata.type": "#" + type_name}
        link = self._link(row, source) if entity else None
        if link is not None:
            head["@odata.id"] = f"{self.base}/{link}"
        if "@odata.etag" in row:
            head["@odata.etag"] = row["@odata.etag"]
        if link is not None:
            head["@odata.editLink"] = link  # computed by ODL from the id, so written relative to the service root
        head.update((name, value) for name, value in row.items() if name.startswith("@") and name not in head)
        return {**head, **self._properties(row, type_name, entity, link, tree)}

    def _link(self, row: Mapping[str, Any], source: tuple[str, str] | None) -> str | None:
        """The entity's canonical URL after the service root (`Users(1)`), or None where none can be built."""
        if source is None:
            return None
        kind, name = source
        if kind == "singleton":
            return name
        key = self.model.keyed[name][1]
        if row.get(key) is None:
            return None
        return entity_segment(name, row[key])

    def _properties(
        self, row: Mapping[str, Any], type_name: str, entity: bool, link: str | None, tree: Tree | None
    ) -> dict[str, Any]:
        """Structural values, then complex ones, then navigation links and expanded navigation properties: the
        order ASP.NET Core OData's ODataResourceSerializer hands them to ODL."""
        declared = self.model.properties(type_name)
        annotations: dict[str, dict[str, Any]] = {}
        for name, value in row.items():
            base, at, annotation = name.partition("@")
            if base and at:
                annotations.setdefault(base, {})[name] = value
        plain: dict[str, Any] = {}
        nested: dict[str, Any] = {}
        navigation: dict[str, Any] = {}
        for name, value in row.items():
            if "@" in name:
                continue
            schema = declared.get(name, {})
            edm = edm_type_name(self.model.schemas, schema) if schema else "Edm.Untyped"
            kept = annotations.get(name, {})
            if entity and schema.get("x-ms-navigationProperty"):
                navigation[name] = (edm, value, kept)
            elif self._structured(edm):
                nested.update(self._nested(name, edm, value, kept, None, None))
            else:
                typed = _primitive_type(edm, value, self.model.schemas)
                plain.update(({f"{name}@odata.type": typed} if typed else {}) | kept | {name: value})
        links: dict[str, Any] = {}
        if link is not None:  # an unexpanded navigation property is linked when all is selected or it is named
            linked = [name for name, sub in declared.items() if entity and sub.get("x-ms-navigationProperty")]
            wanted = [
                name
                for name in linked
                if name not in navigation and (tree is None or _selects_all(tree) or name in tree)
            ]
            for name in wanted:
                links |= self._navigation_links(link, name)
        expanded: dict[str, Any] = {}
        for name, (edm, value, kept) in navigation.items():
            sub_tree = tree.get(name) if tree else None
            target = _item_type(edm)
            bound = self.model.bound_set(target)
            source = ("set", bound) if bound is not None else None
            expanded |= self._navigation_links(link, name) if link is not None else {}
            expanded |= self._nested(name, edm, value, kept, source, sub_tree)
        return {**plain, **nested, **links, **expanded}

    def _navigation_links(self, link: str, name: str) -> dict[str, str]:
        url = f"{self.base}/{link}/{quote(name)}"
        return {f"{name}@odata.associationLink": url + "/$ref", f"{name}@odata.navigationLink": url}

    def _structured(self, edm: str) -> bool:
        item = _item_type(edm)
        schema = self.model.schemas.get(item)
        return schema is not None and "enum" not in resolve(self.model.schemas, schema)

    def _nested(
        self,
        name: str,
        edm: str,
        value: Any,
        kept: Mapping[str, Any],
        source: tuple[str, str] | None,
        tree: Tree | None,
    ) -> dict[str, Any]:
        """A complex or navigation property: its count and next link, a collection's type, then its value."""
        item = _item_type(edm)
        if isinstance(value, list):
            typed = {f"{name}@odata.type": f"#{edm}"} if edm.startswith("Collection(") else {}
            items = [self.value(entry, item, source, tree) for entry in value]
            return {**kept, **typed, name: items}
        return {**kept, name: self.value(value, item, source, tree) if value is not None else None}


def _item_type(edm: str) -> str:
    return edm[len("Collection(") : -1] if edm.startswith("Collection(") else edm


def _target_type(schema: Mapping[str, Any]) -> str | None:
    """The entity type a navigation property's schema leads to (its items' for a collection)."""
    leads_to = schema.get("items", schema) if schema.get("type") == "array" else schema
    ref = next((part["$ref"] for part in [leads_to, *leads_to.get("allOf", ())] if "$ref" in part), None)
    return str(ref).rsplit("/", 1)[-1] if ref else None


def _primitive_type(edm: str, value: Any, schemas: Mapping[str, Any]) -> str | None:
    """`Prop@odata.type` for a primitive, enum or collection value: ODL leaves it out only where JSON tells the
    type (String, Boolean, Int32, a finite Double) and for null; Edm. is dropped from primitive names."""
    if value is None or edm in _NATIVE:
        return None
    if edm == "Edm.Double":
        return "#Double" if isinstance(value, str) else None  # NaN and INF are written as strings
    if edm.startswith("Collection("):
        item = _item_type(edm)
        return f"#Collection({item.removeprefix('Edm.')})" if item != "Edm.Untyped" else None
    return "#" + edm.removeprefix("Edm.") if edm.startswith("Edm.") or edm in schemas else None


def _projection(text: str) -> Tree:
    """`(Id,Groups(GroupId))` as a tree: {"Id": None, "Groups": {"GroupId": None}}."""
    tree: Tree = {}
    for item in _split(text[1:-1]):
        name, parenthesis, _ = item.partition("(")
        name = name.split("/", 1)[0]  # a path into a complex property selects the property
        tree[name] = _projection(item[len(name) :]) if parenthesis and "/" not in item.split("(")[0] else None
    return tree


def _selects_all(tree: Tree) -> bool:
    """No property selected by name (only expansions, or `*`): every navigation property is linked."""
    return "*" in tree or all(value is not None for value in tree.values())


def _split(text: str) -> Iterable[str]:
    depth, start = 0, 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            yield text[start:index]
            start = index + 1
    if text[start:]:
        yield text[start:]
