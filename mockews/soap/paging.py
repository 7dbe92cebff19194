"""IndexedPageItemView / IndexedPageFolderView paging."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from ..errors import ErrorInvalidPagingMaxRows, ErrorSchemaValidation
from .xml import Element, parse_int

X = TypeVar("X")

#: Exchange's default EWSFindCountLimit: a page never holds more than this
MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class IndexedView:
    max_entries: int | None = None
    offset: int = 0
    from_end: bool = False

    def page(self, found: Sequence[X]) -> tuple[Sequence[X], int, bool]:
        """(the page, IndexedPagingOffset of the next page, IncludesLastItemInRange)."""
        total = len(found)
        size = min(self.max_entries or MAX_PAGE, MAX_PAGE)
        if self.from_end:
            end = max(0, total - self.offset)
            start = max(0, end - size)
            return found[start:end], self.offset + (end - start), start == 0
        start = min(self.offset, total)
        end = min(start + size, total)
        return found[start:end], end, end >= total


def parse_indexed_view(elem: Element | None) -> IndexedView:
    if elem is None:
        return IndexedView()
    max_text = elem.get("MaxEntriesReturned")
    max_entries = None if max_text is None else parse_int(max_text, "MaxEntriesReturned")
    if max_entries is not None and max_entries < 1:
        raise ErrorInvalidPagingMaxRows()
    offset = parse_int(elem.get("Offset", "0"), "Offset")
    if offset < 0:
        raise ErrorSchemaValidation("Offset must not be negative.")
    base = elem.get("BasePoint", "Beginning")
    if base not in ("Beginning", "End"):
        raise ErrorSchemaValidation(f"BasePoint {base!r} is not valid.")
    return IndexedView(max_entries, offset, base == "End")
