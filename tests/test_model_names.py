"""Models are named after the entity: the schema key without its namespace, one rule for every schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import threecx_xapi.models as models
from openapi_python_client.strings import ClassName

from generator.transforms import ModelNameCollision, entity_name, name_models_after_entities

SCHEMAS = Path(models.__file__).with_name("schemas.json")


def test_the_everyday_entities_are_importable_by_their_entity_names() -> None:
    from threecx_xapi.models import Contact, InboundRule, Queue, RingGroup, User

    assert [cls.__name__ for cls in (User, Queue, RingGroup, Contact, InboundRule)] == [
        "User",
        "Queue",
        "RingGroup",
        "Contact",
        "InboundRule",
    ]
    with pytest.raises(ImportError):
        exec("from threecx_xapi.models import PbxUser", {})


def test_every_schema_of_the_document_is_a_model_named_after_its_key() -> None:
    schemas = json.loads(SCHEMAS.read_text(encoding="utf-8"))
    named = [key for key, schema in schemas.items() if schema.get("type", "object") == "object" or "enum" in schema]
    assert len(named) > 500
    # A class name is a Python identifier: `KeyValuePair_2OfString_X` is `KeyValuePair2OfStringX`.
    missing = [key for key in named if str(ClassName(entity_name(key), "field_")) not in models.__all__]
    assert missing == []
    assert not [name for name in models.__all__ if name.startswith("Pbx") and f"Pbx.{name[3:]}" in schemas]


def test_a_title_other_than_the_entity_name_moves_to_the_description() -> None:
    document = {
        "components": {
            "schemas": {
                "Pbx.UserCollectionResponse": {"title": "Collection of User", "type": "object"},
                "Pbx.User": {"type": "object", "description": "A user."},
            }
        }
    }
    schemas = name_models_after_entities(document)["components"]["schemas"]
    assert schemas["Pbx.UserCollectionResponse"] == {
        "title": "UserCollectionResponse",
        "description": "Collection of User",
        "type": "object",
    }
    assert schemas["Pbx.User"]["title"] == "User"
    assert "title" not in document["components"]["schemas"]["Pbx.User"]  # the input is not mutated


@pytest.mark.parametrize("other", ["Crm.User", "Pbx.USER", "Pbx.Us_er"])
def test_schemas_that_would_share_a_model_name_fail_generation_naming_both(other: str) -> None:
    document = {"components": {"schemas": {"Pbx.User": {"type": "object"}, other: {"type": "object"}}}}
    with pytest.raises(ModelNameCollision, match=rf"'Pbx\.User' and '{other.replace('.', '[.]')}'"):
        name_models_after_entities(document)
