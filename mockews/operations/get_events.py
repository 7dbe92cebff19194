"""GetEvents: a pull subscription's events after a watermark.  The watermark passed in
acknowledges every event up to it (they are then forgotten); an older one than the
last acknowledged is refused, as on Exchange.  At most 50 events per answer, with
MoreEvents; exchangelib then repeats the same watermark, and gets the next page.
PreviousWatermark is where the answer starts."""

from __future__ import annotations

from ..errors import ErrorInvalidWatermark
from ..soap.notifications import render_event, render_notification, render_status
from ..soap.xml import child_text, m
from ..store.notify import MAX_EVENTS_PER_CALL
from .base import Operation


class GetEvents(Operation):
    name = "GetEvents"

    def execute(self) -> str:
        return self.single(self._events)

    def _events(self) -> str:
        notifier = self.world.notifier
        sub = notifier.find((child_text(self.request, m("SubscriptionId")) or "").strip(), ("pull",))
        self.ctx.check_access(sub.mailbox)
        given = (child_text(self.request, m("Watermark")) or "").strip()
        number = notifier.decode_watermark(sub.mailbox, given)
        if number < sub.acked or number > notifier.counter(sub.mailbox):
            raise ErrorInvalidWatermark("The watermark was already acknowledged or is not yet issued.")
        notifier.acknowledge(sub, number)
        # The same watermark again after a MoreEvents answer asks for the next page; in
        # any other case it is a retry and gets the events after it once more.
        start = sub.paging[1] if sub.paging is not None and sub.paging[0] == number else number
        events, more = notifier.pending(sub, start, MAX_EVENTS_PER_CALL)
        sub.paging = (number, events[-1].number) if more else None
        if events:
            body = "".join(render_event(e, notifier, sub) for e in events)
        else:
            body = render_status(notifier.watermark(sub.mailbox, notifier.counter(sub.mailbox)))
        return self.ok(render_notification(sub, body, notifier.watermark(sub.mailbox, start), more))
