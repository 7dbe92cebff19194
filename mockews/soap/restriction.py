"""Restriction and SortOrder → Python predicates and sort keys.

Supported search expressions: IsEqualTo, IsNotEqualTo, IsGreaterThan(OrEqualTo),
IsLessThan(OrEqualTo), Contains, Exists, And, Or, Not — on every modelled property.
Text compares case-insensitively (Exchange's default collation); a multi-valued
property (Categories, recipients) matches when any of its values does; an item without
the property matches only IsNotEqualTo and Not.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import ErrorInvalidRestriction, ErrorSchemaValidation
from ..store.model import Folder, Item
from .item_properties import BY_URI as ITEM_PROPERTIES
from .item_properties import indexed_getter, parse_datetime
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


def _item_getter(uri: str) -> tuple[Getter, str]:
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


def _convert(text: str, value_type: str) -> object:
    if value_type == "bool":
        return parse_bool(text)
    if value_type == "int":
        try:
            return int(text)
        except ValueError as exc:
            raise ErrorInvalidRestriction(f"{text!r} is not an integer.") from exc
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
    def __init__(self, getter_for: Callable[[str], tuple[Getter, str]]) -> None:
        self.getter_for = getter_for

    def field(self, expr: Element) -> tuple[Getter, str]:
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
    return _Compiler(_item_getter).compile(exprs[0])


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
    for order in children(elem):
        direction = order.get("Order", "Ascending")
        if direction not in ("Ascending", "Descending"):
            raise ErrorSchemaValidation(f"Order {direction!r} is not valid.")
        get, _ = _Compiler(getter_for or _item_getter).field(order)
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
