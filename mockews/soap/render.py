"""Writing responses: lean XML built as strings (no pretty-printing, only what was
asked for), one envelope and one fault path.

Every response byte costs exchangelib ~0.16 µs of parsing, so the output carries short
prefixes (``s:``, ``m:``, ``t:``), ``true``/``false`` booleans and ``…Z`` datetimes
without fractions (exchangelib reads fractional ``Z`` datetimes as None).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from ..errors import EWSError
from ..store.world import ServerVersion
from .xml import SOAP, E, M, T

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})
_SAFE = frozenset('&<>"')


def esc(text: str) -> str:
    """Escape for element text and double-quoted attributes; also drops characters XML
    1.0 cannot carry, so a stored control character never breaks a client's parser."""
    if _SAFE.isdisjoint(text) and text.isprintable():
        return text
    text = "".join(c for c in text if c in "\t\n\r" or c >= " ")
    return text.translate(_ESCAPES)


def dt(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def boolean(value: bool) -> str:
    return "true" if value else "false"


def el(tag: str, text: str) -> str:
    """``<t:Tag>text</t:Tag>`` with ``text`` already escaped."""
    return f"<t:{tag}>{text}</t:{tag}>"


def server_version_header(version: ServerVersion) -> str:
    return (
        f'<h:ServerVersionInfo xmlns:h="{T}" MajorVersion="{version.major}" MinorVersion="{version.minor}" '
        f'MajorBuildNumber="{version.major_build}" MinorBuildNumber="{version.minor_build}" '
        f'Version="{version.version}"/>'
    )


def envelope(version: ServerVersion, body: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP}"><s:Header>'
        f"{server_version_header(version)}</s:Header><s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


def operation_response(name: str, messages: Iterable[str]) -> str:
    return (
        f'<m:{name}Response xmlns:m="{M}" xmlns:t="{T}"><m:ResponseMessages>'
        f"{''.join(messages)}</m:ResponseMessages></m:{name}Response>"
    )


def direct_response(name: str, content: str, error: EWSError | None = None, element: str = "Response") -> str:
    """The shape of operations that answer without ResponseMessages (GetRooms,
    GetRoomLists, FindPeople …): the response element itself carries ResponseClass and
    ResponseCode.  GetPersona's element is its ``ResponseMessage`` (``element``)."""
    tag = f"m:{name}{element}"
    if error is None:
        head = "<m:ResponseCode>NoError</m:ResponseCode>"
        return f'<{tag} xmlns:m="{M}" xmlns:t="{T}" ResponseClass="Success">{head}{content}</{tag}>'
    return (
        f'<{tag} xmlns:m="{M}" xmlns:t="{T}" ResponseClass="Error"><m:MessageText>{esc(error.message)}'
        f"</m:MessageText><m:ResponseCode>{error.code}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>"
        f"{message_xml(error)}</{tag}>"
    )


def success(name: str, content: str = "") -> str:
    return (
        f'<m:{name}ResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
        f"{content}</m:{name}ResponseMessage>"
    )


def message_xml(error: EWSError) -> str:
    if not error.values:
        return ""
    values = "".join(f'<t:Value Name="{esc(k)}">{esc(str(v))}</t:Value>' for k, v in error.values.items())
    return f"<m:MessageXml>{values}</m:MessageXml>"


def failure(name: str, error: EWSError, content: str = "", response_class: str = "Error") -> str:
    """A ResponseMessage for one failed input.  ``content`` carries elements a client
    reads even on error (SyncState and IncludesLastItemInRange on sync operations)."""
    return (
        f'<m:{name}ResponseMessage ResponseClass="{response_class}"><m:MessageText>{esc(error.message)}'
        f"</m:MessageText><m:ResponseCode>{error.code}</m:ResponseCode>"
        f"<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>{message_xml(error)}{content}"
        f"</m:{name}ResponseMessage>"
    )


def fault(error: EWSError, version: ServerVersion | None = None) -> bytes:
    """A SOAP fault (sent with HTTP 500): how Exchange reports errors that are not
    about one input, e.g. throttling, bad XML or a denied impersonation."""
    values = "".join(f'<t:Value Name="{esc(k)}">{esc(str(v))}</t:Value>' for k, v in error.values.items())
    msg_xml = f'<t:MessageXml xmlns:t="{T}">{values}</t:MessageXml>' if values else ""
    header = f"<s:Header>{server_version_header(version)}</s:Header>" if version else ""
    faultcode = "a:" + error.code
    return (
        f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP}">{header}<s:Body><s:Fault>'
        f'<faultcode xmlns:a="{T}">{faultcode}</faultcode>'
        f'<faultstring xml:lang="en-US">{esc(error.message)}</faultstring><detail>'
        f'<e:ResponseCode xmlns:e="{E}">{error.code}</e:ResponseCode>'
        f'<e:Message xmlns:e="{E}">{esc(error.message)}</e:Message>{msg_xml}'
        f"</detail></s:Fault></s:Body></s:Envelope>"
    ).encode()


def flat_response(name: str, content: str = "", error: EWSError | None = None) -> str:
    """A response whose ResponseClass and ResponseCode sit on the ``m:{name}Response``
    element itself, with no ResponseMessages (GetInboxRules, UpdateInboxRules, and
    GetDelegate and its kin when the whole request fails)."""
    if error is None:
        head = '"Success"><m:ResponseCode>NoError</m:ResponseCode>'
    else:
        head = (
            f'"Error"><m:MessageText>{esc(error.message)}</m:MessageText><m:ResponseCode>{error.code}'
            f"</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>{message_xml(error)}"
        )
    return f'<m:{name}Response xmlns:m="{M}" xmlns:t="{T}" ResponseClass={head}{content}</m:{name}Response>'


def single_message_response(name: str, content: str = "", error: EWSError | None = None) -> str:
    """The availability-service shape (Get/SetUserOofSettings): one ``m:ResponseMessage``
    child, and the payload beside it rather than inside."""
    if error is None:
        message = (
            '<m:ResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode></m:ResponseMessage>'
        )
    else:
        message = (
            f'<m:ResponseMessage ResponseClass="Error"><m:MessageText>{esc(error.message)}</m:MessageText>'
            f"<m:ResponseCode>{error.code}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>"
            f"</m:ResponseMessage>"
        )
        content = ""
    return f'<m:{name}Response xmlns:m="{M}" xmlns:t="{T}">{message}{content}</m:{name}Response>'
