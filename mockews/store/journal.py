"""Change journals behind SyncFolderItems and SyncFolderHierarchy.

Every change gets a world-wide sequence number.  A journal is an append-only list of
``(seq, key)`` entries, one per change of a member of its container (a folder's items,
or a mailbox's folders).  A member's newest entry is the one whose ``seq`` equals the
member's ``last_seq`` (or its tombstone's ``deleted_seq``); older entries are
superseded and skipped, and are compacted away once they dominate.

Reading "what changed since seq S" is a binary search plus a walk over the entries
after S, so the cost of a sync page is proportional to the page, not the folder.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass


@dataclass(slots=True)
class Tombstone:
    """What is left of a deleted (or moved-away) member: enough to decide whether a
    client at an earlier state knew it (``entered_seq``) and must be told it is gone."""

    entered_seq: int
    deleted_seq: int
    obj: object | None = None  # the deleted folder, for hierarchy ancestry questions


class Journal:
    __slots__ = ("_keys", "_seqs", "_superseded", "tombstones")

    #: compact when superseded entries exceed this many and half of the journal
    COMPACT_MIN = 4096

    def __init__(self) -> None:
        self._seqs = array("q")
        self._keys: list[str] = []
        self._superseded = 0
        self.tombstones: dict[str, Tombstone] = {}

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def last_seq(self) -> int:
        return self._seqs[-1] if self._seqs else 0

    def record(self, seq: int, key: str, replaces_entry: bool) -> None:
        """Append a change.  ``replaces_entry`` says whether the key already had an
        entry that this one supersedes (used only to decide when to compact)."""
        self._seqs.append(seq)
        self._keys.append(key)
        if replaces_entry:
            self._superseded += 1

    def bury(self, key: str, entered_seq: int, seq: int, obj: object | None = None) -> None:
        self.tombstones[key] = Tombstone(entered_seq, seq, obj)
        self.record(seq, key, replaces_entry=True)

    def since(self, seq: int) -> Iterator[tuple[int, str]]:
        """Entries strictly after ``seq``, oldest first (superseded ones included)."""
        seqs, keys = self._seqs, self._keys
        for i in range(bisect_right(seqs, seq), len(keys)):
            yield seqs[i], keys[i]

    def maybe_compact(self, current_seq_of: Callable[[str], int | None]) -> None:
        """Drop superseded entries once they are the majority.  ``current_seq_of`` gives a
        key's newest seq (live member or tombstone), or None if it is unknown."""
        if self._superseded < self.COMPACT_MIN or self._superseded * 2 < len(self._keys):
            return
        seqs = array("q")
        keys: list[str] = []
        for s, k in zip(self._seqs, self._keys, strict=True):
            if current_seq_of(k) == s:
                seqs.append(s)
                keys.append(k)
        self._seqs, self._keys, self._superseded = seqs, keys, 0
