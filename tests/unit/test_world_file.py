"""A world file keeps every property of every item, folder, mailbox and account: each
slot of the store's classes is compared after a save and a load (so a property added to
the model but not to persist.py's field lists fails here)."""

from __future__ import annotations

from pathlib import Path

from engine.clock import ManualClock
from mockews.store import CalendarItem, ExtendedKey, ExtendedValue, FileAttachment, Folder, Item, World
from mockews.store.model import FolderPermission
from mockews.store.persist import load_world, save_world
from scenarios.demo_tenant import build_demo_world

from ..conftest import START

#: slots that hold structure rebuilt on load rather than saved properties
_STRUCTURE = {"folder", "mailbox", "parent", "children", "items", "journal", "parent_history"}


def _slots(cls: type) -> list[str]:
    return [name for klass in cls.__mro__ for name in getattr(klass, "__slots__", ()) if name not in _STRUCTURE]


def _plain(value: object) -> object:
    """A comparable form: the store's slotted objects (recipients, attendees, attachments …)
    become tuples of their slots."""
    if hasattr(value, "__slots__"):
        return tuple(_plain(getattr(value, name)) for name in _slots(type(value)))
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _properties(obj: Item | Folder) -> dict[str, object]:
    out = {name: _plain(getattr(obj, name)) for name in _slots(type(obj))}
    out["parent"] = obj.parent.id if isinstance(obj, Folder) and obj.parent else None
    return out


def _rich_world() -> World:
    """The demo tenant (messages, meetings with attendees, a recurring meeting) with
    extended properties and attachments added."""
    world = build_demo_world(World(seed=3, clock=ManualClock(START)), seed=3)
    key = ExtendedKey("String", distinguished_set="PublicStrings", name="X-Archived")
    tagged = ExtendedKey("Integer", tag="0x1234")
    items = [item for mailbox in world.mailboxes.values() for f in mailbox.folders() for item in f.items.values()]
    for n, item in enumerate(items):
        if n % 5 == 0:
            item.extra = {
                "reminder_is_set": True,
                "extended": {key: ExtendedValue(key, ["yes"]), tagged: ExtendedValue(tagged, ["1", "2"], True)},
            }
        if n % 7 == 0:
            item.attachments = [FileAttachment("a.bin", b"\x00\xff", "application/x-a", "cid-1", True, 5, 1)]
            item.categories = ("Red", "Blue")
    assert any(isinstance(i, CalendarItem) and i.recurrence for i in items)
    assert any(isinstance(i, CalendarItem) and i.required for i in items)
    # issue 13: a folder PermissionSet set by UpdateFolder
    inbox = next(iter(world.mailboxes.values())).well_known("inbox")
    inbox.permissions = (
        FolderPermission((("PrimarySmtpAddress", "bob@contoso.example"),), (("PermissionLevel", "Reviewer"),)),
        FolderPermission((("DistinguishedUser", "Default"),), (("ReadItems", "None"), ("PermissionLevel", "None"))),
    )
    return world


def test_a_world_file_keeps_every_property(tmp_path: Path) -> None:
    world = _rich_world()
    save_world(world, tmp_path / "w.gz")
    loaded = load_world(tmp_path / "w.gz")

    assert {e: _plain(vars(a)) for e, a in loaded.accounts.items()} == {
        e: _plain(vars(a)) for e, a in world.accounts.items()
    }
    assert loaded.directory.users == world.directory.users
    assert loaded.directory.groups == world.directory.groups
    assert list(loaded.mailboxes) == list(world.mailboxes)
    compared = 0
    for email, mailbox in world.mailboxes.items():
        copy = loaded.mailboxes[email]
        assert (copy.display_name, copy.tag) == (mailbox.display_name, mailbox.tag)
        assert [_properties(f) for f in copy.folders()] == [_properties(f) for f in mailbox.folders()]
        for folder in mailbox.folders():
            for item in folder.items.values():
                twin = copy.item(item.id)
                assert type(twin) is type(item)
                assert _properties(twin) == _properties(item), item.id
                compared += 1
    assert compared > 100


def test_populate_out_twice_with_one_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    """CI caches a generated world by its hash: the same seed must give the same bytes,
    whatever the file is called and whenever it is written (no name, no time in the
    gzip header)."""
    from click.testing import CliRunner

    from synceng.cli import main

    files = [tmp_path / "first.world.jsonl.gz", tmp_path / "later" / "second.jsonl.gz"]
    files[1].parent.mkdir()
    for out in files:
        done = CliRunner().invoke(main, ["populate", "--profile", "tiny", "--seed", "3", "--out", str(out)])
        assert done.exit_code == 0, done.output
    assert files[0].read_bytes() == files[1].read_bytes()
    assert len(load_world(files[1]).mailboxes) == 4  # and it loads: the tiny profile's mailboxes
