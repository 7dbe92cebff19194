"""Scenario files: a validated schema (pydantic) and a YAML loader whose errors name the
file, the line and the field.  The same models are the Python API.

A scenario says which tenant to generate (profile, seed), the sites, schedules,
definitions and tasks the administrator sets up at the start, the mailbox and directory
activity, an administrator timeline, fault windows, the horizon, and which checks the
oracle runs.  Times in the timeline are offsets from the start: ``"90m"``, ``"1d 10:00"``
(day 1 at 10:00 in UTC), ``"2h30m"``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from engine.model import DefinitionSpec, EngineVersion, GroupTarget, ScheduleSpec, SiteCode, ZoneName

from ..yamlfile import (
    RefError,
    SpecFileError,
    check_duration,
    field_name,
    line_of,
    parse_offset,
    read_mapping,
    validate,
)

RULES = (
    "R1",
    "R2",
    "R3",
    "R4",
    "R9",
    "C1",
    "S1",
    "S2",
    "S3",
    "M1",
    "M2",
    "M3",
    "M4",
    "T1",
    "T4",
    "T7",
    "T8",
    "T9",
    "T10",
    "X2",
    "K1",  # domain.md §1: a site's key reaches only its own tasks (and the mailboxes they process)
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TenantSpec(_Model):
    """A built-in profile (with overrides, or ``custom``), or a population file."""

    profile: Literal["tiny", "small", "medium", "large", "custom"] = "tiny"
    #: a population file (relative to the scenario file) or a built-in population's name
    population: str | None = Field(default=None, min_length=1)
    mailboxes: int | None = Field(default=None, ge=1, le=20_000)  # custom (or overrides)
    messages_per_mailbox: int | None = Field(default=None, ge=0, le=100_000)
    calendar_items_per_mailbox: int | None = Field(default=None, ge=0, le=10_000)
    groups: int | None = Field(default=None, ge=0, le=10_000)
    archive_coverage: float | None = Field(default=None, ge=0, le=1)

    @model_validator(mode="after")
    def _custom(self) -> TenantSpec:
        if self.population is not None:
            # by value, not by what was set: a scenario sent to a Dask worker is dumped whole
            sizes = ("mailboxes", "messages_per_mailbox", "calendar_items_per_mailbox", "groups")
            given = [name for name in sizes if getattr(self, name) is not None]
            if self.profile != "tiny":
                given.insert(0, "profile")
            if given:
                raise RefError((given[0],), "a population file says the tenant's size: give population or profile")
        if self.profile == "custom" and self.mailboxes is None:
            raise ValueError("a custom tenant needs mailboxes")
        return self


class SiteSpec(_Model):
    """A site as the console takes it (the same field types and rules), and optionally
    the mailboxes homed at it: a site with ``mailboxes: N`` takes the next N of the
    tenant's mailboxes (sorted by address), in the order the sites are listed.  Homed
    mailboxes make sites independent — the ``site_mailboxes`` group, fault windows
    on some sites, and a run sharded by site (``--workers``)."""

    code: SiteCode
    time_zone: ZoneName = "UTC"
    engine_version: EngineVersion = "2.7.0"
    mailboxes: int | None = Field(default=None, ge=1, le=20_000)


class NamedSchedule(_Model):
    name: str = Field(min_length=1, max_length=120)
    spec: ScheduleSpec


class NamedDefinition(_Model):
    name: str = Field(min_length=1, max_length=120)
    spec: DefinitionSpec


class DirectoryGroupRef(_Model):
    """The tenant's ``index``-th group of a kind (by name): a security group is targeted
    by its DN (an AD group), a distribution group by its address (ExpandDL)."""

    kind: Literal["security", "distribution"]
    index: int = Field(default=0, ge=0)


class GroupRef(_Model):
    """A group target; ``all_mailboxes`` / ``first`` / ``directory_group`` /
    ``site_mailboxes`` (the mailboxes homed at the task's site) are shorthands
    resolved against the generated tenant."""

    all_mailboxes: bool = False
    first: int | None = Field(default=None, ge=1)
    directory_group: DirectoryGroupRef | None = None
    site_mailboxes: bool = False
    target: GroupTarget | None = None

    @model_validator(mode="after")
    def _one(self) -> GroupRef:
        given = [
            self.all_mailboxes,
            self.first is not None,
            self.directory_group is not None,
            self.site_mailboxes,
            self.target is not None,
        ]
        if sum(given) != 1:
            raise ValueError("give exactly one of all_mailboxes, first, directory_group, site_mailboxes or target")
        return self


class TaskSpec(_Model):
    name: str = Field(min_length=1, max_length=64)
    site: str
    type: Literal["mfr", "calendar", "msm", "managed_folders"]
    definition: str
    schedule: str
    group: GroupRef


class ActivitySpec(_Model):
    """Per mailbox and day, on average (arrivals follow a daily and weekly profile)."""

    mail_per_day: float = Field(default=20.0, ge=0, le=2_000)
    sent_per_day: float = Field(default=5.0, ge=0, le=1_000)
    read_fraction: float = Field(default=0.7, ge=0, le=1)
    moves_per_day: float = Field(default=2.0, ge=0, le=1_000)
    soft_deletes_per_day: float = Field(default=1.0, ge=0, le=1_000)
    hard_deletes_per_day: float = Field(default=0.5, ge=0, le=1_000)
    folder_changes_per_day: float = Field(default=0.2, ge=0, le=100)
    sensitivity_changes_per_day: float = Field(default=0.1, ge=0, le=100)
    calendar_changes_per_day: float = Field(default=1.0, ge=0, le=1_000)
    directory_changes_per_day: float = Field(default=0.0, ge=0, le=1_000)  # tenant-wide
    pause_while_processed: bool = True  # a mailbox being read by a task waits (exact run boundaries)


class AdminAction(_Model):
    at: str
    action: Literal[
        "change_definition",
        "change_schedule",
        "change_task",
        "delete_task",
        "create_task",
        "disable_site",
        "enable_site",
    ]
    task: str | None = None
    site: str | None = None
    definition: str | None = None
    schedule: str | None = None
    spec: dict[str, Any] | None = None
    new_task: TaskSpec | None = None

    _at = field_validator("at", mode="before")(check_duration)


class FaultSpec(_Model):
    at: str
    until: str
    kind: Literal["throttling", "ews_errors", "outage", "latency"]
    target: Literal["ews", "console", "archive", "directory"] = "ews"
    back_off_ms: int = Field(default=5_000, ge=0, le=600_000)
    probability: float = Field(default=1.0, ge=0, le=1)
    factor: float = Field(default=10.0, ge=1, le=10_000)  # latency multiplier
    #: only these sites meet the fault (default: every site); an EWS fault on some sites
    #: needs them to have homed mailboxes (it applies to requests for those mailboxes)
    sites: list[str] | None = Field(default=None, min_length=1)

    _at = field_validator("at", "until", mode="before")(check_duration)

    @model_validator(mode="after")
    def _order(self) -> FaultSpec:
        if parse_offset(self.until) <= parse_offset(self.at):
            raise ValueError("until must be after at")
        return self


class Scenario(_Model):
    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    seed: int = 7
    start: datetime | None = None  # when the simulation begins (UTC); default: the tenant profile's "now"
    horizon: str = "1d"
    tenant: TenantSpec = Field(default_factory=TenantSpec)
    sites: list[SiteSpec] = Field(min_length=1)
    schedules: list[NamedSchedule] = Field(default_factory=list)
    definitions: list[NamedDefinition] = Field(default_factory=list)
    tasks: list[TaskSpec] = Field(default_factory=list)
    activity: ActivitySpec = Field(default_factory=ActivitySpec)
    admin: list[AdminAction] = Field(default_factory=list)
    faults: list[FaultSpec] = Field(default_factory=list)
    checks: list[str] = Field(default_factory=lambda: list(RULES))
    latency: dict[str, float] = Field(default_factory=dict)  # LatencyModel overrides

    _horizon = field_validator("horizon", mode="before")(check_duration)

    @field_validator("checks")
    @classmethod
    def _rules(cls, value: list[str]) -> list[str]:
        for rule in value:
            if rule not in RULES:
                raise ValueError(f"{rule!r} is not a rule the oracle checks ({', '.join(RULES)})")
        return value

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        sites = {s.code for s in self.sites}
        homed = {s.code for s in self.sites if s.mailboxes}
        schedules = {s.name for s in self.schedules}
        definitions = {d.name for d in self.definitions}
        tasks = set()

        def check_task(task: TaskSpec, loc: tuple[Any, ...]) -> None:
            for value, known, what in (
                (task.site, sites, "site"),
                (task.schedule, schedules, "schedule"),
                (task.definition, definitions, "definition"),
            ):
                if value not in known:
                    raise RefError((*loc, what), f"no {what} named {value!r}")
            if task.group.site_mailboxes and task.site not in homed:
                raise RefError(
                    (*loc, "group", "site_mailboxes"),
                    f"site {task.site!r} has no mailboxes (give the site mailboxes: N)",
                )

        for n, task in enumerate(self.tasks):
            check_task(task, ("tasks", n))
            tasks.add(task.name)
        for n, action in enumerate(self.admin):
            if action.task is not None and action.task not in tasks and action.action != "create_task":
                raise RefError(("admin", n, "task"), f"no task named {action.task!r}")
            if action.new_task is not None:
                check_task(action.new_task, ("admin", n, "new_task"))
                tasks.add(action.new_task.name)
        for n, fault in enumerate(self.faults):
            for code in fault.sites or ():
                if code not in sites:
                    raise RefError(("faults", n, "sites"), f"no site named {code!r}")
                ews = fault.kind in ("throttling", "ews_errors") or (fault.kind == "outage" and fault.target == "ews")
                if ews and code not in homed:
                    raise RefError(
                        ("faults", n, "sites"),
                        f"an EWS fault on site {code!r} needs the site's mailboxes (give it mailboxes: N)",
                    )
        total = sum(s.mailboxes or 0 for s in self.sites)
        if self.tenant.mailboxes is not None and total > self.tenant.mailboxes:
            raise RefError(("sites",), f"the sites' mailboxes ({total}) are more than the tenant's")
        return self

    @field_validator("start")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give start with a UTC offset, e.g. 2024-06-03T00:00:00Z")
        return value

    def horizon_delta(self) -> timedelta:
        return parse_offset(self.horizon)


class ScenarioError(SpecFileError):
    """A scenario that cannot run: where (file, line, field) and why."""


_TAGS = frozenset(
    {
        "one_off",
        "daily",
        "weekly",
        "mfr",
        "calendar",
        "msm",
        "managed_folders",
        "ad_security_group",
        "ad_distribution_group",
        "o365_group",
        "single_mailbox",
        "mailbox_list",
    }
)


def _with_population(scenario: Scenario, folder: Path, path: str, line: int | None) -> Scenario:
    """The scenario with its population file found (beside the scenario file unless it
    is absolute or a built-in's name) and checked, its errors given with their lines."""
    from ..population import PopulationError, builtin_names, resolve_population

    name = scenario.tenant.population
    assert name is not None
    if name not in builtin_names() and not Path(name).is_absolute():
        name = str(folder / name)
    try:
        resolve_population(name)
    except PopulationError as exc:
        raise ScenarioError(f"the population: {exc}", path, line, "tenant.population") from exc
    return scenario.model_copy(update={"tenant": scenario.tenant.model_copy(update={"population": name})})


def load_scenario(source: str | Path, text: str | None = None) -> Scenario:
    """A scenario from a YAML file (or ``text``); errors name the line and field, and
    nothing is returned half-built."""
    path = str(source)
    data, lines = read_mapping(source, text, "a scenario (name, sites, tasks, …)", ScenarioError)
    scenario = validate(Scenario, data, lines, path, ScenarioError, _TAGS)
    if scenario.tenant.population is not None:
        scenario = _with_population(scenario, Path(path).parent, path, line_of(lines, ("tenant", "population")))
    from .check import console_refusal  # the console's own rules, replayed (imports the console)

    refused = console_refusal(scenario)
    if refused is not None:
        raise ScenarioError(
            f"the console refuses it: {refused.message}",
            path,
            line_of(lines, refused.loc, _TAGS),
            field_name(refused.loc, _TAGS),
        )
    return scenario


__all__ = ["RULES", "Scenario", "ScenarioError", "load_scenario", "parse_offset"]
