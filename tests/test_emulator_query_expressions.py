"""Expressions in `$orderby` and `$filter` bind as a PBX (ASP.NET Core OData 8, ODL 7.x) binds them: `$orderby`
takes any single primitive value, lambda bodies and `/` paths are checked against the type they reach, range
variables are declared once; what ODL refuses is a 400 in its words.

Over the wire on Users, naming only properties every XAPI document declares (Id, FirstName, LastName, Hours,
Groups with GroupId and Name).
"""

from __future__ import annotations

from typing import Any

import pytest
from emulator_sessions import user_ids, users_answer
from odata_answers import refused_query
from threecx_xapi.testing import Emulator

NOT_PRIMITIVE = "The $orderby expression must evaluate to a single value of primitive type."


@pytest.fixture(scope="module")
def pbx() -> Emulator:
    return Emulator(collection_size=5)


def users(pbx: Emulator) -> list[dict[str, Any]]:
    return list(pbx.entities("Users"))


# -- 1. $orderby takes expressions -----------------------------------------------------------------------------


def test_orderby_takes_a_function_call_with_a_direction_and_then_a_second_key(pbx: Emulator) -> None:
    rows = users(pbx)
    expected = [row["Id"] for row in sorted(rows, key=lambda row: (-len(row["FirstName"]), row["Id"]))]
    assert len({len(row["FirstName"]) for row in rows}) > 1
    assert user_ids(pbx, orderby="length(FirstName) desc,Id") == expected
    assert user_ids(pbx, orderby="LENGTH(firstname) DESC, id asc") == expected


def test_orderby_takes_string_functions_and_arithmetic(pbx: Emulator) -> None:
    rows = users(pbx)
    assert user_ids(pbx, orderby="tolower(LastName)") == [
        row["Id"] for row in sorted(rows, key=lambda row: row["LastName"].lower())
    ]
    assert (
        user_ids(pbx, orderby="Id mul -1")
        == user_ids(pbx, orderby="Id desc")
        == sorted(row["Id"] for row in rows)[::-1]
    )
    assert user_ids(pbx, orderby="concat(LastName,FirstName) desc") == [
        row["Id"] for row in sorted(rows, key=lambda row: row["LastName"] + row["FirstName"], reverse=True)
    ]


def test_orderby_takes_the_implicit_range_variable_and_a_path_into_a_complex_property(pbx: Emulator) -> None:
    assert user_ids(pbx, orderby="$it/Id desc") == user_ids(pbx, orderby="Id desc")
    flags = [row["Hours"]["IgnoreHolidays"] for row in users(pbx)]
    answered = users_answer(pbx, orderby="hours/ignoreholidays desc,Id", select="Id,Hours")
    assert [row["Hours"]["IgnoreHolidays"] for row in answered.json()["value"]] == sorted(flags, reverse=True)


@pytest.mark.parametrize(
    ("orderby", "message"),
    [
        ("Groups", NOT_PRIMITIVE),  # a collection of entities
        ("Hours", NOT_PRIMITIVE),  # one complex value
        ("Id,Hours desc", NOT_PRIMITIVE),
        ("Nope desc", "Could not find a property named 'Nope' on type 'Pbx.User'."),
        ("Hours/Nope", "Could not find a property named 'Nope' on type 'Pbx.Schedule'."),
        ("tolower(Nope)", "Could not find a property named 'Nope' on type 'Pbx.User'."),
        (
            "length(Id)",
            "No function signature for the function with name 'length' matches the specified arguments. "
            "The function signatures considered are: length(Edm.String Nullable=true).",
        ),
        (
            "FirstName add 1",
            "A binary operator with incompatible types was detected. "
            "Found operand types 'Edm.String' and 'Edm.Int32' for operator kind 'Add'.",
        ),
        ("FirstName desc desc", "Syntax error at position 19 in 'FirstName desc desc'."),
        ("length(FirstName) up", "Syntax error at position 20 in 'length(FirstName) up'."),
        ("Id,", "Expression expected at position 3 in 'Id,'."),
    ],
)
def test_what_odl_refuses_in_an_orderby_is_a_400_in_its_words(pbx: Emulator, orderby: str, message: str) -> None:
    assert refused_query(users_answer(pbx, orderby=orderby)) == message


def test_an_expanded_collection_is_ordered_by_an_expression_too(pbx: Emulator) -> None:
    response = users_answer(pbx, expand="Groups($orderby=length(Name) desc)")
    assert response.status_code == 200, response.text
    message = refused_query(users_answer(pbx, expand="Groups($orderby=length(GroupId))"))
    assert message.startswith("No function signature for the function with name 'length'")


# -- 2. lambda bodies and paths are checked as the top level is -------------------------------------------------


def test_a_lambda_body_filters_by_its_range_variable(pbx: Emulator) -> None:
    member = [row["Id"] for row in users(pbx) if any(group["GroupId"] == 1 for group in row.get("Groups", []))]
    assert member and user_ids(pbx, filter="Groups/any(g: g/GroupId eq 1)") == member
    assert user_ids(pbx, filter="Groups/any(g: g/groupid eq 1 and $it/Id gt 0)") == member
    assert user_ids(pbx, filter="Groups/all()") == user_ids(pbx, filter="true")


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("Groups/any(g: g/Nope eq 1)", "Could not find a property named 'Nope' on type 'Pbx.UserGroup'."),
        # a bare name inside the body is still one of `$it`'s, as outside it
        ("Groups/any(g: GroupId eq 1)", "Could not find a property named 'GroupId' on type 'Pbx.User'."),
        ("Groups/any(g: true) and g/GroupId eq 1", "Could not find a property named 'g' on type 'Pbx.User'."),
        (
            "Groups/all(g: g/Name eq 1)",
            "A binary operator with incompatible types was detected. "
            "Found operand types 'Edm.String' and 'Edm.Int32' for operator kind 'Equal'.",
        ),
        (
            "Groups/any(g: g eq 1)",
            "A binary operator with incompatible types was detected. "
            "Found operand types 'Pbx.UserGroup' and 'Edm.Int32' for operator kind 'Equal'.",
        ),
        ("Groups/all(g: g/GroupId)", "The Any/All query expression must evaluate to a single boolean value."),
        ("Groups/any(g: Groups/any(g: true))", "The range variable 'g' has already been declared."),
        ("Groups/any($it: true)", "The range variable '$it' has already been declared."),
        ("Hours/Nope eq 1", "Could not find a property named 'Nope' on type 'Pbx.Schedule'."),
        ("FirstName/Length eq 1", "Could not find a property named 'Length' on type 'Edm.String'."),
        (
            "Groups/Name eq 'x'",
            "The parent value for a property access of a property 'Name' is not a single value. "
            "Property access can only be applied to a single value.",
        ),
        (
            "Groups eq null",
            "The operand for a binary operator 'Equal' is not a single value. "
            "Binary operators require both operands to be single values.",
        ),
    ],
)
def test_what_odl_refuses_in_a_lambda_or_a_path_is_a_400_in_its_words(
    pbx: Emulator, expression: str, message: str
) -> None:
    assert refused_query(users_answer(pbx, filter=expression)) == message


# -- 3. literals ODL's lexer reads -------------------------------------------------------------------------------


def test_inf_and_nan_are_double_literals(pbx: Emulator) -> None:
    everyone = user_ids(pbx, filter="true")
    assert user_ids(pbx, filter="Id lt INF and Id gt -INF") == everyone
    assert user_ids(pbx, filter="Id eq NaN") == [] and user_ids(pbx, filter="Id ne NaN") == everyone
    assert (
        refused_query(users_answer(pbx, filter="Id lt inf"))
        == "Could not find a property named 'inf' on type 'Pbx.User'."
    )
