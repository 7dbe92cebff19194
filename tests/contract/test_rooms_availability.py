"""GetRoomLists / GetRooms from the world's directory, and GetUserAvailability from
the calendar items the store holds (issue 13, "Operations still missing": GetRooms /
GetRoomLists, GetUserAvailability)."""

from __future__ import annotations

from pathlib import Path

import pytest
from exchangelib import Account
from exchangelib.errors import ErrorNameResolutionNoResults

from engine.clock import ManualClock
from mockews.service import MockExchange
from mockews.store import World
from mockews.store.persist import load_world, save_world

from ..conftest import DOMAIN, START, every_mode

pytestmark = every_mode

ROOMS = f"rooms-hq@{DOMAIN}"
OTHER = f"rooms-annex@{DOMAIN}"


def add_rooms(world: World) -> None:
    directory = world.directory
    members = []
    for name in ("Everest", "Kilimanjaro"):
        world.provision_resource(f"{name.lower()}@{DOMAIN}", f"Room {name}")
        user = directory.user_by_mail(f"{name.lower()}@{DOMAIN}")
        assert user is not None
        members.append(user.id)
    projector = world.provision_resource(f"projector@{DOMAIN}", "Projector", "Equipment")
    projector_user = directory.user_by_mail(projector.email)
    assert projector_user is not None
    directory.add_group("HQ Rooms", ROOMS, "roomlist", members=[*members, projector_user.id])
    directory.add_group("Annex Rooms", OTHER, "roomlist")


@pytest.fixture
def rooms(world: World) -> World:
    add_rooms(world)
    return world


def test_room_lists_and_their_rooms(alice: Account, rooms: World) -> None:
    """GetRoomLists / GetRooms: the directory's room lists, and the room mailboxes (not
    equipment) in one."""
    lists = list(alice.protocol.get_roomlists())
    assert [(r.name, r.email_address) for r in lists] == [("Annex Rooms", OTHER), ("HQ Rooms", ROOMS)]
    found = list(alice.protocol.get_rooms(ROOMS))
    assert sorted((r.name, r.email_address) for r in found) == [
        ("Room Everest", f"everest@{DOMAIN}"),
        ("Room Kilimanjaro", f"kilimanjaro@{DOMAIN}"),
    ]
    assert list(alice.protocol.get_rooms(OTHER)) == []


def test_get_rooms_of_what_is_not_a_room_list(alice: Account, rooms: World) -> None:
    """GetRooms: an ordinary distribution list or an unknown address is no room list."""
    for address in (f"engineering@{DOMAIN}", f"nowhere@{DOMAIN}"):
        with pytest.raises(ErrorNameResolutionNoResults):
            list(alice.protocol.get_rooms(address))


def test_rooms_survive_save_and_load(alice: Account, rooms: World, tmp_path: Path, service: MockExchange) -> None:
    """GetRooms: room mailboxes and room lists are kept in the world file."""
    path = tmp_path / "world.jsonl.gz"
    save_world(rooms, path)
    service.replace_world(load_world(path, ManualClock(START)))
    assert [r.email_address for r in alice.protocol.get_roomlists()] == [OTHER, ROOMS]
    assert len(list(alice.protocol.get_rooms(ROOMS))) == 2


def test_rooms_provisioned_through_the_admin_plane(alice: Account, service: MockExchange) -> None:
    """GetRooms: the admin plane's bulk load makes room mailboxes and room lists."""
    service.admin.bulk_load(
        {
            "mailboxes": [{"email": f"fuji@{DOMAIN}", "display_name": "Room Fuji", "resource_type": "Room"}],
            "groups": [
                {
                    "display_name": "Tokyo Rooms",
                    "mail": f"rooms-tokyo@{DOMAIN}",
                    "kind": "roomlist",
                    "members": [f"fuji@{DOMAIN}"],
                }
            ],
        }
    )
    assert [r.email_address for r in alice.protocol.get_rooms(f"rooms-tokyo@{DOMAIN}")] == [f"fuji@{DOMAIN}"]
