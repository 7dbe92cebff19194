"""SyncFolderItems and SyncFolderHierarchy through exchangelib."""

from __future__ import annotations

import pytest
from exchangelib import Account, Folder, Message
from exchangelib.errors import ErrorInvalidOperation, ErrorInvalidSyncStateData

from mockews.service import MockExchange

from ..conftest import ALICE, PASSWORD, every_mode

pytestmark = every_mode


def sync(folder: Folder, state: str | None, **kwargs: object) -> tuple[list[tuple[str, object]], str]:
    folder.item_sync_state = state  # exchangelib would otherwise resume from its cached state
    changes = list(folder.sync_items(sync_state=state, **kwargs))
    return changes, folder.item_sync_state


def kinds(changes: list[tuple[str, object]]) -> list[str]:
    return [kind for kind, _ in changes]


def test_initial_sync_then_incremental_changes(alice: Account) -> None:
    inbox = alice.inbox
    a, b, c = (Message(account=alice, folder=inbox, subject=s) for s in "abc")
    for m in (a, b, c):
        m.save()
    changes, state = sync(inbox, None)
    assert kinds(changes) == ["create"] * 3
    assert {item.subject for _, item in changes} == {"a", "b", "c"}

    changes, same = sync(inbox, state)
    assert changes == [] and same == state  # nothing changed: the state comes back unchanged

    a.subject = "a2"
    a.save(update_fields=["subject"])
    b.is_read = True
    b.save(update_fields=["is_read"])
    c_id = c.id
    c.delete()
    d = Message(account=alice, folder=inbox, subject="d")
    d.save()
    gone = Message(account=alice, folder=inbox, subject="created and deleted between syncs")
    gone.save()
    gone.delete()
    changes, state2 = sync(inbox, state)
    by_kind = {kind: obj for kind, obj in changes}
    assert sorted(kinds(changes)) == ["create", "delete", "read_flag_change", "update"]
    assert by_kind["update"].subject == "a2"
    item_id, is_read = by_kind["read_flag_change"]
    assert (item_id.id, is_read) == (b.id, True)
    assert by_kind["delete"].id == c_id
    assert by_kind["create"].subject == "d"
    assert state2 != state


def test_create_then_update_before_first_sync_is_one_create(alice: Account) -> None:
    m = Message(account=alice, folder=alice.inbox, subject="v1")
    m.save()
    m.subject = "v2"
    m.save(update_fields=["subject"])
    m.is_read = True
    m.save(update_fields=["is_read"])
    changes, _ = sync(alice.inbox, None)
    assert kinds(changes) == ["create"]
    assert changes[0][1].subject == "v2" and changes[0][1].is_read is True


def test_a_move_is_a_delete_in_the_source_and_a_create_in_the_target(alice: Account) -> None:
    target = Folder(parent=alice.inbox, name="Target")
    target.save()
    m = Message(account=alice, folder=alice.inbox, subject="mover")
    m.save()
    _, inbox_state = sync(alice.inbox, None)
    _, target_state = sync(target, None)
    old_id = m.id
    m.move(target)
    changes, _ = sync(alice.inbox, inbox_state)
    assert [(k, o.id) for k, o in changes] == [("delete", old_id)]
    changes, _ = sync(target, target_state)
    assert [(k, o.id) for k, o in changes] == [("create", m.id)]


@pytest.mark.parametrize("page", [1, 7, 100, 512])
def test_paging_with_max_changes(alice: Account, page: int) -> None:
    alice.bulk_create(folder=alice.inbox, items=[Message(account=alice, subject=f"m{n}") for n in range(40)])
    changes = list(alice.inbox.sync_items(max_changes_returned=page))
    assert sorted(o.subject for _, o in changes) == sorted(f"m{n}" for n in range(40))


def test_max_changes_above_512_is_refused(alice: Account) -> None:
    with pytest.raises(ErrorInvalidOperation):
        list(alice.inbox.sync_items(max_changes_returned=513))


def test_ignore_list_skips_items(alice: Account) -> None:
    _, state = sync(alice.inbox, None)
    keep, skip = (
        Message(account=alice, folder=alice.inbox, subject="keep"),
        Message(account=alice, folder=alice.inbox, subject="skip"),
    )
    keep.save()
    skip.save()
    changes, _ = sync(alice.inbox, state, ignore=[skip])
    assert [o.subject for _, o in changes] == ["keep"]


def test_id_only_sync(alice: Account) -> None:
    Message(account=alice, folder=alice.inbox, subject="x").save()
    changes = list(alice.inbox.sync_items(only_fields=["id", "changekey"]))
    assert kinds(changes) == ["create"] and changes[0][1].subject is None


def test_invalid_and_foreign_states_are_refused(alice: Account, service: MockExchange) -> None:
    _, inbox_state = sync(alice.inbox, None)
    with pytest.raises(ErrorInvalidSyncStateData):
        sync(alice.inbox, "not-a-state")
    with pytest.raises(ErrorInvalidSyncStateData):
        sync(alice.inbox, inbox_state[:-4] + "AAA=")  # forged MAC
    with pytest.raises(ErrorInvalidSyncStateData):
        sync(alice.sent, inbox_state)  # a state of another folder
    service.admin.invalidate_sync_states(mailbox=ALICE)
    with pytest.raises(ErrorInvalidSyncStateData):
        sync(alice.inbox, inbox_state)
    changes, _ = sync(alice.inbox, None)  # a full resync still works
    assert changes == []


def test_states_of_a_reset_world_are_refused(alice: Account, service: MockExchange) -> None:
    _, state = sync(alice.inbox, None)
    service.admin.reset(seed=service.world.seed)
    service.world.add_account("svc@contoso.example", "svc-secret", can_impersonate=True)
    mailbox = service.world.provision_mailbox(ALICE, password=PASSWORD)
    assert mailbox.well_known("inbox").id == alice.inbox.id  # same seed, same ids again …
    with pytest.raises(ErrorInvalidSyncStateData):  # … but the old world's states are refused
        sync(alice.inbox, state)


def test_sync_hierarchy(alice: Account) -> None:
    root = alice.msg_folder_root
    initial = list(root.sync_hierarchy())
    assert {"Inbox", "Sent Items", "Calendar"} <= {f.name for _, f in initial}
    assert all(kind == "create" for kind, _ in initial)
    state = root.folder_sync_state

    projects = Folder(parent=alice.inbox, name="Projects")
    projects.save()
    old = Folder(parent=alice.inbox, name="Old")
    old.save()
    changes = list(root.sync_hierarchy(sync_state=state))
    assert sorted((k, f.name) for k, f in changes) == [("create", "Old"), ("create", "Projects")]
    state = root.folder_sync_state

    projects.name = "Projects 2024"
    projects.save(update_fields=["name"])
    projects.move(alice.msg_folder_root)
    old_id = old.id
    old.delete()  # exchangelib clears the id of a deleted folder
    changes = list(root.sync_hierarchy(sync_state=state))
    summary = sorted((k, getattr(f, "name", None) or f.id) for k, f in changes)
    assert summary == [("delete", old_id), ("update", "Projects 2024")]
