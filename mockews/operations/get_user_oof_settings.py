"""GetUserOofSettings: a mailbox's automatic-reply settings.

An availability-service operation: the request element is ``GetUserOofSettingsRequest``
with a ``t:Mailbox`` of ``t:Address`` (not ``t:EmailAddress``), and the answer is one
``m:ResponseMessage`` with the ``t:OofSettings`` beside it, not inside.
"""

from __future__ import annotations

from ..errors import ErrorInvalidUserOofSettings, EWSError
from ..soap.render import dt, el, esc, single_message_response
from ..soap.xml import t
from ..store.mailbox import Mailbox
from ..store.settings import OofSettings, settings_of
from .base import Operation

DAY = 86_400


class GetUserOofSettings(Operation):
    name = "GetUserOofSettingsRequest"
    response = "GetUserOofSettings"

    def execute(self) -> str:
        try:
            return single_message_response(self.response, self.produce())
        except EWSError as exc:
            return single_message_response(self.response, error=exc)

    def produce(self) -> str:
        oof = settings_of(self.oof_mailbox()).oof
        return render_oof(oof, self.world.now_epoch()) + "<m:AllowExternalOof>All</m:AllowExternalOof>"

    def oof_mailbox(self) -> Mailbox:
        box = self.request.find(t("Mailbox"))
        address = "" if box is None else (box.findtext(t("Address")) or "").strip()
        if not address:
            raise ErrorInvalidUserOofSettings("The request names no mailbox Address.")
        return self.ctx.check_access(self.world.mailbox(address))


def render_oof(oof: OofSettings, now: int) -> str:
    # Exchange always answers a Duration; unscheduled settings show the coming day.
    start = oof.start if oof.start is not None else now - now % 3600
    end = oof.end if oof.end is not None else start + DAY
    return (
        f"<t:OofSettings>{el('OofState', oof.state)}{el('ExternalAudience', oof.external_audience)}"
        f"<t:Duration>{el('StartTime', dt(start))}{el('EndTime', dt(end))}</t:Duration>"
        f"<t:InternalReply>{el('Message', esc(oof.internal_reply))}</t:InternalReply>"
        f"<t:ExternalReply>{el('Message', esc(oof.external_reply))}</t:ExternalReply></t:OofSettings>"
    )
