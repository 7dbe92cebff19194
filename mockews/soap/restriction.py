"""Restriction and SortOrder → Python predicates and sort keys.

Supported search expressions: IsEqualTo, IsNotEqualTo, IsGreaterThan(OrEqualTo),
IsLessThan(OrEqualTo), Contains, Exists, And, Or, Not — on every modelled property and
on extended properties (ExtendedFieldURI by tag, by property set and name or id),
which compare by their PropertyType.  Text compares case-insensitively (Exchange's
default collation); a multi-valued property (Categories, array extended properties)
matches when any of its values does; an item without the property matches only
IsNotEqualTo and Not.  A property Exchange cannot search is ErrorUnsupportedPathForQuery.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import ErrorInvalidRestriction, ErrorSchemaValidation, ErrorUnsupportedPathForQuery
from ..store.model import ExtendedKey, Folder, Item
from .item_properties import BY_URI as ITEM_PROPERTIES
from .item_properties import extended_properties, indexed_getter, parse_datetime, parse_extended_uri
from .xml import Element, children, local_name, parse_bool, t

Predicate = Callable[[Any], bool]
X = TypeVar("X")
Getter = Callable[[Any], object]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "IsEqualTo": operator.eq,
    "IsNotEqualTo": operator.ne,
    "IsGreaterThan": operator.gt,
    "IsGreaterThanOrEqualTo": operator.ge,
    "IsLessThan": operator.lt,
    "IsLessThanOrEqualTo": operator.le,
}

_FOLDER_GETTERS: dict[str, tuple[Getter, str]] = {
    "folder:DisplayName": (lambda f: f.name, "text"),
    "folder:FolderClass": (lambda f: f.folder_class, "text"),
    "folder:TotalCount": (lambda f: len(f.items), "int"),
    "folder:ChildFolderCount": (lambda f: len(f.children), "int"),
    "folder:UnreadCount": (lambda f: f.unread_count, "int"),
}


#: properties Exchange 2016 refuses in a restriction or sort (the fields exchangelib marks
#: is_searchable=False, which its own tests check against Exchange)
UNSEARCHABLE = frozenset(
    {
        "calendar:EndTimeZone",
        "calendar:IsResponseRequested",
        "calendar:MeetingTimeZone",
        "calendar:OptionalAttendees",
        "calendar:Recurrence",
        "calendar:RequiredAttendees",
        "calendar:Resources",
        "calendar:StartTimeZone",
        "calendar:UID",
        "contacts:Companies",
        "contacts:MSExchangeCertificate",
        "contacts:Photo",
        "contacts:UserSMIMECertificate",
        "item:Attachments",
        "item:Culture",
        "item:MimeContent",
        "message:BccRecipients",
        "message:CcRecipients",
        "message:ReplyTo",
        "message:ToRecipients",
        "task:Recurrence",
        "task:Status",
    }
)
#: properties Exchange accepts in a restriction but never matches on
MATCH_NOTHING = frozenset(
    {"calendar:AllowNewTimeProposal", "item:ReminderDueBy", "message:ConversationIndex", "task:PercentComplete"}
)


def _item_getter(uri: str) -> tuple[Getter, str]:
    if uri in UNSEARCHABLE:
        raise ErrorUnsupportedPathForQuery(f"The property {uri} cannot be used in a query.")
    if uri in MATCH_NOTHING:
        return (lambda _: None), "text"
    prop = ITEM_PROPERTIES.get(uri)
    if prop is None or prop.get is None:
        raise ErrorInvalidRestriction(f"The property {uri} cannot be used in a restriction.")
    return prop.get, prop.value_type


def _indexed_getter(elem: Element) -> Getter:
    """``contacts:EmailAddress`` + FieldIndex, or ``contacts:PhysicalAddress:City`` + FieldIndex."""
    uri = elem.get("FieldURI", "")
    prop = ITEM_PROPERTIES.get(":".join(uri.split(":")[:2]))
    index = elem.get("FieldIndex", "")
    if prop is None or prop.field is None or not prop.field.startswith("extra.") or not index:
        raise ErrorInvalidRestriction(f"The indexed property {uri} cannot be used in a restriction.")
    return indexed_getter(prop, index, uri.split(":")[2] if uri.count(":") >= 2 else None)


def _folder_getter(uri: str) -> tuple[Getter, str]:
    found = _FOLDER_GETTERS.get(uri)
    if found is None:
        raise ErrorInvalidRestriction(f"The property {uri} cannot be used in a folder restriction.")
    return found


_EXTENDED_TYPES = {
    "Short": "int",
    "Integer": "int",
    "Long": "int",
    "Double": "float",
    "Float": "float",
    "Currency": "float",
    "ApplicationTime": "float",
    "Boolean": "bool",
    "SystemTime": "datetime",
}


def _extended_key(key: ExtendedKey) -> tuple[object, ...]:
    """What names one MAPI property, whatever the spelling: a tag or id in hex or
    decimal, a property set GUID in either case."""

    def number(text: str | None) -> object:
        try:
            return None if text is None else int(text, 0)
        except ValueError:
            return text

    set_id = key.set_id.lower() if key.set_id else None
    return (key.property_type, key.distinguished_set, set_id, number(key.tag), key.name, number(key.prop_id))


def _extended_getter(key: ExtendedKey) -> tuple[Getter, str]:
    """An item's value of one extended property, typed by its PropertyType (a list for
    an array property)."""
    value_type = _EXTENDED_TYPES.get(key.property_type.removesuffix("Array"), "text")
    wanted = _extended_key(key)

    def get(item: Item) -> object:
        props = extended_properties(item)
        found = props.get(key) or next((v for k, v in props.items() if _extended_key(k) == wanted), None)
        if found is None:
            return None
        values = [_typed(v, value_type) for v in found.values]
        return values if found.is_array else (values[0] if values else None)

    return get, value_type


def _typed(text: str, value_type: str) -> object:
    """A stored extended value (its wire text) as the restriction compares it."""
    try:
        return text if value_type == "text" else _convert(text, value_type)
    except (ErrorInvalidRestriction, ErrorSchemaValidation):
        return None


def _convert(text: str, value_type: str) -> object:
    if value_type == "bool":
        return parse_bool(text)
    if value_type in ("int", "float"):
        try:
            return int(text) if value_type == "int" else float(text)
        except ValueError as exc:
            raise ErrorInvalidRestriction(f"{text!r} is not a {value_type}.") from exc
    if value_type == "datetime":
        return parse_datetime(text)
    if value_type == "float":  # PercentComplete
        try:
            return float(text)
        except ValueError as exc:
            raise ErrorInvalidRestriction(f"{text!r} is not a number.") from exc
    return text.lower()


def _norm(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


class _Compiler:
    def __init__(
        self,
        getter_for: Callable[[str], tuple[Getter, str]],
        extended_for: Callable[[ExtendedKey], tuple[Getter, str]] | None = None,
    ) -> None:
        self.getter_for = getter_for
        self.extended_for = extended_for

    def field(self, expr: Element) -> tuple[Getter, str]:
        extended = expr.find(t("ExtendedFieldURI"))
        if extended is not None and self.extended_for is not None:
            return self.extended_for(parse_extended_uri(extended))
        uri_elem = expr.find(t("FieldURI"))
        indexed = expr.find(t("IndexedFieldURI"))
        if indexed is not None and self.getter_for is _item_getter:
            return _indexed_getter(indexed), "text"
        if uri_elem is None:
            if expr.find(t("ExtendedFieldURI")) is not None or expr.find(t("IndexedFieldURI")) is not None:
                raise ErrorInvalidRestriction("Restrictions on extended or indexed properties are not supported.")
            raise ErrorSchemaValidation(f"{local_name(expr)} needs a FieldURI.")
        return self.getter_for(uri_elem.get("FieldURI", ""))

    def compile(self, expr: Element) -> Predicate:
        kind = local_name(expr)
        if kind in ("And", "Or"):
            parts = [self.compile(c) for c in children(expr)]
            if not parts:
                raise ErrorInvalidRestriction(f"{kind} needs at least one expression.")
            return (lambda x: all(p(x) for p in parts)) if kind == "And" else (lambda x: any(p(x) for p in parts))
        if kind == "Not":
            parts = [self.compile(c) for c in children(expr)]
            if len(parts) != 1:
                raise ErrorInvalidRestriction("Not needs exactly one expression.")
            inner = parts[0]
            return lambda x: not inner(x)
        if kind == "Exists":
            get, _ = self.field(expr)
            return lambda x: get(x) not in (None, "", [], ())
        if kind in _COMPARE:
            return self._comparison(expr, kind)
        if kind == "Contains":
            return self._contains(expr)
        raise ErrorInvalidRestriction(f"The search expression {kind} is not supported.")

    def _comparison(self, expr: Element, kind: str) -> Predicate:
        get, value_type = self.field(expr)
        holder = expr.find(t("FieldURIOrConstant"))
        constant = None if holder is None else holder.find(t("Constant"))
        if constant is None:
            raise ErrorInvalidRestriction(f"{kind} needs a Constant.")
        wanted = _convert(constant.get("Value", ""), value_type)
        compare = _COMPARE[kind]
        negative = kind == "IsNotEqualTo"

        def test(x: object) -> bool:
            value = get(x)
            if value is None:
                return negative
            if isinstance(value, list):
                hits = [compare(_norm(v), wanted) for v in value]
                return all(hits) if negative else any(hits)
            try:
                return bool(compare(_norm(value), wanted))
            except TypeError:
                return negative

        return test

    def _contains(self, expr: Element) -> Predicate:
        get, _ = self.field(expr)
        constant = expr.find(t("Constant"))
        if constant is None:
            raise ErrorInvalidRestriction("Contains needs a Constant.")
        needle = constant.get("Value", "")
        mode = expr.get("ContainmentMode", "Substring")
        comparison = expr.get("ContainmentComparison", "Exact")
        if comparison not in ("Exact", "IgnoreCase"):
            needle = needle.lower()  # Loose, IgnoreNonSpacingCharacters, … all fold case here
        elif comparison == "IgnoreCase":
            needle = needle.lower()
        fold = comparison != "Exact"

        def matches(text: str) -> bool:
            hay = text.lower() if fold else text
            if mode == "FullString":
                return hay == needle
            if mode == "Prefixed":
                return hay.startswith(needle)
            if mode == "PrefixOnWords":
                return any(word.startswith(needle) for word in hay.split())
            if mode == "ExactPhrase":
                return needle in hay
            return needle in hay  # Substring

        def test(x: object) -> bool:
            value = get(x)
            if value is None:
                return False
            if isinstance(value, list):
                return any(matches(str(v)) for v in value)
            return matches(str(value))

        return test


def parse_item_restriction(elem: Element | None) -> Callable[[Item], bool] | None:
    if elem is None:
        return None
    exprs = children(elem)
    if len(exprs) != 1:
        raise ErrorInvalidRestriction("A Restriction holds exactly one search expression.")
    return _Compiler(_item_getter, _extended_getter).compile(exprs[0])


def parse_folder_restriction(elem: Element | None) -> Callable[[Folder], bool] | None:
    if elem is None:
        return None
    exprs = children(elem)
    if len(exprs) != 1:
        raise ErrorInvalidRestriction("A Restriction holds exactly one search expression.")
    return _Compiler(_folder_getter).compile(exprs[0])


def parse_restriction(elem: Element | None, getter_for: Callable[[str], tuple[Getter, str]]) -> Predicate | None:
    """A restriction over objects other than items and folders (FindPeople's personas):
    ``getter_for`` maps a FieldURI to (getter, value type) or raises ErrorInvalidRestriction."""
    if elem is None:
        return None
    exprs = children(elem)
    if len(exprs) != 1:
        raise ErrorInvalidRestriction("A Restriction holds exactly one search expression.")
    return _Compiler(getter_for).compile(exprs[0])


def parse_sort_order(
    elem: Element | None, getter_for: Callable[[str], tuple[Getter, str]] | None = None
) -> list[tuple[Getter, bool]]:
    """``m:SortOrder`` → [(getter, descending)], most significant first (item fields
    unless ``getter_for`` says otherwise)."""
    keys: list[tuple[Getter, bool]] = []
    # extended properties belong to items; other objects (personas) have none
    compiler = _Compiler(getter_for) if getter_for else _Compiler(_item_getter, _extended_getter)
    for order in children(elem):
        direction = order.get("Order", "Ascending")
        if direction not in ("Ascending", "Descending"):
            raise ErrorSchemaValidation(f"Order {direction!r} is not valid.")
        get, _ = compiler.field(order)
        keys.append((get, direction == "Descending"))
    return keys


def sort_items(items: list[X], keys: list[tuple[Getter, bool]]) -> list[X]:
    """Stable multi-key sort; missing values sort first ascending (Exchange does too)."""
    for get, descending in reversed(keys):

        def key(item: X, get: Getter = get) -> tuple[int, Any]:
            value = get(item)
            if value is None:
                return (0, 0)
            if isinstance(value, list):
                value = ",".join(str(v) for v in value)
            return (1, _norm(value))

        items.sort(key=key, reverse=descending)
    return items
