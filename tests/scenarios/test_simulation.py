"""The simulated scenarios: every built-in passes its checks and repeats its golden
trace; deliberately broken engine behaviours are caught by the oracle; a malformed
scenario file is refused with the line and the field, and nothing runs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scenarios.sim.builtin import BUILTIN, resolve
from scenarios.sim.report import html_report, trace_digest, trace_lines, write_reports
from scenarios.sim.runner import RunResult, run_scenario
from scenarios.sim.spec import ScenarioError, load_scenario
from synceng.cli import main

GOLDEN = Path(__file__).parent / "golden"
SMALL = [name for name in BUILTIN if name not in ("site-sizing", "multi-site")]  # the large ones: bench


def run(name: str, **kwargs: Any) -> RunResult:
    return run_scenario(resolve(name), **kwargs)


def failures(result: RunResult) -> dict[str, list[str]]:
    return {rule: v["failures"] for rule, v in result.verdicts.items() if v["status"] == "fail"}


@pytest.mark.parametrize("name", SMALL)
def test_builtin_scenario_passes_its_checks_and_repeats_its_golden_trace(name: str, tmp_path: Path) -> None:
    result = run(name)
    assert result.passed, failures(result)
    exercised = {rule for rule, v in result.verdicts.items() if v["status"] == "pass"}
    assert exercised, "the scenario exercised none of its checks"
    golden = GOLDEN / f"{name}.jsonl"
    lines = trace_lines(result)
    if not golden.exists():  # pragma: no cover - writing a new golden trace is a deliberate act
        golden.parent.mkdir(exist_ok=True)
        golden.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = golden.read_text(encoding="utf-8").splitlines()
    assert lines == expected, (
        f"{name}: the trace differs from {golden} (first difference at line "
        + str(
            next(
                (i for i, (a, b) in enumerate(zip(lines, expected, strict=False)) if a != b),
                min(len(lines), len(expected)),
            )
        )
        + ")"
    )
    paths = write_reports(result, tmp_path)
    report = json.loads(paths["json"].read_text())
    assert report["passed"] and report["trace_sha256"] == trace_digest(result)
    assert "<svg" in paths["html"].read_text() and paths["trace"].read_text().count("\n") == len(lines)


def test_the_html_report_shows_names_and_messages_as_text() -> None:
    """A scenario file is input, and a failure message quotes what the oracle read (folder
    names, subjects): the report shows them as text, never as markup."""
    scenario = resolve("quickstart").model_copy(
        update={"name": "<script>alert('name')</script>", "description": "Tom & Jerry's <b>day</b>"}
    )
    verdicts = {"R1": {"status": "fail", "checked": 1, "failures": ["folder <img src=x onerror=alert(2)> missing"]}}
    result = RunResult(scenario, 7, datetime(2024, 5, 1, tzinfo=UTC), timedelta(hours=1), 1.0, verdicts, {}, [])
    page = html_report(result)
    assert "<script" not in page and "<img src=x" not in page and "<b>" not in page
    assert "<h1>&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;</h1>" in page
    assert "<p>Tom &amp; Jerry&#39;s &lt;b&gt;day&lt;/b&gt;</p>" in page
    assert "<li>folder &lt;img src=x onerror=alert(2)&gt; missing</li>" in page


def test_site_sizing_runs_its_first_hours() -> None:
    """The full week is measured by `synceng bench` (sim_acceleration); here the first
    hours of 1,000 mailboxes: the initial replication and incremental runs, checked."""
    result = run("site-sizing", horizon=timedelta(hours=2, minutes=30))
    assert result.passed, failures(result)
    assert result.stats["mailboxes"] == 1000
    assert result.stats["mailbox_results"]["Success"] > 1900
    assert result.verdicts["R1"]["status"] == "pass"
    # the views of a large tenant are checked on a sample of 200 replicable mailboxes: at
    # the end (R3, and R1) and at each of their run boundaries, from the wire (R1)
    assert result.verdicts["R3"]["checked"] == 200
    assert result.verdicts["R1"]["checked"] >= 2 * 200


def test_the_same_seed_gives_the_same_trace_and_another_seed_another() -> None:
    first = run("quickstart", horizon=timedelta(hours=6))
    second = run("quickstart", horizon=timedelta(hours=6))
    other = run("quickstart", seed=8, horizon=timedelta(hours=6))
    assert trace_digest(first) == trace_digest(second)
    assert trace_digest(first) != trace_digest(other)


def test_loopback_http_gives_the_same_trace_as_the_in_process_transport() -> None:
    """The transport carries the same requests either way (waitress on loopback here):
    the simulated outcome does not depend on it."""
    over_http = run("quickstart", transport="http")
    assert over_http.passed, failures(over_http)
    expected = (GOLDEN / "quickstart.jsonl").read_text(encoding="utf-8").splitlines()
    assert trace_lines(over_http) == expected


# -- scenario files --------------------------------------------------------------------------------


def one_task(site_line: str, site: str) -> str:
    """A scenario file of one site (its line given) and one nightly MFR task on ``site``
    for all mailboxes: the task's site is on line 12, its group on line 16."""
    return (
        f"name: x\nsites:\n{site_line}\nschedules:\n  - name: S\n"
        "    spec: {kind: daily, times: {mode: once, start: '01:00'}}\n"
        f"definitions:\n  - name: D\n    spec: {{type: mfr}}\ntasks:\n  - name: t\n    site: {site}\n    type: mfr\n"
        "    definition: D\n    schedule: S\n    group: {all_mailboxes: true}\n"
    )


BAD_FILES = [
    ("name: x\nsites: [{code: A}\n", 3, "", "not valid YAML"),
    # hostile YAML: aliases (billion laughs) and deep nesting (pyyaml is quadratic in depth)
    ("name: x\nsites:\n  - &a {code: A}\n  - *a\n", 4, "", "aliases (*name) are not accepted"),
    ("name: x\nsites:\n  - code: A\nlatency: " + "[" * 5_000 + "]" * 5_000 + "\n", 4, "", "nested more than 32"),
    ("name: x\nsites:\n  - code: A\nhorizon: forever\n", 4, "horizon", "is not a duration"),
    ("name: x\nsites:\n  - code: A\n    colour: red\n", 4, "sites.0.colour", "Extra inputs are not permitted"),
    (
        one_task("  - code: A", site="B"),
        12,
        "tasks.0.site",
        "no site named 'B'",
    ),
    ("name: x\nsites:\n  - code: A\nchecks: [R1, Z9]\n", 4, "checks", "is not a rule"),
    # the console's rules, before anything runs (a run would die half-built)
    ("name: x\nsites:\n  - code: A\n    time_zone: Europe/Londn\n", 4, "sites.0.time_zone", "not an IANA time zone"),
    ("name: x\nsites:\n  - code: -A\n", 3, "sites.0.code", "a site code is"),
    (
        one_task("  - {code: A, engine_version: 2.6.0}", site="A"),
        16,
        "tasks.0.group.kind",
        "need a site at engine version 2.7",
    ),
    (
        "name: x\nsites:\n  - code: A\nschedules:\n  - name: S\n    spec: {kind: daily, times: {start: '01:00'}}\n"
        "definitions:\n  - name: D\n    spec: {type: calendar}\ntasks:\n  - name: t\n    site: A\n    type: mfr\n"
        "    definition: D\n    schedule: S\n    group: {all_mailboxes: true}\n",
        14,
        "tasks.0.definition",
        "needs a Mailbox Folder Replication definition",
    ),
    (
        "name: x\nsites:\n  - code: A\nschedules:\n  - name: S\n    spec: {kind: daily, times: {start: '01:00'}}\n"
        "definitions:\n  - name: D\n    spec: {type: mfr}\ntasks:\n  - name: t\n    site: A\n    type: mfr\n"
        "    definition: D\n    schedule: S\n    group: {all_mailboxes: true}\n"
        "admin:\n  - {at: 1h, action: change_definition, definition: D, spec: {type: calendar}}\n",
        18,
        "admin.0.spec.type",
        "keeps its type",
    ),
    (
        "name: x\nsites:\n  - code: A\nschedules:\n  - name: S\n    spec:\n      kind: daily\n"
        "      times: {mode: many, start: '10:00', end: '09:00', interval_minutes: 5}\n",
        8,
        "schedules.0.spec.times",
        "end must be after start",
    ),
]


@pytest.mark.parametrize(("text", "line", "field", "message"), BAD_FILES)
def test_malformed_scenarios_name_the_line_and_field(text: str, line: int, field: str, message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario("bad.yaml", text)
    error = caught.value
    assert (error.line, error.field) == (line, field), str(error)
    assert message in str(error) and str(error).startswith(f"bad.yaml:{line}: ")


def test_a_malformed_file_runs_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsites:\n  - code: A\n    colour: red\n")
    result = CliRunner().invoke(main, ["scenario", "run", str(bad), "--report", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert f"{bad}:4: sites.0.colour" in result.output
    assert not (tmp_path / "out").exists()
    checked = CliRunner().invoke(main, ["scenario", "check", str(bad)])
    assert checked.exit_code == 1 and "colour" in checked.output
    listed = CliRunner().invoke(main, ["scenario", "list"])
    assert all(name in listed.output for name in BUILTIN)
