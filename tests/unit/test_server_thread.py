"""``wsgiserver.ServerThread`` stops without racing its serving thread (issue 15: a
teardown raised ``OSError: [Errno 9] Bad file descriptor`` in waitress's
``pull_trigger`` when the loop had closed the wake-up trigger first)."""

from __future__ import annotations

import http.client
import os
import select
from collections.abc import Iterable
from typing import Any

from wsgiserver import ServerThread


def hello(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"hi"]


def test_a_stop_after_the_loop_closed_everything_writes_to_no_descriptor() -> None:
    """The loop may see the stop flag on its own and close the trigger before stop()
    wakes it; the descriptor numbers it freed go to the next files opened.  stop() must
    then write nothing anywhere (a byte in a reused descriptor would land in somebody
    else's pipe or socket)."""
    server = ServerThread(hello).start()
    server._stopping.set()  # what stop() does first; the loop sees it within its 0.5 s timeout
    server._thread.join(timeout=5)
    assert not server._thread.is_alive()
    pipes = [os.pipe() for _ in range(16)]  # the lowest free numbers: the trigger's among them
    try:
        server.stop()
        ready, _, _ = select.select([r for r, _ in pipes], [], [], 0.1)
        assert ready == []
    finally:
        for r, w in pipes:
            os.close(r)
            os.close(w)


def test_stopping_with_keep_alive_connections_open_ends_the_thread_every_time() -> None:
    for _ in range(50):
        server = ServerThread(hello, threads=2).start()
        connection = http.client.HTTPConnection(server.host, server.port, timeout=5)
        connection.request("GET", "/")
        assert connection.getresponse().read() == b"hi"  # the connection stays open
        server.stop()
        server.stop()  # twice is harmless
        assert not server._thread.is_alive()
        connection.close()
