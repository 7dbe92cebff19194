"""The testbed's commands: serving the mocks (``synceng serve``, ``serve ews``), the
demo, scenarios and tenant population.  :mod:`synceng.cli` puts them beside the engine's.

Subcommands import what they need when they run, so ``synceng --help`` stays fast.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from engine.cliopts import listen, options, options_as, report_option, seed_option
from scenarios.profiles import PROFILE_NAMES

if TYPE_CHECKING:
    from mockad.service import MockDirectory
    from mockews.adminplane import AdminAccess
    from mockews.store import ServerVersion
    from scenarios.serving import Tenant


@dataclass(frozen=True)
class TenantChoice:
    """Which tenant a serve command serves (--profile / --spec / --seed / --world / --empty)."""

    profile: str | None
    spec: str | None
    seed: int | None
    world_file: Path | None
    empty: bool

    def build(self) -> Tenant:
        from mockews.store.persist import WorldFileError
        from scenarios.population import PopulationError
        from scenarios.serving import build_tenant

        choices = (("--world", self.world_file), ("--profile", self.profile), ("--spec", self.spec))
        given = [name for name, value in choices if value]
        if len(given) > 1:
            raise click.UsageError(f"give one of --world, --profile or --spec, not {' and '.join(given)}")
        population = self.spec or self.profile
        if self.empty and population is None:
            raise click.UsageError("--empty needs --profile or --spec")
        try:
            return build_tenant(population, self.seed, self.world_file, self.empty)
        except FileNotFoundError as exc:
            raise click.BadParameter(f"no such file: {self.world_file}", param_hint="--world") from exc
        except WorldFileError as exc:
            raise click.BadParameter(str(exc), param_hint="--world") from exc
        except PopulationError as exc:
            raise click.BadParameter(str(exc), param_hint="--spec") from exc


tenant_options = options_as(
    TenantChoice,
    click.option(
        "--profile", type=click.Choice(PROFILE_NAMES), help="Serve a generated tenant (default: the demo tenant)."
    ),
    click.option(
        "--spec",
        metavar="NAME|FILE",
        help="Serve a population file (or a built-in one by name: synceng populate --list).",
    ),
    seed_option("Seed of the tenant and of every id (default: the population's, else 42)."),
    click.option(
        "--world", "world_file", type=click.Path(dir_okay=False, path_type=Path), help="Serve a saved world file."
    ),
    click.option("--empty", is_flag=True, help="With --profile or --spec: the directory and empty mailboxes only."),
)
"""The tenant options of the serve commands, handed over as one :class:`TenantChoice`."""


mock_server_options = options(
    *listen(8080),
    click.option("--auth", "auth", type=click.Choice(["none", "basic"]), default="basic", show_default=True),
    click.option(
        "--admin-token",
        envvar="SYNCENG_MOCK_ADMIN_TOKEN",
        help="The admin planes' bearer token (or $SYNCENG_MOCK_ADMIN_TOKEN); default: a new one, printed.",
    ),
    click.option(
        "--files-dir",
        type=click.Path(file_okay=False, exists=True, path_type=Path),
        help="The one directory the admin plane's /save and /load may use (default: they are off over HTTP).",
    ),
)
"""--host / --port / --threads / --auth / --admin-token / --files-dir of the mocks' serve commands."""


def admin_access(token: str | None, files_dir: Path | None) -> AdminAccess:
    """The admin planes of a served mock are never open: a token given, else a new one."""
    import secrets

    from mockews.adminplane import AdminAccess

    return AdminAccess(token or secrets.token_urlsafe(18), files_dir)


def _print_tenant(tenant: Tenant, ews_url: str | None, auth: str, access: AdminAccess | None = None) -> None:
    world = tenant.world
    counts = world.counts()
    click.echo(f"serving {tenant.description}: {counts['mailboxes']} mailboxes, {counts['items']} items")
    for note in tenant.notes:
        click.echo(f"  {note}")
    if ews_url:
        click.echo(f"  EWS endpoint : {ews_url}/EWS/Exchange.asmx")
        click.echo(f"  EWS admin    : {ews_url}/mockews-api/state")
        click.echo(f"  auth         : {auth}")
    if access is not None:
        click.echo(f"  admin token  : {access.token}   (Authorization: Bearer … on /mockews-api and /mockad-api)")
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


@click.group(invoke_without_command=True)
@tenant_options
@mock_server_options
@click.option(
    "--directory-port",
    "directory_port",
    type=click.IntRange(0, 65535),
    help="Serve the directory (Graph) on its own port instead of beside EWS.",
)
@click.pass_context
def serve(
    ctx: click.Context,
    choice: TenantChoice,
    host: str,
    port: int,
    directory_port: int | None,
    auth: str,
    threads: int,
    admin_token: str | None,
    files_dir: Path | None,
) -> None:
    """Serve the mock Exchange and the mock directory on one world (or: serve ews)."""
    if ctx.invoked_subcommand is not None:
        return
    from scenarios.serving import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, serve_both

    tenant = choice.build()
    access = admin_access(admin_token, files_dir)

    def ready(ews_url: str, graph_url: str, directory: MockDirectory) -> None:
        _print_tenant(tenant, ews_url, auth, access)
        click.echo(f"  Graph API    : {graph_url}/v1.0/users")
        click.echo(f"  token URL    : {graph_url}/{directory.tenant_id}/oauth2/v2.0/token")
        click.echo(f"  Graph client : {DEFAULT_CLIENT_ID} / {DEFAULT_CLIENT_SECRET} (client credentials)")
        click.echo(f"  Graph admin  : {graph_url}/mockad-api/state")
        _print_snippet(tenant, ews_url)
        click.echo("Press Ctrl+C to stop.")
        sys.stdout.flush()

    serve_both(tenant.world, host, port, directory_port, auth, threads, ready, access)


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
@tenant_options
@mock_server_options
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
@click.option(
    "--delivery-delay",
    "delivery_delay",
    type=click.IntRange(0, 86_400),
    default=None,
    metavar="SECONDS",
    help="Seconds from a send to the arrival in the recipients' Inboxes (0: at once) [default: 2].",
)
def serve_ews(
    choice: TenantChoice,
    host: str,
    port: int,
    auth: str,
    users: tuple[str, ...],
    impersonators: tuple[str, ...],
    server_version: str,
    delivery_delay: int | None,
    threads: int,
    admin_token: str | None,
    files_dir: Path | None,
) -> None:
    """Serve the mock Exchange (EWS over SOAP) alone, on a production WSGI server."""
    from mockews.app import create_app
    from mockews.server import serve_forever
    from mockews.service import MockExchange

    logins = [_user_option(u) for u in users]
    build = _build_option(server_version)
    tenant = choice.build()
    world = tenant.world
    world.server_version = build
    if delivery_delay is not None:
        world.delivery_delay_s = delivery_delay
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
    access = admin_access(admin_token, files_dir)
    app = create_app(MockExchange(world, auth=auth), access)

    def ready(actual_port: int) -> None:
        url = f"http://{host}:{actual_port}"
        _print_tenant(tenant, url, auth, access)
        _print_snippet(tenant, url)
        click.echo("Press Ctrl+C to stop.")
        sys.stdout.flush()

    serve_forever(app, host, port, threads=threads, on_ready=ready)


def _run_scenario(
    name: str,
    seed: int | None,
    horizon: str | None,
    report: Path,
    transport: str,
    quiet: bool,
    workers: int | None = None,
    scheduler: str | None = None,
) -> bool:
    """Run a scenario with a progress bar over simulated time (sharded by site on Dask
    with ``workers`` or ``scheduler``); print the verdicts and where the reports are.
    True when every check passed."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from scenarios.sim.builtin import resolve
    from scenarios.sim.report import print_summary, write_reports
    from scenarios.sim.runner import Simulation
    from scenarios.sim.spec import ScenarioError, parse_offset

    sharded = workers is not None or scheduler is not None
    try:
        scenario = resolve(name)
        span = parse_offset(horizon) if horizon else None
        if sharded:
            from scenarios.sim.sharding import ShardingUnavailable, require_dask, shard_refusal

            try:
                require_dask()
            except ShardingUnavailable as exc:
                raise click.UsageError(str(exc)) from exc
            refused = shard_refusal(scenario)
            if refused is not None:
                raise refused
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

        if sharded:
            from scenarios.sim.sharding import run_sharded

            bar.update(job, note="starting the Dask cluster" if scheduler is None else "connecting to the scheduler")
            try:
                result = run_sharded(scenario, seed, span, workers, scheduler, transport, progress)
            except ScenarioError as exc:  # found once the tenant exists (a task reaching another site's mailbox)
                raise click.ClickException(str(exc)) from exc
        else:
            result = Simulation(scenario, seed, span, transport, progress).run()
    print_summary(result, console)
    paths = write_reports(result, report)
    console.print(f"reports: {paths['html']}  {paths['json']}  {paths['trace']}")
    return result.passed


@click.command()
@seed_option("Another seed than the scenario's.")
@report_option("Where the reports go.")
def demo(seed: int | None, report: Path) -> None:
    """The main job on embedded defaults: the quickstart scenario — a generated tenant,
    a site running the real engine, a simulated day in seconds, checked by the oracle."""
    if not _run_scenario("quickstart", seed, None, report, "inprocess", quiet=False):
        sys.exit(1)


@click.group()
def scenario() -> None:
    """Simulated scenarios: the real engine on a SimPy clock, checked by an oracle."""


@scenario.command("run")
@click.argument("name_or_file")
@seed_option("Another seed than the scenario's.")
@click.option("--horizon", help="Another horizon than the scenario's, e.g. 6h or 2d.")
@report_option("Where report.html, report.json and trace.jsonl go.")
@click.option("--transport", type=click.Choice(["inprocess", "http"]), default="inprocess", show_default=True)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option(
    "--workers",
    type=click.IntRange(1, 1024),
    help="Shard the run by site on a local Dask cluster of this many worker processes "
    "(one thread each; needs the synceng[dask] extra).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Shard the run by site on a running Dask cluster, e.g. tcp://HOST:8786 (workers started with "
    "`dask worker`); as many shards as it has worker threads, or --workers.",
)
def scenario_run(
    name_or_file: str,
    seed: int | None,
    horizon: str | None,
    report: Path,
    transport: str,
    quiet: bool,
    workers: int | None,
    scheduler: str | None,
) -> None:
    """Run a built-in scenario (by name) or a scenario file; exits 1 if a check fails.
    With --workers or --scheduler, sites are simulated in parallel (one report all the
    same, equal to the unsharded run's)."""
    if not _run_scenario(name_or_file, seed, horizon, report, transport, quiet, workers, scheduler):
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


@click.command()
@click.option("--profile", type=click.Choice(PROFILE_NAMES), help="A built-in tenant size (a built-in population).")
@click.option(
    "--spec",
    metavar="NAME|FILE",
    help="A population file (YAML; see the README), or a built-in population by name (--list).",
)
@click.option("--list", "list_builtin", is_flag=True, help="List the built-in population files and exit.")
@seed_option("Same seed, same tenant (default: the population's seed, 42 for the profiles).")
@click.option(
    "--coverage",
    type=click.FloatRange(0.0, 1.0),
    help="Share of messages the archive already holds (default: the population's, 0.98).",
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
    profile: str | None,
    spec: str | None,
    list_builtin: bool,
    seed: int | None,
    coverage: float | None,
    out: Path | None,
    ews_url: str | None,
    user: str | None,
    password: str | None,
    targets: tuple[str, ...],
    dry_run: bool,
    progress: bool,
) -> None:
    """Fill mailboxes from a population — a built-in profile or a population file
    (deterministic by seed): directly into a mock world (fast; --out saves it), or
    through EWS into any endpoint, mockews or a real Exchange test tenant (resumable: a
    second run adds nothing)."""
    from scenarios.populate_cli import populate_direct, populate_ews
    from scenarios.population import PopulationError, builtin_names, builtin_path, load_population, resolve_population

    if list_builtin:
        for name in builtin_names():
            click.echo(f"{name:16} {load_population(builtin_path(name)).description.strip()}")
        return
    if (profile is None) == (spec is None):
        raise click.UsageError("give --profile or --spec (one of them)")
    try:
        population = resolve_population(spec or profile or "")
    except PopulationError as exc:
        raise click.BadParameter(str(exc), param_hint="--spec") from exc
    seed = population.seed if seed is None else seed
    if ews_url is None:
        if user or password or targets:
            raise click.UsageError("--user, --password and --target-mailbox need --ews-url")
        populate_direct(population, seed, coverage, out, dry_run, click.echo)
        return
    if not ews_url.startswith(("http://", "https://")):
        raise click.BadParameter(f"{ews_url!r}: expected an http(s) URL", param_hint="--ews-url")
    if not user or not password:
        raise click.UsageError("--ews-url needs --user and --password (or $SYNCENG_EWS_PASSWORD)")
    if out is not None:
        raise click.UsageError("--out saves a directly loaded world; it does not apply with --ews-url")
    populate_ews(population, seed, coverage, ews_url, user, password, list(targets), dry_run, progress, click.echo)


@click.command()
@click.option(
    "--profile",
    type=click.Choice(["tiny", "small", "demo"]),
    default="tiny",
    show_default=True,
    help="The tenant of the mocks: a generated one, or the demo tenant.",
)
@click.option("--sites", type=click.IntRange(1, 10), default=1, show_default=True, help="How many sites run.")
@seed_option("Seed of the generated tenant.", default=42)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="The console's; 0 picks a free port."
)
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the databases go (kept); default: a temporary directory removed at exit.",
)
@click.option(
    "--poll-seconds",
    default=5.0,
    show_default=True,
    type=click.FloatRange(5, 120),
    help="How often the sites poll the console (a new task is seen this soon).",
)
@click.option(
    "--mail-every",
    default=60.0,
    show_default=True,
    type=click.FloatRange(0, 86_400),
    help="Seconds between rounds of new mail in every mailbox, so each run has something to replicate; 0: none.",
)
def up(
    profile: str, sites: int, seed: int, port: int, directory: Path | None, poll_seconds: float, mail_every: float
) -> None:
    """The whole stack live in one command: the mocks, the console with its archive, N
    sites running the real engine in real time, an administrator and a sample task.
    Prints the console's URL and the credentials; Ctrl+C stops everything."""
    from scenarios.up import StackError, UpOptions, run

    try:
        run(UpOptions(profile, sites, seed, port, directory, poll_seconds, mail_every), click.echo)
    except StackError as exc:
        raise click.ClickException(str(exc)) from exc


COMMANDS = (serve, demo, scenario, populate, up)
