"""Serving a WSGI app on a production server with keep-alive (waitress) — neutral
ground: the engine's commands (console, archive), the mocks and the testbed all serve
through here, none importing another for it.

exchangelib reads a non-200 reply with ``Connection: close`` as throttling, and
werkzeug's development server closes every connection — so tests and the CLI both use
waitress.  ``ServerThread`` runs one on a free port (port 0) and reports the real one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from waitress import wasyncore
from waitress.server import create_server

WSGIApp = Callable[..., Iterable[bytes]]

#: the largest request body any served app accepts (the engine's console and archive take
#: 64 MB, mockews 32 MB).  waitress buffers a whole body before the app sees the request;
#: with this bound it answers 413 to a larger declared length as soon as the headers are
#: in, and stops a chunked body there, instead of reading gigabytes first.
MAX_BODY = 64 * 1024 * 1024


def _create(app: WSGIApp, host: str, port: int, threads: int, max_body: int, **options: Any) -> Any:
    """A waitress server; a body declared over ``max_body`` is refused (413) from the
    headers alone, before anything is read."""
    return create_server(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="mockews",
        channel_timeout=120,
        max_request_body_size=max_body + 1,  # waitress refuses a length >= its bound
        **options,
    )


class ServerThread:
    def __init__(
        self, app: WSGIApp, host: str = "127.0.0.1", port: int = 0, threads: int = 8, max_body: int = MAX_BODY
    ) -> None:
        self._server: Any = _create(app, host, port, threads, max_body, clear_untrusted_proxy_headers=True)
        self.host = host
        self.port: int = int(self._server.effective_port)
        self._stopping = threading.Event()
        # held by stop() while it wakes the loop, and by the loop while it closes its
        # channels (the wake-up trigger among them): a wake-up never meets a closed
        # trigger — nor a new file that reused its descriptor number
        self._closing = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=f"waitress:{self.port}", daemon=True)

    def _run(self) -> None:
        # waitress' own run() loops until its map is empty, and keep-alive client
        # connections keep it non-empty: loop on a stop flag instead, and close every
        # channel from this (the serving) thread.
        server = self._server
        while not self._stopping.is_set():
            server.asyncore.loop(timeout=0.5, map=server._map, count=1)
        with self._closing:
            self._closed = True
            server.task_dispatcher.shutdown()
            wasyncore.close_all(server._map)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ServerThread:
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._closing:
            self._stopping.set()
            if not self._closed:  # else the loop has closed everything: nothing to wake
                self._server.pull_trigger()
        self._thread.join(timeout=10)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve_forever(
    app: WSGIApp,
    host: str,
    port: int,
    threads: int = 8,
    on_ready: Callable[[int], None] | None = None,
    max_body: int = MAX_BODY,
) -> None:
    """Run in the foreground until interrupted."""
    server: Any = _create(app, host, port, threads, max_body)
    if on_ready is not None:
        on_ready(int(server.effective_port))
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


__all__ = ["MAX_BODY", "ServerThread", "WSGIApp", "serve_forever"]
