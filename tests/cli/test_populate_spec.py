"""`synceng populate --spec` with the README's population file, as QA would run it
(issue 15, item 3): a real `synceng serve --spec … --empty` process, the file pushed
through EWS by the CLI, read back with exchangelib and Graph; a second run adds nothing;
the README's error example is what a bad file gives; two --out files are identical."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import requests
from click.testing import CliRunner
from exchangelib import IMPERSONATION, Account, Configuration, Credentials
from exchangelib.recurrence import NumberedPattern, WeeklyPattern

from synceng.cli import main

from ..graph.client import Graph
from .test_serve_ews import start_server, stop_server

README = Path(__file__).resolve().parents[2] / "README.md"
ADMIN_TOKEN = "population-test-token"


def readme() -> str:
    return README.read_text(encoding="utf-8")


def readme_population() -> str:
    for block in re.findall(r"```yaml\n(.*?)```", readme(), re.S):
        if block.startswith("# qa-population.yaml\n"):
            return str(block)
    raise AssertionError("README.md has no yaml block starting with '# qa-population.yaml'")


def readme_commands() -> list[list[str]]:
    """The README's `synceng populate`/`serve` commands for the file, as argument lists."""
    block = readme().split("synceng populate --spec qa-population.yaml --dry-run", 1)[1].split("```", 1)[0]
    block = "synceng populate --spec qa-population.yaml --dry-run" + block
    commands = []
    for command in re.sub(r"\\\n\s*", " ", block).splitlines():
        words = command.split("#", 1)[0].replace("&", "").split()
        if words:
            commands.append(words[1:])
    return commands


def test_the_readme_population_through_ews_then_nothing_to_add(tmp_path: Path) -> None:
    spec = tmp_path / "qa-population.yaml"
    spec.write_text(readme_population(), encoding="utf-8")
    dry, serve, populate = readme_commands()
    assert dry == ["populate", "--spec", "qa-population.yaml", "--dry-run"]
    assert serve[:4] == ["serve", "--spec", "qa-population.yaml", "--empty"]
    runner = CliRunner()
    checked = runner.invoke(main, [spec if a == "qa-population.yaml" else a for a in dry])  # type: ignore[misc]
    assert checked.exit_code == 0, checked.output
    assert re.search(r"would load 5 mailboxes, \d+ user folders, \d+ messages, \d+ calendar items", checked.output)

    process, url = start_server("--spec", str(spec), "--empty", "--admin-token", ADMIN_TOKEN, command=("serve",))
    try:
        args = [str(spec) if a == "qa-population.yaml" else a for a in populate]
        args[args.index("--ews-url") + 1] = url
        args.append("--no-progress")
        first = runner.invoke(main, args)
        assert first.exit_code == 0, first.output
        claimed = re.search(r"what it created — `(.*?)`", readme(), re.S)
        assert claimed is not None
        assert " ".join(claimed.group(1).split()) in first.output  # the README's figures are this run's
        again = runner.invoke(main, args)
        assert again.exit_code == 0 and "Nothing to add." in again.output, again.output
        assert re.search(r"created 0 folders and 0 items .*; (\d+) items were already there", again.output)

        user, password = args[args.index("--user") + 1], args[args.index("--password") + 1]
        config = Configuration(service_endpoint=url, credentials=Credentials(user, password))
        ann = Account("ann.lee@contoso.example", config=config, access_type=IMPERSONATION, autodiscover=False)
        apollo = ann.inbox / "Matters" / "Apollo"
        [letter] = list(apollo.filter(subject="Apollo engagement letter"))
        assert letter.subject == "Apollo engagement letter" and letter.sensitivity == "Confidential"
        assert (letter.sender.name, letter.sender.email_address) == ("Bo Chen", "bo.chen@contoso.example")
        assert letter.datetime_received.isoformat() == "2024-05-02T08:15:00+00:00"
        assert [(a.name, a.size) for a in letter.attachments] == [("engagement.pdf", 48000)]
        digests = sorted(ann.inbox.filter(subject__startswith="Weekly digest"), key=lambda m: m.datetime_received)
        assert len(digests) == 8
        assert [(b.datetime_received - a.datetime_received).days for a, b in itertools.pairwise(digests)] == [7] * 7
        [standup] = list(ann.calendar.filter(subject="Apollo stand-up"))
        assert isinstance(standup.recurrence.pattern, WeeklyPattern)
        assert [int(d) for d in standup.recurrence.pattern.weekdays] == [1, 4]  # Monday, Thursday
        assert isinstance(standup.recurrence.boundary, NumberedPattern) and standup.recurrence.boundary.number == 10
        assert "Hearings" in [f.name for f in ann.calendar.children]

        base = url.rsplit("/EWS/", 1)[0]
        state = requests.get(
            f"{base}/mockad-api/state", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10
        ).json()
        graph = Graph(base, state["tenant_id"])
        [legal] = graph.all("groups", **{"$filter": "displayName eq 'Legal'"})
        members = graph.all(f"groups/{legal['id']}/members")
        assert sorted(m["mail"] for m in members) == ["ann.lee@contoso.example", "bo.chen@contoso.example"]
        assert legal["securityEnabled"] is True
    finally:
        stop_server(process)


def test_the_readme_error_example(tmp_path: Path) -> None:
    text = readme_population()
    bad = tmp_path / "qa-population.yaml"
    bad.write_text(text.replace("folder: inbox/Matters/Apollo", "folder: inbox/Matters/Zeus", 1), encoding="utf-8")
    result = CliRunner().invoke(main, ["populate", "--spec", str(bad), "--dry-run"])
    assert result.exit_code == 2
    shown = re.search(r"nothing is created:\n\n```\n(.*?)```", readme(), re.S)
    assert shown is not None
    expected = " ".join(shown.group(1).split())
    said = " ".join(result.output.split())
    assert expected.replace("qa-population.yaml", str(bad)) in said, said


def test_populate_spec_out_twice_gives_byte_identical_files(tmp_path: Path) -> None:
    spec = tmp_path / "qa-population.yaml"
    spec.write_text(readme_population(), encoding="utf-8")
    files = [tmp_path / "a.world", tmp_path / "b.world"]
    for out in files:
        done = CliRunner().invoke(main, ["populate", "--spec", str(spec), "--out", str(out)])
        assert done.exit_code == 0, done.output
        assert "loaded the legal-hold-qa population (seed 7): 5 mailboxes" in done.output
    assert files[0].read_bytes() == files[1].read_bytes()
    other = CliRunner().invoke(main, ["populate", "--spec", str(spec), "--seed", "8", "--out", str(tmp_path / "c")])
    assert other.exit_code == 0 and (tmp_path / "c").read_bytes() != files[0].read_bytes()


def test_populate_list_names_the_builtins() -> None:
    result = CliRunner().invoke(main, ["populate", "--list"])
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.output.splitlines()]
    assert names == ["every-setting", "large", "medium", "small", "tiny"]
    assert "4 mailboxes" in result.output
