"""Placeholder until this task type lands (issue 5 in progress)."""

from __future__ import annotations

from collections.abc import Generator

from .events import Event
from .work import Job, MailboxFailed, Outcome


def replicate(job: Job) -> Generator[Event, None, Outcome]:
    raise MailboxFailed("this task type is not implemented yet")
    yield
