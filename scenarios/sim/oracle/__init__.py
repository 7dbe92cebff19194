"""The oracle of the simulated scenarios: its own reading of domain.md (reference), of
configuration over time (timeline, T1), of what crosses the wire (wire), and the
verdicts (core)."""

from .core import Oracle, Verdict
from .reference import (
    STUB_PREFIX,
    MailboxModel,
    Snapshot,
    key_of,
    mfr_snapshot,
    schedule_slots,
    skip_reason,
)

__all__ = [
    "STUB_PREFIX",
    "MailboxModel",
    "Oracle",
    "Snapshot",
    "Verdict",
    "key_of",
    "mfr_snapshot",
    "schedule_slots",
    "skip_reason",
]
