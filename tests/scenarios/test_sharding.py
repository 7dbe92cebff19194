"""A scenario sharded by site on Dask (issue 14, Deliver 3): the merged result equals
the unsharded run of the same scenario and seed — verdicts, figures, trace, timeline
and what the report plots — through a real local cluster of worker processes and
through ``synceng scenario run --workers``; mail between mailboxes of different
shards arrives on both sides; a shard that leaves out a site, or mail that does not
cross shards, is caught by the comparison; without Dask the options say how to
install it; a scenario whose sites' tasks can reach the same mailboxes is refused."""

from __future__ import annotations

import itertools
import json
import logging
import math
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scenarios.generator import TenantGenerator
from scenarios.sim import activity
from scenarios.sim.builtin import resolve
from scenarios.sim.report import trace_lines
from scenarios.sim.runner import RunResult, run_scenario
from scenarios.sim.sharding import (
    INSTALL_HINT,
    comparable,
    merge,
    plan_shards,
    run_shard,
    run_sharded,
    shard_refusal,
)
from scenarios.sim.spec import Scenario, ScenarioError, load_scenario
from scenarios.sim.tenant import DOMAIN, home_sites, profile_for
from synceng.cli import main

#: three sites of six mailboxes (two more homed at none), two hours: MFR at each,
#: Calendar at one, the administrator's changes, a fault on each site, lively mail
SMALL = """\
name: small-multi-site
seed: 5
horizon: 2h
start: 2024-06-03T08:00:00Z
tenant: {profile: custom, mailboxes: 20, messages_per_mailbox: 8, calendar_items_per_mailbox: 2, groups: 2}
sites:
  - {code: AMS, time_zone: Europe/Amsterdam, mailboxes: 6}
  - {code: BOS, time_zone: America/New_York, mailboxes: 6}
  - {code: SYD, time_zone: Australia/Sydney, mailboxes: 6}
schedules:
  - name: Hourly
    spec: {kind: daily, times: {mode: many, start: "00:00", end: "23:00", interval_minutes: 60}}
  - name: Half-hourly
    spec: {kind: daily, times: {mode: many, start: "00:15", end: "23:45", interval_minutes: 30}}
definitions:
  - {name: MFR, spec: {type: mfr}}
  - {name: MFR lean, spec: {type: mfr, exclude_sent_items: true}}
  - {name: Calendars, spec: {type: calendar}}
tasks:
  - {name: ams-mfr, site: AMS, type: mfr, definition: MFR, schedule: Hourly, group: {site_mailboxes: true}}
  - {name: bos-mfr, site: BOS, type: mfr, definition: MFR lean, schedule: Hourly, group: {site_mailboxes: true}}
  - {name: syd-mfr, site: SYD, type: mfr, definition: MFR, schedule: Half-hourly, group: {site_mailboxes: true}}
  - {name: bos-cal, site: BOS, type: calendar, definition: Calendars, schedule: Hourly, group: {site_mailboxes: true}}
activity:
  {mail_per_day: 60, sent_per_day: 40, moves_per_day: 6, calendar_changes_per_day: 4, directory_changes_per_day: 4}
admin:
  - {at: "50m", action: change_definition, definition: MFR, spec: {type: mfr, exclude_deleted_items: true}}
  - {at: "1h05m", action: change_task, task: bos-mfr, schedule: Half-hourly}
  - at: "1h25m"
    action: change_schedule
    schedule: Hourly
    spec: {kind: daily, times: {mode: many, start: "00:30", end: "23:30", interval_minutes: 60}}
faults:
  - {at: "20m", until: "1h", kind: latency, factor: 20, sites: [AMS]}
  - {at: "40m", until: "1h20m", kind: throttling, back_off_ms: 20000, probability: 0.5, sites: [BOS]}
  - {at: "1h30m", until: "1h45m", kind: outage, target: console, sites: [SYD]}
  - {at: "1h40m", until: "3h", kind: latency, factor: 2000, sites: [BOS]}  # BOS runs past the horizon
checks: [R1, R2, R3, R4, C1, T1, T4, T8, T9, T10, K1, X2]
"""


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario("small.yaml", SMALL)


@pytest.fixture(scope="module")
def unsharded(scenario: Scenario) -> RunResult:
    result = run_scenario(scenario)
    assert result.passed, {r: v["failures"] for r, v in result.verdicts.items() if v["status"] == "fail"}
    return result


def in_process(scenario: Scenario, plan: list[list[str]]) -> RunResult:
    """The shards one after the other in this process (what a worker runs), merged."""
    data = scenario.model_dump(mode="json")
    span = scenario.horizon_delta().total_seconds()
    return merge(scenario, [run_shard(data, scenario.seed, span, sites, n) for n, sites in enumerate(plan)], 1.0)


def differences(a: RunResult, b: RunResult) -> list[str]:
    left, right = comparable(a), comparable(b)
    return [key for key in left if left[key] != right[key]]


def test_a_run_sharded_on_a_dask_cluster_equals_the_unsharded_run(scenario: Scenario, unsharded: RunResult) -> None:
    """Through a running cluster of two worker processes (--scheduler): as many shards
    as it has worker threads.  (The CLI test below starts its own, with --workers.)"""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR
    ) as cluster:
        sharded = run_sharded(scenario, scheduler=cluster.scheduler_address)
    assert [s["sites"] for s in sharded.shards] == [["AMS", "SYD"], ["BOS"]]
    assert differences(unsharded, sharded) == []
    assert sharded.passed and sharded.to_json()["shards"] == sharded.shards
    # the checks were exercised, each shard contributing: every site's executions are there
    assert {rule for rule, v in sharded.verdicts.items() if v["status"] == "pass"} >= {"R1", "T1", "K1", "X2", "C1"}
    assert {e["site"] for e in sharded.trace if e["event"] == "execution_start"} == {"AMS", "BOS", "SYD"}


def tenant_mailboxes(scenario: Scenario) -> list[str]:
    """The tenant's mailboxes, as the runner has them (sorted)."""
    generator = TenantGenerator(profile_for(scenario.tenant), scenario.seed, DOMAIN)
    return sorted(generator.mailbox_addresses())


def test_mail_between_mailboxes_of_different_shards_arrives_on_both_sides(
    scenario: Scenario, unsharded: RunResult
) -> None:
    """Every mail a mailbox of one shard sends one of the other (the schedules say
    which) shows in both mailboxes' changes: sent on one side, arrived on the other
    (and the sharded run's changes are these, the first test says)."""
    addresses = tenant_mailboxes(scenario)
    homes = home_sites(addresses, scenario.sites)
    shard_of = {code: n for n, codes in enumerate(plan_shards(scenario, 2)) for code in codes}
    changes = {(c.mailbox, c.kind, c.at) for c in unsharded.observed.changes}
    window = timedelta(minutes=5)  # a mailbox being read takes it a moment later
    crossing = 0
    for index, sender in enumerate(addresses):
        for event in activity.schedule(scenario.seed, index, unsharded.start, activity.rates(scenario.activity), 20):
            if event.at > 90 * 60:  # before BOS turns slow (its mailboxes are read for long then)
                break
            if event.kind != "sent" or sender not in homes or addresses[event.peer] not in homes:
                continue
            peer = addresses[event.peer]
            if shard_of[homes[sender]] == shard_of[homes[peer]]:
                continue
            crossing += 1
            at = unsharded.start + timedelta(seconds=event.at)
            assert any(m == sender and k == "sent" and at <= t <= at + window for m, k, t in changes)
            assert any(m == peer and k == "arrival" and at <= t <= at + window for m, k, t in changes)
    assert crossing > 10


def test_the_comparison_catches_a_shard_that_leaves_out_a_site(scenario: Scenario, unsharded: RunResult) -> None:
    """Mutation: BOS's shard runs no site — its executions, rows and checks are missing."""
    dropped = in_process(scenario, [["AMS", "SYD"], []])
    assert {"verdicts", "stats", "trace", "rows"} <= set(differences(unsharded, dropped))


def test_the_comparison_catches_mail_that_does_not_cross_shards(
    scenario: Scenario, unsharded: RunResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mutation: each shard delivers only the mail its own mailboxes send — the
    mailboxes that had mail from the other shard hold something else."""
    dispatcher = activity.Activity.dispatcher

    def own_senders_only(self: activity.Activity, streams: list[Iterator[activity.Planned]]) -> Any:
        never = [itertools.repeat(activity.Planned(math.inf, n, 0, "read")) for n in range(len(streams))]
        return dispatcher(self, [s if self.mailboxes[n] in self.own else never[n] for n, s in enumerate(streams)])

    monkeypatch.setattr(activity.Activity, "dispatcher", own_senders_only)
    broken = in_process(scenario, plan_shards(scenario, 2))
    assert "changes" in differences(unsharded, broken)


def test_the_cli_shards_with_workers_and_writes_the_unsharded_runs_report(
    scenario: Scenario, unsharded: RunResult, tmp_path: Path
) -> None:
    file = tmp_path / "small.yaml"
    file.write_text(SMALL)
    outcome = CliRunner().invoke(
        main, ["scenario", "run", str(file), "--workers", "2", "--quiet", "--report", str(tmp_path / "out")]
    )
    assert outcome.exit_code == 0, outcome.output
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    expected = unsharded.to_json()
    assert report["verdicts"] == expected["verdicts"] and report["timeline"] == expected["timeline"]
    wall = ("wall_seconds", "acceleration")
    assert {k: v for k, v in report["stats"].items() if k not in wall} == {
        k: v for k, v in json.loads(json.dumps(expected["stats"])).items() if k not in wall
    }
    assert (tmp_path / "out" / "trace.jsonl").read_text().splitlines() == trace_lines(unsharded)
    assert [s["sites"] for s in report["shards"]] == [["AMS", "SYD"], ["BOS"]]


@pytest.mark.parametrize("option", [["--workers", "2"], ["--scheduler", "tcp://127.0.0.1:8786"]])
def test_without_dask_the_sharding_options_say_how_to_install_it(
    option: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    file = tmp_path / "small.yaml"
    file.write_text(SMALL)
    monkeypatch.setitem(sys.modules, "dask", None)  # import dask → ImportError
    monkeypatch.setitem(sys.modules, "distributed", None)
    outcome = CliRunner().invoke(main, ["scenario", "run", str(file), *option, "--report", str(tmp_path / "out")])
    assert outcome.exit_code == 2
    assert INSTALL_HINT in outcome.output and "pip install 'synceng[dask]'" in outcome.output
    assert not (tmp_path / "out").exists()


def test_a_scenario_whose_sites_can_share_mailboxes_is_refused(tmp_path: Path) -> None:
    """two-sites: London's task takes the first eight mailboxes, New York's AD groups —
    the same mailbox may be both sites'."""
    outcome = CliRunner().invoke(main, ["scenario", "run", "two-sites", "--workers", "2", "--report", str(tmp_path)])
    assert outcome.exit_code == 1
    assert "task 'lon-mfr' targets first: 8" in outcome.output and "site_mailboxes" in outcome.output
    assert not (tmp_path / "report.json").exists()


@pytest.mark.parametrize(
    ("group", "reason"),
    [
        ("{all_mailboxes: true}", "targets all_mailboxes"),
        ("{directory_group: {kind: security}}", "targets a directory group"),
        ("{first: 3}", "targets first: 3"),
    ],
)
def test_groups_that_may_reach_other_sites_cannot_be_sharded(group: str, reason: str) -> None:
    text = SMALL.replace("group: {site_mailboxes: true}}\n  - {name: bos-mfr", f"group: {group}}}\n  - {{name: bos-mfr")
    refused = shard_refusal(load_scenario("x.yaml", text))
    assert refused is not None and f"task 'ams-mfr' {reason}" in str(refused) and refused.field == "tasks.0.group"


def test_managed_folders_cannot_be_sharded() -> None:
    text = SMALL.replace(
        "  - {name: Calendars, spec: {type: calendar}}\n",
        "  - {name: Calendars, spec: {type: calendar}}\n  - {name: Managed, spec: {type: managed_folders}}\n",
    ).replace("type: calendar, definition: Calendars", "type: managed_folders, definition: Managed")
    refused = shard_refusal(load_scenario("x.yaml", text))
    assert refused is not None and "Managed Folders" in str(refused) and refused.field == "tasks.3.type"


def test_a_shard_refuses_a_task_reaching_a_mailbox_homed_elsewhere(scenario: Scenario) -> None:
    """A mailbox list is allowed when every address is homed at the task's site; the
    tenant's addresses are known only once it is built, so the shard checks."""
    tenant_mail = tenant_mailboxes(scenario)
    homes = home_sites(tenant_mail, scenario.sites)
    foreign = next(m for m in tenant_mail if homes.get(m) == "BOS")
    text = SMALL.replace(
        "group: {site_mailboxes: true}}\n  - {name: bos-mfr",
        f"group: {{target: {{kind: single_mailbox, address: {foreign}}}}}}}\n  - {{name: bos-mfr",
    )
    loaded = load_scenario("x.yaml", text)
    assert shard_refusal(loaded) is None
    with pytest.raises(ScenarioError, match=f"{foreign} is not homed at site AMS"):
        run_shard(loaded.model_dump(mode="json"), loaded.seed, 600.0, ["AMS"], 0)


def test_sites_are_balanced_over_the_shards_by_their_mailboxes() -> None:
    multi = resolve("multi-site")
    assert plan_shards(multi, 2) == [["LON", "FRA", "NYC", "SFO", "SIN"], ["PAR", "MAD", "CHI", "TYO", "SYD"]]
    assert len(plan_shards(multi, 64)) == 10
    uneven = load_scenario(
        "x.yaml",
        "name: x\ntenant: {profile: custom, mailboxes: 40}\nsites:\n"
        "  - {code: A, mailboxes: 20}\n  - {code: B, mailboxes: 5}\n  - {code: C, mailboxes: 12}\n"
        "  - {code: D, mailboxes: 3}\n  - {code: E}\n",
    )
    assert plan_shards(uneven, 2) == [["A", "E"], ["B", "C", "D"]]  # E: no mailboxes, to the shard of fewer sites
    assert plan_shards(uneven, 1) == [["A", "B", "C", "D", "E"]]


def test_site_mailboxes_need_the_site_to_have_mailboxes() -> None:
    text = SMALL.replace("  - {code: SYD, time_zone: Australia/Sydney, mailboxes: 6}", "  - {code: SYD}")
    with pytest.raises(ScenarioError) as caught:
        load_scenario("x.yaml", text)
    assert caught.value.field == "tasks.2.group.site_mailboxes" and "site 'SYD' has no mailboxes" in str(caught.value)
    with pytest.raises(ScenarioError, match="more than the tenant's"):
        load_scenario("x.yaml", SMALL.replace("mailboxes: 20,", "mailboxes: 17,"))
