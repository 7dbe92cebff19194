"""The in-process transport hands an app the request a real server would (architecture,
Transports: both must pass the same contract): the same request through waitress on
loopback and in process reaches a Flask app identically, and an app that breaks off
mid-body is a dropped connection to the client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from flask import Flask, Response, jsonify, request

from mockews.server import ServerThread
from mockews.transport import InProcessAdapter, InProcessTransport


def echo_app() -> Flask:
    app = Flask("echo")

    @app.route("/<path:path>", methods=["GET", "POST"])
    def echo(path: str) -> Response:
        return jsonify(
            method=request.method,
            path=path,
            query=request.query_string.decode(),
            args=request.args.to_dict(flat=False),
            header=request.headers.get("X-Tenant"),
            auth=request.authorization.parameters if request.authorization else None,
            content_type=request.content_type,
            body=request.get_data().decode(),
        )

    @app.route("/broken")
    def broken() -> Response:
        def body() -> Iterator[bytes]:
            yield b"<"
            raise ConnectionAbortedError("gone")

        return Response(body(), headers={"Content-Length": "4096"})

    return app


REQUESTS = [
    ("GET", "/v1.0/users/caf%C3%A9%20bar/memberOf?$filter=mail%20eq%20%27a%26b%40x%27&$top=5&$top=6", None),
    ("POST", "/EWS/Exchange.asmx", "<s:Envelope>é</s:Envelope>"),
]


@pytest.mark.parametrize(("method", "target", "body"), REQUESTS, ids=["graph-query", "soap-post"])
def test_an_app_sees_the_same_request_in_process_as_over_http(method: str, target: str, body: str | None) -> None:
    app = echo_app()
    session = requests.Session()
    session.mount("http://", InProcessAdapter())

    def send(base: str) -> requests.Response:
        return session.request(
            method,
            base + target,
            data=body.encode() if body else None,
            headers={"X-Tenant": "contoso", "Content-Type": "text/xml; charset=utf-8"},
            auth=("svc@contoso.example", "pa:ss"),
        )

    base = InProcessTransport.mount_base(app)
    try:
        in_process = send(base)
    finally:
        InProcessTransport.unmount(base)
    with ServerThread(app) as server:
        over_http = send(server.url)
    assert in_process.status_code == over_http.status_code == 200
    assert in_process.json() == over_http.json()
    assert in_process.json()["path"].startswith(("v1.0/users/café bar", "EWS"))


def test_an_app_that_breaks_off_mid_body_is_a_dropped_connection() -> None:
    session = requests.Session()
    session.mount("http://", InProcessAdapter())
    base = InProcessTransport.mount_base(echo_app())
    try:
        with pytest.raises(requests.exceptions.ConnectionError, match="connection dropped"):
            session.get(base + "/broken")
    finally:
        InProcessTransport.unmount(base)
