"""What people do, as SimPy processes on the simulation's clock: mail arrives and is
sent, read, moved, soft- and hard-deleted; folders are created, renamed, moved and
deleted; items turn private; appointments are created, edited and deleted; the
directory changes (accounts disabled or unlicensed, group membership).

Arrivals are Poisson with a daily and weekly profile (busy on working days' office
hours, quiet at night and on weekends), by thinning.  Everything goes into the mock
stores directly — this is the world the engine observes over EWS and Graph.  Every
draw comes from the scenario's seed.

With ``pause_while_processed`` a mailbox's activity waits while a task is reading it,
so the state at each run boundary is well defined for the oracle (a mailbox takes
well under a simulated second to read)."""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import simpy

from mockews.errors import EWSError
from mockews.store import World
from mockews.store.loader import new_calendar_item, new_message
from mockews.store.model import Folder, Item

from .spec import ActivitySpec

DAY = 86_400.0
MAIL_CLASSES = ("IPF.Note",)


def busy(when: datetime) -> float:
    """Relative activity at a moment (UTC): office hours on working days are busiest."""
    hour = when.hour
    if when.weekday() >= 5:
        return 0.1
    if 8 <= hour < 18:
        return 1.0
    if 7 <= hour < 20:
        return 0.2
    return 0.05


#: the week's mean of ``busy``: rates are scaled so a day averages the stated rate
MEAN_BUSY = (5 * (10 * 1.0 + 3 * 0.2 + 11 * 0.05) + 2 * 24 * 0.1) / (7 * 24)
PEAK = 1.0 / MEAN_BUSY


@dataclass
class Counters:
    events: int = 0
    deferred: int = 0
    by_kind: dict[str, int] | None = None

    def count(self, kind: str) -> None:
        self.events += 1
        if self.by_kind is None:
            self.by_kind = {}
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1


class Activity:
    def __init__(
        self,
        env: simpy.Environment,
        world: World,
        mailboxes: list[str],
        spec: ActivitySpec,
        seed: int,
        busy_mailbox: Callable[[str], bool],
        on_message: Callable[[str, str, int, list[str]], None],
        on_account: Callable[[str | None], None] | None = None,
        on_change: Callable[[str, str], None] | None = None,
    ) -> None:
        self.env = env
        self.world = world
        self.mailboxes = mailboxes
        self.spec = spec
        self.seed = seed
        self.busy_mailbox = busy_mailbox
        self.on_message = on_message  # (mailbox, message id, sent epoch, readers) for the archive's journaling
        #: the directory changed (an account's address, or None for a membership change)
        self.on_account = on_account or (lambda mail: None)
        #: a mailbox changed (its address, the kind of change): what the report's backlog counts
        self.on_change = on_change or (lambda mailbox, kind: None)
        self.counters = Counters()
        self._serial = 0

    def start(self) -> None:
        kinds = self.kinds()
        if not kinds:
            return
        for n, address in enumerate(self.mailboxes):
            self.env.process(self.mailbox_life(address, random.Random(f"{self.seed}:mailbox:{n}"), kinds))
        if self.spec.directory_changes_per_day > 0:
            self.env.process(self.directory_life(random.Random(f"{self.seed}:directory")))

    def kinds(self) -> list[tuple[str, float]]:
        s = self.spec
        table = [
            ("arrival", s.mail_per_day),
            ("sent", s.sent_per_day),
            ("read", s.mail_per_day * s.read_fraction),
            ("move", s.moves_per_day),
            ("soft_delete", s.soft_deletes_per_day),
            ("hard_delete", s.hard_deletes_per_day),
            ("folder", s.folder_changes_per_day),
            ("private", s.sensitivity_changes_per_day),
            ("calendar", s.calendar_changes_per_day),
        ]
        return [(k, r) for k, r in table if r > 0]

    # -- the processes ---------------------------------------------------------------------

    def _wait(self, rng: random.Random, per_day: float) -> Generator[Any, None, None]:
        """Until the next event of a thinned Poisson process of ``per_day`` on average."""
        peak = per_day * PEAK / DAY
        while True:
            yield self.env.timeout(rng.expovariate(peak))
            if rng.random() < busy(self.world.clock.now()) / 1.0:
                return

    def mailbox_life(
        self, address: str, rng: random.Random, kinds: list[tuple[str, float]]
    ) -> Generator[Any, None, None]:
        total = sum(rate for _, rate in kinds)
        names = [k for k, _ in kinds]
        weights = [r for _, r in kinds]
        while True:
            yield from self._wait(rng, total)
            kind = rng.choices(names, weights)[0]
            while self.spec.pause_while_processed and self.busy_mailbox(address):
                self.counters.deferred += 1
                yield self.env.timeout(1.0)
            try:
                with self.world.lock:
                    done = getattr(self, f"_{kind}")(address, rng)
            except EWSError:
                done = False  # e.g. a folder name taken: nothing happened
            if done:
                self.counters.count(kind)
                self.on_change(address, kind)

    def directory_life(self, rng: random.Random) -> Generator[Any, None, None]:
        directory = self.world.directory
        while True:
            yield from self._wait(rng, self.spec.directory_changes_per_day)
            users = [u for u in (directory.user_by_mail(m) for m in self.mailboxes) if u is not None]
            groups = [g for g in directory.all_objects() if type(g).__name__ == "DirectoryGroup"]
            roll = rng.random()
            if roll < 0.3 and users:
                user = rng.choice(users)
                directory.update_user(user.id, account_enabled=not user.account_enabled)
                self.on_account(str(user.mail).lower())
                self.counters.count("directory_account")
            elif roll < 0.4 and users:
                user = rng.choice(users)
                directory.update_user(user.id, licensed=not user.licensed)
                self.on_account(str(user.mail).lower())
                self.counters.count("directory_license")
            elif groups and users:
                group = rng.choice(groups)
                user = rng.choice(users)
                members = {m.id for m in directory.members(group)}  # type: ignore[arg-type]
                if user.id in members:
                    directory.remove_member(group.id, user.id)
                else:
                    directory.add_member(group.id, user.id)
                self.on_account(None)
                self.counters.count("directory_membership")

    # -- events (each returns whether something happened) ------------------------------------

    def _mail_folders(self, address: str) -> list[Folder]:
        box = self.world.mailbox(address)
        root = box.well_known("msgfolderroot")
        return [f for f in root.walk() if (f.folder_class or "IPF.Note").startswith("IPF.Note")]

    def _user_folders(self, address: str) -> list[Folder]:
        return [f for f in self._mail_folders(address) if not f.distinguished]

    def _pick_item(self, rng: random.Random, folders: list[Folder]) -> Item | None:
        nonempty = [f for f in folders if f.items]
        if not nonempty:
            return None
        folder = rng.choice(nonempty)
        return rng.choice(list(folder.items.values()))

    def _message_id(self) -> str:
        self._serial += 1
        return f"<sim{self.seed}.{self._serial:07d}@mail.example>"

    def _file(
        self,
        owner: str,
        folder: str,
        subject: str,
        message_id: str,
        *,
        sent: int,
        received: int,
        size: int,
        sensitivity: str = "Normal",
        is_read: bool = False,
    ) -> None:
        """A new message in one of ``owner``'s well-known folders."""
        box = self.world.mailbox(owner)
        new_message(
            box,
            box.well_known(folder),
            subject=subject,
            message_id=message_id,
            sent=sent,
            received=received,
            size=size,
            sensitivity=sensitivity,
            is_read=is_read,
        )

    def _arrival(self, address: str, rng: random.Random) -> bool:
        now = int(self.world.clock.now().timestamp())
        sensitivity = "Private" if rng.random() < 0.02 else "Normal"
        message_id = self._message_id()
        sent = now - rng.randint(5, 600)
        self._file(
            address,
            "inbox",
            f"Message {self._serial}",
            message_id,
            sent=sent,
            received=now,
            sensitivity=sensitivity,
            size=rng.randint(2_000, 80_000),
        )
        self.on_message(address, message_id, sent, [address])
        return True

    def _sent(self, address: str, rng: random.Random) -> bool:
        now = int(self.world.clock.now().timestamp())
        message_id = self._message_id()
        peer = rng.choice(self.mailboxes)
        # the sender's copy, read, in Sent Items; the peer's (unless the sender wrote to itself) in the Inbox
        copies = [(address, "sentitems")] + ([(peer, "inbox")] if peer != address else [])
        for owner, folder in copies:
            self._file(
                owner,
                folder,
                f"Sent {self._serial}",
                message_id,
                sent=now,
                received=now,
                is_read=owner == address,
                size=rng.randint(2_000, 40_000),
            )
        self.on_message(address, message_id, now, [owner for owner, _ in copies])
        if peer != address:
            self.on_change(peer, "arrival")  # the peer's Inbox changed too
        return True

    def _read(self, address: str, rng: random.Random) -> bool:
        box = self.world.mailbox(address)
        unread = [i for i in box.well_known("inbox").items.values() if not i.is_read]
        if not unread:
            return False
        box.update_item(rng.choice(unread), {"is_read": True})
        return True

    def _move(self, address: str, rng: random.Random) -> bool:
        folders = self._mail_folders(address)
        item = self._pick_item(rng, folders)
        targets = [
            f for f in folders if item is not None and f is not item.folder and f.distinguished != "msgfolderroot"
        ]
        if item is None or not targets:
            return False
        self.world.mailbox(address).move_item(item, rng.choice(targets))
        return True

    def _soft_delete(self, address: str, rng: random.Random) -> bool:
        folders = [f for f in self._mail_folders(address) if f.distinguished != "deleteditems"]
        item = self._pick_item(rng, folders)
        if item is None:
            return False
        self.world.mailbox(address).delete_item(item, "MoveToDeletedItems")
        return True

    def _hard_delete(self, address: str, rng: random.Random) -> bool:
        item = self._pick_item(rng, self._mail_folders(address))
        if item is None:
            return False
        self.world.mailbox(address).delete_item(item, "HardDelete")
        return True

    def _folder(self, address: str, rng: random.Random) -> bool:
        box = self.world.mailbox(address)
        users = self._user_folders(address)
        roll = rng.random()
        self._serial += 1
        if roll < 0.5 or not users:
            parent = rng.choice([box.well_known("inbox"), *users])
            box.create_folder(parent, f"Folder {self._serial}", "IPF.Note")
        elif roll < 0.7:
            box.update_folder(rng.choice(users), name=f"Renamed {self._serial}")
        elif roll < 0.85:
            folder = rng.choice(users)
            targets = [f for f in [box.well_known("inbox"), *users] if not f.is_within(folder)]
            if not targets:
                return False
            box.move_folder(folder, rng.choice(targets))
        else:
            box.delete_folder(rng.choice(users), rng.choice(["HardDelete", "MoveToDeletedItems"]))
        return True

    def _private(self, address: str, rng: random.Random) -> bool:
        item = self._pick_item(rng, self._mail_folders(address))
        if item is None or item.sensitivity in ("Private", "Personal"):
            return False
        self.world.mailbox(address).update_item(item, {"sensitivity": "Private"})
        return True

    def _calendar(self, address: str, rng: random.Random) -> bool:
        box = self.world.mailbox(address)
        calendar = box.well_known("calendar")
        items = list(calendar.items.values())
        roll = rng.random()
        now = int(self.world.clock.now().timestamp())
        self._serial += 1
        if roll < 0.6 or not items:
            start = now + rng.randint(1, 30) * 86_400 // 24 * 24
            new_calendar_item(
                box,
                calendar,
                f"Meeting {self._serial}",
                start,
                start + 3600,
                sensitivity="Private" if rng.random() < 0.05 else "Normal",
            )
        elif roll < 0.85:
            item = rng.choice(items)
            box.update_item(item, {"subject": f"Moved meeting {self._serial}"})
        else:
            box.delete_item(rng.choice(items), "HardDelete")
        return True


__all__ = ["Activity", "busy"]
