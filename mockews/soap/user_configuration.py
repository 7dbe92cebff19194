"""User configurations on the wire: ``t:UserConfigurationName``, the typed
``t:Dictionary`` entries, ``t:XmlData`` and ``t:BinaryData`` (base64)."""

from __future__ import annotations

import base64
import binascii

from ..errors import ErrorSchemaValidation
from ..store.settings import TypedValue, UserConfiguration
from .item_properties import parse_datetime
from .render import boolean, dt, el, esc
from .xml import Element, children, parse_bool, t

#: the dictionary's value types (UserConfigurationDictionaryObjectTypesType)
DICTIONARY_TYPES = frozenset(
    {
        "DateTime",
        "Boolean",
        "Byte",
        "String",
        "Integer32",
        "UnsignedInteger32",
        "Integer64",
        "UnsignedInteger64",
        "StringArray",
        "ByteArray",
    }
)
_INTEGERS = frozenset({"Integer32", "UnsignedInteger32", "Integer64", "UnsignedInteger64", "Byte"})
PROPERTIES = ("Id", "Dictionary", "XmlData", "BinaryData", "All")


def _normalised(kind: str, text: str) -> str:
    """Exchange answers booleans as true/false and datetimes in UTC, whatever was sent
    (exchangelib sends 1/0, which it cannot read back)."""
    if kind == "Boolean":
        return boolean(parse_bool(text))
    if kind == "DateTime":
        return dt(parse_datetime(text))
    if kind in _INTEGERS and not text.strip().lstrip("-").isdigit():
        raise ErrorSchemaValidation(f"{text!r} is not a valid {kind}.")
    return text


def parse_typed(elem: Element | None) -> TypedValue:
    if elem is None:
        raise ErrorSchemaValidation("A DictionaryEntry needs a DictionaryKey and a DictionaryValue.")
    kind = (elem.findtext(t("Type")) or "").strip()
    if kind not in DICTIONARY_TYPES:
        raise ErrorSchemaValidation(f"{kind!r} is not a dictionary object type.")
    return kind, tuple(_normalised(kind, v.text or "") for v in elem.findall(t("Value")))


def parse_dictionary(elem: Element | None) -> list[tuple[TypedValue, TypedValue]] | None:
    if elem is None:
        return None
    return [
        (parse_typed(entry.find(t("DictionaryKey"))), parse_typed(entry.find(t("DictionaryValue"))))
        for entry in children(elem)
    ]


def parse_base64(elem: Element | None) -> bytes | None:
    if elem is None:
        return None
    try:
        return base64.b64decode((elem.text or "").strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ErrorSchemaValidation("XmlData and BinaryData must be base64.") from exc


def _render_typed(tag: str, value: TypedValue) -> str:
    values = "".join(el("Value", esc(v)) for v in value[1])
    return f"<t:{tag}>{el('Type', value[0])}{values}</t:{tag}>"


def render_configuration(config: UserConfiguration, name_xml: str, id_xml: str, properties: str) -> str:
    """``properties`` is one of PROPERTIES: which parts besides the name to answer."""
    parts = [name_xml]
    wanted = {properties} if properties != "All" else set(PROPERTIES)
    if "Id" in wanted:
        parts.append(id_xml)
    if "Dictionary" in wanted and config.dictionary is not None:
        entries = "".join(
            f"<t:DictionaryEntry>{_render_typed('DictionaryKey', k)}{_render_typed('DictionaryValue', v)}"
            "</t:DictionaryEntry>"
            for k, v in config.dictionary
        )
        parts.append(f"<t:Dictionary>{entries}</t:Dictionary>")
    for tag, data in (("XmlData", config.xml_data), ("BinaryData", config.binary_data)):
        if tag in wanted and data is not None:
            parts.append(el(tag, base64.b64encode(data).decode()))
    return f"<m:UserConfiguration>{''.join(parts)}</m:UserConfiguration>"
