"""Unsubscribe: ends a pull or streaming subscription (a push subscription ends only
by its callback's answer, so Exchange refuses it here)."""

from __future__ import annotations

from ..soap.xml import child_text, m
from .base import Operation


class Unsubscribe(Operation):
    name = "Unsubscribe"

    def execute(self) -> str:
        return self.single(self._unsubscribe)

    def _unsubscribe(self) -> str:
        notifier = self.world.notifier
        sub = notifier.find((child_text(self.request, m("SubscriptionId")) or "").strip(), ("pull", "streaming"))
        self.ctx.check_access(sub.mailbox)
        notifier.unsubscribe(sub)
        return self.ok()
