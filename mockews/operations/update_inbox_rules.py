"""UpdateInboxRules: create, change and delete Inbox rules in one request.

All operations are validated before any is applied; a failure answers
ErrorInboxRulesValidationError with ``m:RuleOperationErrors`` naming the operation's
index, the field and Exchange's rule error code (RuleNotFound, CreateWithRuleId,
MissingAction, FolderDoesNotExist, UnsupportedRule, InvalidValue …).  Folder actions
are resolved to the folder's id, as Exchange returns them.  As on Exchange, deleting a
disabled rule answers ErrorItemNotFound (exchangelib enables a rule before deleting it).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ErrorInboxRulesValidationError, ErrorItemNotFound, ErrorSchemaValidation, EWSError
from ..soap.render import el, esc
from ..soap.rules import parse_rule
from ..soap.xml import Element, children, local_name, m, t
from ..store.mailbox import Mailbox
from ..store.settings import InboxRule, MailboxSettings, RuleNode, settings_of
from .get_inbox_rules import GetInboxRules

#: actions Exchange 2016 refuses through EWS, with its error code and message
_REFUSED_ACTIONS = {
    "SendSMSAlertToRecipients": ("UnsupportedRule", "The operation on this unsupported rule is not allowed."),
    "ServerReplyWithMessage": ("InvalidValue", "Id must be non-empty."),
}


@dataclass
class RuleProblem(Exception):
    field: str
    code: str
    message: str


@dataclass
class _Planned:
    kind: str  # Create, Set, Delete
    rule: InboxRule
    existing: InboxRule | None


class UpdateInboxRules(GetInboxRules):
    name = "UpdateInboxRules"

    def produce(self) -> str:
        mailbox = self.rules_mailbox()
        settings = settings_of(mailbox)
        ops = children(self.request.find(m("Operations")))
        if not ops:
            raise ErrorSchemaValidation("UpdateInboxRules needs Operations.")
        plan = [self.planned(index, op, mailbox, settings) for index, op in enumerate(ops)]
        for step in plan:
            self.apply(step, settings)
        return ""

    def planned(self, index: int, op: Element, mailbox: Mailbox, settings: MailboxSettings) -> _Planned:
        try:
            return self.plan_one(op, mailbox, settings)
        except RuleProblem as problem:
            raise _validation_error(index, problem) from None

    def plan_one(self, op: Element, mailbox: Mailbox, settings: MailboxSettings) -> _Planned:
        kind = local_name(op).removesuffix("RuleOperation")
        if kind == "Delete":
            rule_id = (op.findtext(t("RuleId")) or "").strip()
            existing = settings.rule(rule_id)
            if existing is None:
                raise RuleProblem("RuleId", "RuleNotFound", "The rule was not found.")
            if not existing.is_enabled:
                raise ErrorItemNotFound("The rule is disabled and cannot be deleted.")
            return _Planned(kind, existing, existing)
        elem = op.find(t("Rule"))
        if kind not in ("Create", "Set") or elem is None:
            raise ErrorSchemaValidation(f"{local_name(op)} is not a rule operation.")
        rule = parse_rule(elem)
        existing = settings.rule(rule.id) if rule.id else None
        if kind == "Create" and rule.id:
            raise RuleProblem("RuleId", "CreateWithRuleId", "A new rule cannot carry a RuleId.")
        if kind == "Set" and existing is None:
            raise RuleProblem("RuleId", "RuleNotFound", "The rule was not found.")
        self.check(rule, mailbox)
        return _Planned(kind, rule, existing)

    def check(self, rule: InboxRule, mailbox: Mailbox) -> None:
        if not rule.display_name:
            raise RuleProblem("DisplayName", "EmptyValueFound", "The DisplayName is empty.")
        if rule.priority < 1:
            raise RuleProblem("Priority", "InvalidValue", "The priority must be 1 or more.")
        if not rule.actions:
            raise RuleProblem("Actions", "MissingAction", "A rule needs at least one action.")
        for action in rule.actions:
            refused = _REFUSED_ACTIONS.get(action[0])
            if refused:
                raise RuleProblem(f"Action:{action[0]}", *refused)
            if action[0] in ("MoveToFolder", "CopyToFolder"):
                self.resolve_folder(action, mailbox)

    def resolve_folder(self, action: RuleNode, mailbox: Mailbox) -> None:
        """Replace the action's folder reference by the folder's FolderId."""
        refs = action[3]
        if len(refs) != 1 or refs[0][0] not in ("FolderId", "DistinguishedFolderId"):
            raise RuleProblem(f"Action:{action[0]}", "InvalidFolderId", "The action needs one folder id.")
        kind, attrs = refs[0][0], refs[0][1]
        try:
            if kind == "DistinguishedFolderId":
                folder = mailbox.well_known(attrs.get("Id", ""))
            else:
                folder = mailbox.folder(attrs.get("Id", ""))
        except EWSError:
            raise RuleProblem(f"Action:{action[0]}", "FolderDoesNotExist", "The folder does not exist.") from None
        action[3] = [["FolderId", {"Id": folder.id}, None, []]]

    def apply(self, step: _Planned, settings: MailboxSettings) -> None:
        if step.kind == "Delete":
            settings.rules.remove(step.rule)
            settings.renumber()
            return
        rule = step.rule
        if step.existing is not None:
            settings.rules[settings.rules.index(step.existing)] = rule
        else:
            rule.id = self.new_rule_id(settings)
        settings.place_rule(rule, rule.priority)

    def new_rule_id(self, settings: MailboxSettings) -> str:
        while True:
            rule_id = "AQAAA" + self.world.ids.token(7) + "="
            if settings.rule(rule_id) is None:
                return rule_id


def _validation_error(index: int, problem: RuleProblem) -> EWSError:
    error = (
        f"<t:Error>{el('FieldURI', esc(problem.field))}{el('ErrorCode', problem.code)}"
        f"{el('ErrorMessage', esc(problem.message))}</t:Error>"
    )
    detail = (
        f"<m:RuleOperationErrors><t:RuleOperationError>{el('OperationIndex', str(index))}"
        f"<t:ValidationErrors>{error}</t:ValidationErrors></t:RuleOperationError></m:RuleOperationErrors>"
    )
    return RulesValidationFailed(detail)


class RulesValidationFailed(ErrorInboxRulesValidationError):
    """ErrorInboxRulesValidationError with its RuleOperationErrors (rendered after the
    ResponseCode, where exchangelib reads them into the exception's text)."""

    def __init__(self, detail: str) -> None:
        super().__init__()
        self.detail = detail
