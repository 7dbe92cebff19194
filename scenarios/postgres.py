"""A throwaway PostgreSQL server: Debian's server binaries, ``initdb`` in a temporary
folder, a free port on 127.0.0.1, trust authentication.  The tests start one per pytest
process (tests/postgres.py, durability off: nothing there outlives the run); `synceng
bench scale` starts one with fsync on, as a server that keeps its data runs.

As root (CI machines) the server runs as the ``postgres`` account, which Debian's
package creates — PostgreSQL refuses to run as root."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def server_binaries() -> Path | None:
    """Where pg_ctl and initdb are: ``pg_config --bindir``, else Debian's newest
    /usr/lib/postgresql/N/bin."""
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = Path(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip())
        if (found / "initdb").exists():
            return found
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(debian[-1]).parent if debian else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A running server; ``url`` reaches its ``postgres`` database as the superuser."""

    def __init__(self, binaries: Path, durable: bool = False) -> None:
        self.binaries = binaries
        self.durable = durable
        self.folder = Path(tempfile.mkdtemp(prefix="synceng-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._as: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *command: str) -> None:
        done = subprocess.run([*self._as, *command], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")

    def start(self) -> None:
        self._run(
            str(self.binaries / "initdb"),
            "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C",
        )  # fmt: skip
        # durable: fsync on (a commit is on disk once the WAL is flushed); else no
        # durability at all, for tests whose databases die with the run
        durability = "" if self.durable else " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        options = f"-p {self.port} -h 127.0.0.1 -k {self.folder} -c max_connections=200{durability}"
        self._run(
            str(self.binaries / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "server.log"),
            "-o", options, "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self) -> None:
        try:
            self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def cluster(given: str | None = None, durable: bool = False) -> Iterator[str | None]:
    """The URL of a server: ``given`` if any, else a throwaway one started here and
    stopped afterwards; None when there is none to be had (PostgreSQL not installed)."""
    if given:
        yield given
        return
    binaries = server_binaries()
    if binaries is None:
        yield None
        return
    running = Cluster(binaries, durable)
    running.start()
    try:
        yield running.url
    finally:
        running.stop()
