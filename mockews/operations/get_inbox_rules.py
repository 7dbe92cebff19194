"""GetInboxRules: a mailbox's server-side Inbox rules, in priority order.

The answer carries ResponseClass/ResponseCode on ``m:GetInboxRulesResponse`` itself
(no ResponseMessages), then ``m:OutlookRuleBlobExists`` and ``m:InboxRules``.
"""

from __future__ import annotations

from ..errors import EWSError
from ..soap.render import flat_response
from ..soap.rules import render_rule
from ..soap.xml import m
from ..store.mailbox import Mailbox
from ..store.settings import settings_of
from .base import Operation


class GetInboxRules(Operation):
    name = "GetInboxRules"

    def execute(self) -> str:
        try:
            return flat_response(self.name, self.produce())
        except EWSError as exc:
            # RuleOperationErrors (UpdateInboxRules) follow the ResponseCode
            return flat_response(self.name, getattr(exc, "detail", ""), error=exc)

    def rules_mailbox(self) -> Mailbox:
        address = (self.request.findtext(m("MailboxSmtpAddress")) or "").strip()
        if not address:
            return self.ctx.check_access(self.ctx.acting_mailbox())
        return self.ctx.check_access(self.world.mailbox(address))

    def produce(self) -> str:
        rules = settings_of(self.rules_mailbox()).rules
        rendered = "".join(render_rule(rule) for rule in rules)
        return f"<m:OutlookRuleBlobExists>false</m:OutlookRuleBlobExists><m:InboxRules>{rendered}</m:InboxRules>"
