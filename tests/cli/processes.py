"""`synceng` commands that serve until interrupted, run as a user runs them: in their
own process, their output read until they say where they listen, stopped with Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from typing import IO


def as_from_a_terminal() -> None:
    """In the child, before it runs: Ctrl-C (SIGINT) reaches the command as it does from
    a terminal.  A shell starts background jobs with SIGINT ignored (a CI script run
    with ``&``), an ignored signal stays ignored across exec, and Python then installs
    no KeyboardInterrupt handler — the command would never hear the test's Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def launch(
    *args: str, ready: str, env: Mapping[str, str] | None = None, stderr: IO[str] | None = None
) -> tuple[subprocess.Popen[str], list[str]]:
    """Run `synceng <args>` until a line of its output matches ``ready``; returns the
    process and the lines it printed so far (the last one matched).  Its standard error
    goes to ``stderr`` when given, else into the output.  A command that does not get
    there is stopped, and the failure shows what it printed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "synceng", *args],
        stdout=subprocess.PIPE,
        stderr=stderr or subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        preexec_fn=as_from_a_terminal,
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if re.search(ready, line):
            return process, lines
        if len(lines) > 50:
            break
    stop(process)
    raise AssertionError(f"synceng {' '.join(args)} did not start:\n" + "".join(lines))


def base_url(lines: list[str]) -> str:
    """Where a serving command said it serves ("… serving on http://host:port …")."""
    for line in lines:
        if "serving on " in line:
            return line.split("serving on ")[1].split()[0]
    raise AssertionError("the command never said where it serves:\n" + "".join(lines))


def start(*args: str, ready: str, env: Mapping[str, str] | None = None) -> tuple[subprocess.Popen[str], re.Match[str]]:
    """:func:`launch`, answering the match of ``ready`` in the line that said it."""
    process, lines = launch(*args, ready=ready, env=env)
    found = re.search(ready, lines[-1])
    assert found is not None
    return process, found


def stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


def drain(process: subprocess.Popen[str], lines: list[str]) -> threading.Thread:
    """Read the rest of a running command's output into ``lines`` (in a thread), so a
    chatty server never blocks on a full pipe and what it said can be checked after."""

    def read() -> None:
        assert process.stdout is not None
        try:
            for line in process.stdout:
                lines.append(line)
        except ValueError:  # closed by stop()
            pass

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return reader
