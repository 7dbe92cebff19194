"""Change logs behind SyncFolderItems and SyncFolderHierarchy.

Every change gets a world-wide sequence number.  A :class:`Log` is an append-only list
of ``(seq, key)`` entries, so "what happened after seq S" is a binary search plus a walk
over the entries after S: the cost of a sync page is proportional to the page, not to
the folder.

A folder keeps two logs of its items (see sync.py for why two): ``created`` gets one
entry when an item enters the folder, ``changed`` one per later modification or its
removal.  A mailbox keeps one log of its folders.  Entries superseded by a newer entry
of the same key are skipped by readers and compacted away once they dominate.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass


@dataclass(slots=True)
class Tombstone:
    """What is left of a deleted (or moved-away) member: enough to decide whether a
    client knew it (``entered_seq``) and must be told it is gone."""

    entered_seq: int
    deleted_seq: int
    obj: object | None = None  # the deleted folder, for hierarchy ancestry questions


class Log:
    __slots__ = ("_keys", "_seqs", "_stale")

    #: compact when stale entries exceed this many and half of the log
    COMPACT_MIN = 4096

    def __init__(self) -> None:
        self._seqs = array("q")
        self._keys: list[str] = []
        self._stale = 0

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def last_seq(self) -> int:
        return self._seqs[-1] if self._seqs else 0

    def record(self, seq: int, key: str, supersedes: bool = False) -> None:
        """Append an entry; ``supersedes`` says it makes an older entry stale (only
        used to decide when compaction pays)."""
        self._seqs.append(seq)
        self._keys.append(key)
        if supersedes:
            self._stale += 1

    def mark_stale(self, count: int = 1) -> None:
        self._stale += count

    def window(self, seq: int) -> tuple[int, array[int], list[str]]:
        """(index of the first entry after ``seq``, the seqs, the keys): for hot loops
        that walk the log by index instead of through a generator."""
        return bisect_right(self._seqs, seq), self._seqs, self._keys

    def since(self, seq: int) -> Iterator[tuple[int, str]]:
        """Entries strictly after ``seq``, oldest first (stale ones included)."""
        seqs, keys = self._seqs, self._keys
        for i in range(bisect_right(seqs, seq), len(keys)):
            yield seqs[i], keys[i]

    def maybe_compact(self, is_current: Callable[[int, str], bool]) -> None:
        """Drop entries ``is_current`` rejects once stale ones are the majority."""
        if self._stale < self.COMPACT_MIN or self._stale * 2 < len(self._keys):
            return
        seqs = array("q")
        keys: list[str] = []
        for s, k in zip(self._seqs, self._keys, strict=True):
            if is_current(s, k):
                seqs.append(s)
                keys.append(k)
        self._seqs, self._keys, self._stale = seqs, keys, 0


class ItemJournal:
    """A folder's item logs and the tombstones of items that left it.  ``last_time``
    (epoch seconds) is when its contents last changed: Exchange's
    PidTagLocalCommitTimeMax, which clients read to skip folders that did not change."""

    __slots__ = ("changed", "created", "last_time", "tombstones")

    def __init__(self) -> None:
        self.created = Log()
        self.changed = Log()
        self.tombstones: dict[str, Tombstone] = {}
        self.last_time = 0

    @property
    def last_seq(self) -> int:
        return max(self.created.last_seq, self.changed.last_seq)


class HierarchyJournal:
    """A mailbox's folder log: one entry per folder created, changed or deleted."""

    __slots__ = ("log", "tombstones")

    def __init__(self) -> None:
        self.log = Log()
        self.tombstones: dict[str, Tombstone] = {}

    @property
    def last_seq(self) -> int:
        return self.log.last_seq
