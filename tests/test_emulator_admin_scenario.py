"""What an admin script does, start to end, through this project's client against the emulator over HTTP."""

from __future__ import annotations

import pytest
from threecx_xapi import XapiClient, errors
from threecx_xapi.api.groups import create_group, get_group, list_members
from threecx_xapi.api.users import create_user, delete_user, get_user, list_user, update_user
from threecx_xapi.models import Group, Rights, User, UserGroup
from threecx_xapi.testing import Emulator


def test_an_admin_script_from_a_new_user_to_its_removal() -> None:
    with Emulator(collection_size=6) as pbx, XapiClient(pbx.url, pbx.client_id, pbx.client_secret) as client:
        # Create a user without a number: the PBX assigns the first free one.
        created = create_user.sync(client=client, body=User(first_name="Ann", last_name="O'Brien"))
        number = created.number
        assert isinstance(number, str) and number == "106"  # the seeded users hold 100..105
        user_id = created.id
        assert isinstance(user_id, int)

        # Add it to a group and list the group's members, there and by $expand.
        group = create_group.sync(client=client, body=Group(name="Night shift"))
        assert isinstance(group.id, int) and str(group.number).startswith("GRP")
        membership = UserGroup(group_id=group.id, rights=Rights(role_name="users"))
        update_user.sync(user_id, client=client, body=User(groups=[membership]))
        members = list_members.sync(group.id, client=client)
        assert [member.number for member in members.value] == [number]
        expanded = get_group.sync(group.id, client=client, expand=["Members"])
        assert [member.number for member in expanded.members] == [number]

        # A number cannot change (400); an update with a stale ETag is refused (412).
        with pytest.raises(errors.BadRequest, match="CANNOT_BE_CHANGED"):
            update_user.sync(user_id, client=client, body=User(number="4242"))
        read = client.get_httpx_client().get(f"Users({user_id})")
        stale = read.headers["ETag"]
        update_user.sync(user_id, client=client, body=User(first_name="Anne"))
        refused = client.get_httpx_client().patch(
            f"Users({user_id})", json={"FirstName": "Annie"}, headers={"If-Match": stale}
        )
        assert refused.status_code == 412 and refused.json()["error"]["message"]
        assert get_user.sync(user_id, client=client).first_name == "Anne"

        # Delete it (with the ETag it has now), and it is gone from the list and from the group.
        fresh = client.get_httpx_client().get(f"Users({user_id})").headers["ETag"]
        delete_user.sync(user_id, client=client, if_match=fresh)
        numbers = [user.number for user in list_user.sync(client=client, select=["Number"]).value]
        assert number not in numbers and len(numbers) == 6
        assert list_members.sync(group.id, client=client).value == []
        with pytest.raises(errors.NotFound):
            get_user.sync(user_id, client=client)
