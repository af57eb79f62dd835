"""`$filter` and `$orderby` parse and bind as ODL 7.x does on a PBX: all six comparison operators at one level, left
to right (UriQueryExpressionParser.ParseComparison), `in` and `has` binding tighter than `not` (ParseInHas); `cast`
and `isof` bound by FunctionCallBinder's ValidateIsOfOrCast; `has` only on enum values; an enum ordered by its
member's number; a text cut short where an operand is wanted refused as ParsePrimaryStart refuses it.

Over the wire on Users, naming only what the 20.0.9 and 20.0.10 documents both declare (Id, FirstName, Groups,
QueueStatus of Pbx.QueueStatusType [LoggedOut, LoggedIn], Tags of Pbx.UserTag members).
"""

from __future__ import annotations

from typing import Any

import pytest
from emulator_sessions import user_ids, users_answer
from odata_answers import refused_query
from threecx_xapi.testing import Emulator

INCOMPATIBLE = (
    "A binary operator with incompatible types was detected. Found operand types '{}' and '{}' for operator kind '{}'."
)
NO_TYPE = "Cast or IsOf Function must have a type in its arguments."


@pytest.fixture(scope="module")
def pbx() -> Emulator:
    return Emulator(collection_size=5)


def users(pbx: Emulator) -> list[dict[str, Any]]:
    return list(pbx.entities("Users"))


# -- 1. precedence ----------------------------------------------------------------------------------------------


def test_comparisons_share_one_level_and_bind_left_to_right(pbx: Emulator) -> None:
    assert user_ids(pbx, filter="Id gt 1 eq true") == user_ids(pbx, filter="Id gt 1")
    assert user_ids(pbx, filter="Id lt 3 ne false") == user_ids(pbx, filter="Id lt 3")
    assert user_ids(pbx, filter="(Id ge 2) eq (Id le 4)") == user_ids(pbx, filter="Id ge 2 and Id le 4")


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("true eq Id gt 1", INCOMPATIBLE.format("Edm.Boolean", "Edm.Int32", "Equal")),  # (true eq Id) gt 1
        ("Id ge 2 eq Id le 4", INCOMPATIBLE.format("Edm.Boolean", "Edm.Int32", "Equal")),
        ("Id add 1 in (2,3)", INCOMPATIBLE.format("Edm.Int32", "Edm.Boolean", "Add")),  # Id add (1 in (2,3))
    ],
)
def test_what_odl_precedence_makes_of_a_chain_is_bound_as_it_binds(
    pbx: Emulator, expression: str, message: str
) -> None:
    assert refused_query(users_answer(pbx, filter=expression)) == message


def test_in_and_has_bind_tighter_than_not_and_comparisons(pbx: Emulator) -> None:
    everyone = user_ids(pbx, filter="true")
    assert user_ids(pbx, filter="not Id in (1,2)") == [key for key in everyone if key not in (1, 2)]
    assert user_ids(pbx, filter="Id in (1,2) eq true") == [1, 2]
    logged_in = [row["Id"] for row in users(pbx) if row["QueueStatus"] == "LoggedIn"]
    assert 0 < len(logged_in) < len(everyone)
    assert user_ids(pbx, filter="QueueStatus has Pbx.QueueStatusType'LoggedIn' eq true") == logged_in


# -- 2. cast and isof --------------------------------------------------------------------------------------------


def test_cast_and_isof_bind_and_evaluate(pbx: Emulator) -> None:
    everyone = user_ids(pbx, filter="true")
    assert user_ids(pbx, filter="cast(Id,Edm.String) eq '1'") == [1]
    assert user_ids(pbx, filter="cast(Id,'Edm.String') eq '2'") == [2]
    assert user_ids(pbx, filter="cast(Id,Edm.Int64) eq 3") == [3]
    assert user_ids(pbx, filter="CAST(Id,Edm.Double) eq 4.0") == [4]
    assert user_ids(pbx, filter="cast(FirstName,Edm.Int32) eq null") == everyone  # a cast ASP.NET cannot make is null
    assert user_ids(pbx, filter="isof(Id,Edm.Int32)") == everyone
    assert user_ids(pbx, filter="isof(Id,Edm.String)") == []
    assert user_ids(pbx, filter="isof('Pbx.User')") == everyone
    logged_in = [row["Id"] for row in users(pbx) if row["QueueStatus"] == "LoggedIn"]
    assert user_ids(pbx, filter="cast(QueueStatus,Edm.String) eq 'LoggedIn'") == logged_in
    assert user_ids(pbx, orderby="cast(Id,Edm.String) desc") == sorted(everyone, key=str, reverse=True)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("isof(Pbx.User)", NO_TYPE),  # an unquoted entity type binds to a cast node, not to a type name (ODL 7.x)
        ("cast(Id,Pbx.User) eq null", NO_TYPE),
        ("isof(FirstName)", NO_TYPE),
        ("isof(Id,'Nope')", NO_TYPE),
        (
            "cast(Id,Edm.Nope) eq null",
            "The child type 'Edm.Nope' in a cast was not an entity type. Casts can only be performed on entity types.",
        ),
        ("cast(QueueStatus,Edm.Int32) eq 1", "Enumeration type value can only be casted to or from string."),
        ("cast(Nope,Edm.String) eq '1'", "Could not find a property named 'Nope' on type 'Pbx.User'."),
        ("cast(Id,Edm.String) eq 1", INCOMPATIBLE.format("Edm.String", "Edm.Int32", "Equal")),
    ],
)
def test_casts_odl_refuses_are_a_400_in_its_words(pbx: Emulator, expression: str, message: str) -> None:
    assert refused_query(users_answer(pbx, filter=expression)) == message


# -- 3. has on a value that is not an enum -----------------------------------------------------------------------


def test_has_on_a_primitive_is_odls_internal_error(pbx: Emulator) -> None:
    # TypePromotionUtils finds no signature table for `has` on primitives and throws General_InternalError
    assert refused_query(users_answer(pbx, filter="FirstName has 'x'")) == (
        "An internal error 'TypePromotionUtils_GetFunctionSignatures_Binary_UnreachableCodepath' occurred."
    )
    assert refused_query(users_answer(pbx, filter="Groups has 'x'")) == (
        "The operand for a binary operator 'Has' is not a single value. "
        "Binary operators require both operands to be single values."
    )


# -- 4. an enum orders by its member's number -------------------------------------------------------------------


def test_orderby_an_enum_sorts_by_the_members_value_not_its_name(pbx: Emulator) -> None:
    rows = users(pbx)
    value = {"LoggedOut": 0, "LoggedIn": 1}  # declared order; by name LoggedIn would come first
    assert {row["QueueStatus"] for row in rows} == set(value)
    expected = [row["Id"] for row in sorted(rows, key=lambda row: (value[row["QueueStatus"]], row["Id"]))]
    assert user_ids(pbx, orderby="QueueStatus,Id") == expected
    descending = [row["Id"] for row in sorted(rows, key=lambda row: (-value[row["QueueStatus"]], row["Id"]))]
    assert user_ids(pbx, orderby="queuestatus desc,Id") == descending


# -- 5. a text cut short ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "text", "position"),
    [
        ("filter", "Id eq", 5),
        ("filter", "Id eq ", 6),
        ("filter", "Id eq 1 and", 11),
        ("filter", "(Id eq", 6),
        ("filter", "Id in", 5),
        ("filter", "contains(FirstName,", 19),
        ("orderby", "Id eq", 5),
    ],
)
def test_a_text_cut_short_wants_an_expression_where_it_ends(
    pbx: Emulator, option: str, text: str, position: int
) -> None:
    message = f"Expression expected at position {position} in '{text}'."
    assert refused_query(users_answer(pbx, **{option: text})) == message


# -- 6. lambdas over a collection of enum members ----------------------------------------------------------------


def test_a_range_variable_over_enum_members_is_one_of_them(pbx: Emulator) -> None:
    tagged = [row["Id"] for row in users(pbx) if {"Teams", "Google"} & {*(row.get("Tags") or [])}]
    assert 0 < len(tagged) < len(users(pbx))
    assert user_ids(pbx, filter="Tags/any(t: t eq 'Teams' or t eq 'Google')") == tagged
    assert user_ids(pbx, filter="Tags/any(t: t in ('Teams','Google'))") == tagged
    assert user_ids(pbx, filter="Tags/any(t: t has Pbx.UserTag'Teams' or t has Pbx.UserTag'Google')") == tagged
    assert refused_query(users_answer(pbx, filter="Tags/any(t: t eq 'Nope')")) == (
        "The string 'Nope' is not a valid enumeration type constant."
    )
    assert refused_query(users_answer(pbx, filter="Tags/all(t: t in ('MS','Nope'))")) == (
        "The string 'Nope' is not a valid enumeration type constant."
    )
