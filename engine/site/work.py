"""What every task type shares while it processes one mailbox: the job's context, its
outcome, and submitting to the archive through the outbox (R6: state advances only
after the archive's acknowledgement; a batch that could not be delivered is re-sent under
the same batch id before that mailbox is touched again)."""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from engine.clock import Clock
from engine.wire.site_archive import BatchBody, Submission, Submitted

from .backoff import RetryPolicy, attempts
from .events import Cost, Event
from .ews import Ews
from .links import ArchiveLink, LinkDown, LinkRefused
from .state import Commit, OutboxEntry, SiteState

T = TypeVar("T")


class MailboxFailed(Exception):
    """This mailbox cannot be processed now (its state is left as it was)."""


class HeldElsewhere(Exception):
    """The archive says another MFR task replicates this mailbox (T8 across sites): it
    is Duplicate for this task."""


@dataclass
class Outcome:
    result: str  # Success | Warning | Error | Skipped | Duplicate
    reason: str = ""
    items: int = 0


@dataclass
class Job:
    """One mailbox of one execution."""

    task_id: int
    task_type: str
    definition: dict[str, Any]
    mailbox: str
    run: int
    zone: str
    ews: Ews
    state: SiteState
    archive: ArchiveLink
    clock: Clock
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    batch_size: int = 5_000
    #: skip folders whose PidTagLocalCommitTimeMax did not move, if it is older than the
    #: last read by this many seconds (room for clock differences); None: never skip
    change_margin: float | None = 300.0
    sequence: int | None = None  # the archive's count after this job's last submission

    def batch_id(self, n: int) -> str:
        return f"{self.state.instance}-r{self.run}-{n}"


def archive_retrying(policy: RetryPolicy, call: Callable[[], T]) -> Generator[Event, None, T]:
    """Run one archive call, backing off on the runtime's clock while the platform is
    unreachable (bounded by the policy, then MailboxFailed).  A refusal (LinkRefused)
    is the caller's to handle; the cost of the call that got through is the caller's
    to yield."""
    return attempts(
        call,
        policy,
        transient=lambda exc: isinstance(exc, LinkDown),
        give_up=lambda exc: MailboxFailed(f"the archive platform is unreachable ({exc})"),
        failed=Cost(http_calls=1),
        reason="archive back-off",
    )


def archive_call(policy: RetryPolicy, call: Callable[[], T]) -> Generator[Event, None, T]:
    """An archive call whose refusal fails the mailbox."""
    try:
        result = yield from archive_retrying(policy, call)
    except LinkRefused as exc:
        raise MailboxFailed(f"the archive refused: {exc.field}: {exc.message}") from exc
    yield Cost(http_calls=1)
    return result


def deliver(job: Job, entry: OutboxEntry) -> Generator[Event, None, Submitted]:
    """Send one outbox entry until the archive acknowledges it (bounded back-off)."""
    try:
        answer = yield from archive_retrying(job.policy, partial(job.archive.submit, entry.body))
    except LinkRefused as exc:
        job.state.discard(entry)  # it can never be accepted; the state stays where it was
        if exc.status == 409 and exc.field == "mailbox":
            raise HeldElsewhere(exc.message) from exc
        raise MailboxFailed(f"the archive refused a submission: {exc.field}: {exc.message}") from exc
    job.state.acknowledged(entry)
    job.sequence = int(answer.get("sequence", job.sequence or 0))
    yield Cost(http_calls=1, items=len(entry.body.get("placements", ())))
    return answer


def flush(job: Job) -> Generator[Event, None, None]:
    """Deliver what an earlier, interrupted run left in the outbox for this mailbox."""
    for entry in job.state.pending(job.task_id, job.mailbox):
        yield from deliver(job, entry)


def submit(job: Job, batch: BatchBody, commit: Commit) -> Generator[Event, None, Submitted]:
    body: Submission = {"task_id": job.task_id, "mailbox": job.mailbox, **batch}
    entry = job.state.enqueue(job.task_id, job.mailbox, body["batch_id"], body, commit)
    return (yield from deliver(job, entry))


__all__ = [
    "HeldElsewhere",
    "Job",
    "MailboxFailed",
    "Outcome",
    "archive_call",
    "archive_retrying",
    "deliver",
    "flush",
    "submit",
]
