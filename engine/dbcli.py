"""`synceng db`: the console's and the archive's schema migrations (engine.migrate).

The stores upgrade their databases when they start; these commands do it on purpose
(before a release's services start, or to see where a database stands), and give a
developer a new revision file.  Imports happen when a command runs, so `synceng
--help` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from engine.migrate import MigrationHistory

STORES = ("console", "archive")


def _history(store: str) -> MigrationHistory:
    if store == "console":
        from engine.console.migrations import HISTORY as console

        return console
    from engine.archive.migrations import HISTORY as archive

    return archive


def _targets(console_db: str | None, archive_db: str | None) -> list[tuple[str, str]]:
    targets = [(store, url) for store, url in zip(STORES, (console_db, archive_db), strict=True) if url]
    if not targets:
        raise click.UsageError("name a database: --console-db URL and/or --archive-db URL")
    return targets


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _exists(url: str) -> None:
    """Reading a SQLite file that is not there would create it: refused instead."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:") and not Path(database).exists():
        raise click.ClickException(f"no database at {database}")


def _database_options(f: click.decorators.FC) -> click.decorators.FC:
    f = click.option("--archive-db", metavar="URL", help="The archive's database (SQLAlchemy URL).")(f)
    return click.option("--console-db", metavar="URL", help="The console's database (SQLAlchemy URL).")(f)


@click.group()
def db() -> None:
    """Schema migrations of the console's and the archive's databases."""


@db.command("upgrade")
@_database_options
def db_upgrade(console_db: str | None, archive_db: str | None) -> None:
    """Bring databases to this release's schema (a database made before migrations is
    recognised as revision 0001 first).  The console and the archive also do this
    when they start."""
    from sqlalchemy.exc import SQLAlchemyError

    from engine.console.database import make_engine
    from engine.migrate import SchemaError

    for store, url in _targets(console_db, archive_db):
        engine = make_engine(url)
        try:
            done = _history(store).upgrade(engine)
        except (SchemaError, SQLAlchemyError) as exc:
            raise click.ClickException(f"{store} database {_shown(url)}: {exc}") from exc
        finally:
            engine.dispose()
        if done.stamped:
            what = f"made before migrations: recognised as {done.before} (the first schema), now at {done.after} (head)"
        elif done.before == done.after:
            what = f"at {done.after} (head) already"
        elif done.before is None:
            what = f"created at {done.after} (head)"
        else:
            what = f"upgraded from {done.before} to {done.after} (head)"
        click.echo(f"{store} database {_shown(url)}: {what}")


@db.command("current")
@_database_options
def db_current(console_db: str | None, archive_db: str | None) -> None:
    """Show each database's revision beside this release's head."""
    from sqlalchemy.exc import SQLAlchemyError

    from engine.console.database import make_engine

    for store, url in _targets(console_db, archive_db):
        _exists(url)
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                status = _history(store).status(connection)
        except SQLAlchemyError as exc:
            raise click.ClickException(f"{store} database {_shown(url)}: {exc}") from exc
        finally:
            engine.dispose()
        if status.revision is None:
            what = f"empty (no {store} tables); head is {status.head}"
        elif not status.known:
            what = f"{status.revision}, newer than this release knows (head {status.head})"
        elif not status.recorded:
            what = f"{status.revision} (the first schema, made before migrations: stamped on upgrade)"
        elif status.revision == status.head:
            what = f"{status.revision} (head)"
        else:
            what = f"{status.revision} (head is {status.head}: run synceng db upgrade)"
        click.echo(f"{store} database {_shown(url)}: {what}")


@db.command("revision")
@click.argument("store", type=click.Choice(STORES))
@click.option("-m", "--message", required=True, help="What the revision changes (its file name follows).")
def db_revision(store: str, message: str) -> None:
    """For developers: a new revision of a store's schema, written from the difference
    between its models (schema.py) and its revisions so far.  Review the file (a
    rename comes out as a drop and an add; data moves are yours to write), run ruff
    format on it, and commit it with the model change."""
    from engine.migrate import new_revision

    path = new_revision(_history(store), message)
    click.echo(f"new {store} revision: {path}")


__all__ = ["db"]
