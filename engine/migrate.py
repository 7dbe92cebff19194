"""Schema migrations of the console's and the archive's databases (Alembic).

Each store has its own migration history — a package holding ``env.py`` and
``versions/`` (``engine/console/migrations``, ``engine/archive/migrations``) — and its
own version table, so the two can share one database (their tables never share a
name).  Alembic is configured here, in code: an installed wheel needs no alembic.ini.

A store brings its database to the newest revision (the head) when it starts:

* a database at the head costs one look at the version table (the test suite starts
  hundreds of stores);
* a database made before migrations existed (the first schema's tables, no version
  table) is that schema: it is stamped revision 0001, then upgraded;
* a brand-new SQLite database (in memory or a new file) is made from SQLite's own dump
  of one the revision scripts built once per process (Alembic's start-up costs tens of
  milliseconds a store);
* a database at a revision this code does not know (made by a newer release) is
  refused, never touched.
"""

from __future__ import annotations

import sqlite3
import threading
import zlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import MetaData, create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

FIRST_REVISION = "0001"  # the schema the stores made with create_all before migrations


class SchemaError(RuntimeError):
    """A database this code cannot bring to its schema (too new, or not one of ours)."""


@dataclass(frozen=True)
class Upgrade:
    """What an upgrade did: the revision found (None: none, an empty database), whether
    it was stamped as the first schema, and the revision it ends at."""

    before: str | None
    stamped: bool
    after: str


@dataclass(frozen=True)
class Status:
    """A database's revision (None: it holds none of the store's tables), whether a
    version table records it (False: a database made before migrations, stamped on its
    next upgrade), this code's head, and whether this code knows the revision."""

    revision: str | None
    recorded: bool
    head: str
    known: bool


@dataclass(frozen=True)
class MigrationHistory:
    """One store's revisions: where its scripts live, its version table, the tables the
    first schema had (how a database made before migrations is recognised) and the
    models the revisions must end at."""

    name: str  # console | archive
    package: str  # the package holding env.py and versions/
    metadata: MetaData
    #: what create_all made before migrations (revision 0001): a database holding these
    #: tables without a version table is stamped 0001
    first_tables: frozenset[str]

    @property
    def version_table(self) -> str:
        """Each store its own (alembic_version_console, …): both may share one database."""
        return f"alembic_version_{self.name}"

    @property
    def location(self) -> str:
        return str(resources.files(self.package))

    def config(self, connection: Connection | None = None) -> Config:
        config = Config()
        config.set_main_option("script_location", self.location)
        # revision files are named 0002_what_it_does.py
        config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
        config.attributes["history"] = self
        if connection is not None:
            config.attributes["connection"] = connection
        return config

    def script(self) -> ScriptDirectory:
        return _script(self.location)

    def head(self) -> str:
        head = self.script().get_current_head()
        if head is None:  # pragma: no cover - every history has revision 0001
            raise SchemaError(f"the {self.name} migrations have no revision")
        return head

    # -- run by env.py ---------------------------------------------------------------------------

    def run_env(self) -> None:
        """The body of env.py: migrate on the connection the caller gave (the store's
        own, so an in-memory database is the one migrated)."""
        if context.is_offline_mode():
            raise SchemaError("offline (SQL script) migrations are not supported; run synceng db upgrade")
        connection: Connection = context.config.attributes["connection"]
        context.configure(
            connection=connection,
            target_metadata=self.metadata,
            version_table=self.version_table,
            render_as_batch=True,  # ALTER on SQLite is a table rebuild: revisions use batch operations
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    # -- reading a database ----------------------------------------------------------------------

    def status(self, connection: Connection) -> Status:
        """Where the database stands, read without changing it."""
        tables = set(inspect(connection).get_table_names())
        if self.version_table in tables:
            revision = self._version(connection)
            return Status(revision, True, self.head(), revision is None or self.knows(revision))
        first = FIRST_REVISION if tables & self.first_tables else None
        return Status(first, False, self.head(), True)

    def _version(self, connection: Connection) -> str | None:
        value = connection.execute(text(f"SELECT version_num FROM {self.version_table}")).scalar()
        return None if value is None else str(value)

    def knows(self, revision: str) -> bool:
        try:
            return self.script().get_revision(revision) is not None
        except CommandError:
            return False

    def _refuse_unknown(self, revision: str) -> None:
        if not self.knows(revision):
            raise SchemaError(
                f"the {self.name} database is at revision {revision}, which this synceng does not know "
                f"(its newest is {self.head()}): it was upgraded by a newer release; run that release"
            )

    # -- upgrading -------------------------------------------------------------------------------

    def upgrade(self, engine: Engine) -> Upgrade:
        """Bring the database to the head, in one transaction on the store's engine."""
        head = self.head()
        if engine.dialect.name == "sqlite" and _created_from_template(self, engine):
            return Upgrade(None, False, head)
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # two processes starting on one database upgrade one after the other
                key = zlib.crc32(self.version_table.encode())
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
            tables = set(inspect(connection).get_table_names())
            stamped = False
            if self.version_table in tables:
                before = self._version(connection)
                if before == head:
                    return Upgrade(before, False, head)
                if before is not None:
                    self._refuse_unknown(before)
            elif tables & self.first_tables:
                missing = sorted(self.first_tables - tables)
                if missing:
                    raise SchemaError(
                        f"the {self.name} database has some of the first schema's tables but not "
                        f"{', '.join(missing)}: it is not a database synceng made; refusing to touch it"
                    )
                # made by create_all before migrations existed: that is revision 0001
                command.stamp(self.config(connection), FIRST_REVISION)
                before, stamped = FIRST_REVISION, True
            else:
                before = None
            command.upgrade(self.config(connection), "head")
            return Upgrade(before, stamped, head)


def new_revision(history: MigrationHistory, message: str) -> Path:
    """A developer's new revision file (the next number), its operations written by
    Alembic's autogenerate from the difference between the models and a scratch
    database built from the existing revisions: review it before committing (renames
    come out as a drop and an add; data moves are for the author to write)."""
    script = history.script()
    numbers = [int(r.revision) for r in script.walk_revisions() if r.revision.isdigit()]
    rev_id = f"{max(numbers, default=0) + 1:04d}"
    scratch = create_engine("sqlite://", poolclass=StaticPool)
    try:
        with scratch.begin() as connection:
            config = history.config(connection)
            command.upgrade(config, "head")
            written = command.revision(config, message=message, autogenerate=True, rev_id=rev_id)
    finally:
        scratch.dispose()
        _script.cache_clear()
    assert written is not None and not isinstance(written, list)
    return Path(written.path)


def run_env() -> None:
    """What env.py runs: the migrations of the history that configured Alembic."""
    history: MigrationHistory = context.config.attributes["history"]
    history.run_env()


@cache
def _script(location: str) -> ScriptDirectory:
    """Parsing the revision files once per process."""
    return ScriptDirectory(location)


_templates: dict[str, list[str]] = {}
_templates_lock = threading.Lock()


def _template(history: MigrationHistory) -> list[str]:
    """The statements that make a SQLite database at the head, as SQLite itself dumps
    a database the revision scripts built (once per process: Alembic's own start-up
    costs tens of milliseconds a store, and the test suite starts hundreds)."""
    with _templates_lock:
        statements = _templates.get(history.location)
        if statements is None:
            template = sqlite3.connect(":memory:", check_same_thread=False)
            try:
                builder = create_engine("sqlite://", creator=lambda: template, poolclass=StaticPool)
                with builder.begin() as connection:
                    command.upgrade(history.config(connection), "head")
                statements = [
                    line
                    for line in template.iterdump()
                    if line not in ("BEGIN TRANSACTION;", "COMMIT;") and not line.startswith("PRAGMA")
                ]
            finally:
                template.close()
            _templates[history.location] = statements
        return statements


def _created_from_template(history: MigrationHistory, engine: Engine) -> bool:
    """A brand-new SQLite database (in memory or a new file, no table at all) made at
    the head from the template; False (nothing done) for any other."""
    with engine.connect() as connection:
        if connection.exec_driver_sql("SELECT 1 FROM sqlite_master LIMIT 1").first() is not None:
            return False
    statements = _template(history)
    raw = engine.raw_connection()
    try:
        db = raw.driver_connection
        assert isinstance(db, sqlite3.Connection)
        db.execute("BEGIN IMMEDIATE")  # the write lock first: another process may be creating it too
        try:
            if db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None:
                db.execute("ROLLBACK")
                return False
            for statement in statements:
                db.execute(statement)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return True
    finally:
        raw.close()


__all__ = ["FIRST_REVISION", "MigrationHistory", "SchemaError", "Status", "Upgrade", "new_revision", "run_env"]
