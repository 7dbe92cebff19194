"""T1 as the oracle reads it: which configuration an execution may run with, from
when the administrator saved each change (never from what the engine says it ran).

A change saved at ``t`` reaches the site within two minutes: an execution that starts
at ``t + 120 s`` or later must run with it; one that starts earlier may run with
either; and an execution keeps, for every mailbox, the configuration it started with."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

REACH = timedelta(seconds=120)  # T1: a saved change is at the site within two minutes


def same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@dataclass
class Timeline:
    """One task's definition and schedule, as saved over time."""

    saved: dict[str, list[tuple[datetime, dict[str, Any]]]] = field(default_factory=dict)

    def record(self, at: datetime, what: str, spec: dict[str, Any]) -> None:
        self.saved.setdefault(what, []).append((at, spec))

    def at(self, what: str, moment: datetime) -> dict[str, Any]:
        """The configuration saved last at or before ``moment``."""
        history = self.saved[what]
        current = history[0][1]
        for at, spec in history:
            if at <= moment:
                current = spec
        return current

    def allowed(self, what: str, start: datetime) -> list[dict[str, Any]]:
        """What an execution starting at ``start`` may run with: the configuration saved
        by ``start - 120 s``, and any saved since (which may or may not have arrived)."""
        history = self.saved[what]
        out = [self.at(what, start - REACH)]
        for at, spec in history:
            if start - REACH < at <= start and not any(same(spec, known) for known in out):
                out.append(spec)
        return out


__all__ = ["REACH", "Timeline", "same"]
