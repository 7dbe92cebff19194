"""SetUserOofSettings: replace a mailbox's automatic-reply settings (same shapes as
GetUserOofSettings).  A Scheduled state needs a Duration whose start is before its end
(ErrorInvalidScheduledOofDuration, as Exchange answers)."""

from __future__ import annotations

from ..errors import ErrorInvalidScheduledOofDuration, ErrorInvalidUserOofSettings
from ..soap.item_properties import parse_datetime
from ..soap.xml import Element, t
from ..store.settings import EXTERNAL_AUDIENCES, OOF_STATES, OofSettings, settings_of
from .get_user_oof_settings import GetUserOofSettings


class SetUserOofSettings(GetUserOofSettings):
    name = "SetUserOofSettingsRequest"
    response = "SetUserOofSettings"

    def produce(self) -> str:
        mailbox = self.oof_mailbox()
        elem = self.request.find(t("UserOofSettings"))
        if elem is None:
            raise ErrorInvalidUserOofSettings("The request has no UserOofSettings.")
        settings_of(mailbox).oof = parse_oof(elem)
        return ""


def _reply(elem: Element, tag: str) -> str:
    reply = elem.find(t(tag))
    return "" if reply is None else reply.findtext(t("Message")) or ""


def parse_oof(elem: Element) -> OofSettings:
    state = (elem.findtext(t("OofState")) or "").strip()
    audience = (elem.findtext(t("ExternalAudience")) or "All").strip()
    if state not in OOF_STATES or audience not in EXTERNAL_AUDIENCES:
        raise ErrorInvalidUserOofSettings(f"OofState {state!r} / ExternalAudience {audience!r} is not valid.")
    duration = elem.find(t("Duration"))
    start = end = None
    if duration is not None:
        start = parse_datetime(duration.findtext(t("StartTime")))
        end = parse_datetime(duration.findtext(t("EndTime")))
    if state == "Scheduled" and (start is None or end is None or start >= end):
        raise ErrorInvalidScheduledOofDuration()
    return OofSettings(state, audience, start, end, _reply(elem, "InternalReply"), _reply(elem, "ExternalReply"))
