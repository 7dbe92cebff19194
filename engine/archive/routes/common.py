"""What several of the archive's resources declare alike: a mailbox address, the view
parameters and the refusals a site key may meet."""

from __future__ import annotations

from datetime import datetime

from engine.webapi import Query
from engine.wire.mailbox import MAILBOX, ForTaskMailbox, Mailbox

VIEW = Query("view", choices=("live", "full"), description="live or full")
AS_OF = Query("as_of", datetime, description="Full View as of this time")
MAILBOX_PATH = Query("mailbox", pattern=MAILBOX, description="a mailbox address")
#: what a site key may be refused with, beside an unknown key
SCOPED = {403: "Not a task of this site, or a mailbox none of its tasks processes", 410: "The task was removed (R9)"}


__all__ = ["AS_OF", "MAILBOX", "MAILBOX_PATH", "SCOPED", "VIEW", "ForTaskMailbox", "Mailbox"]
