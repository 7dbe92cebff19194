"""What the archive's messages say alike: a mailbox address and the (task, mailbox)
pair of a site's call."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from engine.model import MAX_INT, Int
from engine.wire.body import StrictBody

#: a mailbox address as the archive keys it (lower-cased by the API).  Python counts
#: \x1c-\x1f and \x85 as whitespace, JavaScript's \s does not: both are named, so the
#: schema means the same to either reader
MAILBOX = r"^[^@\s\x1c-\x1f\x85/]+@[^@\s\x1c-\x1f\x85/]+$"
Mailbox = Annotated[str, StringConstraints(min_length=3, max_length=254, pattern=MAILBOX)]


class ForTaskMailbox(StrictBody):
    """A site's call about one mailbox under one of its tasks."""

    task_id: Int = Field(ge=1, le=MAX_INT)
    mailbox: str = Field(min_length=3, max_length=254, pattern=MAILBOX)


__all__ = ["MAILBOX", "ForTaskMailbox", "Mailbox"]
