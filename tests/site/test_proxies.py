"""The site's HTTP clients honour the environment's proxy settings (HTTP_PROXY,
NO_PROXY), though they read them once per session rather than at every request:
exchangelib's EWS sessions and the console/archive links alike.  A one-shot socket
"proxy" records the request line it receives — a proxied request names the whole URL."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from exchangelib.errors import TransportError

from engine.site.ews import Ews, EwsSettings, folder_listing
from engine.site.links import ArchiveLink, LinkDown

from ..conftest import EXCHANGE_2016


class OneShotProxy:
    """Accepts connections, keeps each request's first line, answers 502."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.lines: list[str] = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                self.lines.append(data.split(b"\r\n", 1)[0].decode("latin-1"))
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[OneShotProxy]:
    server = OneShotProxy()
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", server.url)
    yield server
    server.close()


def ews_listing(endpoint: str) -> None:
    ews = Ews(EwsSettings(endpoint, "svc@contoso.example", "pw", auth="basic", version=str(EXCHANGE_2016.build)))
    with pytest.raises(TransportError):
        folder_listing(ews.account("alice@contoso.example"), "msgfolderroot")


def test_ews_sessions_go_through_the_environments_proxy(proxy: OneShotProxy) -> None:
    endpoint = "http://ews.proxied.example/EWS/Exchange.asmx"  # unresolvable: only the proxy can answer
    ews_listing(endpoint)
    assert proxy.lines and all(line == f"POST {endpoint} HTTP/1.1" for line in proxy.lines)


def test_ews_sessions_bypass_the_proxy_for_no_proxy_hosts(proxy: OneShotProxy, monkeypatch: pytest.MonkeyPatch) -> None:
    direct = OneShotProxy()  # stands for the EWS server itself
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    try:
        ews_listing(f"{direct.url}/EWS/Exchange.asmx")
    finally:
        direct.close()
    assert proxy.lines == []
    assert direct.lines and all(line == "POST /EWS/Exchange.asmx HTTP/1.1" for line in direct.lines)


def test_links_go_through_the_environments_proxy(proxy: OneShotProxy) -> None:
    link = ArchiveLink("http://archive.proxied.example", "key")
    with pytest.raises(LinkDown):
        link.submit({"task_id": 1})
    link.close()
    assert proxy.lines == ["POST http://archive.proxied.example/api/submissions HTTP/1.1"]
