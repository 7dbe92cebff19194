"""`synceng` commands that serve until interrupted, run as a user runs them: in their
own process, their output read until they say where they listen, stopped with Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Mapping


def start(*args: str, ready: str, env: Mapping[str, str] | None = None) -> tuple[subprocess.Popen[str], re.Match[str]]:
    """Run `synceng <args>` until a line of its output matches ``ready``; returns the
    process and that match.  A command that does not get there is stopped, and the
    failure shows what it printed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "synceng", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        found = re.search(ready, line)
        if found:
            return process, found
        if len(lines) > 50:
            break
    stop(process)
    raise AssertionError(f"synceng {' '.join(args)} did not start:\n" + "".join(lines))


def stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()
