"""Inbox rules on the wire: ``t:Rule`` ⇄ ``InboxRule``.

Conditions, Exceptions and Actions are kept as plain nested lists in the schema's
shape (see ``RuleNode``), so every predicate and action a client writes comes back as
written; only booleans are normalised (exchangelib sends ``1``/``0`` and reads back
only ``true``/``false``) and folder actions are resolved to a ``t:FolderId``, as
Exchange answers them.
"""

from __future__ import annotations

from ..errors import ErrorSchemaValidation
from ..store.settings import InboxRule, RuleNode
from .render import boolean, el, esc
from .xml import Element, children, local_name, parse_bool, t

#: leaf elements of Conditions/Exceptions/Actions whose text is an xs:boolean
BOOLEAN_PARTS = frozenset(
    {
        "HasAttachments",
        "IsApprovalRequest",
        "IsAutomaticForward",
        "IsAutomaticReply",
        "IsEncrypted",
        "IsMeetingRequest",
        "IsMeetingResponse",
        "IsNDR",
        "IsPermissionControlled",
        "IsReadReceipt",
        "IsSigned",
        "IsVoicemail",
        "NotSentToMe",
        "SentCcMe",
        "SentOnlyToMe",
        "SentToMe",
        "SentToOrCcMe",
        "Delete",
        "MarkAsRead",
        "PermanentDelete",
        "StopProcessingRules",
    }
)


def to_node(elem: Element) -> RuleNode:
    name = local_name(elem)
    kids = children(elem)
    text = None if kids else (elem.text or "")
    if name in BOOLEAN_PARTS and text is not None:
        text = boolean(parse_bool(text))
    return [name, dict(elem.attrib), text, [to_node(k) for k in kids]]


def render_node(node: RuleNode) -> str:
    name, attrs, text, kids = node
    attributes = "".join(f' {k}="{esc(str(v))}"' for k, v in attrs.items())
    inner = esc(text) if text is not None else "".join(render_node(k) for k in kids)
    return f"<t:{name}{attributes}>{inner}</t:{name}>"


def _parts(elem: Element | None) -> list[RuleNode] | None:
    return None if elem is None else [to_node(k) for k in children(elem)]


def parse_rule(elem: Element) -> InboxRule:
    """A ``t:Rule`` as the client wrote it; the caller validates and places it."""
    name = (elem.findtext(t("DisplayName")) or "").strip()
    priority = (elem.findtext(t("Priority")) or "").strip()
    if not priority.lstrip("-").isdigit():
        raise ErrorSchemaValidation("A rule needs an integer Priority.")
    enabled = elem.findtext(t("IsEnabled"))
    return InboxRule(
        id=(elem.findtext(t("RuleId")) or "").strip(),
        display_name=name,
        priority=int(priority),
        is_enabled=True if enabled is None else parse_bool(enabled),
        conditions=_parts(elem.find(t("Conditions"))),
        exceptions=_parts(elem.find(t("Exceptions"))),
        actions=_parts(elem.find(t("Actions"))) or [],
    )


def _section(tag: str, parts: list[RuleNode] | None) -> str:
    if parts is None:
        return ""
    return f"<t:{tag}>{''.join(render_node(p) for p in parts)}</t:{tag}>"


def render_rule(rule: InboxRule) -> str:
    return (
        f"<t:Rule>{el('RuleId', esc(rule.id))}{el('DisplayName', esc(rule.display_name))}"
        f"{el('Priority', str(rule.priority))}{el('IsEnabled', boolean(rule.is_enabled))}"
        f"{el('IsNotSupported', 'false')}{el('IsInError', 'false')}"
        f"{_section('Conditions', rule.conditions)}{_section('Exceptions', rule.exceptions)}"
        f"{_section('Actions', rule.actions)}</t:Rule>"
    )
