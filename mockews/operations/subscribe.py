"""Subscribe: a pull, push or streaming subscription to events of some folders (or,
with SubscribeToAllFolders, of the whole mailbox).  Push subscriptions are kept but the
mock never calls their URL back (tests reach no outside service)."""

from __future__ import annotations

from ..errors import ErrorInvalidPushSubscriptionUrl, ErrorSchemaValidation
from ..soap.xml import Element, child, child_text, children, m, parse_bool, parse_int, t
from ..store.mailbox import Mailbox
from ..store.notify import EVENT_TYPES, STREAMING_LINGER_S, SubscriptionKind
from .base import Operation

_REQUESTS: dict[str, SubscriptionKind] = {
    "PullSubscriptionRequest": "pull",
    "PushSubscriptionRequest": "push",
    "StreamingSubscriptionRequest": "streaming",
}


class Subscribe(Operation):
    name = "Subscribe"

    def execute(self) -> str:
        return self.single(self._subscribe)

    def _subscribe(self) -> str:
        found = [(elem, _REQUESTS[tag]) for tag in _REQUESTS if (elem := self.request.find(m(tag))) is not None]
        if len(found) != 1:
            raise ErrorSchemaValidation("Subscribe needs exactly one subscription request.")
        request, kind = found[0]
        mailbox, folder_ids = self._scope(request)
        watermark = _text(request, "Watermark")
        timeout_s, url = self._lifetime(request, kind)
        notifier = self.world.notifier
        sub = notifier.subscribe(mailbox, kind, folder_ids, _event_types(request), timeout_s, watermark or None, url)
        # Exchange pins a subscription to a mailbox server with this cookie (exchangelib
        # keeps it as ``account.affinity_cookie``).
        self.reply_headers["Set-Cookie"] = f"X-BackEndOverrideCookie={mailbox.tag}; path=/; HttpOnly"
        content = f"<m:SubscriptionId>{sub.id}</m:SubscriptionId>"
        if kind != "streaming":
            content += f"<m:Watermark>{notifier.watermark(mailbox, sub.acked)}</m:Watermark>"
        return self.ok(content)

    def _scope(self, request: Element) -> tuple[Mailbox, frozenset[str] | None]:
        if parse_bool(request.get("SubscribeToAllFolders", "false")):
            return self.ctx.check_access(self.ctx.acting_mailbox()), None
        folders = [self.folder(elem) for elem in children(request.find(t("FolderIds")))]
        if not folders:
            raise ErrorSchemaValidation("FolderIds or SubscribeToAllFolders is required.")
        mailboxes = {f.mailbox for f in folders}
        if len(mailboxes) != 1:
            raise ErrorSchemaValidation("A subscription covers the folders of one mailbox.")
        return mailboxes.pop(), frozenset(f.id for f in folders)

    def _lifetime(self, request: Element, kind: SubscriptionKind) -> tuple[int, str | None]:
        """Seconds a subscription lives without contact, and a push URL."""
        if kind == "streaming":
            return STREAMING_LINGER_S, None
        if kind == "pull":
            return _minutes(child_text(request, t("Timeout")), "Timeout") * 60, None
        url = (child_text(request, t("URL")) or "").strip()
        if not url.lower().startswith(("http://", "https://")):
            raise ErrorInvalidPushSubscriptionUrl()
        # Exchange drops a push subscription its callback does not answer; here the
        # callback is never made, so the status frequency bounds its life.
        return _minutes(child_text(request, t("StatusFrequency")), "StatusFrequency") * 60, url


def _text(elem: Element, local: str) -> str | None:
    """exchangelib puts Watermark in the messages namespace, the schema in types."""
    found = child(elem, m(local))
    if found is None:
        found = child(elem, t(local))
    return None if found is None else (found.text or "").strip()


def _minutes(text: str | None, what: str) -> int:
    value = parse_int(text, what)
    if not 1 <= value <= 1440:
        raise ErrorSchemaValidation(f"{what} must be between 1 and 1440 minutes.")
    return value


def _event_types(request: Element) -> frozenset[str]:
    names = [(elem.text or "").strip() for elem in children(request.find(t("EventTypes")))]
    if not names or any(name not in EVENT_TYPES for name in names):
        raise ErrorSchemaValidation("EventTypes must list valid event types.")
    return frozenset(names)
