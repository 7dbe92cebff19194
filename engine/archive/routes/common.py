"""What several of the archive's resources declare alike: a mailbox address, the view
parameters and the refusals a site key may meet."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from engine.model import MAX_INT, Int
from engine.webapi import Query, StrictBody

#: a mailbox address as the archive keys it (lower-cased by the API).  Python counts
#: \x1c-\x1f and \x85 as whitespace, JavaScript's \s does not: both are named, so the
#: schema means the same to either reader
MAILBOX = r"^[^@\s\x1c-\x1f\x85/]+@[^@\s\x1c-\x1f\x85/]+$"
Mailbox = Annotated[str, StringConstraints(min_length=3, max_length=254, pattern=MAILBOX)]

VIEW = Query("view", choices=("live", "full"), description="live or full")
AS_OF = Query("as_of", datetime, description="Full View as of this time")
MAILBOX_PATH = Query("mailbox", pattern=MAILBOX, description="a mailbox address")
#: what a site key may be refused with, beside an unknown key
SCOPED = {403: "Not a task of this site, or a mailbox none of its tasks processes", 410: "The task was removed (R9)"}


class ForTaskMailbox(StrictBody):
    """A site's call about one mailbox under one of its tasks."""

    task_id: Int = Field(ge=1, le=MAX_INT)
    mailbox: str = Field(min_length=3, max_length=254, pattern=MAILBOX)
