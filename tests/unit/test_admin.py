"""The admin plane over HTTP (JSON) and as Python methods: reset, seed, state,
readiness, faults, throttling, provisioning, bulk load, save/load."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from flask.testing import FlaskClient

from engine.clock import ManualClock
from mockews.admin import AdminError
from mockews.app import create_app
from mockews.server import ServerThread
from mockews.service import MockExchange
from mockews.store import World
from mockews.store.persist import WorldFileError, load_world, save_world

from ..conftest import ALICE, START, make_world


@pytest.fixture
def admin_client(service: MockExchange) -> FlaskClient:
    return create_app(service).test_client()


def test_ready_and_state(admin_client: FlaskClient) -> None:
    assert admin_client.get("/mockews-api/ready").json == {"ready": True}
    state = admin_client.get("/mockews-api/state").json
    assert state["counts"]["mailboxes"] == 3 and ALICE in state["mailboxes"]
    assert state["auth"] == "basic" and state["throttle"]["max_concurrency"] == 27


def test_reset_and_seed(admin_client: FlaskClient, service: MockExchange) -> None:
    assert admin_client.post("/mockews-api/reset", json={}).json["counts"]["mailboxes"] == 0
    assert admin_client.post("/mockews-api/seed", json={"seed": 99}).json["seed"] == 99
    assert admin_client.post("/mockews-api/seed", json={"seed": "x"}).status_code == 400
    assert service.world.seed == 99


def test_bulk_load_validates_everything_before_writing(admin_client: FlaskClient, service: MockExchange) -> None:
    before = service.world.counts()
    bad = admin_client.post(
        "/mockews-api/bulk-load",
        json={
            "mailboxes": [{"email": "new@contoso.example", "items": [{"subject": "x"}]}],
            "groups": [{"display_name": "G", "mail": "g@contoso.example", "members": ["ghost@contoso.example"]}],
        },
    )
    assert bad.status_code == 400
    assert bad.json["error"]["field"] == "groups.0.members"
    assert service.world.counts() == before  # nothing half-written

    wrong_type = admin_client.post(
        "/mockews-api/bulk-load", json={"mailboxes": [{"email": "x@y.example", "items": [{"is_read": "perhaps"}]}]}
    )
    assert wrong_type.status_code == 400 and wrong_type.json["error"]["field"] == "mailboxes.0.items.0.is_read"
    assert (
        admin_client.post("/mockews-api/bulk-load", data=b"[1,2]", content_type="application/json").status_code == 400
    )


def test_bulk_load_creates_mailboxes_folders_items_groups(admin_client: FlaskClient, service: MockExchange) -> None:
    reply = admin_client.post(
        "/mockews-api/bulk-load",
        json={
            "accounts": [{"email": "robot@contoso.example", "password": "p", "can_impersonate": True}],
            "mailboxes": [
                {
                    "email": "dana@contoso.example",
                    "display_name": "Dana",
                    "folders": [{"path": "inbox/Clients/Acme"}],
                    "items": [
                        {
                            "folder": "inbox/Clients/Acme",
                            "subject": "hello",
                            "sender": {"email": ALICE},
                            "received": "2023-02-01T10:00:00Z",
                            "attachments": [{"name": "a.txt", "content": "aGk="}],
                        },
                        {
                            "folder": "calendar",
                            "kind": "CalendarItem",
                            "subject": "meet",
                            "start": "2024-01-02T09:00:00Z",
                            "end": "2024-01-02T10:00:00Z",
                        },
                    ],
                }
            ],
            "groups": [
                {
                    "display_name": "Clients",
                    "mail": "clients@contoso.example",
                    "members": ["dana@contoso.example", ALICE],
                }
            ],
        },
    )
    assert reply.status_code == 201, reply.json
    assert reply.json == {"accounts": 1, "mailboxes": 1, "folders": 1, "items": 2, "groups": 1}
    mailbox = service.world.mailbox("dana@contoso.example")
    acme = next(f for f in mailbox.folders() if f.name == "Acme")
    (item,) = acme.items.values()
    assert item.subject == "hello" and item.attachments and item.attachments[0].content == b"hi"
    assert service.world.accounts["robot@contoso.example"].can_impersonate
    group = service.world.directory.group_by_mail("clients@contoso.example")
    assert group is not None and len(group.members) == 2


def test_faults_and_throttle_over_http(admin_client: FlaskClient, service: MockExchange) -> None:
    created = admin_client.post("/mockews-api/faults", json={"kind": "http503", "operation": "GetItem", "count": 2})
    assert created.status_code == 201 and created.json["kind"] == "http503"
    assert len(admin_client.get("/mockews-api/faults").json) == 1
    bad = admin_client.post("/mockews-api/faults", json={"kind": "latency", "probability": 2})
    assert bad.status_code == 400 and bad.json["error"]["field"] == "probability"
    assert admin_client.delete("/mockews-api/faults").json == []
    assert admin_client.put("/mockews-api/throttle", json={"rate": 5, "burst": 10}).json["rate"] == 5
    assert service.throttle.policy.rate == 5
    assert admin_client.put("/mockews-api/throttle", json={"max_concurrency": 0}).status_code == 400


def test_invalidate_sync_states_names_bad_targets(admin_client: FlaskClient, service: MockExchange) -> None:
    # every folder of the mailbox: Exchange 2016's full set since issue 13 (51, not 16)
    folders = len(service.world.mailbox(ALICE).folders())
    assert folders > 50
    assert admin_client.post("/mockews-api/sync-states/invalidate", json={"mailbox": ALICE}).json["folders"] == folders
    reply = admin_client.post("/mockews-api/sync-states/invalidate", json={"mailbox": "nobody@x.example"})
    assert reply.status_code == 400 and reply.json["error"]["field"] == "mailbox"


def test_unknown_admin_paths_are_json_errors(admin_client: FlaskClient) -> None:
    reply = admin_client.get("/mockews-api/nothing-here")
    assert reply.status_code == 404 and "error" in reply.json


def test_admin_over_real_http(service: MockExchange) -> None:
    with ServerThread(create_app(service)) as server:
        assert requests.get(f"{server.url}/mockews-api/ready", timeout=5).json() == {"ready": True}
        reply = requests.post(f"{server.url}/mockews-api/mailboxes", json={"email": "eve@contoso.example"}, timeout=5)
        assert reply.status_code == 201
    assert service.world.find_mailbox("eve@contoso.example") is not None


def test_save_and_load_round_trip(tmp_path: Path, service: MockExchange) -> None:
    from mockews.adminplane import AdminAccess
    from mockews.store.loader import folder_by_path, new_message

    # over HTTP, /save and /load reach only the files directory they are given
    admin_client = create_app(service, AdminAccess(files=tmp_path)).test_client()
    world = service.world
    alice = world.mailbox(ALICE)
    folder = folder_by_path(alice, "inbox/Keep")
    item = new_message(
        alice, folder, "saved", sender=("Bob", "bob@contoso.example"), attachments=[("f.bin", b"\x00\x01")]
    )
    path = tmp_path / "tenant.world.jsonl.gz"
    assert admin_client.post("/mockews-api/save", json={"path": str(path)}).status_code == 200
    loaded = load_world(path, ManualClock(START))
    assert loaded.counts() == world.counts()
    copy = loaded.mailbox(ALICE).item(item.id)
    assert (copy.subject, copy.from_.email if copy.from_ else None) == ("saved", "bob@contoso.example")
    assert copy.attachments and copy.attachments[0].content == b"\x00\x01"
    assert world.change_key(copy.last_seq) == world.change_key(item.last_seq)
    # the loaded world continues identically: the next ids match
    assert loaded.ids.item_id("zzzzzz") == world.ids.item_id("zzzzzz")

    admin_client.post("/mockews-api/reset", json={})
    assert admin_client.post("/mockews-api/load", json={"path": str(path)}).json["items"] == 1
    assert service.world.mailbox(ALICE).item(item.id).subject == "saved"


def test_a_bad_world_file_names_the_line_and_keeps_the_current_world(tmp_path: Path, service: MockExchange) -> None:
    import gzip

    path = tmp_path / "broken.world.jsonl.gz"
    save_world(make_world(), path)
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    lines[3] = '{"type": "user", "id": 5}'
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    with pytest.raises(WorldFileError, match="line 4"):
        load_world(path)
    before = service.world
    with pytest.raises(AdminError, match="line 4"):
        service.admin.load(path)
    assert service.world is before
    (tmp_path / "plain.txt").write_text("hello")
    with pytest.raises(AdminError, match=r"cannot read world file|not a world file"):
        service.admin.load(tmp_path / "plain.txt")
    with pytest.raises(AdminError, match="no such file"):
        service.admin.load(tmp_path / "missing.gz")


def test_loaded_world_refuses_old_sync_states(tmp_path: Path) -> None:
    from mockews.store.sync import Cursor
    from mockews.store.syncstate import SyncState

    world = make_world()
    inbox = world.mailbox(ALICE).well_known("inbox")
    state = world.sync_states.encode(SyncState("I", inbox.id, 0, Cursor(1, 2, 3)))
    path = tmp_path / "w.gz"
    save_world(world, path)
    loaded: World = load_world(path)
    from mockews.errors import ErrorInvalidSyncStateData

    with pytest.raises(ErrorInvalidSyncStateData):
        loaded.sync_states.decode(state, "I", inbox.id, 0, loaded.seq)
