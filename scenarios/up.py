"""``synceng up``: the whole stack live on embedded defaults, in one process and in real
time — what ``synceng serve``, ``synceng serve console``, ``synceng console create-admin``,
``synceng console register-site`` and ``synceng site run`` do by hand, put together:

* the mock Exchange and the mock directory on one world (a generated tenant, or the
  demo tenant), served over loopback HTTP;
* the console with the archive platform under ``/archive``, on SQLite files in a
  temporary directory (or ``--dir``);
* an administrator, N registered sites (distinct codes, each its own zone and local
  state) and a sample schedule, definition and task per site, due soon after start;
* each site the real engine on the wall clock in its own thread, reaching the console,
  the archive, the directory and Exchange over their HTTP APIs only (architecture
  promise 2), exactly as ``synceng site run`` does.

Stopping (SIGINT or SIGTERM) asks every site to stop — a running execution finishes its
current mailbox, as when a site is disabled — then closes the servers, then removes the
temporary directory.
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

import requests
from exchangelib.protocol import close_connections

from clocks import WallClock
from engine.console.store import ConsoleStore
from engine.console.wiring import Platform, build_platform
from engine.errors import DomainError
from engine.model import SCHEDULE_SPEC, DefinitionIn, ScheduleIn, SiteIn, TaskIn
from engine.schedule import next_occurrence
from engine.security import secure_rng
from engine.site.directory import DirectorySettings
from engine.site.runtime import RealTimeRuntime
from engine.site.site import Site, SiteOptions
from engine.site.state import SiteState
from engine.wire.console_archive import archived_batches
from mockad.app import combine
from mockad.app import create_app as directory_app
from mockad.service import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, MockDirectory
from mockews.adminplane import AdminAccess
from mockews.app import create_app as ews_app
from mockews.server import ServerThread
from mockews.service import MockExchange
from mockews.store import World
from mockews.store.loader import new_message

from .serving import Tenant, build_tenant
from .sim.tenant import archive_key

HOST = "127.0.0.1"
#: site codes and their zones, in the order sites are registered
SITES = (
    ("LON", "Europe/London"),
    ("NYC", "America/New_York"),
    ("TYO", "Asia/Tokyo"),
    ("SYD", "Australia/Sydney"),
    ("FRA", "Europe/Berlin"),
    ("SGP", "Asia/Singapore"),
    ("SFO", "America/Los_Angeles"),
    ("DXB", "Asia/Dubai"),
    ("BOM", "Asia/Kolkata"),
    ("SAO", "America/Sao_Paulo"),
)
PASSWORD_VARIABLE = "SYNCENG_ADMIN_PASSWORD"
#: the sample schedule fires every this many minutes, the first time at least
#: FIRST_RUN_AFTER seconds after start (so a newcomer sees a run within about a minute,
#: and a task created at once through the console runs before it)
EVERY_MINUTES = 5
FIRST_RUN_AFTER = 30.0
#: how long a site may take to finish its current mailbox once asked to stop
STOP_GRACE_SECONDS = 20.0

Echo = Callable[[str], None]


class StackError(Exception):
    """The stack cannot come up (a port in use, a directory in use, a refused password)."""


@dataclass(frozen=True)
class UpOptions:
    """What ``synceng up`` is given."""

    profile: str  # tiny | small | demo
    sites: int
    seed: int
    port: int  # the console's; 0 picks a free one
    directory: Path | None  # where the databases go; None: a temporary directory
    poll_seconds: float
    mail_every: float = 60.0  # seconds between deliveries of new mail to every mailbox; 0: none


@dataclass(frozen=True)
class Admin:
    email: str
    password: str
    from_environment: bool


@dataclass(frozen=True)
class Mocks:
    url: str
    directory: MockDirectory
    admin_token: str  # the admin planes' bearer token (never open when served)

    @property
    def ews_endpoint(self) -> str:
        return f"{self.url}/EWS/Exchange.asmx"

    @property
    def graph_url(self) -> str:
        return f"{self.url}/v1.0"

    @property
    def token_url(self) -> str:
        return f"{self.url}/{self.directory.tenant_id}/oauth2/v2.0/token"


@dataclass(frozen=True)
class Registered:
    """A site as registered with the console."""

    site_id: int
    code: str
    time_zone: str
    key: str


@dataclass(frozen=True)
class Sample:
    """A sample task and when it first runs."""

    task_id: int
    site: Registered
    what: str
    first_run: datetime | None


@dataclass(frozen=True)
class LiveStack:
    """The live stack, as the banner tells it."""

    tenant: Tenant
    mocks: Mocks
    console_url: str
    archive_url: str
    workdir: Path
    kept: bool  # the directory stays after exit (--dir)
    admin: Admin
    samples: list[Sample]
    poll_seconds: float
    platform: Platform  # to journal new mail in the archive


# -- the pieces ---------------------------------------------------------------------------------------


def serve(stack: ExitStack, app: Any, port: int, what: str) -> ServerThread:
    """A waitress server in a thread, stopped when ``stack`` closes."""
    try:
        server = ServerThread(app, host=HOST, port=port, threads=4)
    except OSError as exc:
        raise StackError(
            f"the {what} cannot listen on {HOST}:{port} ({exc.strerror}); --port 0 picks a free port"
        ) from exc
    return stack.enter_context(server)


def start_mocks(stack: ExitStack, world: World) -> Mocks:
    directory = MockDirectory(world)
    access = AdminAccess(secrets.token_urlsafe(18))  # no files directory: /save and /load are off
    app = combine(ews_app(MockExchange(world, auth="basic"), access), directory_app(directory, access))
    return Mocks(serve(stack, app, 0, "mocks").url, directory, str(access.token))


def workdir(stack: ExitStack, given: Path | None) -> Path:
    """Where the databases go: ``given`` (kept), else a temporary directory removed at exit.
    A directory that already holds a stack's console is refused: its administrator and
    sites would clash with the new ones."""
    if given is None:
        return Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="synceng-up-")))
    if (given / "console.db").exists():
        raise StackError(f"{given} already holds a console (console.db): give a new or empty directory")
    given.mkdir(parents=True, exist_ok=True)
    return given


def start_console(stack: ExitStack, where: Path, port: int) -> tuple[Platform, str]:
    """The console with the archive under /archive, on SQLite files in ``where``."""
    platform = build_platform(
        f"sqlite:///{where / 'console.db'}", f"sqlite:///{where / 'archive.db'}", WallClock(), secure_rng(), None
    )
    url = serve(stack, platform.wsgi(), port, "console").url
    platform.serve_at(url)
    return platform, url


def journaled(world: World) -> list[dict[str, Any]]:
    """Every message of the tenant as journaling would have indexed it in the archive
    (subject, sender, received, size, who may read it), keyed as MFR keys what it
    replicates, so Exchange Folders shows messages, not bare Message-IDs."""
    messages: dict[str, dict[str, Any]] = {}
    for mailbox in world.mailboxes.values():
        for folder in mailbox.folders():
            for item in folder.items.values():
                if item.kind != "Message" or not item.message_id:
                    continue
                key = archive_key(item.message_id, item.sent)
                entry = messages.setdefault(key, _journal_entry(key, item))
                entry["readers"].append(mailbox.email.lower())
    return list(messages.values())


def _journal_entry(key: str, item: Any) -> dict[str, Any]:
    who = item.sender or item.from_
    sender = "" if who is None else (f"{who.name} <{who.email}>" if who.name else who.email)
    received = datetime.fromtimestamp(item.received, UTC).isoformat() if item.received else None
    return {
        "item": key,
        "subject": item.subject or "",
        "sender": sender,
        "received": received,
        "size": item.size,
        "readers": [],
    }


def journal(platform: Platform, messages: list[dict[str, Any]]) -> int:
    """Index messages in the archive over its API (the admin token), in batches the API
    takes."""
    with requests.Session() as http:
        for body in archived_batches(messages):
            reply = http.post(
                f"{platform.archive_url}/api/archived",
                json=body,
                headers={"Authorization": f"Bearer {platform.archive_token}"},
                timeout=120,
            )
            reply.raise_for_status()
    return len(messages)


def deliver_mail(world: World, rng: random.Random, round_: int) -> list[dict[str, Any]]:
    """One round of live mail: every mailbox's Inbox gets a new message from another
    mailbox of the tenant (chosen by the seeded ``rng``), so each run of a task has
    something new to replicate; answered as journaling indexes it."""
    now = world.clock.now()
    entries = []
    with world.lock:  # the mock Exchange serves this world from its own threads
        boxes = sorted(world.mailboxes.values(), key=lambda m: m.email)
        for n, box in enumerate(boxes):
            others = [b for b in boxes if b is not box] or [box]
            sender = rng.choice(others)
            subject = f"{rng.choice(SUBJECTS)} #{round_}"
            item = new_message(
                box,
                box.well_known("inbox"),
                subject=subject,
                body=f"Live mail round {round_} for {box.display_name}.",
                sender=(sender.display_name, sender.email),
                to=[(box.display_name, box.email)],
                received=now,
                sent=now,
                size=rng.randint(2_000, 60_000),
                message_id=f"<live-{round_}-{n}@{world.domain}>",
            )
            entry = _journal_entry(archive_key(item.message_id or "", item.sent), item)
            entry["readers"].append(box.email.lower())
            entries.append(entry)
    return entries


#: what live mail is about
SUBJECTS = ("Status update", "Meeting notes", "Invoice", "Quick question", "Travel plans", "Weekly report")


def create_admin(store: ConsoleStore, email: str) -> Admin:
    """The administrator: the password from $SYNCENG_ADMIN_PASSWORD, else a new one
    (printed once)."""
    given = os.environ.get(PASSWORD_VARIABLE)
    password = given or secrets.token_urlsafe(12)
    try:
        store.create_admin(email, password)
    except DomainError as exc:
        raise StackError(f"${PASSWORD_VARIABLE}: {exc.message}" if given else exc.message) from exc
    return Admin(email, password, given is not None)


def register_sites(store: ConsoleStore, count: int, tenant: Tenant, mocks: Mocks) -> list[Registered]:
    sites = []
    for code, zone in SITES[:count]:
        spec = SiteIn.model_validate(
            {
                "code": code,
                "description": f"{zone.split('/')[-1].replace('_', ' ')} (synceng up)",
                "time_zone": zone,
                "ews": {
                    "endpoint": mocks.ews_endpoint,
                    "service_account": tenant.service_account or "",
                    "password": tenant.service_password,
                    "impersonation": True,
                },
            }
        )
        view, key = store.register_site(spec)
        sites.append(Registered(view["id"], code, zone, key))
    return sites


# -- the samples ----------------------------------------------------------------------------------------


def sample_group(world: World) -> tuple[dict[str, Any], str]:
    """A small group of the tenant as a task's target, and how to name it: the AD
    security group with the fewest members (else a distribution group with a DN, else
    a list of three mailboxes)."""
    groups = [g for g in world.directory.groups.values() if g.distinguished_name and not g.is_unified]
    groups.sort(key=lambda g: (not g.security_enabled, len(g.members), g.display_name))
    if groups:
        group = groups[0]
        kind = "ad_security_group" if group.security_enabled else "ad_distribution_group"
        target = {"kind": kind, "dn": group.distinguished_name, "chosen_by": "manual"}
        return target, f"{group.display_name} ({kind.replace('ad_', 'AD ').replace('_', ' ')})"
    addresses = sorted(world.mailboxes)[:3]
    return {"kind": "mailbox_list", "addresses": addresses}, ", ".join(addresses)


def sample_schedule(now: datetime, zone: str) -> dict[str, Any]:
    """Every EVERY_MINUTES minutes all day, its slots placed so that the first comes at
    least FIRST_RUN_AFTER seconds after ``now`` (T5: start + k·interval ≤ end, in the
    site's zone; every zone of SITES is a whole number of 5 minutes off UTC, so the
    slots fall at the same instants on every site)."""
    soon = now.astimezone(ZoneInfo(zone)) + timedelta(seconds=FIRST_RUN_AFTER)
    first = soon.replace(second=0, microsecond=0) + timedelta(minutes=1 if soon.second or soon.microsecond else 0)
    offset = (first.hour * 60 + first.minute) % EVERY_MINUTES
    times = {"mode": "many", "start": f"00:{offset:02d}", "end": "23:59", "interval_minutes": EVERY_MINUTES}
    return {"kind": "daily", "times": times}


def add_samples(store: ConsoleStore, world: World, sites: list[Registered], by: str) -> list[Sample]:
    """A sample schedule, and a task on each site: Mailbox Folder Replication of a small
    group on the first, Calendar Replication of the same group on the others (T8: one
    mailbox is replicated by one MFR task only; calendars have no such owner)."""
    now = WallClock().now()
    schedule = SCHEDULE_SPEC.validate_python(sample_schedule(now, sites[0].time_zone))
    schedule_id = store.create_schedule(ScheduleIn(name=f"Every {EVERY_MINUTES} minutes", spec=schedule), by)["id"]
    target, named = sample_group(world)
    definitions = {
        "mfr": ("Sample folder replication", "Mailbox Folder Replication"),
        "calendar": ("Sample calendar replication", "Calendar Replication"),
    }
    ids: dict[str, int] = {}
    samples = []
    for n, site in enumerate(sites):
        kind = "mfr" if n == 0 else "calendar"
        name, label = definitions[kind]
        if kind not in ids:
            spec = DefinitionIn.model_validate({"name": name, "spec": {"type": kind}})
            ids[kind] = store.create_definition(spec, by)["id"]
        task = TaskIn.model_validate(
            {
                "site_id": site.site_id,
                "type": kind,
                "definition_id": ids[kind],
                "schedule_id": schedule_id,
                "group": target,
            }
        )
        task_id = store.create_task(task, by)["id"]
        first = next_occurrence(schedule, site.time_zone, now)
        samples.append(Sample(task_id, site, f"{label} of {named}", first))
    return samples


# -- the sites ---------------------------------------------------------------------------------------


class StoppableClock(WallClock):
    """The wall clock, whose sleeps end early once the stack stops: a site's runtime
    sleeps on its clock until the next due process, up to two minutes."""

    def __init__(self, stopping: threading.Event) -> None:
        self.stopping = stopping

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.stopping.wait(seconds)


def drive(site: Site, runtime: RealTimeRuntime, stopping: threading.Event) -> None:
    """A site's thread: run until the stack stops, then stop the site — in this thread,
    as its alarms wake this runtime's processes — and let it wind down."""
    site.start()
    runtime.run(until=stopping.is_set)
    site.stop()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    runtime.run(until=lambda: time.monotonic() > deadline)
    if any(not handle.done for handle in runtime.handles):
        logging.getLogger(__name__).warning("site %s did not stop within %.0f s", site.code, STOP_GRACE_SECONDS)
    site.state.close()


def start_sites(
    stack: ExitStack, sites: list[Registered], console_url: str, mocks: Mocks, where: Path, poll_seconds: float
) -> None:
    """Each site in its own thread, as `synceng site run` runs it; stopped (and joined)
    when ``stack`` closes."""
    stopping = threading.Event()
    threads = []
    directory = DirectorySettings(mocks.graph_url, mocks.token_url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
    for registered in sites:
        runtime = RealTimeRuntime(StoppableClock(stopping))
        options = SiteOptions(poll_seconds=poll_seconds, directory=directory, ews_auth="basic")
        state = SiteState(where / f"site-{registered.code}.db")
        site = Site(console_url, registered.key, state, runtime, options)
        threads.append(
            threading.Thread(target=drive, args=(site, runtime, stopping), name=f"site-{registered.code}", daemon=True)
        )

    def stop() -> None:
        stopping.set()
        for thread in threads:
            thread.join(timeout=STOP_GRACE_SECONDS + 10)

    stack.callback(stop)
    for thread in threads:
        thread.start()


# -- the whole -----------------------------------------------------------------------------------------


def bring_up(stack: ExitStack, options: UpOptions) -> LiveStack:
    """Every piece, started in order; ``stack`` stops them in reverse (sites first)."""
    tenant = build_tenant(None if options.profile == "demo" else options.profile, options.seed, None, False)
    where = workdir(stack, options.directory)
    mocks = start_mocks(stack, tenant.world)
    platform, console_url = start_console(stack, where, options.port)
    store = platform.console_store
    admin = create_admin(store, f"admin@{tenant.world.domain}")
    sites = register_sites(store, options.sites, tenant, mocks)
    samples = add_samples(store, tenant.world, sites, admin.email)
    platform.connect()  # the archive (in this process) learns the sites' keys and tasks
    journal(platform, journaled(tenant.world))
    stack.callback(close_connections)  # exchangelib's pools, once the sites have stopped
    start_sites(stack, sites, console_url, mocks, where, options.poll_seconds)
    assert platform.archive_url is not None
    return LiveStack(
        tenant,
        mocks,
        console_url,
        platform.archive_url,
        where,
        options.directory is not None,
        admin,
        samples,
        options.poll_seconds,
        platform,
    )


def banner(up: LiveStack, seconds: float, echo: Echo) -> None:
    """What is where, and how to log in: printed once the stack is ready."""
    counts = up.tenant.world.counts()
    echo(f"synceng up: {up.tenant.description}, {counts['mailboxes']} mailboxes, {counts['items']} items")
    echo(f"  console        : {up.console_url}/exchange-services")
    echo(f"  REST API       : {up.console_url}/api/openapi.json")
    echo(f"  administrator  : {up.admin.email}")
    if up.admin.from_environment:
        echo(f"  password       : (from ${PASSWORD_VARIABLE})")
    else:
        echo(f"  password       : {up.admin.password}   (shown once: note it)")
    echo(f"  archive        : {up.archive_url}")
    echo(f"  mock Exchange  : {up.mocks.ews_endpoint}   (admin plane {up.mocks.url}/mockews-api/state)")
    echo(f"  mock directory : {up.mocks.graph_url}   (admin plane {up.mocks.url}/mockad-api/state)")
    echo(f"  admin token    : {up.mocks.admin_token}   (Authorization: Bearer … on the mocks' admin planes)")
    echo(f"  service account: {up.tenant.service_account} / {up.tenant.service_password}")
    for sample in up.samples:
        site = sample.site
        when = "no run scheduled"
        if sample.first_run is not None:
            local = sample.first_run.astimezone(ZoneInfo(site.time_zone))
            when = f"first run at {local:%H:%M} {site.code} time, then every {EVERY_MINUTES} minutes"
        echo(f"  site {site.code} ({site.time_zone}): task {sample.task_id}, {sample.what}; {when}")
    kept = "kept" if up.kept else "removed at exit"
    echo(f"  databases      : {up.workdir} ({kept})")
    echo(f"ready in {seconds:.1f} s; sites poll the console every {up.poll_seconds:g} s.  Press Ctrl+C to stop.")


@contextmanager
def stop_signals() -> Iterator[threading.Event]:
    """SIGINT and SIGTERM set the event (instead of raising in whatever the main thread
    is doing); the previous handlers come back afterwards."""
    stopping = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stopping
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def live_mail(up: LiveStack, options: UpOptions, stopping: threading.Event, echo: Echo) -> None:
    """Until the stack stops: every ``mail_every`` seconds, new mail in every mailbox
    (none when 0), journaled in the archive."""
    rng = random.Random(options.seed)
    rounds = 0
    while not stopping.wait(options.mail_every or 3600):
        if not options.mail_every:
            continue
        rounds += 1
        delivered = deliver_mail(up.tenant.world, rng, rounds)
        journal(up.platform, delivered)
        echo(f"{time.strftime('%H:%M:%S')} new mail: one message in each of the {len(delivered)} mailboxes")


def run(options: UpOptions, echo: Echo) -> None:
    """Bring the stack up, say where it is, and serve until SIGINT or SIGTERM."""
    started = time.monotonic()
    # the sites' task log (T10) and warnings; the other libraries' chatter stays out
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(threadName)s %(levelname)s %(message)s")
    logging.getLogger("engine.site").setLevel(logging.INFO)
    with stop_signals() as stopping, ExitStack() as stack:
        up = bring_up(stack, options)
        if not stopping.is_set():  # interrupted while starting: no banner for a stack that goes at once
            banner(up, time.monotonic() - started, echo)
        live_mail(up, options, stopping, echo)
        echo("stopping: sites finish their current mailbox, then the servers close")
    echo("stopped")


__all__ = ["SITES", "StackError", "UpOptions", "run"]
