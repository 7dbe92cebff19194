"""Opaque ids from one seeded RNG (architecture promise 4).

Every id names its mailbox: it carries the mailbox's short tag, so an operation given
only an ItemId or FolderId can find the mailbox it belongs to (and refuse ids of a
mailbox the caller may not reach).  Ids are short on purpose: every response byte costs
exchangelib's parser time, and real clients break on ids over 512 characters.
"""

from __future__ import annotations

import random
import string

_ALPHABET = string.ascii_letters + string.digits  # 62 symbols, safe in XML and base64-ish
TAG_LEN = 6
RANDOM_LEN = 12

#: ChangeKeys are this prefix + the object's newest change seq (decimal: formatting it is
#: the hot path of every sync page, and hex formatting costs twice as much): they change
#: on every modification and never repeat.
CHANGE_KEY_PREFIX = "CQAAAB"

FOLDER_PREFIX = "AQMk"
ITEM_PREFIX = "AAMk"
#: attachment ids are "<item id>" + ATTACHMENT_SEP + ordinal (they change when the item
#: is moved, as they do on Exchange, because the item id changes)
ATTACHMENT_SEP = "_"


class IdFactory:
    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def token(self, length: int) -> str:
        choice = self._rng.choice
        return "".join(choice(_ALPHABET) for _ in range(length))

    def mailbox_tag(self) -> str:
        return self.token(TAG_LEN)

    def folder_id(self, tag: str) -> str:
        return f"{FOLDER_PREFIX}{tag}{self.token(RANDOM_LEN)}"

    def item_id(self, tag: str) -> str:
        return f"{ITEM_PREFIX}{tag}{self.token(RANDOM_LEN)}"


def change_key(seq: int) -> str:
    return f"{CHANGE_KEY_PREFIX}{seq}"


def tag_of(object_id: str) -> str | None:
    """The mailbox tag inside an id, or None when the id is not one of ours."""
    if len(object_id) < 4 + TAG_LEN or object_id[:4] not in (FOLDER_PREFIX, ITEM_PREFIX):
        return None
    return object_id[4 : 4 + TAG_LEN]


def split_attachment_id(attachment_id: str) -> tuple[str, list[int]] | None:
    """(item id, ordinals): one ordinal for an attachment of the item, more for one of
    an attached item (item ids never contain the separator)."""
    item_id, *ordinals = attachment_id.split(ATTACHMENT_SEP)
    if not ordinals or not all(o.isdigit() for o in ordinals) or tag_of(item_id) is None:
        return None
    return item_id, [int(o) for o in ordinals]
