"""mockad's admin plane (HTTP and Python): accounts and membership changed during a
simulation show in Graph, in mockews' ExpandDL, and in mailbox provisioning."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from mockad.admin import AdminError, MockDirectoryAdmin
from mockad.app import create_app
from mockad.service import MockDirectory
from mockews.store import World

from ..conftest import ALICE, BOB, DOMAIN


@pytest.fixture
def service(world: World) -> MockDirectory:  # type: ignore[override]
    return MockDirectory(world)


@pytest.fixture
def client(service: MockDirectory) -> FlaskClient:
    return create_app(service).test_client()


def test_state_ready_reset(client: FlaskClient, world: World) -> None:
    assert client.get("/mockad-api/ready").json == {"ready": True}
    state = client.get("/mockad-api/state").json
    assert state["users"] == 3 and state["groups"] == 2 and state["domain"] == DOMAIN
    assert client.post("/mockad-api/seed", json={"seed": 4}).json["users"] == 0
    assert world.seed == 4 and world.counts()["mailboxes"] == 0


def test_users_and_groups_over_http(client: FlaskClient, world: World) -> None:
    created = client.post("/mockad-api/users", json={"display_name": "Dana Lee", "mail": f"dana@{DOMAIN}"})
    assert created.status_code == 201
    assert world.find_mailbox(f"dana@{DOMAIN}") is not None
    no_box = client.post(
        "/mockad-api/users", json={"display_name": "Ext", "mail": f"ext@{DOMAIN}", "has_mailbox": False}
    )
    assert no_box.status_code == 201 and world.find_mailbox(f"ext@{DOMAIN}") is None
    duplicate = client.post("/mockad-api/users", json={"display_name": "Again", "mail": ALICE})
    assert duplicate.status_code == 400 and duplicate.json["error"]["field"] == "mail"
    bad = client.post("/mockad-api/users", json={"display_name": "", "mail": "x"})
    assert bad.status_code == 400
    group = client.post("/mockad-api/groups", json={"display_name": "Ops", "mail": f"ops@{DOMAIN}", "members": [ALICE]})
    assert group.status_code == 201
    assert client.post(f"/mockad-api/groups/ops@{DOMAIN}/members", json={"member": f"dana@{DOMAIN}"}).json == {
        "ok": True
    }
    ops = world.directory.group_by_mail(f"ops@{DOMAIN}")
    assert ops is not None and len(ops.members) == 2
    assert client.delete(f"/mockad-api/groups/{ops.id}/members/{ALICE}").status_code == 200
    assert len(ops.members) == 1
    assert client.patch(f"/mockad-api/users/{BOB}", json={"account_enabled": False}).status_code == 200
    bob = world.directory.user_by_mail(BOB)
    assert bob is not None and bob.account_enabled is False
    assert client.delete(f"/mockad-api/objects/{BOB}").status_code == 200
    assert world.directory.user_by_mail(BOB) is None
    assert client.patch("/mockad-api/users/ghost@x.example", json={"licensed": False}).status_code == 400


def test_membership_changes_reach_expand_dl(service: MockDirectory, world: World) -> None:
    from mockews.app import create_app as ews_app
    from mockews.service import MockExchange

    from ..wire.conftest import envelope

    admin = MockDirectoryAdmin(service)
    admin.add_user({"display_name": "Erin", "mail": f"erin@{DOMAIN}"})
    admin.add_member(f"engineering@{DOMAIN}", f"erin@{DOMAIN}")
    ews = ews_app(MockExchange(world, auth="none")).test_client()
    body = envelope(
        f"<m:ExpandDL><m:Mailbox><t:EmailAddress>engineering@{DOMAIN}</t:EmailAddress></m:Mailbox></m:ExpandDL>"
    )
    reply = ews.post("/EWS/Exchange.asmx", data=body).get_data()
    assert f"erin@{DOMAIN}".encode() in reply
    admin.remove_member(f"engineering@{DOMAIN}", f"erin@{DOMAIN}")
    assert f"erin@{DOMAIN}".encode() not in ews.post("/EWS/Exchange.asmx", data=body).get_data()
    with pytest.raises(AdminError):
        admin.add_member(f"engineering@{DOMAIN}", "nobody@nowhere.example")
    unlicensed = admin.unlicense_user(ALICE)
    assert unlicensed.licensed is False
