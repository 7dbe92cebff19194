"""The scenario report as a person reads it (issue 12, Deliver 6): the changes not yet
replicated are measured in one unit and fall back to zero after each replication;
the plots say their units; the administrator's actions and the fault windows are on
the time axis and in a table; mailbox runs that did not replicate are listed with
their reasons; each verdict once; durations in words; a row per task and per mailbox;
no Python internals anywhere; one self-contained page that opens offline.

One short run of the quickstart scenario (six simulated hours, the administrator's
definition change at 3 h included) serves every test."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from playwright.sync_api import Request, sync_playwright
from rich.console import Console

from engine.durations import duration_text
from scenarios.sim import report_data
from scenarios.sim.builtin import resolve
from scenarios.sim.report import html_report, print_summary, write_reports
from scenarios.sim.runner import RunResult, run_scenario
from scenarios.sim.spec import FaultSpec
from tests.console.test_browser import CHROMIUM_ARGS, chromium_path

HORIZON = timedelta(hours=6)
#: a timedelta's repr ("1 day, 0:00:00", "6:00:00") or a clock time to the second
TIMEDELTA = re.compile(r"\d+ days?, \d+:\d\d|\b\d{1,2}:\d\d:\d\d\b")


class Text(HTMLParser):
    """The text a person sees (no styles, no title), and each section's text by the
    id of its heading."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.sections: dict[str, list[str]] = {}
        self._section = ""
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "title", "script"):
            self._skip += 1
        if tag == "h2":
            self._section = dict(attrs).get("id") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        words = " ".join(data.split())  # as a browser lays it out
        if not self._skip and words:
            self.parts.append(words)
            self.sections.setdefault(self._section, []).append(words)

    def section(self, name: str) -> str:
        return " | ".join(self.sections.get(name, []))


def read(page: str) -> Text:
    text = Text()
    text.feed(page)
    return text


@pytest.fixture(scope="module")
def result() -> RunResult:
    run = run_scenario(resolve("quickstart"), horizon=HORIZON)
    assert run.passed
    return run


@pytest.fixture(scope="module")
def page(result: RunResult) -> str:
    return html_report(result)


@pytest.fixture(scope="module")
def text(page: str) -> Text:
    return read(page)


def mfr_ends(result: RunResult) -> list[datetime]:
    """When each execution of the quickstart's MFR task ended (the trace: site events)."""
    task = next(t for t, info in result.observed.tasks.items() if info.name == "replicate")
    return [datetime.fromisoformat(e["t"]) for e in result.trace if e["event"] == "execution_end" and e["task"] == task]


def test_the_backlog_counts_changes_and_falls_back_to_zero_after_each_replication(result: RunResult) -> None:
    """Measured, not estimated: the changes people made wait until the next MFR run has
    the mailbox, then leave the backlog — it does not climb all day."""
    (mfr,) = [s for s in report_data.backlog(result) if s.type == "Mailbox Folder Replication"]
    assert mfr.counted > 0 and mfr.peak > 0
    ends = mfr_ends(result)
    assert len(ends) >= 5  # hourly
    for end in ends:
        assert mfr.at(end) == 0, f"changes still waiting when the run ending {end} was done"
    waited = [end for end in ends if mfr.at(end - timedelta(minutes=1)) > 0]
    assert waited, "no run found changes waiting"
    # every counted change left the backlog by the last run's end, none is lost or doubled
    assert mfr.points[0][1] == 0 and mfr.at(ends[-1]) == 0
    assert all(value >= 0 for _, value in mfr.points)
    # the mailboxes no MFR run replicated (Skipped accounts) are counted apart, not as backlog
    skipped = {row.mailbox for row in result.observed.rows if row.result == "Skipped"}
    assert mfr.left_out_mailboxes == len({c.mailbox for c in result.observed.changes if c.mailbox in skipped})


def test_the_plots_say_their_units(page: str, text: Text) -> None:
    backlog, throughput = text.section("backlog"), text.section("throughput")
    assert "Changes not yet replicated (items)" in backlog
    assert "changes not yet replicated | (items)" in backlog  # the y axis's label, on two lines
    assert "Throughput: items sent to the archive per simulated hour" in throughput
    assert "items per | simulated hour" in throughput
    assert backlog.count("simulated time (UTC)") == 1 and throughput.count("simulated time (UTC)") == 1
    assert "execution duration (simulated seconds)" in text.section("durations")
    assert page.count("<svg ") == 3 and "<img" not in page


def test_administrator_actions_are_marked_on_the_time_axis_and_listed(result: RunResult, text: Text) -> None:
    (mark,) = report_data.admin_marks(result)
    assert mark.at == result.start + timedelta(hours=3) and mark.text == "definition “All mail” changed"
    for plot in ("backlog", "throughput"):
        assert "administrator action" in text.section(plot)  # the legend of the numbered dashed line
    assert "1 | Sat 1 Jun 12:00 | 3 h | definition “All mail” changed" in text.section("timeline")


def test_fault_windows_are_shaded_on_the_time_axis_and_listed(result: RunResult) -> None:
    faults = [
        FaultSpec(at="1h", until="2h30m", kind="throttling", back_off_ms=30_000, probability=0.5),
        FaultSpec(at="4h", until="9h", kind="outage", target="archive"),
    ]
    faulty = dataclasses.replace(result, scenario=result.scenario.model_copy(update={"faults": faults}))
    text = read(html_report(faulty))
    throttling = "Exchange (EWS) throttling: ErrorServerBusy, back-off 30 s, 50% of requests"
    for plot in ("backlog", "throughput"):
        assert throttling in text.section(plot) and "the archive unreachable" in text.section(plot)
    listed = text.section("timeline")
    assert f"Sat 1 Jun 10:00 | Sat 1 Jun 11:30 | 1 h 30 min | {throttling}" in listed
    assert "Sat 1 Jun 13:00 | Sat 1 Jun 15:00 | 2 h | the archive unreachable" in listed  # cut at the horizon


def test_mailbox_runs_that_did_not_succeed_are_listed_with_their_reasons(result: RunResult, text: Text) -> None:
    listed = text.section("unsuccessful")
    skipped = {(e["mailbox"], e["task"]) for e in result.trace if e.get("result") == "Skipped"}
    assert skipped, "the quickstart tenant has accounts a task skips (T9)"
    for mailbox, _ in skipped:
        reason = next(r.reason for r in result.observed.rows if r.mailbox == mailbox and r.result == "Skipped")
        assert reason in ("account disabled", "account not licensed", "no mailbox")
        assert f"Skipped | replicate | {mailbox} | {reason} |" in listed


def test_each_verdict_appears_once(result: RunResult, page: str, text: Text) -> None:
    verdicts = text.section("verdicts")
    for rule, verdict in result.verdicts.items():
        assert page.count(f'<th scope="row">{rule}</th>') == 1
        assert f"{rule} | {report_data.RULE_TITLES[rule]} | {verdict['status']}" in verdicts
    assert text.parts.count("Verdicts") == 2  # the heading and its link, nothing more
    assert f"All {len(result.verdicts)} checks pass" in text.parts


def test_durations_and_times_read_as_words(text: Text) -> None:
    seen = " | ".join(text.parts)
    assert not TIMEDELTA.search(seen), TIMEDELTA.search(seen)
    assert "Simulated 6 h, from Sat 1 Jun 09:00 to Sat 1 Jun 15:00 (UTC)" in seen


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (timedelta(days=1), "1 day"),
        (timedelta(hours=6), "6 h"),
        (200, "3 min 20 s"),
        (timedelta(days=2, hours=3, seconds=5), "2 days 3 h"),
        (timedelta(hours=1, seconds=30), "1 h"),  # consecutive units only
        (4.25, "4.2 s"),
        (0.034, "0.034 s"),
    ],
)
def test_a_duration_reads_as_words(value: timedelta | float, words: str) -> None:
    assert duration_text(value) == words


def test_no_python_internals_show(page: str, text: Text) -> None:
    seen = " | ".join(text.parts)
    for leak in ("<built-in", "object at 0x", "Traceback", "{'", "[]"):
        assert leak not in page, leak
    assert not re.search(r"\bNone\b", seen)


def test_the_terminal_summary_reads_as_words(result: RunResult) -> None:
    """`synceng demo` prints the summary before it writes the page: the same words."""
    console = Console(record=True, width=120)
    print_summary(result, console)
    said = console.export_text()
    assert "quickstart — seed 7, 6 h simulated in" in said
    assert re.search(r"mailbox runs \(\d+ \w+(, \d+ \w+)*\)", said), said  # "(10 Success, 10 Skipped)"
    assert not TIMEDELTA.search(said) and "{'" not in said


def test_a_row_for_each_task_and_each_mailbox_it_met(result: RunResult, text: Text) -> None:
    tasks = text.section("tasks")
    assert "replicate | Mailbox Folder Replication | LON | 5 |" in tasks  # hourly, 10:00 to 14:00
    assert "calendars | Calendar Replication | LON | 0 |" in tasks and "never ran" in tasks  # nightly, not yet
    mailboxes = text.section("mailboxes")
    met = {(e["mailbox"], e["task"]) for e in result.trace if e["event"] == "mailbox_done"}
    assert len(met) == 4
    for mailbox, _ in met:
        runs = sum(1 for e in result.trace if e["event"] == "mailbox_done" and e["mailbox"] == mailbox)
        assert re.search(rf"{re.escape(mailbox)} \| replicate \| {runs} (Success|Skipped)", mailboxes), mailbox


def test_the_report_is_one_file_that_opens_offline(result: RunResult, tmp_path: Path) -> None:
    """Written beside report.json and trace.jsonl, the page asks for nothing outside
    itself, and a browser shows every plot."""
    html = write_reports(result, tmp_path)["html"]
    asked: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()

            def refuse(route: object, request: Request) -> None:
                asked.append(request.url)
                route.abort()  # type: ignore[attr-defined]

            page.route(re.compile(r"^(?!file:).*"), refuse)
            page.goto(html.as_uri())
            for name in ("backlog", "throughput", "durations"):
                box = page.locator(f"#{name} + figure svg").bounding_box()
                assert box is not None and box["width"] > 400 and box["height"] > 150, name
            shown = page.locator("body").inner_text()
        finally:
            browser.close()
    assert asked == []
    assert "All 9 checks pass" in shown and "Changes not yet replicated" in shown
