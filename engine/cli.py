"""The engine's commands: serving the console and the archive platform, administering
the console's database, and running a site.  The testbed's and the benchmarks' commands
live in their own packages (``scenarios.cli``, ``bench.cli``); :mod:`synceng.cli` composes
them into one ``synceng`` group.  Nothing here imports the testbed.

Subcommands import what they need when they run, so ``synceng --help`` stays fast.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .cliopts import listen, options, options_as, seed_option
from .dbcli import db

if TYPE_CHECKING:
    from engine.site.runtime import RealTimeRuntime
    from engine.site.site import Site

CONSOLE_DB = "sqlite:///synceng-console.db"
ARCHIVE_DB = "sqlite:///synceng-archive.db"
db_option = click.option("--db", "db", default=CONSOLE_DB, show_default=True, help="Console database (SQLAlchemy URL).")


workers_option = click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes behind the one port (gunicorn, pre-fork; more than 1 needs PostgreSQL databases).",
)


def _check_workers(workers: int, seed: int | None = None, **databases: str | None) -> None:
    """Several processes writing one SQLite file would meet "database is locked": more
    than one worker needs PostgreSQL (or another server database) for every store.  And
    a seed would make every worker draw the same secrets."""
    if workers == 1:
        return
    if seed is not None:
        raise click.UsageError("--seed with --workers: every worker would draw the same keys and tokens")
    for option, url in databases.items():
        if url is not None and url.startswith("sqlite"):
            raise click.UsageError(
                f"--workers {workers} needs a PostgreSQL database for --{option.replace('_', '-')} "
                f"(e.g. postgresql+psycopg://user:pw@host/synceng): SQLite has one writer at a time"
            )
    try:
        import gunicorn  # noqa: F401
    except ImportError as exc:
        raise click.UsageError("--workers needs gunicorn: pip install 'synceng[postgresql]'") from exc


def _serve(make_app: Any, host: str, port: int, threads: int, workers: int, ready: Any) -> None:
    """One process on waitress, or ``workers`` gunicorn processes, each making its app."""
    if workers == 1:
        from wsgiserver import serve_forever

        serve_forever(make_app(), host, port, threads=threads, on_ready=ready)
    else:
        from wsgiserver.prefork import serve_prefork

        serve_prefork(make_app, host, port, workers, threads=threads, on_ready=ready)


def _describe(
    platform: Any,
    base: str,
    db: str,
    archive_db: str,
    archive_url: str | None,
    secure_cookies: bool,
    workers: int,
    threads: int,
) -> None:
    """What `serve console` prints once it listens."""
    click.echo(f"console serving on {base}  (pages: {base}/exchange-services, API: {base}/api/openapi.json)")
    click.echo(f"  console database: {db}")
    if workers > 1:
        click.echo(f"  {workers} worker processes, {threads} threads each")
    if platform.archive is not None:
        click.echo(f"  archive platform: {platform.archive_url} (database {archive_db}, same process)")
        click.echo(f"  archive admin token: {platform.archive_token}")
    elif archive_url:
        click.echo(f"  archive platform: {archive_url}")
    admins = platform.console_store.admin_count()
    if admins:
        click.echo(f"  {admins} administrator{'s' if admins > 1 else ''} can log in at {base}/login")
    else:
        click.echo("Create an administrator with: synceng console create-admin EMAIL --db " + db)
    if secure_cookies:
        click.echo("  cookies are Secure: log in through the HTTPS address in front of this one")
    click.echo("Press Ctrl+C to stop.")
    sys.stdout.flush()


@click.command("console")
@options(*listen(8000, min_threads=2), db_option)
@click.option(
    "--archive-db",
    default=ARCHIVE_DB,
    show_default=True,
    help="Archive database, when the archive runs in this process (under /archive).",
)
@click.option("--archive-url", help="Use an archive platform running elsewhere (synceng serve archive) instead.")
@click.option(
    "--archive-token",
    envvar="SYNCENG_ARCHIVE_TOKEN",
    help="Shared admin token of the archive (or $SYNCENG_ARCHIVE_TOKEN).",
)
@click.option(
    "--secure-cookies",
    is_flag=True,
    envvar="SYNCENG_SECURE_COOKIES",
    help="The console is reached over HTTPS (a TLS proxy in front): its cookies are sent over HTTPS only "
    "(or $SYNCENG_SECURE_COOKIES=1).",
)
@seed_option("Seed secrets deterministically (tests, demos); default: from the OS.")
@workers_option
def serve_console(
    host: str,
    port: int,
    db: str,
    archive_db: str,
    archive_url: str | None,
    archive_token: str | None,
    secure_cookies: bool,
    seed: int | None,
    threads: int,
    workers: int,
) -> None:
    """Serve the administration console (REST API, site API, pages) and, unless
    --archive-url is given, the archive platform in the same process under /archive.
    With --workers N, N processes serve them behind the one port."""
    import random

    from engine.clock import WallClock
    from engine.console.wiring import Platform, build_platform
    from engine.security import new_token, secure_rng

    if archive_url and not archive_token:
        raise click.UsageError("--archive-url needs --archive-token (or $SYNCENG_ARCHIVE_TOKEN)")
    _check_workers(workers, seed, db=db, archive_db=None if archive_url else archive_db)
    rng = random.Random(seed) if seed is not None else secure_rng()
    token, secret_key = archive_token or new_token(rng, "arc_"), new_token(rng)  # shared by every worker
    served: dict[str, str] = {}

    def make_platform(secrets: random.Random) -> Platform:
        platform = build_platform(
            db, None if archive_url else archive_db, WallClock(), secrets, archive_url, token,
            secret_key=secret_key, secure_cookies=secure_cookies,
        )  # fmt: skip
        if "base" in served:
            platform.serve_at(served["base"])
        return platform

    # built here first (migrations once, site keys to the archive); workers build theirs after the fork
    platform = make_platform(rng)
    platform.connect()

    def ready(actual: int) -> None:
        served["base"] = f"http://{host}:{actual}"
        platform.serve_at(served["base"])
        _describe(platform, served["base"], db, archive_db, archive_url, secure_cookies, workers, threads)
        if workers > 1:  # no pooled connection may cross the fork
            platform.dispose()

    # each worker its own OS-seeded generator: one copied by the fork gives them all the same keys
    app = (lambda: platform.wsgi()) if workers == 1 else (lambda: make_platform(secure_rng()).wsgi())
    _serve(app, host, port, threads, workers, ready)


@click.command("archive")
@options(*listen(8100))
@click.option("--db", "db", default=ARCHIVE_DB, show_default=True, help="Archive database (SQLAlchemy URL).")
@click.option("--token", envvar="SYNCENG_ARCHIVE_TOKEN", required=True, help="Admin token shared with the console.")
@workers_option
def serve_archive(host: str, port: int, threads: int, db: str, token: str, workers: int) -> None:
    """Serve the archive platform on its own (the console then runs with --archive-url)."""
    from engine.archive.app import create_archive_app
    from engine.archive.store import ArchiveStore
    from engine.clock import WallClock

    _check_workers(workers, db=db)
    ArchiveStore(db, WallClock()).engine.dispose()  # migrated once, here, before any worker starts

    def ready(actual: int) -> None:
        click.echo(f"archive platform serving on http://{host}:{actual} (API: /api/openapi.json, database {db})")
        if workers > 1:
            click.echo(f"  {workers} worker processes, {threads} threads each")
        click.echo("Press Ctrl+C to stop.")
        sys.stdout.flush()

    _serve(lambda: create_archive_app(ArchiveStore(db, WallClock()), token), host, port, threads, workers, ready)


@click.group()
def console() -> None:
    """Administer the console's database (administrators, sites)."""


@console.command("create-admin")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "read_only"]), default="admin", show_default=True)
@db_option
@click.password_option(envvar="SYNCENG_ADMIN_PASSWORD", help="Prompted for unless $SYNCENG_ADMIN_PASSWORD is set.")
def create_admin(email: str, role: str, db: str, password: str) -> None:
    """Create an administrator (the password comes from a prompt or the environment)."""
    from engine.console.store import ConsoleStore
    from engine.errors import DomainError
    from engine.security import secure_rng

    try:
        admin = ConsoleStore(db, rng=secure_rng()).create_admin(email, password, role)
    except DomainError as exc:
        raise click.BadParameter(exc.message, param_hint=exc.field) from exc
    click.echo(f"administrator {admin['email']} ({admin['role']}) created")


@console.command("register-site")
@click.argument("code")
@click.option("--description", default="")
@click.option("--engine-version", default="2.7.0", show_default=True)
@click.option("--time-zone", default="UTC", show_default=True, help="IANA zone, e.g. Europe/London.")
@click.option("--directory-type", type=click.Choice(["active_directory", "microsoft_365"]), default="active_directory")
@click.option("--ews-endpoint", default="", help="https://mail.example.com/EWS/Exchange.asmx")
@click.option("--ews-account", default="", help="Service account holding the impersonation right.")
@click.option("--ews-password", envvar="SYNCENG_EWS_PASSWORD", help="Or $SYNCENG_EWS_PASSWORD.")
@db_option
def register_site(
    code: str,
    description: str,
    engine_version: str,
    time_zone: str,
    directory_type: str,
    ews_endpoint: str,
    ews_account: str,
    ews_password: str | None,
    db: str,
) -> None:
    """Register a site and print its binding key (shown once)."""
    from pydantic import ValidationError

    from engine.console.store import ConsoleStore
    from engine.errors import DomainError
    from engine.model import SiteIn
    from engine.security import secure_rng

    try:
        spec = SiteIn.model_validate(
            {
                "code": code,
                "description": description,
                "engine_version": engine_version,
                "time_zone": time_zone,
                "directory_type": directory_type,
                "ews": {"endpoint": ews_endpoint, "service_account": ews_account, "password": ews_password},
            }
        )
        site, key = ConsoleStore(db, rng=secure_rng()).register_site(spec)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise click.BadParameter(first["msg"], param_hint=".".join(str(p) for p in first["loc"])) from exc
    except DomainError as exc:
        raise click.BadParameter(exc.message, param_hint=exc.field) from exc
    click.echo(f"site {site['code']} registered (id {site['id']})")
    click.echo(f"binding key: {key}")
    click.echo("Give it to the site (synceng site run --key …); it is not shown again.")


@dataclass(frozen=True)
class SiteLaunch:
    """What `site run` and `site run-once` are given: where the console is, the key,
    the local state and the site's options."""

    console_url: str
    key: str
    state_path: Path
    poll_seconds: float
    directory_url: str | None
    directory_token_url: str | None
    directory_client_id: str | None
    directory_secret: str | None
    ews_auth: str | None
    ews_version: str | None

    def site(self) -> tuple[Site, RealTimeRuntime]:
        """A site on the wall clock, and its runtime."""
        from engine.clock import WallClock
        from engine.site.directory import DirectorySettings
        from engine.site.runtime import RealTimeRuntime
        from engine.site.site import Site, SiteOptions
        from engine.site.state import SiteState

        directory = None
        if self.directory_url:
            if not (self.directory_token_url and self.directory_client_id and self.directory_secret):
                raise click.UsageError(
                    "--directory-url needs --directory-token-url, --directory-client-id and --directory-secret"
                )
            directory = DirectorySettings(
                self.directory_url, self.directory_token_url, self.directory_client_id, self.directory_secret
            )
        options = SiteOptions(
            poll_seconds=self.poll_seconds, directory=directory, ews_auth=self.ews_auth, ews_version=self.ews_version
        )
        runtime = RealTimeRuntime(WallClock())
        return Site(self.console_url, self.key, SiteState(self.state_path), runtime, options), runtime


site_options = options_as(
    SiteLaunch,
    click.option("--console", "console_url", required=True, help="The console's URL, e.g. http://127.0.0.1:8000"),
    click.option(
        "--key", envvar="SYNCENG_SITE_KEY", required=True, help="The site's binding key (or $SYNCENG_SITE_KEY)."
    ),
    click.option(
        "--state",
        "state_path",
        default="synceng-site.db",
        show_default=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="The site's local state (SQLite).",
    ),
    click.option("--poll-seconds", default=60.0, show_default=True, type=click.FloatRange(5, 120)),
    click.option("--directory-url", help="Graph v1.0 root of the directory, e.g. http://127.0.0.1:8080/v1.0"),
    click.option("--directory-token-url", help="Its OAuth2 token endpoint."),
    click.option("--directory-client-id"),
    click.option("--directory-secret", envvar="SYNCENG_DIRECTORY_SECRET", help="Or $SYNCENG_DIRECTORY_SECRET."),
    click.option("--ews-auth", type=click.Choice(["basic", "ntlm"]), help="Default: ask the server."),
    click.option("--ews-version", help="e.g. 15.1.2507.6 (default: ask the server once)."),
)
"""The options shared by `site run` and `site run-once`, handed over as one :class:`SiteLaunch`."""


@click.group()
def site() -> None:
    """Run a site: the synchronization engine bound to a console."""


@site.command("run")
@site_options
def site_run(launch: SiteLaunch) -> None:
    """Run the site in real time: poll the console, schedule and execute its tasks,
    submit to the archive.  Stop with Ctrl+C (state is kept in --state)."""
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    engine_site, runtime = launch.site()
    engine_site.start()
    click.echo(f"site running against {launch.console_url} (state {launch.state_path}); Ctrl+C stops it")
    sys.stdout.flush()
    try:
        runtime.run()
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        engine_site.state.close()
    if engine_site.refused is not None:  # a wrong key is not mended by retrying
        raise click.ClickException(f"{engine_site.refused}: check --key (or $SYNCENG_SITE_KEY)")


@site.command("run-once")
@site_options
@click.option("--task", "task_id", required=True, type=int, help="The task to run now.")
def site_run_once(launch: SiteLaunch, task_id: int) -> None:
    """Download the configuration and run one task now (debugging); prints the
    per-mailbox results.  Exits 1 unless the run succeeded."""
    engine_site, runtime = launch.site()
    outcome: list[str] = []

    def once() -> Any:
        outcome.append((yield from engine_site.run_once(task_id)))

    handle = runtime.spawn(once(), "run-once")
    runtime.run(until=lambda: handle.done)
    engine_site.state.close()
    if handle.error is not None:
        raise click.ClickException(str(handle.error))
    execution_rows = engine_site.last_rows
    for row in execution_rows:
        click.echo(f"{row.mailbox:40} {row.result:10} {row.items:8} {row.reason}")
    click.echo(f"task {task_id}: {outcome[0]}")
    if outcome[0] != "Success":
        sys.exit(1)


SERVE_COMMANDS = (serve_console, serve_archive)
COMMANDS = (console, site, db)
