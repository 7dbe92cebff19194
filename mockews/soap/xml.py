"""Reading requests: namespaces, a hardened XML parser, small element helpers.

Requests are parsed by namespace, never by prefix (clients send ``s:``, ``soap:``,
``SOAP-ENV:`` …).  The parser refuses DTDs (so no entity expansion of any kind), never
touches the network, and refuses documents over a size limit before parsing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from lxml import etree

from ..errors import ErrorSchemaValidation

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
E = "http://schemas.microsoft.com/exchange/services/2006/errors"

#: default upper bound of a request body (attachments travel base64 inside it)
MAX_REQUEST_BYTES = 32 * 1024 * 1024

Element = etree._Element


def _tag(ns: str, local: str) -> str:
    return f"{{{ns}}}{local}"


def m(local: str) -> str:
    return _tag(M, local)


def t(local: str) -> str:
    return _tag(T, local)


class HostileXML(ErrorSchemaValidation):
    """Raised for DTDs, entities and oversized bodies; rendered as a SOAP fault."""


_PARSERS = threading.local()


def _parser() -> etree.XMLParser:
    """This thread's parser: lxml parsers are not thread-safe, and making one per
    request measured a fifth of the mock's cost of a small request."""
    parser: etree.XMLParser | None = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = _new_parser()
    return parser


def _new_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


@dataclass(frozen=True, slots=True)
class Envelope:
    header: Element | None
    operation: Element  # the first child of soap:Body


def parse_envelope(body: bytes, max_bytes: int = MAX_REQUEST_BYTES) -> Envelope:
    if len(body) > max_bytes:
        raise HostileXML(f"The request is larger than the limit of {max_bytes} bytes.")
    if not body.strip():
        raise ErrorSchemaValidation("The request body is empty.")
    try:
        root = etree.fromstring(body, parser=_parser())
    except etree.XMLSyntaxError as exc:
        if "DOCTYPE" in str(exc) or "Entity" in str(exc):
            raise HostileXML("Document type declarations are not allowed.") from exc
        raise ErrorSchemaValidation(f"The request is not well-formed XML: {exc}") from exc
    docinfo = root.getroottree().docinfo
    if getattr(docinfo, "internalDTD", None) is not None or getattr(docinfo, "externalDTD", None) is not None:
        raise HostileXML("Document type declarations are not allowed.")
    if root.tag not in (_tag(SOAP, "Envelope"), _tag(SOAP12, "Envelope")):
        raise ErrorSchemaValidation("The request is not a SOAP envelope.")
    ns = root.tag[1 : root.tag.index("}")]
    header = root.find(_tag(ns, "Header"))
    soap_body = root.find(_tag(ns, "Body"))
    if soap_body is None:
        raise ErrorSchemaValidation("The SOAP envelope has no Body.")
    operation = next((child for child in soap_body if isinstance(child.tag, str)), None)
    if operation is None:
        raise ErrorSchemaValidation("The SOAP Body is empty.")
    return Envelope(header, operation)


def local_name(elem: Element) -> str:
    tag = elem.tag
    assert isinstance(tag, str)
    return tag.rpartition("}")[2]


def namespace(elem: Element) -> str:
    tag = elem.tag
    assert isinstance(tag, str)
    return tag[1 : tag.index("}")] if tag.startswith("{") else ""


def child(elem: Element | None, tag: str) -> Element | None:
    """First child with this qualified tag."""
    return None if elem is None else elem.find(tag)


def child_text(elem: Element | None, tag: str, default: str | None = None) -> str | None:
    found = child(elem, tag)
    if found is None:
        return default
    return found.text or ""


def children(elem: Element | None) -> list[Element]:
    return [] if elem is None else [c for c in elem if isinstance(c.tag, str)]


def parse_bool(text: str | None) -> bool:
    # exchangelib sends 1/0, the schema says true/false: accept both.
    value = (text or "").strip().lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise ErrorSchemaValidation(f"{text!r} is not a boolean.")


def parse_int(text: str | None, what: str) -> int:
    try:
        return int((text or "").strip())
    except ValueError as exc:
        raise ErrorSchemaValidation(f"{what}: {text!r} is not an integer.") from exc
