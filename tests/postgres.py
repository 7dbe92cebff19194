"""A throwaway PostgreSQL cluster for the tests: Debian's server binaries, ``initdb`` in
a temporary folder, a free port on 127.0.0.1, trust authentication, and no durability
(fsync off: nothing here outlives the run).  One cluster per pytest process (an xdist
worker each), a fresh database per test, copied from a migrated template.

As root (CI machines) the server runs as the ``postgres`` account, which Debian's
package creates — PostgreSQL refuses to run as root.

``$SYNCENG_TEST_DATABASE_URL`` points the tests at an existing server instead (its
user needs CREATEDB)."""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text

from engine.archive.migrations import HISTORY as ARCHIVE_HISTORY
from engine.console.database import make_engine
from engine.console.migrations import HISTORY as CONSOLE_HISTORY

_numbers = itertools.count(1)


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

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
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
        options = (
            f"-p {self.port} -h 127.0.0.1 -k {self.folder} -c fsync=off -c synchronous_commit=off"
            " -c full_page_writes=off -c max_connections=200"
        )
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
def cluster() -> Iterator[str | None]:
    """The URL of a server for this pytest process, or None when there is none to be had
    (no $SYNCENG_TEST_DATABASE_URL and PostgreSQL not installed)."""
    given = os.environ.get("SYNCENG_TEST_DATABASE_URL")
    if given:
        yield given
        return
    binaries = server_binaries()
    if binaries is None:
        yield None
        return
    running = Cluster(binaries)
    running.start()
    try:
        yield running.url
    finally:
        running.stop()


def _with_database(server: str, database: str) -> str:
    """``server``'s URL naming another database (its query, e.g. options, kept)."""
    return make_url(server).set(database=database).render_as_string(hide_password=False)


#: template databases made by this process: (server, store) -> name
_templates: dict[tuple[str, str], str] = {}


def _template(server: str, admin: Any, store: str) -> str:
    """A database migrated to the head of ``store``'s history ("console" or "archive"),
    made once per process: new test databases are copies of it (CREATE DATABASE …
    TEMPLATE copies files, far quicker than running the revisions each time)."""
    name = _templates.get((server, store))
    if name is None:
        name = f"template_{store}_{os.getpid()}"
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            conn.execute(text(f"CREATE DATABASE {name}"))
        history = CONSOLE_HISTORY if store == "console" else ARCHIVE_HISTORY
        engine = make_engine(_with_database(server, name))
        history.upgrade(engine)
        engine.dispose()
        _templates[(server, store)] = name
    return name


@contextmanager
def databases(server: str, *stores: str) -> Iterator[list[str]]:
    """A new database per store ("console", "archive") on ``server``, at the schema's
    head, as URLs; dropped afterwards."""
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    suffix = f"{os.getpid()}_{next(_numbers)}"
    made: list[str] = []
    try:
        for store in stores:
            template = _template(server, admin, store)
            name = f"{store}_{suffix}"
            with admin.connect() as conn:
                conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}"))
            made.append(name)
        yield [_with_database(server, name) for name in made]
    finally:
        with admin.connect() as conn:
            for name in made:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@contextmanager
def empty_database(server: str) -> Iterator[str]:
    """A new, empty database on ``server`` (for the migration tests), dropped afterwards."""
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"empty_{os.getpid()}_{next(_numbers)}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield _with_database(server, name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
