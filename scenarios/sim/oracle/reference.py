"""The oracle's own reading of domain.md (architecture: "the oracle stands apart"):
what the mock stores say a run must have seen — the MFR Live View of a mailbox (R1),
the Full View as the union of boundary snapshots (R2, R3), schedule slots (T5), the
accounts a task skips (T9), the Managed Folders policy of each item (M1) — written
here, apart from the engine and the archive, from the words of the rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mockews.store import World
from mockews.store.model import Folder, Item

PRIVATE = frozenset({"Personal", "Private"})
EV = "IPM.Note.EnterpriseVault.Shortcut"
STUB_PREFIX = "IPM.Note.Synceng."
EXCLUDABLE = {"exclude_inbox": "inbox", "exclude_sent_items": "sentitems", "exclude_deleted_items": "deleteditems"}


def key_of(item: Item) -> str | None:
    if not item.message_id:
        return None
    sent = datetime.fromtimestamp(item.sent, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if item.sent else ""
    return f"{item.message_id}|{sent}"


def is_mail(folder: Folder) -> bool:
    cls = folder.folder_class
    return cls is None or cls == "" or cls == "IPF.Note" or cls.startswith("IPF.Note.")


@dataclass
class Snapshot:
    live: dict[str, set[str]]  # key → folder ids where it is placed
    ineligible: set[str]  # keys present in included folders but not placeable (private, EV, …)
    included: set[str]  # folder ids included
    folders: set[str]  # every folder id that exists


def change_stamp(world: World, mailbox: str) -> tuple[int, int]:
    """Changes when anything in the mailbox changes: its latest item change and its
    latest hierarchy change (the store's own journal sequence numbers)."""
    box = world.mailbox(mailbox)
    return max((f.journal.last_seq for f in box.folders()), default=0), box.hierarchy.log.last_seq


def mfr_snapshot(world: World, mailbox: str, definition: dict[str, Any]) -> Snapshot:
    """R1 from the store: exactly the non-excluded mail folders and their eligible items."""
    box = world.mailbox(mailbox)
    root = box.well_known("msgfolderroot")
    excluded = excluded_roots(world, mailbox, definition)
    include_ev = bool(definition.get("include_ev_shortcuts"))
    live: dict[str, set[str]] = {}
    ineligible: set[str] = set()
    included: set[str] = set()
    every: set[str] = set()
    for folder in root.walk():
        every.add(folder.id)
        node: Folder | None = folder
        ok = True
        while node is not None and node is not root:
            if node.id in excluded or not is_mail(node):
                ok = False
                break
            node = node.parent
        if not ok or node is not root:
            continue
        included.add(folder.id)
        for item in folder.items.values():
            key = key_of(item)
            if key is None:
                continue
            if (item.sensitivity or "Normal") in PRIVATE or (item.item_class == EV and not include_ev):
                ineligible.add(key)
                continue
            live.setdefault(key, set()).add(folder.id)
    return Snapshot(live, ineligible - set(live), included, every)


@dataclass
class MailboxModel:
    """R2/R3 for one mailbox: the Full View as the union of boundary snapshots, with
    the last location of items gone (for good) marked deleted."""

    live: dict[str, set[str]] = field(default_factory=dict)
    full: dict[tuple[str, str], bool] = field(default_factory=dict)  # (key, folder) → deleted
    boundaries: int = 0
    stamp: Any = None  # the mailbox's state when the model last took a snapshot

    def boundary(self, snap: Snapshot) -> None:
        for key, folders in snap.live.items():
            for folder in folders:
                self.full[(key, folder)] = False
        for key, folders in self.live.items():
            if key in snap.live:
                continue  # moved, or still where it was
            if key in snap.ineligible:
                continue  # turned private (or otherwise ineligible): history kept, not deleted
            if all(f in snap.folders and f not in snap.included for f in folders):
                continue  # its folder was excluded later (R4): entries stay, unmarked
            for folder in folders:
                self.full[(key, folder)] = True
        self.live = {k: set(v) for k, v in snap.live.items()}
        self.boundaries += 1

    def reset(self) -> None:
        """R9: the Full View becomes the Live View."""
        self.full = {(k, f): False for k, folders in self.live.items() for f in folders}


def schedule_slots(spec: dict[str, Any], zone: str, after: datetime, until: datetime) -> list[datetime]:
    """Slots of a schedule in (after, until], from the spec alone (T5) — an independent
    reading for the oracle."""
    tz = ZoneInfo(zone)
    kind = spec["kind"]
    if kind == "one_off":
        at = datetime.fromisoformat(spec["at"]).replace(tzinfo=tz).astimezone(UTC)
        return [at] if after < at <= until else []
    times = spec["times"]
    start = time.fromisoformat(times["start"])
    if times.get("mode", "once") == "once":
        minutes = [start.hour * 60 + start.minute]
    else:
        end = time.fromisoformat(times["end"])
        step = int(times["interval_minutes"])
        minutes = list(range(start.hour * 60 + start.minute, end.hour * 60 + end.minute + 1, step))
    days = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
    weekdays = {days[d] for d in spec.get("weekdays", days)} if kind == "weekly" else set(range(7))
    out: list[datetime] = []
    day: date = after.astimezone(tz).date() - timedelta(days=1)
    while day <= until.astimezone(tz).date() + timedelta(days=1):
        if day.weekday() in weekdays:
            for m in minutes:
                local = datetime(day.year, day.month, day.day, m // 60, m % 60, tzinfo=tz)
                at = local.astimezone(UTC)
                if after < at <= until and at not in out:
                    out.append(at)
        day += timedelta(days=1)
    return sorted(out)


def skip_reason(world: World, mailbox: str) -> str | None:
    """T9: why a task skips this mailbox now (None: it is processed)."""
    user = world.directory.user_by_mail(mailbox)
    if user is None or not user.has_mailbox:
        return "no mailbox"
    if not user.account_enabled:
        return "account disabled"
    if not user.licensed:
        return "account not licensed"
    return None


POLICY_FOLDERS = ("inbox", "sentitems", "deleteditems", "drafts", "junkemail", "outbox")


def managed_policy(folder: Folder, root: Folder, definition: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """M1: (where the policy came from, the policy) for items of ``folder``."""
    if folder.parent is root:
        for managed in definition.get("managed_folders", []):
            if managed["name"].lower() == folder.name.lower():
                return "managed", managed["policy"]
    node: Folder | None = folder
    while node is not None and node is not root:
        if node.distinguished in POLICY_FOLDERS:
            policy = definition.get("well_known_policies", {}).get(node.distinguished)
            if policy is not None:
                return "well_known", policy
            break
        node = node.parent
    return "default", definition.get("default_policy") or {}


@dataclass
class ManagedItem:
    key: str
    folder: str
    received: float
    is_read: bool
    source: str
    policy: dict[str, Any]


def managed_snapshot(world: World, mailbox: str, definition: dict[str, Any]) -> dict[str, ManagedItem]:
    box = world.mailbox(mailbox)
    root = box.well_known("msgfolderroot")
    out: dict[str, ManagedItem] = {}
    for folder in root.walk():
        if not is_mail(folder):
            continue
        source, policy = managed_policy(folder, root, definition)
        for item in folder.items.values():
            key = key_of(item)
            if item.item_class == EV or (item.item_class or "").startswith(STUB_PREFIX):
                continue  # shortcuts and stubs are not managed: their archived copy is already governed
            if key is not None and item.received:
                out[key] = ManagedItem(key, folder.id, float(item.received), bool(item.is_read), source, policy)
    return out


def calendar_snapshot(world: World, mailbox: str, definition: dict[str, Any]) -> dict[str, str]:
    """C1: the appointments a calendar replica must mirror (uid → subject)."""
    box = world.mailbox(mailbox)
    default = box.well_known("calendar")
    if definition.get("include", "default") == "default":
        folders = [default]
    else:
        root = box.well_known("msgfolderroot")
        folders = [f for f in root.walk() if (f.folder_class or "").startswith("IPF.Appointment")]
    return {item.id: item.subject or "" for f in folders for item in f.items.values()}


def excluded_roots(world: World, mailbox: str, definition: dict[str, Any]) -> set[str]:
    """The folders an MFR definition excludes by name (everything below them goes too)."""
    box = world.mailbox(mailbox)
    return {box.well_known(name).id for flag, name in EXCLUDABLE.items() if definition.get(flag)}
