"""What people do, as SimPy processes on the simulation's clock: mail arrives and is
sent, read, moved, soft- and hard-deleted; folders are created, renamed, moved and
deleted; items turn private; appointments are created, edited and deleted; the
directory changes (accounts disabled or unlicensed, group membership).

Arrivals are Poisson with a daily and weekly profile (busy on working days' office
hours, quiet at night and on weekends), by thinning.  Everything goes into the mock
stores directly — this is the world the engine observes over EWS and Graph.  Every
draw comes from the scenario's seed.

With ``pause_while_processed`` a mailbox's activity — mail others send it included —
waits while a task is reading it, so the state at each run boundary is well defined
for the oracle (a mailbox takes well under a simulated second to read).

Each mailbox draws from two streams of its own: its *schedule* (when, what kind, and
for mail sent the recipient and size — never anything that depends on what the
mailbox holds or on when a wait ended) and its *effects* (which item is read, moved
or deleted).  Message ids and names carry the mailbox and the event's number.  So a
mailbox's world does not depend on which other mailboxes are acted out: a run
sharded by site (scenarios.sim.sharding) gives each mailbox what the whole run gives
it."""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Callable, Collection, Generator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import simpy

from mockews.errors import EWSError
from mockews.store import World
from mockews.store.loader import new_calendar_item, new_message
from mockews.store.model import Folder, Item

from .spec import ActivitySpec

DAY = 86_400.0
CHUNK = 3_600.0  # the schedules are drawn this far ahead
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


def rates(spec: ActivitySpec) -> list[tuple[str, float]]:
    """The kinds of event in a mailbox and their rates (per day), those that happen."""
    table = [
        ("arrival", spec.mail_per_day),
        ("sent", spec.sent_per_day),
        ("read", spec.mail_per_day * spec.read_fraction),
        ("move", spec.moves_per_day),
        ("soft_delete", spec.soft_deletes_per_day),
        ("hard_delete", spec.hard_deletes_per_day),
        ("folder", spec.folder_changes_per_day),
        ("private", spec.sensitivity_changes_per_day),
        ("calendar", spec.calendar_changes_per_day),
    ]
    return [(k, r) for k, r in table if r > 0]


@dataclass(frozen=True, slots=True)
class Planned:
    """One event of a mailbox's schedule: when (simulated seconds), its kind, and for
    mail sent the recipient and the message's size — nothing that depends on what
    the mailbox holds, so any shard draws the same schedule for every mailbox."""

    at: float
    sender: int  # the index of the mailbox whose schedule it is
    number: int  # its place in that schedule (message ids and names carry it)
    kind: str
    peer: int = -1  # mail sent: the recipient's index (the sender itself: no copy)
    size: int = 0


def schedule(
    seed: int, index: int, start: datetime, kinds: list[tuple[str, float]], mailboxes: int
) -> Iterator[Planned]:
    """Mailbox ``index``'s events, without end: a thinned Poisson process of the kinds'
    total rate (busy hours likelier), each event's kind drawn by rate.  Each time is
    drawn from the previous *scheduled* time, so waiting while a task reads the
    mailbox never moves the events after it."""
    rng = random.Random(f"{seed}:mailbox:{index}")
    names = [k for k, _ in kinds]
    weights = [r for _, r in kinds]
    peak = sum(weights) * PEAK / DAY
    at = 0.0
    number = 0
    while True:
        at += rng.expovariate(peak)
        if rng.random() >= busy(start + timedelta(seconds=at)):
            continue
        number += 1
        kind = rng.choices(names, weights)[0]
        if kind == "sent":
            yield Planned(at, index, number, kind, rng.randrange(mailboxes), rng.randint(2_000, 40_000))
        else:
            yield Planned(at, index, number, kind)


class Activity:
    """People's activity.  ``own``: the mailboxes this simulation acts out (default:
    all) — a shard's.  Every mailbox's schedule is drawn in every shard (it is cheap
    and independent of state), so mail from any mailbox reaches an own one at the
    same moment whichever shard runs the sender; what happens *in* a mailbox (which
    item is read, moved, deleted) draws from the mailbox's own effects stream and is
    acted out only where the mailbox is own.  The counters count own mailboxes only,
    and the directory's changes where ``count_directory`` (one shard), so the shards'
    figures add up to the whole run's."""

    def __init__(
        self,
        env: simpy.Environment,
        world: World,
        mailboxes: list[str],
        spec: ActivitySpec,
        seed: int,
        busy_mailbox: Callable[[str], bool],
        on_message: Callable[[str, str, int, int, list[str]], None],
        on_account: Callable[[str | None], None] | None = None,
        on_change: Callable[[str, str], None] | None = None,
        own: Collection[str] | None = None,
        count_directory: bool = True,
        until: float | None = None,
    ) -> None:
        self.env = env
        self.world = world
        self.mailboxes = mailboxes
        self.spec = spec
        self.seed = seed
        self.busy_mailbox = busy_mailbox
        #: (mailbox, message id, sent epoch, received epoch, readers) for the archive's journaling
        self.on_message = on_message
        #: the directory changed (an account's address, or None for a membership change)
        self.on_account = on_account or (lambda mail: None)
        #: a mailbox changed (its address, the kind of change): what the report's backlog counts
        self.on_change = on_change or (lambda mailbox, kind: None)
        self.own = frozenset(mailboxes if own is None else own)
        self.count_directory = count_directory
        #: people stop here (simulated seconds; None: never) — the runner's horizon: after it
        #: the sites only finish what they are doing, a while that differs between shards
        self.until = math.inf if until is None else until
        self.counters = Counters()
        self.start_at = world.clock.now()
        self._queues: dict[int, deque[Planned]] = {}
        self._waiting: dict[int, simpy.Event] = {}

    def start(self) -> None:
        kinds = self.kinds()
        if kinds:
            streams = [
                schedule(self.seed, n, self.start_at, kinds, len(self.mailboxes)) for n in range(len(self.mailboxes))
            ]
            self._queues = {n: deque() for n, address in enumerate(self.mailboxes) if address in self.own}
            self.env.process(self.dispatcher(streams))
            for n in self._queues:
                self.env.process(self.mailbox_life(n))
        if self.spec.directory_changes_per_day > 0:
            self.env.process(self.directory_life(random.Random(f"{self.seed}:directory")))

    def kinds(self) -> list[tuple[str, float]]:
        return rates(self.spec)

    # -- the processes ---------------------------------------------------------------------

    def _wait(self, rng: random.Random, per_day: float) -> Generator[Any, None, None]:
        """Until the next event of a thinned Poisson process of ``per_day`` on average."""
        peak = per_day * PEAK / DAY
        while True:
            yield self.env.timeout(rng.expovariate(peak))
            if rng.random() < busy(self.world.clock.now()) / 1.0:
                return

    def dispatcher(self, streams: list[Iterator[Planned]]) -> Generator[Any, None, None]:
        """Draws every mailbox's schedule an hour ahead and hands each own mailbox its
        events in time order: its own, and the mail others sent it."""
        heads: list[Planned | None] = [None] * len(streams)
        until = 0.0
        while True:
            until += CHUNK
            due: dict[int, list[Planned]] = {}
            for n, stream in enumerate(streams):
                event = heads[n] or next(stream)
                while event.at < until + CHUNK:  # one hour ahead: a mailbox never waits on this
                    if n in self._queues:
                        due.setdefault(n, []).append(event)
                    if event.kind == "sent" and event.peer != n and event.peer in self._queues:
                        due.setdefault(event.peer, []).append(event)
                    event = next(stream)
                heads[n] = event
            for n, events in due.items():
                events.sort(key=lambda e: (e.at, e.sender, e.number))
                self._queues[n].extend(events)
                waiting = self._waiting.pop(n, None)
                if waiting is not None:
                    waiting.succeed()
            yield self.env.timeout(until - self.env.now)

    def mailbox_life(self, index: int) -> Generator[Any, None, None]:
        address = self.mailboxes[index]
        effects = random.Random(f"{self.seed}:effects:{index}")
        queue = self._queues[index]
        while True:
            while not queue:
                waiting = self._waiting[index] = self.env.event()
                yield waiting
            event = queue.popleft()
            if event.at >= self.until:
                return
            if event.at > self.env.now:
                yield self.env.timeout(event.at - self.env.now)
            while self.spec.pause_while_processed and self.busy_mailbox(address):
                self.counters.deferred += 1
                yield self.env.timeout(1.0)
            if event.sender != index:
                with self.world.lock:
                    self._deliver(address, event)
                self.on_change(address, "arrival")  # the recipient's Inbox changed
                continue
            try:
                with self.world.lock:
                    done = getattr(self, f"_{event.kind}")(address, effects, event)
            except EWSError:
                done = False  # e.g. a folder name taken: nothing happened
            if done:
                self.counters.count(event.kind)
                self.on_change(address, event.kind)

    def directory_life(self, rng: random.Random) -> Generator[Any, None, None]:
        directory = self.world.directory
        while True:
            yield from self._wait(rng, self.spec.directory_changes_per_day)
            if self.env.now >= self.until:
                return
            users = [u for u in (directory.user_by_mail(m) for m in self.mailboxes) if u is not None]
            groups = [g for g in directory.all_objects() if type(g).__name__ == "DirectoryGroup"]
            roll = rng.random()
            if roll < 0.3 and users:
                user = rng.choice(users)
                directory.update_user(user.id, account_enabled=not user.account_enabled)
                self.on_account(str(user.mail).lower())
                self._count_directory("directory_account")
            elif roll < 0.4 and users:
                user = rng.choice(users)
                directory.update_user(user.id, licensed=not user.licensed)
                self.on_account(str(user.mail).lower())
                self._count_directory("directory_license")
            elif groups and users:
                group = rng.choice(groups)
                user = rng.choice(users)
                members = {m.id for m in directory.members(group)}  # type: ignore[arg-type]
                if user.id in members:
                    directory.remove_member(group.id, user.id)
                else:
                    directory.add_member(group.id, user.id)
                self.on_account(None)
                self._count_directory("directory_membership")

    def _count_directory(self, kind: str) -> None:
        if self.count_directory:
            self.counters.count(kind)

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

    def _message_id(self, event: Planned) -> str:
        """Unique per mailbox and event: the same in every shard that files a copy."""
        return f"<sim{self.seed}.{event.sender}.{event.number}@mail.example>"

    def _epoch(self, at: float) -> int:
        return int((self.start_at + timedelta(seconds=at)).timestamp())

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

    def _arrival(self, address: str, rng: random.Random, event: Planned) -> bool:
        now = int(self.world.clock.now().timestamp())
        sensitivity = "Private" if rng.random() < 0.02 else "Normal"
        message_id = self._message_id(event)
        sent = now - rng.randint(5, 600)
        self._file(
            address,
            "inbox",
            f"Message {event.sender}.{event.number}",
            message_id,
            sent=sent,
            received=now,
            sensitivity=sensitivity,
            size=rng.randint(2_000, 80_000),
        )
        self.on_message(address, message_id, sent, now, [address])
        return True

    def _sent(self, address: str, rng: random.Random, event: Planned) -> bool:
        """The sender's copy, read, in Sent Items (the recipient's arrives through its
        own mailbox's events: :meth:`_deliver`).  Both copies carry the moment the mail
        was sent, whenever a reading task let either mailbox take it."""
        sent = self._epoch(event.at)
        message_id = self._message_id(event)
        self._file(
            address,
            "sentitems",
            f"Sent {event.sender}.{event.number}",
            message_id,
            sent=sent,
            received=sent,
            is_read=True,
            size=event.size,
        )
        self.on_message(address, message_id, sent, sent, [address])
        return True

    def _deliver(self, address: str, event: Planned) -> None:
        """Mail another mailbox sent: its copy in the recipient's Inbox."""
        sent = self._epoch(event.at)
        message_id = self._message_id(event)
        self._file(
            address,
            "inbox",
            f"Sent {event.sender}.{event.number}",
            message_id,
            sent=sent,
            received=sent,
            size=event.size,
        )
        self.on_message(address, message_id, sent, sent, [address])

    def _read(self, address: str, rng: random.Random, event: Planned) -> bool:
        box = self.world.mailbox(address)
        unread = [i for i in box.well_known("inbox").items.values() if not i.is_read]
        if not unread:
            return False
        box.update_item(rng.choice(unread), {"is_read": True})
        return True

    def _move(self, address: str, rng: random.Random, event: Planned) -> bool:
        folders = self._mail_folders(address)
        item = self._pick_item(rng, folders)
        targets = [
            f for f in folders if item is not None and f is not item.folder and f.distinguished != "msgfolderroot"
        ]
        if item is None or not targets:
            return False
        self.world.mailbox(address).move_item(item, rng.choice(targets))
        return True

    def _soft_delete(self, address: str, rng: random.Random, event: Planned) -> bool:
        folders = [f for f in self._mail_folders(address) if f.distinguished != "deleteditems"]
        item = self._pick_item(rng, folders)
        if item is None:
            return False
        self.world.mailbox(address).delete_item(item, "MoveToDeletedItems")
        return True

    def _hard_delete(self, address: str, rng: random.Random, event: Planned) -> bool:
        item = self._pick_item(rng, self._mail_folders(address))
        if item is None:
            return False
        self.world.mailbox(address).delete_item(item, "HardDelete")
        return True

    def _folder(self, address: str, rng: random.Random, event: Planned) -> bool:
        box = self.world.mailbox(address)
        users = self._user_folders(address)
        roll = rng.random()
        serial = f"{event.sender}.{event.number}"
        if roll < 0.5 or not users:
            parent = rng.choice([box.well_known("inbox"), *users])
            box.create_folder(parent, f"Folder {serial}", "IPF.Note")
        elif roll < 0.7:
            box.update_folder(rng.choice(users), name=f"Renamed {serial}")
        elif roll < 0.85:
            folder = rng.choice(users)
            targets = [f for f in [box.well_known("inbox"), *users] if not f.is_within(folder)]
            if not targets:
                return False
            box.move_folder(folder, rng.choice(targets))
        else:
            box.delete_folder(rng.choice(users), rng.choice(["HardDelete", "MoveToDeletedItems"]))
        return True

    def _private(self, address: str, rng: random.Random, event: Planned) -> bool:
        item = self._pick_item(rng, self._mail_folders(address))
        if item is None or item.sensitivity in ("Private", "Personal"):
            return False
        self.world.mailbox(address).update_item(item, {"sensitivity": "Private"})
        return True

    def _calendar(self, address: str, rng: random.Random, event: Planned) -> bool:
        box = self.world.mailbox(address)
        calendar = box.well_known("calendar")
        items = list(calendar.items.values())
        roll = rng.random()
        now = int(self.world.clock.now().timestamp())
        serial = f"{event.sender}.{event.number}"
        if roll < 0.6 or not items:
            start = now + rng.randint(1, 30) * 86_400 // 24 * 24
            new_calendar_item(
                box,
                calendar,
                f"Meeting {serial}",
                start,
                start + 3600,
                sensitivity="Private" if rng.random() < 0.05 else "Normal",
            )
        elif roll < 0.85:
            item = rng.choice(items)
            box.update_item(item, {"subject": f"Moved meeting {serial}"})
        else:
            box.delete_item(rng.choice(items), "HardDelete")
        return True


__all__ = ["Activity", "Planned", "busy", "rates", "schedule"]
