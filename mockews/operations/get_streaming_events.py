"""GetStreamingEvents: the events of streaming subscriptions, as a stream of SOAP
envelopes on one HTTP response (exchangelib reads it document by document).

Exchange keeps the connection open for ConnectionTimeout minutes and writes each
notification as it happens.  The mock answers at once with the events waiting and then
the closing envelope (ConnectionStatus Closed): the clock is injected, so there is no
"later" to wait for inside one request, and tests stay fast.  A client loops over
GetStreamingEvents to see newer events, exactly as it does on Exchange after a close.
"""

from __future__ import annotations

from ..errors import ErrorSchemaValidation, EWSError
from ..soap.notifications import render_event, render_notification
from ..soap.render import esc
from ..soap.xml import child_text, children, m, parse_int
from ..store.notify import Subscription
from .base import Operation


class GetStreamingEvents(Operation):
    name = "GetStreamingEvents"

    def execute(self) -> str:
        timeout = parse_int(child_text(self.request, m("ConnectionTimeout")), "ConnectionTimeout")
        if not 1 <= timeout <= 30:
            raise ErrorSchemaValidation("ConnectionTimeout must be between 1 and 30 minutes.")
        ids = [(elem.text or "").strip() for elem in children(self.request.find(m("SubscriptionIds")))]
        if not ids:
            raise ErrorSchemaValidation("SubscriptionIds is required.")
        subs, bad, error = self._resolve(ids)
        if error is not None:
            # Exchange answers no notification when any id fails, naming the bad ones.
            listed = "".join(f"<m:SubscriptionId>{esc(i)}</m:SubscriptionId>" for i in bad)
            return self.respond([self.error(error, f"<m:ErrorSubscriptionIds>{listed}</m:ErrorSubscriptionIds>")])
        closing = self.respond([self.ok("<m:ConnectionStatus>Closed</m:ConnectionStatus>")])
        notifications = [n for n in (self._drain(sub) for sub in subs) if n]
        if not notifications:
            return closing
        self.follow_ups.append(closing)
        return self.respond([self.ok(f"<m:Notifications>{''.join(notifications)}</m:Notifications>")])

    def _resolve(self, ids: list[str]) -> tuple[list[Subscription], list[str], EWSError | None]:
        notifier = self.world.notifier
        subs: list[Subscription] = []
        bad: list[str] = []
        first: EWSError | None = None
        for sub_id in ids:
            try:
                sub = notifier.find(sub_id, ("streaming",))
                self.ctx.check_access(sub.mailbox)
                subs.append(sub)
            except EWSError as exc:
                bad.append(sub_id)
                first = first or exc
        return subs, bad, first

    def _drain(self, sub: Subscription) -> str:
        """The subscription's waiting events as one notification ('' when none); a
        streaming subscription has received them once written."""
        notifier = self.world.notifier
        events, _ = notifier.pending(sub, sub.acked)
        notifier.acknowledge(sub, events[-1].number if events else sub.acked)
        if not events:
            return ""
        return render_notification(sub, "".join(render_event(e, notifier, sub) for e in events))
