"""A scenario whose tenant is a population file (``tenant: {population: FILE}``): the
file beside the scenario is what the simulation runs on, and its errors are named
with their lines when the scenario is checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from synceng.cli import main

POPULATION = """\
name: qa
seed: 3
generate: {mailboxes: 2, folders: {min: 1, max: 3}, messages: {per_mailbox: 10}, calendar: {per_mailbox: 1}}
mailboxes:
  - address: ann.lee@contoso.example
    folders: [inbox/Matters]
    messages:
      - {subject: Engagement letter, folder: inbox/Matters, from: bo@fabrikam.example,
         received: 2024-05-02T08:15:00Z, count: 3, every: 1d}
"""

SCENARIO = """\
name: qa-population
seed: 7
horizon: 3h
tenant: {population: qa.yaml}
sites: [{code: LON, time_zone: Europe/London}]
schedules:
  - name: Hourly
    spec: {kind: daily, times: {mode: many, start: "00:00", end: "23:00", interval_minutes: 60}}
definitions:
  - {name: All mail, spec: {type: mfr}}
tasks:
  - {name: replicate, site: LON, type: mfr, definition: All mail, schedule: Hourly, group: {all_mailboxes: true}}
activity: {mail_per_day: 30}
checks: [R1, R2, R3, T9]
"""


def files(tmp_path: Path, population: str = POPULATION, scenario: str = SCENARIO) -> Path:
    (tmp_path / "qa.yaml").write_text(population, encoding="utf-8")
    path = tmp_path / "scenario.yaml"
    path.write_text(scenario, encoding="utf-8")
    return path


def test_a_scenario_runs_on_its_population_file(tmp_path: Path) -> None:
    scenario = files(tmp_path)
    report = tmp_path / "report"
    result = CliRunner().invoke(main, ["scenario", "run", str(scenario), "--report", str(report)])
    assert result.exit_code == 0, result.output
    stats = json.loads((report / "report.json").read_text())["stats"]
    assert stats["mailboxes"] == 3  # two generated, Ann written out
    assert stats["mailbox_results"] == {"Success": stats["mailbox_runs"]} and stats["mailbox_runs"] >= 6
    # the same scenario beside another population: another tenant
    (tmp_path / "b").mkdir()
    other = files(tmp_path / "b", POPULATION.replace("mailboxes: 2", "mailboxes: 4"))
    again = CliRunner().invoke(main, ["scenario", "run", str(other), "--report", str(tmp_path / "r2")])
    assert again.exit_code == 0, again.output
    assert json.loads((tmp_path / "r2" / "report.json").read_text())["stats"]["mailboxes"] == 5


def test_the_populations_errors_are_named_with_both_files_lines(tmp_path: Path) -> None:
    scenario = files(tmp_path, POPULATION.replace("folder: inbox/Matters,", "folder: inbox/Zeus,"))
    result = CliRunner().invoke(main, ["scenario", "check", str(scenario)])
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert (
        f"{scenario}:4: tenant.population: the population: {tmp_path / 'qa.yaml'}:8: mailboxes.0.messages.0.folder:"
        in said
    ), said
    assert "'inbox/Zeus' is not a mail folder" in said


def test_population_and_profile_are_not_both_given(tmp_path: Path) -> None:
    scenario = files(
        tmp_path, scenario=SCENARIO.replace("{population: qa.yaml}", "{population: qa.yaml, mailboxes: 9}")
    )
    result = CliRunner().invoke(main, ["scenario", "check", str(scenario)])
    assert result.exit_code == 1
    assert "scenario.yaml:4: tenant.mailboxes: a population file says the tenant's size" in result.output
    missing = files(tmp_path, scenario=SCENARIO.replace("qa.yaml", "nowhere.yaml"))
    result = CliRunner().invoke(main, ["scenario", "check", str(missing)])
    assert result.exit_code == 1 and "no such file, and not a built-in population" in result.output


SHARDED = SCENARIO.replace(
    "sites: [{code: LON, time_zone: Europe/London}]",
    "sites:\n  - {code: LON, time_zone: Europe/London, mailboxes: 1}\n"
    "  - {code: NYC, time_zone: America/New_York, mailboxes: 2}",
).replace(
    "  - {name: replicate, site: LON, type: mfr, definition: All mail, schedule: Hourly, group: {all_mailboxes: true}}",
    "  - {name: lon, site: LON, type: mfr, definition: All mail, schedule: Hourly, group: {site_mailboxes: true}}\n"
    "  - {name: nyc, site: NYC, type: mfr, definition: All mail, schedule: Hourly, group: {site_mailboxes: true}}",
)


@pytest.mark.slow  # a Dask cluster
def test_a_population_scenario_sharded_by_site_equals_the_whole(tmp_path: Path) -> None:
    """The scenario crosses to the Dask workers whole (its population path absolute)."""
    scenario = files(tmp_path, scenario=SHARDED)
    reports = []
    for extra in ([], ["--workers", "2"]):
        report = tmp_path / f"report{len(extra)}"
        result = CliRunner().invoke(main, ["scenario", "run", str(scenario), "--report", str(report), *extra])
        assert result.exit_code == 0, result.output
        reports.append(json.loads((report / "report.json").read_text()))
    whole, sharded = reports
    assert whole["trace_sha256"] == sharded["trace_sha256"] and sharded["stats"]["mailboxes"] == 3
