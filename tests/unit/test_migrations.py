"""Schema migrations (issue 11 item 7): a database made by the first release — before
migrations existed — opens with this code, its data is found through the stores'
public methods, and it ends at the newest revision; the revisions end where the models
are (a model change without a revision fails here); databases newer than the code are
refused; `synceng db` upgrades and reports from the command line.

The first-schema databases come from SQL dumps made by that release's code (see
first_schema/make_dumps.py), loaded into real SQLite files."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import Column, MetaData, String, create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool

from engine.archive.migrations import HISTORY as ARCHIVE
from engine.archive.store import ArchiveStore, Submission
from engine.clock import ManualClock
from engine.console.database import make_engine
from engine.console.migrations import HISTORY as CONSOLE
from engine.console.store import ConsoleStore
from engine.migrate import FIRST_REVISION, MigrationHistory, SchemaError, new_revision
from engine.model import ScheduleIn
from engine.site import state_schema
from engine.site.state import Commit, FolderState, SiteState
from engine.site.state_schema import SiteStateVersionError
from synceng.cli import main

from ..postgres import empty_database

DUMPS = Path(__file__).parent / "first_schema"
SECRETS = json.loads((DUMPS / "console-secrets.json").read_text())
NOW = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
ALICE = "alice@contoso.example"
HISTORIES = [CONSOLE, ARCHIVE]


def first_schema(tmp_path: Path, name: str) -> Path:
    """A SQLite file as the first release left it (its tables, its rows, no version)."""
    path = tmp_path / f"{name}.db"
    db = sqlite3.connect(path)
    db.executescript((DUMPS / f"{name}.sql").read_text(encoding="utf-8"))
    db.close()
    return path


def tables(path: Path) -> set[str]:
    db = sqlite3.connect(path)
    try:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        db.close()


def status(history: MigrationHistory, engine: Engine) -> tuple[str | None, bool]:
    with engine.connect() as connection:
        found = history.status(connection)
    return found.revision, found.recorded


def schema_of(db: sqlite3.Connection) -> dict[str, object]:
    """A SQLite schema as SQLite sees it: columns, keys, indexes, foreign keys and
    AUTOINCREMENT per table (the version tables aside)."""
    out: dict[str, object] = {}
    for name, sql in db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"):
        if name.startswith(("alembic_version", "sqlite_")):
            continue
        indexes = []
        for _, index, unique, origin, _ in db.execute(f"PRAGMA index_list('{name}')"):
            columns = [r[2] for r in db.execute(f"PRAGMA index_info('{index}')")]
            # automatic indexes get SQLite's names; what matters is their columns
            indexes.append((index if origin == "c" else origin, unique, tuple(columns)))
        out[name] = {
            "columns": [tuple(r[1:]) for r in db.execute(f"PRAGMA table_info('{name}')")],
            "indexes": sorted(indexes),
            "foreign_keys": sorted(tuple(r[2:]) for r in db.execute(f"PRAGMA foreign_key_list('{name}')")),
            "autoincrement": "AUTOINCREMENT" in sql.upper(),
        }
    return out


def differences(
    history: MigrationHistory, engine: Engine, metadata: MetaData | None = None, ignore: Iterable[str] = ()
) -> list[Any]:
    """What Alembic's autogenerate would change (tables named in ``ignore`` aside)."""
    ignored = set(ignore)

    def include_name(name: str | None, type_: str, _: object) -> bool:
        return not (type_ == "table" and name in ignored)

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"version_table": history.version_table, "compare_type": True, "include_name": include_name},
        )
        return list(compare_metadata(context, metadata if metadata is not None else history.metadata))


# -- the console --------------------------------------------------------------------------------


def test_a_console_made_by_the_first_schema_is_recognised_and_its_data_found(tmp_path: Path) -> None:
    path = first_schema(tmp_path, "console")
    assert CONSOLE.version_table not in tables(path)
    store = ConsoleStore(f"sqlite:///{path}", ManualClock(NOW))
    assert status(CONSOLE, store.engine) == (CONSOLE.head(), True)
    task = store.task(1)
    assert task["options"]["group"] == {"kind": "single_mailbox", "address": ALICE}
    assert task["options"]["site"]["code"] == "LON1"
    assert task["options"]["schedule"]["name"] == "Hourly"
    assert task["options"]["definition"]["name"] == "Replicate all"
    assert task["information"]["created"] == "2026-03-02T09:00:00+00:00"
    assert [s["code"] for s in store.sites()] == ["LON1"]
    assert store.site_for_key(SECRETS["site_key"]) == 1
    assert store.admin_for(SECRETS["api_token"]) == {"id": 1, "email": "admin@contoso.example", "role": "admin"}
    _, admin = store.login("admin@contoso.example", "correct horse battery")
    assert admin["email"] == "admin@contoso.example"
    # ids are never reused (sqlite_autoincrement survived): the next schedule is 2
    assert (
        store.create_schedule(
            ScheduleIn.model_validate({"name": "Nightly", "spec": {"kind": "daily", "times": {"start": "02:00"}}}),
            "admin@contoso.example",
        )["id"]
        == 2
    )
    store.engine.dispose()
    # and a second start finds it at the head, as it left it
    again = ConsoleStore(f"sqlite:///{path}", ManualClock(NOW))
    assert [s["name"] for s in again.schedules()] == ["Hourly", "Nightly"]
    again.engine.dispose()


# -- the archive --------------------------------------------------------------------------------


def test_an_archive_made_by_the_first_schema_is_recognised_and_its_data_found(tmp_path: Path) -> None:
    path = first_schema(tmp_path, "archive")
    assert ARCHIVE.version_table not in tables(path)
    store = ArchiveStore(f"sqlite:///{path}", ManualClock(NOW))
    assert status(ARCHIVE, store.engine) == (ARCHIVE.head(), True)
    tree = {f["id"]: (f["name"], f["parent_id"], f["items"]) for f in store.folder_tree(ALICE)}
    assert tree == {"inbox": ("Inbox", None, 2), "f-projects": ("Projects", "inbox", 1)}
    full = store.folder_items(ALICE, "inbox", view="full")
    assert [i["item"] for i in full["items"]] == ["<m1@contoso.example>|1772441000", "<m3@contoso.example>|1772441200"]
    assert store.stub_log(ALICE) == [
        {
            "task_id": 1,
            "item": "<m1@contoso.example>|1772441000",
            "action": "full_stub",
            "at": "2026-03-02T09:00:02+00:00",
        }
    ]
    # the registry: site 1 owns task 1, whose Sequence is its two batches; a batch it
    # sent before is acknowledged again without effect
    assert store.registry.task_sequence(1, 1) == 2
    assert store.submit(1, Submission(task_id=1, mailbox=ALICE, batch_id="run1-2")) == {"applied": False, "sequence": 2}
    assert store.submit(1, Submission(task_id=1, mailbox=ALICE, batch_id="run2-1", complete=True))["sequence"] == 3
    store.engine.dispose()


# -- what the revisions make ----------------------------------------------------------------------


@pytest.mark.parametrize("history", HISTORIES, ids=lambda h: h.name)
def test_the_revisions_end_where_the_models_are(history: MigrationHistory) -> None:
    """Alembic's autogenerate finds nothing to do: a model changed without a revision
    fails here (run `synceng db revision STORE -m ...`)."""
    engine = create_engine("sqlite://", poolclass=StaticPool)
    with engine.begin() as connection:
        command.upgrade(history.config(connection), "head")
    assert differences(history, engine) == []


@pytest.mark.parametrize("history", HISTORIES, ids=lambda h: h.name)
def test_revision_0001_is_the_first_schema(history: MigrationHistory, tmp_path: Path) -> None:
    """Stamping a first-schema database 0001 is honest: revision 0001 makes the very
    tables the first release made (columns, keys, indexes, AUTOINCREMENT)."""
    legacy = sqlite3.connect(first_schema(tmp_path, history.name))
    made = sqlite3.connect(":memory:")
    engine = create_engine("sqlite://", creator=lambda: made, poolclass=StaticPool)
    with engine.begin() as connection:
        command.upgrade(history.config(connection), FIRST_REVISION)
    assert schema_of(made) == schema_of(legacy)
    legacy.close()


@pytest.mark.parametrize("history", HISTORIES, ids=lambda h: h.name)
def test_a_new_database_from_the_template_is_the_one_the_revisions_make(
    history: MigrationHistory, tmp_path: Path
) -> None:
    """Stores start on new SQLite databases from a template (fast); it holds exactly
    what running the revisions makes, the version table included."""
    store = (ConsoleStore if history is CONSOLE else ArchiveStore)(f"sqlite:///{tmp_path}/new.db")
    store.engine.dispose()
    by_alembic = sqlite3.connect(":memory:")
    engine = create_engine("sqlite://", creator=lambda: by_alembic, poolclass=StaticPool)
    with engine.begin() as connection:
        command.upgrade(history.config(connection), "head")
    by_template = sqlite3.connect(tmp_path / "new.db")
    listing = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name"
    assert by_template.execute(listing).fetchall() == by_alembic.execute(listing).fetchall()
    version = f"SELECT version_num FROM {history.version_table}"
    assert by_template.execute(version).fetchall() == [(history.head(),)]
    by_template.close()


@pytest.mark.parametrize("url", ["sqlite://", "file"])
def test_an_in_memory_or_new_store_starts_at_the_head(url: str, tmp_path: Path) -> None:
    console = ConsoleStore(f"sqlite:///{tmp_path}/c.db" if url == "file" else url)
    archive = ArchiveStore(f"sqlite:///{tmp_path}/a.db" if url == "file" else url)
    assert status(CONSOLE, console.engine) == (CONSOLE.head(), True)
    assert status(ARCHIVE, archive.engine) == (ARCHIVE.head(), True)
    assert differences(CONSOLE, console.engine) == [] and differences(ARCHIVE, archive.engine) == []
    console.engine.dispose()
    archive.engine.dispose()


# -- what is refused ------------------------------------------------------------------------------


def newer_console(path: Path) -> Path:
    """A console database at a revision this code does not know (9001)."""
    ConsoleStore(f"sqlite:///{path}").engine.dispose()
    db = sqlite3.connect(path)
    db.execute(f"UPDATE {CONSOLE.version_table} SET version_num = '9001'")
    db.commit()
    db.close()
    return path


def test_a_database_newer_than_the_code_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = newer_console(tmp_path / "console.db")
    with pytest.raises(SchemaError, match=r"console database is at revision 9001, which this synceng does not know"):
        ConsoleStore(f"sqlite:///{path}")
    db = sqlite3.connect(path)
    assert db.execute(f"SELECT version_num FROM {CONSOLE.version_table}").fetchall() == [("9001",)]
    db.close()


def test_a_database_with_only_some_first_schema_tables_is_refused(tmp_path: Path) -> None:
    path = first_schema(tmp_path, "archive")
    db = sqlite3.connect(path)
    db.execute("DROP TABLE stubs")
    db.close()
    with pytest.raises(SchemaError, match=r"not stubs: it is not a database synceng made"):
        ArchiveStore(f"sqlite:///{path}")
    assert ARCHIVE.version_table not in tables(path)


# -- a developer's new revision ------------------------------------------------------------------------


@pytest.fixture
def history_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MigrationHistory]:
    """The console's history copied to a package of its own, with a model change (a
    new nullable column) that no revision has yet."""
    shutil.copytree(
        Path(CONSOLE.location), tmp_path / "pkg" / "console_copy", ignore=shutil.ignore_patterns("__pycache__")
    )
    monkeypatch.syspath_prepend(str(tmp_path / "pkg"))
    metadata = MetaData()
    for table in CONSOLE.metadata.sorted_tables:
        table.to_metadata(metadata)
    metadata.tables["sites"].append_column(Column("contact", String(254), nullable=True))
    yield MigrationHistory("console", "console_copy", metadata, CONSOLE.first_tables)


def test_a_new_revision_is_written_from_the_model_change_and_upgrades_a_first_schema_database(
    history_copy: MigrationHistory, tmp_path: Path
) -> None:
    engine = make_engine(f"sqlite:///{first_schema(tmp_path, 'console')}")
    head = CONSOLE.head()
    following = f"{int(head) + 1:04d}"
    assert {d[0] for d in differences(history_copy, engine)} >= {"add_column"}  # and what later revisions add
    written = new_revision(history_copy, "a contact for each site")
    assert written.name == f"{following}_a_contact_for_each_site.py"
    assert "add_column" in written.read_text() and f"down_revision: str | Sequence[str] | None = '{head}'" in (
        written.read_text()
    )
    done = history_copy.upgrade(engine)  # every revision in order, the new one last
    assert (done.before, done.stamped, done.after) == (FIRST_REVISION, True, following)
    assert differences(history_copy, engine) == []
    with engine.connect() as connection:
        assert connection.execute(text("SELECT code, contact FROM sites")).all() == [("LON1", None)]
    engine.dispose()


# -- the command line ------------------------------------------------------------------------------------


def test_db_upgrade_and_current_on_first_schema_files(tmp_path: Path) -> None:
    console = f"sqlite:///{first_schema(tmp_path, 'console')}"
    archive = f"sqlite:///{first_schema(tmp_path, 'archive')}"
    runner = CliRunner()
    before = runner.invoke(main, ["db", "current", "--console-db", console, "--archive-db", archive])
    assert before.exit_code == 0, before.output
    assert "0001 (the first schema, made before migrations: stamped on upgrade)" in before.output
    done = runner.invoke(main, ["db", "upgrade", "--console-db", console, "--archive-db", archive])
    assert done.exit_code == 0, done.output
    assert done.output.count("made before migrations: recognised as 0001 (the first schema), now at") == 2
    after = runner.invoke(main, ["db", "current", "--console-db", console, "--archive-db", archive])
    assert after.output.splitlines() == [
        f"console database {console}: {CONSOLE.head()} (head)",
        f"archive database {archive}: {ARCHIVE.head()} (head)",
    ]
    again = runner.invoke(main, ["db", "upgrade", "--console-db", console])
    assert again.output.strip() == f"console database {console}: at {CONSOLE.head()} (head) already"
    store = ConsoleStore(console, ManualClock(NOW))
    assert store.task(1)["options"]["site"]["code"] == "LON1"
    store.engine.dispose()


def test_db_commands_refuse_what_they_cannot_do(tmp_path: Path) -> None:
    runner = CliRunner()
    nothing = runner.invoke(main, ["db", "upgrade"])
    assert nothing.exit_code == 2 and "name a database: --console-db URL and/or --archive-db URL" in nothing.output
    missing = runner.invoke(main, ["db", "current", "--console-db", f"sqlite:///{tmp_path}/none.db"])
    assert missing.exit_code == 1 and f"no database at {tmp_path}/none.db" in missing.output
    assert not (tmp_path / "none.db").exists()
    path = newer_console(tmp_path / "c.db")
    newer = runner.invoke(main, ["db", "current", "--console-db", f"sqlite:///{path}"])
    assert "9001, newer than this release knows" in newer.output
    refused = runner.invoke(main, ["db", "upgrade", "--console-db", f"sqlite:///{path}"])
    assert refused.exit_code == 1 and "revision 9001, which this synceng does not know" in refused.output


# -- the site state ------------------------------------------------------------------------------------


def user_version(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return int(db.execute("PRAGMA user_version").fetchone()[0])
    finally:
        db.close()


def test_a_site_state_made_by_the_first_schema_is_version_1_and_its_data_found(tmp_path: Path) -> None:
    path = first_schema(tmp_path, "site_state")
    assert user_version(path) == 0
    state = SiteState(path)
    assert state.instance == "first0schema"
    folders = state.folders(1, ALICE)
    assert folders["inbox"] == FolderState(
        "inbox", "inbox-state-1", "Inbox", None, "inbox", True, "IPF.Note", "c1", 1772442000.0
    )
    assert folders[""].sync_state == "hierarchy-state-1"
    assert state.indexed(1, ALICE, ["AAMkItem1", "AAMkOther"]) == {
        "AAMkItem1": ("inbox", "<m1@contoso.example>|1772441000")
    }
    assert state.flag(1, ALICE, "full_done") == "1"
    assert state.identity(1) == "2026-03-02T09:00:00+00:00"
    assert state.claim_mfr(ALICE, 2) == 1
    (entry,) = state.pending()
    assert (entry.batch_id, entry.commit) == (
        "first0schema-1-1",
        Commit(index=[("AAMkItem2", "inbox", "<m2@contoso.example>|1772441100")]),
    )
    assert state.next_number("run") == 2
    state.close()
    assert user_version(path) == state_schema.VERSION == 1


def test_a_new_site_state_is_at_the_current_version(tmp_path: Path) -> None:
    SiteState(tmp_path / "new.db").close()
    assert user_version(tmp_path / "new.db") == state_schema.VERSION


def test_a_site_state_gets_the_steps_it_lacks_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = first_schema(tmp_path, "site_state")
    steps = (
        *state_schema.STEPS,
        "ALTER TABLE meta ADD COLUMN note TEXT",
        "UPDATE meta SET note = 'v3' WHERE key = 'instance'",
    )
    monkeypatch.setattr(state_schema, "STEPS", steps)
    monkeypatch.setattr(state_schema, "VERSION", len(steps))
    state = SiteState(path)
    assert state.instance == "first0schema"
    state.close()
    db = sqlite3.connect(path)
    assert db.execute("SELECT note FROM meta WHERE key = 'instance'").fetchall() == [("v3",)]
    db.close()
    assert user_version(path) == 3


def test_a_site_state_newer_than_the_code_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    SiteState(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {state_schema.VERSION + 1}")
    db.close()
    with pytest.raises(SiteStateVersionError) as refused:
        SiteState(path)
    message = str(refused.value)
    assert str(path) in message
    assert (
        f"schema version {state_schema.VERSION + 1}, newer than this synceng knows (version {state_schema.VERSION})"
        in message
    )
    assert user_version(path) == state_schema.VERSION + 1


def test_a_file_that_is_not_a_site_state_is_refused(tmp_path: Path) -> None:
    partial = first_schema(tmp_path, "site_state")
    db = sqlite3.connect(partial)
    db.execute("DROP TABLE well_known")
    db.close()
    with pytest.raises(SiteStateVersionError, match="not well_known: it is not a state synceng made"):
        SiteState(partial)
    other = tmp_path / "other.db"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE notes (text TEXT)")
    db.close()
    with pytest.raises(SiteStateVersionError, match="is not a site state"):
        SiteState(other)


# -- PostgreSQL (the tests' own server, tests/postgres.py) -----------------------------------------------


@pytest.fixture
def postgresql(postgresql_server: str) -> Iterator[str]:
    with empty_database(postgresql_server) as url:
        yield url


def test_on_postgresql_a_first_schema_database_is_stamped_and_the_revisions_match_the_models(postgresql: str) -> None:
    engine = make_engine(postgresql)
    for history in HISTORIES:  # the first schema, as create_all made it: revision 0001's tables, no version
        with engine.begin() as connection:
            command.upgrade(history.config(connection), FIRST_REVISION)
            connection.execute(text(f"DROP TABLE {history.version_table}"))
    with engine.begin() as connection:
        hashed = (DUMPS / "console.sql").read_text().split("'admin@contoso.example','")[1].split("'")[0]
        connection.execute(
            text("INSERT INTO admins (email, password_hash, role, created) VALUES (:e, :h, 'admin', :c)"),
            {"e": "admin@contoso.example", "h": hashed, "c": NOW},
        )
    engine.dispose()
    console = ConsoleStore(postgresql, ManualClock(NOW))  # one database for both: their version tables differ
    archive = ArchiveStore(postgresql, ManualClock(NOW))
    assert console.login("admin@contoso.example", "correct horse battery")[1]["id"] == 1
    for history, other, store in ((CONSOLE, ARCHIVE, console.engine), (ARCHIVE, CONSOLE, archive.engine)):
        assert status(history, store) == (history.head(), True)
        # the other store's tables are there too (not this history's to drop)
        assert differences(history, store, ignore=[*other.metadata.tables, other.version_table]) == []
    console.engine.dispose()
    archive.engine.dispose()
