"""Rendering notifications: ``m:Notification`` with its events, as GetEvents and
GetStreamingEvents answer them (the element order is the schema's: Watermark,
TimeStamp, the object's id, ParentFolderId, then the old ids of a move or copy)."""

from __future__ import annotations

from ..store.notify import Event, Notifier, Subscription
from .render import dt, esc


def render_event(event: Event, notifier: Notifier, sub: Subscription) -> str:
    watermark = notifier.watermark(sub.mailbox, event.number)
    tag = "FolderId" if event.is_folder else "ItemId"
    parts = [
        f"<t:{event.kind}><t:Watermark>{watermark}</t:Watermark><t:TimeStamp>{dt(event.timestamp)}</t:TimeStamp>",
        f'<t:{tag} Id="{esc(event.object_id)}" ChangeKey="{event.change_key}"/>',
        f'<t:ParentFolderId Id="{esc(event.parent_id)}"/>',
    ]
    if event.old_id is not None and event.old_parent_id is not None:
        parts.append(f'<t:Old{tag} Id="{esc(event.old_id)}"/><t:OldParentFolderId Id="{esc(event.old_parent_id)}"/>')
    parts.append(f"</t:{event.kind}>")
    return "".join(parts)


def render_status(watermark: str) -> str:
    """What a notification carries when nothing happened: a StatusEvent."""
    return f"<t:StatusEvent><t:Watermark>{watermark}</t:Watermark></t:StatusEvent>"


def render_notification(sub: Subscription, body: str, previous: str | None = None, more: bool | None = None) -> str:
    head = f"<m:Notification><t:SubscriptionId>{esc(sub.id)}</t:SubscriptionId>"
    if previous is not None:
        head += f"<t:PreviousWatermark>{previous}</t:PreviousWatermark>"
    if more is not None:
        head += f"<t:MoreEvents>{'true' if more else 'false'}</t:MoreEvents>"
    return f"{head}{body}</m:Notification>"
