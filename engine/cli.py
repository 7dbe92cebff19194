"""The `synceng` command line.

Subcommands import what they need when they run, so `synceng --help` stays fast and
the engine package does not depend on the testbed at import time.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from engine.dbcli import db

if TYPE_CHECKING:
    from mockad.service import MockDirectory
    from mockews.store import ServerVersion
    from scenarios.serving import Tenant


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="synceng")
def main() -> None:
    """Exchange Tasks synchronization engine and its mock-Exchange testbed."""


PROFILE_NAMES = ("tiny", "small", "medium", "large")


def _tenant_options(f: Callable[..., None]) -> Callable[..., None]:
    """--profile / --seed / --world / --empty, shared by the serve commands."""
    f = click.option("--empty", is_flag=True, help="With --profile: the directory and empty mailboxes only.")(f)
    f = click.option(
        "--world", "world_file", type=click.Path(dir_okay=False, path_type=Path), help="Serve a saved world file."
    )(f)
    f = click.option("--seed", default=42, show_default=True, help="Seed of the tenant and of every id.")(f)
    f = click.option(
        "--profile", type=click.Choice(PROFILE_NAMES), help="Serve a generated tenant (default: the demo tenant)."
    )(f)
    return f


def _server_options(f: Callable[..., None]) -> Callable[..., None]:
    """--host / --port / --auth / --threads, shared by the serve commands."""
    f = click.option(
        "--threads", default=4, show_default=True, type=click.IntRange(1, 64), help="waitress worker threads."
    )(f)
    f = click.option("--auth", "auth", type=click.Choice(["none", "basic"]), default="basic", show_default=True)(f)
    f = click.option(
        "--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port."
    )(f)
    return click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")(f)


def _tenant(profile: str | None, seed: int, world_file: Path | None, empty: bool) -> Tenant:
    from mockews.store.persist import WorldFileError
    from scenarios.serving import build_tenant

    if world_file is not None and profile is not None:
        raise click.UsageError("give --world or --profile, not both")
    if empty and profile is None:
        raise click.UsageError("--empty needs --profile")
    try:
        return build_tenant(profile, seed, world_file, empty)
    except FileNotFoundError as exc:
        raise click.BadParameter(f"no such file: {world_file}", param_hint="--world") from exc
    except WorldFileError as exc:
        raise click.BadParameter(str(exc), param_hint="--world") from exc


def _print_tenant(tenant: Tenant, ews_url: str | None, auth: str) -> None:
    world = tenant.world
    counts = world.counts()
    click.echo(f"serving {tenant.description}: {counts['mailboxes']} mailboxes, {counts['items']} items")
    for note in tenant.notes:
        click.echo(f"  {note}")
    if ews_url:
        click.echo(f"  EWS endpoint : {ews_url}/EWS/Exchange.asmx")
        click.echo(f"  EWS admin    : {ews_url}/mockews-api/state")
        click.echo(f"  auth         : {auth}")
    if tenant.service_account:
        click.echo(f"  service account (impersonation): {tenant.service_account} / {tenant.service_password}")
    if tenant.user_password:
        click.echo(f"  users: {', '.join(sorted(world.mailboxes))} (password {tenant.user_password})")


def _print_snippet(tenant: Tenant, ews_url: str) -> None:
    world = tenant.world
    if tenant.service_account and world.mailboxes:
        first = sorted(world.mailboxes)[0]
        credentials = f"Credentials({tenant.service_account!r}, {tenant.service_password!r})"
        click.echo("Connect with exchangelib:")
        click.echo("  from exchangelib import Account, Configuration, Credentials, IMPERSONATION")
        click.echo(f"  cfg = Configuration(service_endpoint={ews_url + '/EWS/Exchange.asmx'!r},")
        click.echo(f"                      credentials={credentials})")
        click.echo(f"  acc = Account({first!r}, config=cfg, access_type=IMPERSONATION, autodiscover=False)")
        click.echo("  print(acc.root.tree())")


@main.group(invoke_without_command=True)
@_tenant_options
@_server_options
@click.option(
    "--directory-port",
    "directory_port",
    type=click.IntRange(0, 65535),
    help="Serve the directory (Graph) on its own port instead of beside EWS.",
)
@click.pass_context
def serve(
    ctx: click.Context,
    profile: str | None,
    seed: int,
    world_file: Path | None,
    empty: bool,
    host: str,
    port: int,
    directory_port: int | None,
    auth: str,
    threads: int,
) -> None:
    """Serve the mock Exchange and the mock directory on one world (or: serve ews)."""
    if ctx.invoked_subcommand is not None:
        return
    from scenarios.serving import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, serve_both

    tenant = _tenant(profile, seed, world_file, empty)

    def ready(ews_url: str, graph_url: str, directory: MockDirectory) -> None:
        _print_tenant(tenant, ews_url, auth)
        click.echo(f"  Graph API    : {graph_url}/v1.0/users")
        click.echo(f"  token URL    : {graph_url}/{directory.tenant_id}/oauth2/v2.0/token")
        click.echo(f"  Graph client : {DEFAULT_CLIENT_ID} / {DEFAULT_CLIENT_SECRET} (client credentials)")
        click.echo(f"  Graph admin  : {graph_url}/mockad-api/state")
        _print_snippet(tenant, ews_url)
        click.echo("Press Ctrl+C to stop.")
        sys.stdout.flush()

    serve_both(tenant.world, host, port, directory_port, auth, threads, ready)


def _user_option(value: str) -> tuple[str, str]:
    email, sep, password = value.partition(":")
    if not sep or "@" not in email or not password:
        raise click.BadParameter(f"{value!r}: expected EMAIL:PASSWORD")
    return email, password


def _build_option(value: str) -> ServerVersion:
    from mockews.store import ServerVersion

    parts = value.split(".")
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        raise click.BadParameter(f"{value!r}: expected four numbers, e.g. 15.1.2507.6", param_hint="--server-version")
    major, minor, build, revision = (int(p) for p in parts)
    return ServerVersion(major, minor, build, revision, "Exchange2016" if (major, minor) >= (15, 1) else "Exchange2013")


@serve.command("ews")
@_tenant_options
@_server_options
@click.option(
    "--user",
    "users",
    multiple=True,
    metavar="EMAIL:PASSWORD",
    help="A login (repeatable); creates the mailbox if missing.",
)
@click.option(
    "--impersonator",
    "impersonators",
    multiple=True,
    metavar="EMAIL",
    help="Grant the impersonation right (repeatable).",
)
@click.option(
    "--server-version",
    "server_version",
    default="15.1.2507.6",
    show_default=True,
    metavar="MAJOR.MINOR.BUILD.REVISION",
    help="The Exchange build reported in ServerVersionInfo (15.1 = Exchange 2016, 15.2 = 2019).",
)
def serve_ews(
    profile: str | None,
    seed: int,
    world_file: Path | None,
    empty: bool,
    host: str,
    port: int,
    auth: str,
    users: tuple[str, ...],
    impersonators: tuple[str, ...],
    server_version: str,
    threads: int,
) -> None:
    """Serve the mock Exchange (EWS over SOAP) alone, on a production WSGI server."""
    from mockews.app import create_app
    from mockews.server import serve_forever
    from mockews.service import MockExchange

    logins = [_user_option(u) for u in users]
    build = _build_option(server_version)
    tenant = _tenant(profile, seed, world_file, empty)
    world = tenant.world
    world.server_version = build
    for email, password in logins:
        world.provision_mailbox(email, password=password)
        world.accounts[email.lower()].password = password
    for email in impersonators:
        account = world.accounts.get(email.lower())
        if account is None:
            raise click.BadParameter(
                f"{email} is not an account; add it with --user {email}:PASSWORD", param_hint="--impersonator"
            )
        account.can_impersonate = True
    app = create_app(MockExchange(world, auth=auth))

    def ready(actual_port: int) -> None:
        url = f"http://{host}:{actual_port}"
        _print_tenant(tenant, url, auth)
        _print_snippet(tenant, url)
        click.echo("Press Ctrl+C to stop.")
        sys.stdout.flush()

    serve_forever(app, host, port, threads=threads, on_ready=ready)


@serve.command("console")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port.")
@click.option(
    "--db", "db", default="sqlite:///synceng-console.db", show_default=True, help="Console database (SQLAlchemy URL)."
)
@click.option(
    "--archive-db",
    default="sqlite:///synceng-archive.db",
    show_default=True,
    help="Archive database, when the archive runs in this process (under /archive).",
)
@click.option("--archive-url", help="Use an archive platform running elsewhere (synceng serve archive) instead.")
@click.option(
    "--archive-token",
    envvar="SYNCENG_ARCHIVE_TOKEN",
    help="Shared admin token of the archive (or $SYNCENG_ARCHIVE_TOKEN).",
)
@click.option("--seed", type=int, help="Seed secrets deterministically (tests, demos); default: from the OS.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(2, 64), help="waitress worker threads.")
def serve_console(
    host: str,
    port: int,
    db: str,
    archive_db: str,
    archive_url: str | None,
    archive_token: str | None,
    seed: int | None,
    threads: int,
) -> None:
    """Serve the administration console (REST API, site API, pages) and, unless
    --archive-url is given, the archive platform in the same process under /archive."""
    import random

    from engine.clock import WallClock
    from engine.console.wiring import build_platform
    from engine.security import secure_rng
    from wsgiserver import serve_forever

    if archive_url and not archive_token:
        raise click.UsageError("--archive-url needs --archive-token (or $SYNCENG_ARCHIVE_TOKEN)")
    rng = random.Random(seed) if seed is not None else secure_rng()
    platform = build_platform(db, None if archive_url else archive_db, WallClock(), rng, archive_url, archive_token)
    platform.connect()

    def ready(actual: int) -> None:
        base = f"http://{host}:{actual}"
        platform.serve_at(base)
        click.echo(f"console serving on {base}  (pages: {base}/exchange-services, API: {base}/api/openapi.json)")
        click.echo(f"  console database: {db}")
        if platform.archive is not None:
            click.echo(f"  archive platform: {platform.archive_url} (database {archive_db}, same process)")
            click.echo(f"  archive admin token: {platform.archive_token}")
        elif archive_url:
            click.echo(f"  archive platform: {archive_url}")
        click.echo("Create an administrator with: synceng console create-admin EMAIL --db " + db)
        click.echo("Press Ctrl+C to stop.")
        sys.stdout.flush()

    serve_forever(platform.wsgi(), host, port, threads=threads, on_ready=ready)


@serve.command("archive")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8100, show_default=True, type=click.IntRange(0, 65535))
@click.option("--db", "db", default="sqlite:///synceng-archive.db", show_default=True, help="SQLAlchemy URL.")
@click.option("--token", envvar="SYNCENG_ARCHIVE_TOKEN", required=True, help="Admin token shared with the console.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
def serve_archive(host: str, port: int, db: str, token: str, threads: int) -> None:
    """Serve the archive platform on its own (the console then runs with --archive-url)."""
    from engine.archive.app import create_archive_app
    from engine.archive.store import ArchiveStore
    from engine.clock import WallClock
    from wsgiserver import serve_forever

    app = create_archive_app(ArchiveStore(db, WallClock()), token)

    def ready(actual: int) -> None:
        click.echo(f"archive platform serving on http://{host}:{actual} (API: /api/openapi.json, database {db})")
        click.echo("Press Ctrl+C to stop.")
        sys.stdout.flush()

    serve_forever(app, host, port, threads=threads, on_ready=ready)


@main.group()
def console() -> None:
    """Administer the console's database (administrators, sites)."""


@console.command("create-admin")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "read_only"]), default="admin", show_default=True)
@click.option("--db", "db", default="sqlite:///synceng-console.db", show_default=True)
@click.password_option(envvar="SYNCENG_ADMIN_PASSWORD", help="Prompted for unless $SYNCENG_ADMIN_PASSWORD is set.")
def create_admin(email: str, role: str, db: str, password: str) -> None:
    """Create an administrator (the password comes from a prompt or the environment)."""
    from engine.console.store import ConsoleError, ConsoleStore
    from engine.security import secure_rng

    try:
        admin = ConsoleStore(db, rng=secure_rng()).create_admin(email, password, role)
    except ConsoleError as exc:
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
@click.option("--db", "db", default="sqlite:///synceng-console.db", show_default=True)
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

    from engine.console.store import ConsoleError, ConsoleStore
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
    except ConsoleError as exc:
        raise click.BadParameter(exc.message, param_hint=exc.field) from exc
    click.echo(f"site {site['code']} registered (id {site['id']})")
    click.echo(f"binding key: {key}")
    click.echo("Give it to the site (synceng site run --key …); it is not shown again.")


def _run_scenario(name: str, seed: int | None, horizon: str | None, report: Path, transport: str, quiet: bool) -> bool:
    """Run a scenario with a progress bar over simulated time; print the verdicts and
    where the reports are.  True when every check passed."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from scenarios.sim.builtin import resolve
    from scenarios.sim.report import print_summary, write_reports
    from scenarios.sim.runner import Simulation
    from scenarios.sim.spec import ScenarioError, parse_offset

    try:
        scenario = resolve(name)
        span = parse_offset(horizon) if horizon else None
    except (ScenarioError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    console = Console()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=quiet,
    ) as bar:
        job = bar.add_task(f"{scenario.name} (simulated time)", total=1.0, note="building the tenant")

        def progress(done: float, total: float, note: str) -> None:
            bar.update(job, completed=done / total if total else 1.0, note=note or f"{done / 3600:.0f} h")

        result = Simulation(scenario, seed, span, transport, progress).run()
    print_summary(result, console)
    paths = write_reports(result, report)
    console.print(f"reports: {paths['html']}  {paths['json']}  {paths['trace']}")
    return result.passed


@main.command()
@click.option("--seed", type=int, help="Another seed than the scenario's.")
@click.option(
    "--report",
    default="synceng-report",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the reports go.",
)
def demo(seed: int | None, report: Path) -> None:
    """The main job on embedded defaults: the quickstart scenario — a generated tenant,
    a site running the real engine, a simulated day in seconds, checked by the oracle."""
    if not _run_scenario("quickstart", seed, None, report, "inprocess", quiet=False):
        sys.exit(1)


@main.group()
def scenario() -> None:
    """Simulated scenarios: the real engine on a SimPy clock, checked by an oracle."""


@scenario.command("run")
@click.argument("name_or_file")
@click.option("--seed", type=int, help="Another seed than the scenario's.")
@click.option("--horizon", help="Another horizon than the scenario's, e.g. 6h or 2d.")
@click.option(
    "--report",
    default="synceng-report",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where report.html, report.json and trace.jsonl go.",
)
@click.option("--transport", type=click.Choice(["inprocess", "http"]), default="inprocess", show_default=True)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def scenario_run(
    name_or_file: str, seed: int | None, horizon: str | None, report: Path, transport: str, quiet: bool
) -> None:
    """Run a built-in scenario (by name) or a scenario file; exits 1 if a check fails."""
    if not _run_scenario(name_or_file, seed, horizon, report, transport, quiet):
        sys.exit(1)


@scenario.command("list")
def scenario_list() -> None:
    """The built-in scenarios."""
    from scenarios.sim.builtin import BUILTIN, builtin_path
    from scenarios.sim.spec import load_scenario

    for name in BUILTIN:
        path = builtin_path(name)
        description = load_scenario(path).description.strip().split(". ")[0] if path.exists() else "(missing)"
        click.echo(f"{name:28} {description}")


@scenario.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def scenario_check(file: Path) -> None:
    """Validate a scenario file (errors name the line and the field)."""
    from scenarios.sim.spec import ScenarioError, load_scenario

    try:
        loaded = load_scenario(file)
    except ScenarioError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{file}: scenario {loaded.name!r} is valid")


@main.command()
@click.option("--profile", type=click.Choice(PROFILE_NAMES), required=True, help="Tenant size.")
@click.option("--seed", default=42, show_default=True, type=int, help="Same seed, same tenant.")
@click.option(
    "--coverage",
    type=click.FloatRange(0.0, 1.0),
    help="Share of messages the archive already holds (default: the profile's, 0.98).",
)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="Save the loaded world here.")
@click.option(
    "--ews-url", "ews_url", help="Populate this EWS endpoint through exchangelib instead of loading directly."
)
@click.option("--user", "user", help="Service account with the impersonation right (with --ews-url).")
@click.option("--password", "password", envvar="SYNCENG_EWS_PASSWORD", help="Its password (or $SYNCENG_EWS_PASSWORD).")
@click.option(
    "--target-mailbox",
    "targets",
    multiple=True,
    metavar="EMAIL",
    help="With --ews-url: put the generated mailboxes into these existing ones, round robin (repeatable).",
)
@click.option("--dry-run", is_flag=True, help="Say what would be created; change nothing.")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Show a progress bar.")
def populate(
    profile: str,
    seed: int,
    coverage: float | None,
    out: Path | None,
    ews_url: str | None,
    user: str | None,
    password: str | None,
    targets: tuple[str, ...],
    dry_run: bool,
    progress: bool,
) -> None:
    """Generate a tenant (faker, deterministic by seed) and load it: directly into a
    mock world (fast; --out saves it), or through EWS into any endpoint (resumable: a
    second run adds nothing)."""
    from scenarios.populate_cli import populate_direct, populate_ews

    if ews_url is None:
        if user or password or targets:
            raise click.UsageError("--user, --password and --target-mailbox need --ews-url")
        populate_direct(profile, seed, coverage, out, dry_run, click.echo)
        return
    if not ews_url.startswith(("http://", "https://")):
        raise click.BadParameter(f"{ews_url!r}: expected an http(s) URL", param_hint="--ews-url")
    if not user or not password:
        raise click.UsageError("--ews-url needs --user and --password (or $SYNCENG_EWS_PASSWORD)")
    if out is not None:
        raise click.UsageError("--out saves a directly loaded world; it does not apply with --ews-url")
    populate_ews(profile, seed, coverage, ews_url, user, password, list(targets), dry_run, progress, click.echo)


def _site_options(
    poll_seconds: float,
    directory_url: str | None,
    directory_token_url: str | None,
    directory_client_id: str | None,
    directory_secret: str | None,
    ews_auth: str | None,
    ews_version: str | None,
) -> Any:
    from engine.site.directory import DirectorySettings
    from engine.site.site import SiteOptions

    directory = None
    if directory_url:
        if not (directory_token_url and directory_client_id and directory_secret):
            raise click.UsageError(
                "--directory-url needs --directory-token-url, --directory-client-id and --directory-secret"
            )
        directory = DirectorySettings(directory_url, directory_token_url, directory_client_id, directory_secret)
    return SiteOptions(poll_seconds=poll_seconds, directory=directory, ews_auth=ews_auth, ews_version=ews_version)


def site_options(function: Any) -> Any:
    """Options shared by `site run` and `site run-once`."""
    decorators = [
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
    ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


@main.group()
def site() -> None:
    """Run a site: the synchronization engine bound to a console."""


@site.command("run")
@site_options
def site_run(
    console_url: str,
    key: str,
    state_path: Path,
    poll_seconds: float,
    directory_url: str | None,
    directory_token_url: str | None,
    directory_client_id: str | None,
    directory_secret: str | None,
    ews_auth: str | None,
    ews_version: str | None,
) -> None:
    """Run the site in real time: poll the console, schedule and execute its tasks,
    submit to the archive.  Stop with Ctrl+C (state is kept in --state)."""
    import logging

    from engine.clock import WallClock
    from engine.site.runtime import RealTimeRuntime
    from engine.site.site import Site
    from engine.site.state import SiteState

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    options = _site_options(
        poll_seconds, directory_url, directory_token_url, directory_client_id, directory_secret, ews_auth, ews_version
    )
    runtime = RealTimeRuntime(WallClock())
    engine_site = Site(console_url, key, SiteState(state_path), runtime, options)
    engine_site.start()
    click.echo(f"site running against {console_url} (state {state_path}); Ctrl+C stops it")
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
def site_run_once(
    console_url: str,
    key: str,
    state_path: Path,
    poll_seconds: float,
    directory_url: str | None,
    directory_token_url: str | None,
    directory_client_id: str | None,
    directory_secret: str | None,
    ews_auth: str | None,
    ews_version: str | None,
    task_id: int,
) -> None:
    """Download the configuration and run one task now (debugging); prints the
    per-mailbox results.  Exits 1 unless the run succeeded."""
    from engine.clock import WallClock
    from engine.site.runtime import RealTimeRuntime
    from engine.site.site import Site
    from engine.site.state import SiteState

    options = _site_options(
        poll_seconds, directory_url, directory_token_url, directory_client_id, directory_secret, ews_auth, ews_version
    )
    runtime = RealTimeRuntime(WallClock())
    engine_site = Site(console_url, key, SiteState(state_path), runtime, options)
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


@main.group(invoke_without_command=True)
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), help="Write results here.")
@click.option("--quick", is_flag=True, help="Smaller workloads (a smoke check).")
@click.pass_context
def bench(ctx: click.Context, json_file: Path | None, quick: bool) -> None:
    """Benchmarks (opt-in; results as JSON).  Without a subcommand: the standard suite —
    mock page render, EWS pages/s over HTTP, MFR initial replication vs naive exchangelib,
    the unchanged incremental pass, archive ingest, simulation acceleration."""
    if ctx.invoked_subcommand is not None:
        return
    from bench.ews import write_results
    from bench.suite import run_suite

    results = run_suite(quick=quick, echo=click.echo)
    if json_file is not None:
        write_results(results, json_file)
        click.echo(f"results written to {json_file}")


@bench.command("ews")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), help="Write results here.")
@click.option("--quick", is_flag=True, help="Smaller workloads (a smoke check).")
def bench_ews(json_file: Path | None, quick: bool) -> None:
    """Mock Exchange benchmarks: page render, exchangelib sync on both transports,
    pages/s over keep-alive HTTP, memory per stored message."""
    from bench.ews import run_ews_benchmarks, write_results

    results = run_ews_benchmarks(quick=quick, echo=click.echo)
    if json_file is not None:
        write_results(results, json_file)
        click.echo(f"results written to {json_file}")


@bench.command("tenant")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), help="Write results here.")
@click.option("--quick", is_flag=True, help="Smaller profiles (a smoke check).")
def bench_tenant(json_file: Path | None, quick: bool) -> None:
    """Tenant generation: generation + direct load rate and peak memory (medium
    profile), and the EWS population rate (small profile)."""
    from bench.ews import write_results
    from bench.tenant import run_tenant_benchmarks

    results = run_tenant_benchmarks(quick=quick, echo=click.echo)
    if json_file is not None:
        write_results(results, json_file)
        click.echo(f"results written to {json_file}")


@bench.command("site")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), help="Write results here.")
@click.option("--quick", is_flag=True, help="Smaller workloads (a smoke check).")
def bench_site(json_file: Path | None, quick: bool) -> None:
    """Site engine: MFR initial replication beside naive exchangelib sync_items(), and
    an unchanged incremental pass (mailboxes/s, 20 folders each)."""
    from bench.ews import write_results
    from bench.site import run_site_benchmarks

    results = run_site_benchmarks(quick=quick, echo=click.echo)
    if json_file is not None:
        write_results(results, json_file)
        click.echo(f"results written to {json_file}")


@bench.command("archive")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), help="Write results here.")
@click.option("--quick", is_flag=True, help="A 10,000-placement mailbox instead of 50,000 (a smoke check).")
def bench_archive(json_file: Path | None, quick: bool) -> None:
    """Archive platform: ingest rate over HTTP (placements/s, batched, SQLite) beside the
    store and bare sqlite3, an incremental run, and Full View query times."""
    from bench.archive import run_archive_benchmarks
    from bench.ews import write_results

    results = run_archive_benchmarks(quick=quick, echo=click.echo)
    if json_file is not None:
        write_results(results, json_file)
        click.echo(f"results written to {json_file}")


main.add_command(db)

if __name__ == "__main__":  # pragma: no cover
    main()
