"""Event notifications (Subscribe / GetEvents / GetStreamingEvents / Unsubscribe).

A mailbox starts recording events the first time somebody subscribes to it, so the
~400k-message worlds nobody watches pay one dict lookup per change and no memory.  A
recorded mailbox keeps a counter of its events (the watermark) from then on, so a
client that resubscribes with an old watermark is told whether events were missed.

Events are kept while a subscription of the mailbox has not acknowledged them (a pull
subscription acknowledges with the watermark it passes to GetEvents, a streaming one by
receiving them); subscriptions expire on the world's clock like Exchange's (pull: the
``Timeout`` minutes after the last GetEvents; streaming: 30 minutes after the last
connection), checked lazily.  Subscriptions are not saved with the world: like
Exchange's after a server restart, they are gone after a load.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, get_args

from ..errors import (
    ErrorInvalidPullSubscriptionId,
    ErrorInvalidSubscription,
    ErrorInvalidWatermark,
    ErrorSubscriptionNotFound,
)

if TYPE_CHECKING:
    from .mailbox import Mailbox
    from .world import World

EventType = Literal[
    "CopiedEvent",
    "CreatedEvent",
    "DeletedEvent",
    "ModifiedEvent",
    "MovedEvent",
    "NewMailEvent",
    "FreeBusyChangedEvent",
]
EVENT_TYPES: frozenset[str] = frozenset(get_args(EventType))
SubscriptionKind = Literal["pull", "push", "streaming"]
SUBSCRIPTION_PREFIX = "SUBS"
#: events answered per GetEvents call; MoreEvents says when more are waiting
MAX_EVENTS_PER_CALL = 50
#: a streaming subscription outlives its last connection by this long (Exchange: 30 min)
STREAMING_LINGER_S = 30 * 60


@dataclass(frozen=True, slots=True)
class Event:
    """One change as a notification names it.  ``number`` is the mailbox's event counter
    (the watermark after this event); ``change_key`` is the object's at that moment."""

    number: int
    kind: EventType
    timestamp: int
    object_id: str
    is_folder: bool
    parent_id: str
    change_key: str
    old_id: str | None = None
    old_parent_id: str | None = None


@dataclass(slots=True)
class Subscription:
    id: str
    kind: SubscriptionKind
    mailbox: Mailbox
    folder_ids: frozenset[str] | None  # None: SubscribeToAllFolders
    event_types: frozenset[str]
    acked: int  # the newest event number the client has acknowledged
    timeout_s: int
    last_contact: int
    url: str | None = None
    #: (watermark given, last event answered) while a GetEvents answer said MoreEvents:
    #: exchangelib pages by repeating the same watermark, so the server keeps the place
    paging: tuple[int, int] | None = None

    def wants(self, event: Event) -> bool:
        if event.kind not in self.event_types:
            return False
        folders = self.folder_ids
        return folders is None or event.parent_id in folders or event.old_parent_id in folders

    def expired(self, now: int) -> bool:
        return now > self.last_contact + self.timeout_s


@dataclass(slots=True)
class MailboxEvents:
    counter: int = 0
    events: list[Event] = field(default_factory=list)


class Notifier:
    """The world's subscriptions and the events of the mailboxes they watch."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.subscriptions: dict[str, Subscription] = {}
        self.recorded: dict[str, MailboxEvents] = {}  # by mailbox tag
        self.watched: dict[str, int] = {}  # mailbox tag → live subscriptions

    # -- recording -------------------------------------------------------------------

    def emit(
        self,
        mailbox: Mailbox,
        kind: EventType,
        object_id: str,
        parent_id: str,
        change_key: str,
        is_folder: bool = False,
        old: tuple[str, str] | None = None,
    ) -> None:
        record = self.recorded.get(mailbox.tag)
        if record is None:
            return  # nobody ever subscribed to this mailbox
        record.counter += 1
        if not self.watched.get(mailbox.tag):
            return  # counted (so old watermarks are known stale) but not kept
        old_id, old_parent = old if old else (None, None)
        record.events.append(
            Event(
                record.counter,
                kind,
                self.world.now_epoch(),
                object_id,
                is_folder,
                parent_id,
                change_key,
                old_id,
                old_parent,
            )
        )
        if len(record.events) % 1024 == 0:
            self.expire()

    # -- subscriptions ---------------------------------------------------------------

    def subscribe(
        self,
        mailbox: Mailbox,
        kind: SubscriptionKind,
        folder_ids: frozenset[str] | None,
        event_types: frozenset[str],
        timeout_s: int,
        watermark: str | None = None,
        url: str | None = None,
    ) -> Subscription:
        self.expire()
        record = self.recorded.setdefault(mailbox.tag, MailboxEvents())
        start = record.counter
        if watermark is not None:
            start = self.resume_point(mailbox, watermark)
        sub_id = f"{SUBSCRIPTION_PREFIX}{mailbox.tag}{self.world.ids.token(16)}"
        now = self.world.now_epoch()
        sub = Subscription(sub_id, kind, mailbox, folder_ids, event_types, start, timeout_s, now, url)
        self.subscriptions[sub_id] = sub
        self.watched[mailbox.tag] = self.watched.get(mailbox.tag, 0) + 1
        return sub

    def resume_point(self, mailbox: Mailbox, watermark: str) -> int:
        """The event number a watermark stands for, if every event after it is still
        kept for this mailbox."""
        number = self.decode_watermark(mailbox, watermark)
        record = self.recorded[mailbox.tag]
        oldest_kept = record.events[0].number - 1 if record.events else record.counter
        if number > record.counter or number < oldest_kept:
            raise ErrorInvalidWatermark("The watermark is not valid for this subscription.")
        return number

    def find(self, sub_id: str, kinds: tuple[SubscriptionKind, ...]) -> Subscription:
        """A live subscription by id; ``kinds`` are the kinds the calling operation
        serves."""
        self.expire()
        if not sub_id.startswith(SUBSCRIPTION_PREFIX):
            raise ErrorInvalidSubscription("Subscription is invalid.")
        sub = self.subscriptions.get(sub_id)
        if sub is None:
            raise ErrorSubscriptionNotFound("The specified subscription was not found.")
        if sub.kind not in kinds:
            if kinds == ("pull",):
                raise ErrorInvalidPullSubscriptionId("The subscription is not a pull subscription.")
            raise ErrorInvalidSubscription("Subscription is invalid.")
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        del self.subscriptions[sub.id]
        tag = sub.mailbox.tag
        self.watched[tag] -= 1
        if not self.watched[tag]:
            del self.watched[tag]
        self._trim(tag)

    def expire(self) -> None:
        now = self.world.now_epoch()
        for sub in [s for s in self.subscriptions.values() if s.expired(now)]:
            self.unsubscribe(sub)

    # -- reading ---------------------------------------------------------------------

    def pending(self, sub: Subscription, after: int, limit: int | None = None) -> tuple[list[Event], bool]:
        """The subscription's events after number ``after`` (at most ``limit``) and
        whether more are waiting."""
        out: list[Event] = []
        for event in self.recorded[sub.mailbox.tag].events:
            if event.number <= after or not sub.wants(event):
                continue
            if limit is not None and len(out) == limit:
                return out, True
            out.append(event)
        return out, False

    def acknowledge(self, sub: Subscription, number: int) -> None:
        sub.acked = max(sub.acked, number)
        sub.last_contact = self.world.now_epoch()
        self._trim(sub.mailbox.tag)

    def counter(self, mailbox: Mailbox) -> int:
        return self.recorded[mailbox.tag].counter

    def _trim(self, tag: str) -> None:
        """Drop events every live subscription of the mailbox has acknowledged."""
        record = self.recorded[tag]
        floor = min((s.acked for s in self.subscriptions.values() if s.mailbox.tag == tag), default=record.counter)
        events = record.events
        cut = 0
        while cut < len(events) and events[cut].number <= floor:
            cut += 1
        if cut:
            del events[:cut]

    # -- watermarks ------------------------------------------------------------------

    def watermark(self, mailbox: Mailbox, number: int) -> str:
        raw = f"{self._epoch()}:{mailbox.tag}:{number}".encode()
        return base64.b64encode(raw).decode()

    def _epoch(self) -> str:
        """Watermarks of an earlier (reset or loaded) world are refused."""
        return hashlib.sha256(self.world.sync_states_salt().encode()).hexdigest()[:8]

    def decode_watermark(self, mailbox: Mailbox, watermark: str) -> int:
        try:
            salt, tag, number = base64.b64decode(watermark, validate=True).decode().split(":")
            value = int(number)
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise ErrorInvalidWatermark("The watermark is malformed.") from exc
        if salt != self._epoch() or tag != mailbox.tag or value < 0:
            raise ErrorInvalidWatermark("The watermark does not belong to this mailbox.")
        return value
