"""Raw-wire helpers: hand-written SOAP against the real WSGI app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from lxml import etree

from mockews.app import create_app
from mockews.service import MockExchange
from mockews.store import World

NS = {
    "s": "http://schemas.xmlsoap.org/soap/envelope/",
    "m": "http://schemas.microsoft.com/exchange/services/2006/messages",
    "t": "http://schemas.microsoft.com/exchange/services/2006/types",
    "e": "http://schemas.microsoft.com/exchange/services/2006/errors",
}
M = NS["m"]
T = NS["t"]


def envelope(body: str, header: str = "", prefix: str = "s", version: str = "Exchange2016") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>'
        f'<{prefix}:Envelope xmlns:{prefix}="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="{M}" xmlns:t="{T}">'
        f'<{prefix}:Header><t:RequestServerVersion Version="{version}"/>{header}</{prefix}:Header>'
        f"<{prefix}:Body>{body}</{prefix}:Body></{prefix}:Envelope>"
    ).encode()


def impersonate(address: str, form: str = "PrimarySmtpAddress") -> str:
    sid = f"<t:ConnectingSID><t:{form}>{address}</t:{form}></t:ConnectingSID>"
    return f"<t:ExchangeImpersonation>{sid}</t:ExchangeImpersonation>"


@dataclass
class WireReply:
    status: int
    content_type: str
    body: bytes

    @property
    def xml(self) -> etree._Element:
        return etree.fromstring(self.body)

    def fault_code(self) -> str | None:
        return self.xml.findtext(".//s:Fault/detail/e:ResponseCode", namespaces=NS)

    def codes(self) -> list[str]:
        return [c.text or "" for c in self.xml.iterfind(".//m:ResponseCode", namespaces=NS)]


Post = Callable[..., WireReply]


@pytest.fixture
def wire_service(world: World) -> MockExchange:
    return MockExchange(world, auth="none")


@pytest.fixture
def client(wire_service: MockExchange) -> FlaskClient:
    return create_app(wire_service).test_client()


@pytest.fixture
def post(client: FlaskClient) -> Post:
    def _post(data: bytes | str, path: str = "/EWS/Exchange.asmx", **headers: str) -> WireReply:
        raw = data.encode() if isinstance(data, str) else data
        response = client.post(path, data=raw, headers={"Content-Type": "text/xml; charset=utf-8", **headers})
        return WireReply(response.status_code, response.content_type or "", response.get_data())

    return _post
