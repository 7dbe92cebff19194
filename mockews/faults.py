"""Injectable faults: latency, EWS errors, HTTP 503 and dropped connections, per
operation, by probability and/or in windows of the injected clock.  Decisions draw from
the plan's own seeded RNG, so a run with the same seed and request order sees the same
faults."""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Literal, get_args

from .clock import Clock
from .errors import (
    ErrorInternalServerTransientError,
    ErrorMailboxStoreUnavailable,
    ErrorServerBusy,
    EWSError,
)

FaultKind = Literal[
    "latency",
    "ErrorServerBusy",
    "ErrorInternalServerTransientError",
    "ErrorMailboxStoreUnavailable",
    "http503",
    "http429",
    "drop",
]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)


@dataclass
class FaultRule:
    kind: FaultKind
    operation: str = "*"  # an EWS operation name, or * for all
    probability: float = 1.0
    start: datetime | None = None  # window on the injected clock (inclusive start, exclusive end)
    end: datetime | None = None
    latency_ms: int = 0
    back_off_ms: int = 1000  # for ErrorServerBusy
    retry_after_s: int = 1  # for http429 (the directory's throttling)
    count: int | None = None  # fire at most this many times
    mailbox: str | None = None  # only requests acting on this mailbox
    fired: int = field(default=0)

    def validate(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}")
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        if self.kind == "latency" and self.latency_ms <= 0:
            raise ValueError("latency_ms must be positive for a latency fault")
        if self.start and self.end and self.end <= self.start:
            raise ValueError("end must be after start")
        if self.count is not None and self.count < 1:
            raise ValueError("count must be at least 1")
        if self.back_off_ms < 0:
            raise ValueError("back_off_ms must not be negative")
        if self.retry_after_s < 0:
            raise ValueError("retry_after_s must not be negative")

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        for key in ("start", "end"):
            value = data[key]
            data[key] = value.isoformat() if isinstance(value, datetime) else None
        return data


@dataclass(frozen=True)
class FaultDecision:
    latency_s: float = 0.0
    error: EWSError | None = None
    http_status: int | None = None
    drop: bool = False
    retry_after_s: int = 0


class FaultPlan:
    def __init__(self, clock: Clock, seed: int = 0) -> None:
        self.clock = clock
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.rules: list[FaultRule] = []

    def add(self, rule: FaultRule) -> FaultRule:
        rule.validate()
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self, seed: int | None = None) -> None:
        with self._lock:
            self.rules.clear()
            if seed is not None:
                self._rng = random.Random(seed)

    def decide(self, operation: str, mailbox: str | None) -> FaultDecision:
        if not self.rules:
            return FaultDecision()
        now = self.clock.now()
        latency = 0.0
        with self._lock:
            for rule in self.rules:
                if rule.operation not in ("*", operation):
                    continue
                if rule.mailbox and (mailbox is None or rule.mailbox.lower() != mailbox.lower()):
                    continue
                if (rule.start and now < rule.start) or (rule.end and now >= rule.end):
                    continue
                if rule.count is not None and rule.fired >= rule.count:
                    continue
                if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                if rule.kind == "latency":
                    latency += rule.latency_ms / 1000.0
                    continue
                return self._failure(rule, latency)
        return FaultDecision(latency)

    @staticmethod
    def _failure(rule: FaultRule, latency: float) -> FaultDecision:
        if rule.kind == "ErrorServerBusy":
            return FaultDecision(latency, error=ErrorServerBusy(rule.back_off_ms))
        if rule.kind == "ErrorInternalServerTransientError":
            return FaultDecision(latency, error=ErrorInternalServerTransientError())
        if rule.kind == "ErrorMailboxStoreUnavailable":
            return FaultDecision(latency, error=ErrorMailboxStoreUnavailable())
        if rule.kind in ("http503", "http429"):
            return FaultDecision(latency, http_status=int(rule.kind[4:]), retry_after_s=rule.retry_after_s)
        return FaultDecision(latency, drop=True)
