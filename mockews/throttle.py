"""Per-account EWS budgets, as Exchange's throttling policy applies them.

Two limits per account: concurrent requests (EWSMaxConcurrency, 27 by default) and an
optional request rate (a token bucket refilled on the injected clock).  Over either,
the request is refused with the SOAP fault ``ErrorServerBusy`` carrying
``BackOffMilliseconds``: how long until a slot or token is free.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .clock import Clock
from .errors import ErrorServerBusy


@dataclass
class ThrottlePolicy:
    max_concurrency: int = 27
    rate: float | None = None  # requests per second; None = unlimited
    burst: int = 50  # bucket size when rate is set
    concurrency_back_off_ms: int = 500

    def validate(self) -> None:
        if self.max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        if self.rate is not None and self.rate <= 0:
            raise ValueError("rate must be positive (or None for unlimited)")
        if self.burst < 1:
            raise ValueError("burst must be at least 1")


class _Bucket:
    __slots__ = ("in_flight", "stamp", "tokens")

    def __init__(self, tokens: float, stamp: float) -> None:
        self.in_flight = 0
        self.tokens = tokens
        self.stamp = stamp


class Throttle:
    def __init__(self, clock: Clock, policy: ThrottlePolicy | None = None) -> None:
        self.clock = clock
        self.policy = policy or ThrottlePolicy()
        self.policy.validate()
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}
        self.refused = 0

    def configure(self, policy: ThrottlePolicy) -> None:
        policy.validate()
        with self._lock:
            self.policy = policy
            self._buckets.clear()

    @contextmanager
    def slot(self, account: str) -> Iterator[None]:
        self._acquire(account.lower())
        try:
            yield
        finally:
            with self._lock:
                self._buckets[account.lower()].in_flight -= 1

    def _acquire(self, key: str) -> None:
        policy = self.policy
        now = self.clock.monotonic()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(float(policy.burst), now)
            if bucket.in_flight >= policy.max_concurrency:
                self.refused += 1
                raise ErrorServerBusy(
                    policy.concurrency_back_off_ms, "The server is busy: too many concurrent requests."
                )
            if policy.rate is not None:
                bucket.tokens = min(float(policy.burst), bucket.tokens + (now - bucket.stamp) * policy.rate)
                bucket.stamp = now
                if bucket.tokens < 1.0:
                    self.refused += 1
                    wait_ms = max(1, int((1.0 - bucket.tokens) / policy.rate * 1000 + 0.999))
                    raise ErrorServerBusy(wait_ms, "The server is busy: the request rate budget is spent.")
                bucket.tokens -= 1.0
            bucket.in_flight += 1
