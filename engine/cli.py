"""The `synceng` command line.

Subcommands import what they need when they run, so `synceng --help` stays fast and
the engine package does not depend on the testbed at import time.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from mockews.store import ServerVersion


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="synceng")
def main() -> None:
    """Exchange Tasks synchronization engine and its mock-Exchange testbed."""


@main.group()
def serve() -> None:
    """Serve the mock services over HTTP."""


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
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port.")
@click.option("--auth", "auth", type=click.Choice(["none", "basic"]), default="basic", show_default=True)
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
    "--world",
    "world_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Load a saved world instead of the demo tenant.",
)
@click.option("--seed", default=42, show_default=True, help="Seed of the demo tenant and of every id.")
@click.option(
    "--server-version",
    "server_version",
    default="15.1.2507.6",
    show_default=True,
    metavar="MAJOR.MINOR.BUILD.REVISION",
    help="The Exchange build reported in ServerVersionInfo (15.1 = Exchange 2016, 15.2 = 2019).",
)
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64), help="waitress worker threads.")
def serve_ews(
    host: str,
    port: int,
    auth: str,
    users: tuple[str, ...],
    impersonators: tuple[str, ...],
    world_file: Path | None,
    seed: int,
    server_version: str,
    threads: int,
) -> None:
    """Serve the mock Exchange (EWS over SOAP) on a production WSGI server."""
    from mockews.app import create_app
    from mockews.server import serve_forever
    from mockews.service import MockExchange
    from mockews.store import World
    from mockews.store.persist import WorldFileError, load_world
    from scenarios.demo_tenant import SERVICE_ACCOUNT, SERVICE_PASSWORD, USER_PASSWORD, build_demo_world

    logins = [_user_option(u) for u in users]
    build = _build_option(server_version)
    if world_file is not None:
        try:
            world = load_world(world_file)
        except FileNotFoundError as exc:
            raise click.BadParameter(f"no such file: {world_file}", param_hint="--world") from exc
        except WorldFileError as exc:
            raise click.BadParameter(str(exc), param_hint="--world") from exc
        tenant = f"world file {world_file}"
    else:
        world = build_demo_world(World(seed=seed), seed=seed)
        tenant = "the demo tenant"
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
    service = MockExchange(world, auth=auth)
    app = create_app(service)

    def ready(actual_port: int) -> None:
        url = f"http://{host}:{actual_port}/EWS/Exchange.asmx"
        counts = world.counts()
        click.echo(f"mockews serving {tenant}: {counts['mailboxes']} mailboxes, {counts['items']} items")
        click.echo(f"  EWS endpoint : {url}")
        click.echo(f"  admin plane  : http://{host}:{actual_port}/mockews-api/state")
        click.echo(f"  auth         : {auth}")
        if world_file is None:
            click.echo(f"  service account (impersonation): {SERVICE_ACCOUNT} / {SERVICE_PASSWORD}")
            click.echo(f"  users: {', '.join(sorted(world.mailboxes))} (password {USER_PASSWORD})")
            click.echo("Connect with exchangelib:")
            click.echo("  from exchangelib import Account, Configuration, Credentials, IMPERSONATION")
            click.echo(f"  cfg = Configuration(service_endpoint={url!r},")
            click.echo(f"                      credentials=Credentials({SERVICE_ACCOUNT!r}, {SERVICE_PASSWORD!r}))")
            first = sorted(world.mailboxes)[0]
            click.echo(f"  acc = Account({first!r}, config=cfg, access_type=IMPERSONATION, autodiscover=False)")
            click.echo("  print(acc.root.tree())")
        click.echo("Press Ctrl+C to stop.")
        sys.stdout.flush()

    serve_forever(app, host, port, threads=threads, on_ready=ready)


@main.command()
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option("--seed", default=42, show_default=True)
@click.pass_context
def demo(ctx: click.Context, port: int, seed: int) -> None:
    """The main job on embedded defaults: serve the mock Exchange with the demo tenant."""
    ctx.invoke(
        serve_ews,
        host="127.0.0.1",
        port=port,
        auth="basic",
        users=(),
        impersonators=(),
        world_file=None,
        seed=seed,
        server_version="15.1.2507.6",
        threads=4,
    )


@main.group()
def bench() -> None:
    """Benchmarks (opt-in; results as JSON)."""


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


if __name__ == "__main__":  # pragma: no cover
    main()
